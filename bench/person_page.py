"""Benchmark (issue 18): the officials' person page for a person with a year of everything.

    .venv/bin/python bench/person_page.py [--days 365] [--visits 52] [--renders 20]

Prints figures; asserts nothing. It creates a throwaway PostgreSQL database (``--db``, default
``rantang_bench_person`` on ``--server``, default postgres://postgres@127.0.0.1:5432; a leftover
of that name is dropped first), migrates it and writes one reached person in Genteng with a meal
plan started ``--days`` ago and a mark for every day since (one in seven "not at home", one in
twenty "refused"), ``--visits`` past visits each with an attending student and a report (one in
four flagged), a concern and a data-rights request. It then renders the page in-process
(django.test.Client) as an administrator (every section) and as a reviewer of Genteng, and
prints per role the SQL queries of one render and the CPU time per render (median over
``--renders``), first with a tenth of the history and then with all of it: the queries must not
grow with the deliveries or visits. The database goes away at the end, on failure too.
"""

import argparse
import datetime
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dbtools import create_database, drop_database
from bench.summary import quick_option, record

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
GENTENG = "35.10.09"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--days", type=int, default=365, help="days of deliveries")
    parser.add_argument("--visits", type=int, default=52, help="past visits with a report")
    parser.add_argument("--renders", type=int, default=20, help="renders per figure")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL, without a name")
    parser.add_argument("--db", default="rantang_bench_person", help="throwaway database")
    quick_option(parser, renders=5)
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        parser.error("--db must be a plain lower-case PostgreSQL name")
    return args


def officials():
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import Role, RoleGrant, User
    from regions.models import Kecamatan

    made = {}
    for role in (Role.ADMINISTRATOR, Role.REVIEWER):
        user = User.objects.create_user(email=f"{role}@bench.example", password="x" * 20)
        grant = RoleGrant.objects.create(user=user, role=role)
        if role == Role.REVIEWER:
            grant.kecamatan.set(Kecamatan.objects.filter(code=GENTENG))
        TOTP.activate(user, generate_totp_secret())
        made[str(role)] = user
    return made


def build(person_id: int | None, *, days: int, visits: int, today: datetime.date):
    """The person (made on the first call), and ``days`` of marks and ``visits`` visits back
    from where the previous call stopped."""
    from django.utils import timezone

    from community.models import Concern, RightsRequest
    from meals.models import (
        ChecklistItem,
        Delivery,
        Inspection,
        MealPlan,
        MealPlanTransition,
        Warung,
    )
    from portal.models import Recipient, Status
    from regions.models import Kecamatan, Village
    from volunteers.models import Booking, School, Student, VisitReport, VisitSlot

    kecamatan = Kecamatan.objects.get(code=GENTENG)
    if person_id is None:
        village = Village.objects.filter(kecamatan=kecamatan).order_by("code").first()
        person = Recipient.objects.create(
            status=Status.REACHED,
            nik="3510091205500001",
            name="Sumarno",
            village=village,
            kecamatan=kecamatan,
            pseudonym="Mbah Sum",
            story="Suka bercerita.",
            public_needs=["daily_meals"],
            monthly_need=720_000,
            published_at=timezone.now(),
        )
        warung = Warung.objects.create(
            name="Warung Bench",
            owner_name="Bu",
            address="Jl",
            kecamatan=kecamatan,
            daily_capacity=50,
        )
        start = today - datetime.timedelta(days=400)
        Inspection.objects.create(
            warung=warung,
            inspected_on=start,
            items_met=ChecklistItem.values,
            score=100,
            result=Inspection.Result.PASS,
            next_due=start + datetime.timedelta(days=180),
        )
        plan = MealPlan.objects.create(
            recipient=person, warung=warung, kecamatan=kecamatan, starts_on=start
        )
        MealPlanTransition.objects.create(
            plan=plan, to_status="active", reason="started", effective_on=start
        )
        now = timezone.now()
        base = {
            "contact_channel": "email",
            "contact_hash": "x" * 64,
            "consent_notice_version": "b",
            "consent_given_at": now,
            "contact_verified_at": now,
        }
        Concern.objects.create(**base, status="open", recipient=person, kind="other")
        RightsRequest.objects.create(
            recipient=person,
            kind="access",
            requester="self",
            requester_name="S",
            received_at=now,
            due_at=now + datetime.timedelta(hours=72),
        )
        school = School.objects.create(npsn="20599998", name="SMA Bench", kecamatan=kecamatan)
        student_user = __import__("accounts.models", fromlist=["User"]).User.objects.create_user(
            email="student@bench.example", password="x" * 20
        )
        Student.objects.create(
            user=student_user,
            school=school,
            class_name="XI",
            birth_date=datetime.date(2007, 1, 1),
            status="confirmed",
        )
        person_id = person.pk
    plan = MealPlan.objects.get(recipient_id=person_id)
    student = Student.objects.get()
    marked = set(Delivery.objects.filter(plan=plan).values_list("day", flat=True))
    rows = []
    day = today - datetime.timedelta(days=1)
    while len(rows) < days:
        if day not in marked:
            n = (today - day).days
            mark = "not_home" if n % 7 == 0 else "refused" if n % 20 == 0 else "delivered"
            rows.append(Delivery(plan=plan, day=day, mark=mark, portions=2))
        day -= datetime.timedelta(days=1)
    Delivery.objects.bulk_create(rows, batch_size=1000)
    done = VisitSlot.objects.filter(recipient_id=person_id).count()
    for week in range(done + 1, done + visits + 1):
        slot = VisitSlot.objects.create(
            recipient_id=person_id,
            kecamatan=kecamatan,
            starts_at=timezone.now() - datetime.timedelta(weeks=week),
            duration_minutes=60,
            capacity=3,
            seats_taken=1,
            meeting_point="Balai desa",
        )
        booking = Booking.objects.create(slot=slot, student=student, status="attended")
        flagged = week % 4 == 0
        VisitReport.objects.create(
            booking=booking,
            wellbeing="fair",
            flags=["looks_ill"] if flagged else [],
            flagged=flagged,
        )
    return person_id


def measure(users, public_id: str, renders: int) -> dict[str, tuple[int, float]]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    url = reverse("portal:person", args=[public_id])
    figures = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 200
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        cpu = []
        for _ in range(renders):
            started = time.process_time()
            client.get(url)
            cpu.append(time.process_time() - started)
        figures[role] = (len(queries), statistics.median(cpu))
    return figures


def main() -> int:
    args = parse_args()
    os.environ.update(
        {
            "PORTAL_ENV": "dev",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": f"{args.server.rstrip('/')}/{args.db}",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    from core.time import today_wib
    from portal.models import Recipient

    create_database(args.server, args.db)
    try:
        call_command("migrate", verbosity=0, interactive=False)
        users = officials()
        today = today_wib()
        tenth_days, tenth_visits = max(args.days // 10, 1), max(args.visits // 10, 1)
        person_id = build(None, days=tenth_days, visits=tenth_visits, today=today)
        public_id = Recipient.objects.get(pk=person_id).public_id
        small = measure(users, public_id, args.renders)
        build(
            person_id, days=args.days - tenth_days, visits=args.visits - tenth_visits, today=today
        )
        large = measure(users, public_id, args.renders)
        for label, days, visits, figures in (
            ("a tenth", tenth_days, tenth_visits, small),
            ("all", args.days, args.visits, large),
        ):
            for role, (queries, cpu) in figures.items():
                print(
                    f"{label:>7}: {days:>4} days of marks, {visits:>3} visits; {role:<14} "
                    f"{queries:>3} queries, {cpu * 1000:6.1f} ms CPU per render "
                    f"(median of {args.renders})"
                )
        for role, (queries, cpu) in large.items():
            record(
                f"person page ({role}): queries, a tenth vs all of the history",
                "flat",
                f"{small[role][0]} vs {queries}",
                small[role][0] == queries,
            )
            record(
                f"person page ({role}): CPU per render, all of the history",
                "",
                f"{cpu * 1000:.1f} ms",
                None,
            )
    finally:
        drop_database(args.server, args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
