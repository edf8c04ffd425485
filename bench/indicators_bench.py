"""Benchmark (meals): the monthly outcome indicators over a year of daily deliveries, and the
public impact page beside the bare view, under gunicorn.

    .venv/bin/python bench/indicators_bench.py [--people 5000] [--days 365] [--duration 5]

Prints figures; asserts nothing. It creates a throwaway PostgreSQL database (``--db``, default
``rantang_bench_indicators`` on ``--server``, default postgres://postgres@127.0.0.1:5432; a
leftover of that name is dropped first), migrates it and writes N reached people over the 25
kecamatan, one warung per kecamatan with a passing inspection, one meal plan per person
(two portions a day, a tenth of them paused for a week in the middle of the year) and a mark
per plan per day for ``--days`` days (about 1.8 million rows with the defaults), bulk-loaded
with COPY. Then:

- the indicators of the last full month, computed in a new connection (``cold``: the first
  call of the process, its plans not cached by Django; PostgreSQL's own buffers hold what the
  load left there: the machine's page cache cannot be dropped without root) and again five
  times (``warm``, the median); and the twelve months stored (``outcomes_refresh``);
- gunicorn serving the portal (bench.settings, PORTAL_ENV=dev, DEBUG=0): wrk loads the bare
  view and ``/dampak/`` warm (served from the page cache, as an anonymous visitor gets it)
  and rendered (a visitor with a cookie: the stored figures read and the SVG drawn each time),
  in rounds; the ratio is taken per round against the bare view.

The server and the database go away at the end, on failure and on Ctrl-C too.
Goal: the warm impact page at least a third as fast as the bare view.
"""

import argparse
import datetime
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dbtools import create_database, drop_database
from bench.public_pages import (
    BARE,
    check_200,
    create_listings,
    free_port,
    load_average,
    start_gunicorn,
    stop_gunicorn,
    wait_until_up,
    wrk,
)
from bench.summary import quick_option, record

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
IMPACT = "/dampak/"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--people", type=int, default=5000, help="reached people")
    parser.add_argument("--days", type=int, default=365, help="days of deliveries")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL, without a name")
    parser.add_argument("--db", default="rantang_bench_indicators", help="throwaway database")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=3, help="times each URL is loaded")
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per URL")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    quick_option(parser, people=1000, days=120, rounds=2, duration=3)
    args = parser.parse_args()
    if args.people < 25 or args.days < 40:
        parser.error("--people at least 25 and --days at least 40")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        parser.error("--db must be a plain lower-case PostgreSQL name")
    return args


def configure(args) -> dict[str, str]:
    env = {
        "PORTAL_ENV": "dev",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{args.server.rstrip('/')}/{args.db}",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    return env


def load(people: int, days: int, today: datetime.date) -> tuple[int, float]:
    """People, warung, inspections, plans with their history, and the deliveries by COPY."""
    from django.db import connection
    from django.utils import timezone

    from meals.models import ChecklistItem, Inspection, MealPlan, MealPlanTransition, Warung
    from portal.models import Recipient, RecipientTransition
    from regions.models import Kecamatan

    create_listings(0, people)
    Recipient.objects.update(status="reached")
    RecipientTransition.objects.bulk_create(
        RecipientTransition(recipient_id=pk, from_status="published", to_status="reached")
        for pk in Recipient.objects.values_list("pk", flat=True)
    )
    first = today - datetime.timedelta(days=days)
    warung = {}
    for kecamatan in Kecamatan.objects.all():
        warung[kecamatan.pk] = Warung.objects.create(
            name=f"Warung {kecamatan.name}",
            owner_name="Pemilik",
            address="Jl. Raya 1",
            kecamatan=kecamatan,
            daily_capacity=10_000,
        )
        Inspection.objects.create(
            warung=warung[kecamatan.pk],
            inspected_on=first,
            items_met=ChecklistItem.values,
            score=100,
            result="pass",
            next_due=first + datetime.timedelta(days=days + 30),
        )
    people_rows = list(Recipient.objects.values_list("pk", "kecamatan_id").order_by("pk"))
    plans = MealPlan.objects.bulk_create(
        [
            MealPlan(
                recipient_id=pk,
                warung=warung[kecamatan_id],
                kecamatan_id=kecamatan_id,
                portions_per_day=2,
                starts_on=first,
            )
            for pk, kecamatan_id in people_rows
        ],
        batch_size=2000,
    )
    middle = first + datetime.timedelta(days=days // 2)
    history = []
    paused: set[int] = set()
    for index, plan in enumerate(plans):
        history.append(
            MealPlanTransition(
                plan=plan, from_status="", to_status="active", reason="started", effective_on=first
            )
        )
        if index % 10 == 0:
            paused.add(plan.pk)
            history += [
                MealPlanTransition(
                    plan=plan,
                    from_status="active",
                    to_status="paused",
                    reason="hospital",
                    effective_on=middle,
                ),
                MealPlanTransition(
                    plan=plan,
                    from_status="paused",
                    to_status="active",
                    reason="back",
                    effective_on=middle + datetime.timedelta(days=7),
                ),
            ]
    MealPlanTransition.objects.bulk_create(history, batch_size=5000)
    started = time.perf_counter()
    now = timezone.now()
    rows = 0
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY meals_delivery (plan_id, day, mark, portions, concern, marked_at) FROM STDIN"
        ) as copy:
            for offset in range(days):
                day = first + datetime.timedelta(days=offset)
                pause = middle <= day < middle + datetime.timedelta(days=7)
                for plan in plans:
                    if pause and plan.pk in paused:
                        continue
                    mark = "not_home" if (plan.pk + offset) % 41 == 0 else "delivered"
                    copy.write_row((plan.pk, day, mark, 2, "", now))
                    rows += 1
        cursor.execute("ANALYZE")
    return rows, time.perf_counter() - started


def time_indicators(month: datetime.date) -> tuple[float, float, int]:
    from django.db import connections

    from outcomes.selectors.figures import outcome_figures

    connections.close_all()
    started = time.perf_counter()
    result = outcome_figures(month=month)
    cold = time.perf_counter() - started
    warm = []
    for _ in range(5):
        started = time.perf_counter()
        outcome_figures(month=month)
        warm.append(time.perf_counter() - started)
    return cold, statistics.median(warm), result[None].meals_delivered


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main() -> int:
    args = parse_args()
    wrk_path = shutil.which("wrk")
    if wrk_path is None:
        print("wrk is not installed (apt-get install wrk): nothing was measured.", file=sys.stderr)
        return 2
    env = configure(args)
    signal.signal(signal.SIGTERM, _terminate)

    import django

    django.setup()
    from django.core.management import call_command

    from core.time import today_wib
    from outcomes.selectors.figures import months_back
    from outcomes.services import outcomes_refresh

    create_database(args.server, args.db)
    server = None
    log_dir = tempfile.TemporaryDirectory(prefix="bench-indicators-")
    try:
        call_command("migrate", verbosity=0, interactive=False)
        today = today_wib()
        started = time.perf_counter()
        rows, copy_seconds = load(args.people, args.days, today)
        print(
            f"database: {args.db}; {args.people:,} reached people, {rows:,} deliveries over "
            f"{args.days} days (COPY {copy_seconds:.1f} s, "
            f"all {time.perf_counter() - started:.1f} s)"
        )
        last_full = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        cold, warm, delivered = time_indicators(last_full)
        print(
            f"indicators of {last_full:%Y-%m} ({delivered:,} portions delivered): "
            f"cold {cold * 1000:,.0f} ms, warm {warm * 1000:,.0f} ms (median of 5)"
        )
        record(
            f"indicators of a month, {args.people:,} people, {rows:,} deliveries",
            "",
            f"cold {cold * 1000:,.0f} ms, warm {warm * 1000:,.0f} ms",
            None,
        )
        started = time.perf_counter()
        for month in months_back(today, 12):
            outcomes_refresh(month=month)
        print(f"12 months stored (outcomes_refresh): {time.perf_counter() - started:.1f} s")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = Path(log_dir.name) / "gunicorn.log"
        with log_path.open("wb") as log:
            server = start_gunicorn(env, port, args.workers, log)
        wait_until_up(server, base, log_path)
        urls = {"bare view": BARE, "impact, warm": IMPACT, "impact, rendered": IMPACT}
        check_200(base, urls)
        print(
            f"gunicorn: {args.workers} sync workers; wrk -t2 -c{args.connections} "
            f"-d{args.duration}s per URL, {args.rounds} rounds; load average {load_average()}"
        )
        load_opts = {"threads": 2, "connections": args.connections}
        for url in urls.values():
            wrk(wrk_path, base + url, **load_opts, seconds=2)
        rates: dict[str, list[float]] = {label: [] for label in urls}
        for _ in range(args.rounds):
            for label, url in urls.items():
                headers = ("Cookie: bench=1",) if label == "impact, rendered" else ()
                run = wrk(wrk_path, base + url, **load_opts, seconds=args.duration, headers=headers)
                rates[label].append(run.rate)
        print(f"load average after: {load_average()}")
    finally:
        if server is not None:
            stop_gunicorn(server)
        drop_database(args.server, args.db)
        log_dir.cleanup()

    print(f"\n{'page':<18} {'req/s':>8} {'(min-max)':>15} {'vs bare':>8}")
    for label in urls:
        ratio = statistics.median(
            r / b for r, b in zip(rates[label], rates["bare view"], strict=True)
        )
        print(
            f"{label:<18} {statistics.median(rates[label]):>8,.0f} "
            f"({min(rates[label]):>6,.0f}-{max(rates[label]):<6,.0f}) {ratio:>8.2f}"
        )
    warm_ratio = statistics.median(
        r / b for r, b in zip(rates["impact, warm"], rates["bare view"], strict=True)
    )
    print(
        f"\ngoal {'MET' if warm_ratio >= 1 / 3 else 'NOT MET'}: the warm impact page at "
        f"{warm_ratio:.0%} of the bare view (goal: 33%)."
    )
    rendered_ratio = statistics.median(
        r / b for r, b in zip(rates["impact, rendered"], rates["bare view"], strict=True)
    )
    record("/dampak/ warm vs bare", ">= 0.80x", f"{warm_ratio:.2f}x", warm_ratio >= 0.80)
    record("/dampak/ rendered (cookie visitor) vs bare", "", f"{rendered_ratio:.2f}x", None)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: the server was stopped and the database dropped.", file=sys.stderr)
        sys.exit(130)
