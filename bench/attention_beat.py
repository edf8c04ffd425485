"""Benchmark (issue 18): the attention queue's beat task, ``attention.sweep``, over the
indicators benchmark's data set (5,000 reached people, a year of daily deliveries: about 1.8
million rows).

    .venv/bin/python bench/attention_beat.py [--people 5000] [--days 365] [--escalating 500]

Prints figures; asserts nothing. It creates a throwaway PostgreSQL database (``--db``, default
``rantang_bench_attention`` on ``--server``, default postgres://postgres@127.0.0.1:5432; a
leftover of that name is dropped first), migrates it and loads it with
``bench.indicators_bench.load`` (people, one warung per kecamatan, plans, deliveries by COPY up
to yesterday). Then it makes work for the beat: yesterday's marks of three warung are removed
(three unmarked warung-days), five warung's inspections fall due in the past (five overdue
inspections), ``--escalating`` missed-deliveries items are past their deadline, and a lead
reviewer and a reviewer per kecamatan receive the messages. At 21:30 WIB today (today's marks
not yet written: every warung's day is unmarked) it times, in a new connection:

- the whole sweep (rolled back), then each part alone: seconds and SQL queries, and how many of
  those queries read ``meals_delivery`` (one per day looked at, not one per person);
- the sweep run again with nothing left to do (the steady state of the quarter-hour beat).

The messages are written to the outbox as in production but not sent (that is the workers'
job, ``bench/notifications_bench.py``).

The database goes away at the end, on failure and on Ctrl-C too.
"""

import argparse
import datetime
import os
import re
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dbtools import create_database, drop_database
from bench.summary import quick_option, record

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--people", type=int, default=5000, help="reached people")
    parser.add_argument("--days", type=int, default=365, help="days of deliveries")
    parser.add_argument("--escalating", type=int, default=500, help="items past deadline")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL, without a name")
    parser.add_argument("--db", default="rantang_bench_attention", help="throwaway database")
    quick_option(parser, people=1000, days=120, escalating=100)
    args = parser.parse_args()
    if args.people < 25 or args.days < 40:
        parser.error("--people at least 25 and --days at least 40")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        parser.error("--db must be a plain lower-case PostgreSQL name")
    return args


class Rollback(Exception):
    pass


def measured(label: str, run) -> tuple[float, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - started
    deliveries = sum("meals_delivery" in q["sql"] for q in queries.captured_queries)
    print(
        f"{label:<44} {seconds * 1000:>9,.0f} ms {len(queries):>6} queries "
        f"({deliveries} reading meals_delivery)  -> {result}"
    )
    record(
        f"attention: {label.strip()}",
        "",
        f"{seconds * 1000:,.0f} ms, {len(queries)} queries ({deliveries} of meals_delivery)",
        None,
    )
    return seconds, result


def make_work(today: datetime.date, escalating: int) -> None:
    from django.utils import timezone

    from accounts.models import Role
    from attention.models import Kind
    from attention.services import item_open
    from meals.models import Delivery, Inspection, MealPlan, Warung
    from regions.models import Kecamatan
    from tests.factories import make_official

    yesterday = today - datetime.timedelta(days=1)
    warung = list(Warung.objects.order_by("pk"))
    Delivery.objects.filter(day=yesterday, plan__warung__in=warung[:3]).delete()
    Inspection.objects.filter(warung__in=warung[3:8]).update(
        next_due=today - datetime.timedelta(days=2)
    )
    make_official(Role.LEAD_REVIEWER)
    for kecamatan in Kecamatan.objects.all():
        make_official(Role.REVIEWER, kecamatan=(kecamatan.code,))
    past = timezone.now() - datetime.timedelta(days=2)
    plans = MealPlan.objects.select_related("recipient").order_by("pk")[:escalating]
    for plan in plans:
        item_open(
            Kind.MISSED_DELIVERIES,
            key=f"plan:{plan.pk}:bench",
            kecamatan_id=plan.kecamatan_id,
            recipient=plan.recipient,
            opened_at=past,
            source=f"meals.mealplan:{plan.pk}",
            announce=False,
        )


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main() -> int:
    args = parse_args()
    os.environ.update(
        {
            "PORTAL_ENV": "dev",
            "DEBUG": "0",
            "DATABASE_URL": f"{args.server.rstrip('/')}/{args.db}",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "LOG_LEVEL": "WARNING",
        }
    )
    signal.signal(signal.SIGTERM, _terminate)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections, transaction

    import notifications.services
    from attention.models import Item
    from attention.services import items_escalate
    from attention.sweep import attention_sweep, inspections_overdue_open, unmarked_days_open
    from bench.indicators_bench import load
    from core.time import WIB, today_wib
    from meals.models import Delivery

    # The outbox rows are written as in production; sending them is the workers' job
    # (bench/notifications_bench.py), not the beat's.
    notifications.services.dispatch_many = lambda pks: 0  # type: ignore[assignment]

    create_database(args.server, args.db)
    try:
        call_command("migrate", verbosity=0, interactive=False)
        today = today_wib()
        started = time.perf_counter()
        rows, copy_seconds = load(args.people, args.days, today)
        make_work(today, args.escalating)
        print(
            f"database: {args.db}; {args.people:,} reached people, {rows:,} deliveries over "
            f"{args.days} days (COPY {copy_seconds:.1f} s, all {time.perf_counter() - started:.1f}"
            f" s); {Delivery.objects.count():,} deliveries after removing 3 warung's yesterday;"
            f" {Item.objects.count()} items past their deadline"
        )
        now = datetime.datetime.combine(today, datetime.time(21, 30), tzinfo=WIB)
        yesterday = today - datetime.timedelta(days=1)
        connections.close_all()
        print(f"\nat {now:%Y-%m-%d %H:%M} WIB, a new connection:")
        try:
            with transaction.atomic():
                measured("attention_sweep (whole, rolled back)", lambda: attention_sweep(now=now))
                raise Rollback
        except Rollback:
            pass
        measured("  unmarked warung-days, yesterday", lambda: unmarked_days_open(day=yesterday))
        measured("  unmarked warung-days, today (21:00+)", lambda: unmarked_days_open(day=today))
        measured("  overdue inspections", lambda: inspections_overdue_open(today=today))
        measured("  escalations", lambda: items_escalate(now=now))
        measured("attention_sweep again (nothing left to do)", lambda: attention_sweep(now=now))
        print(
            "\nThe queries grow with the items opened or escalated (one insert, its history and "
            "its messages each), never with the people or deliveries: meals_delivery is read "
            "once per day looked at."
        )
    finally:
        drop_database(args.server, args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
