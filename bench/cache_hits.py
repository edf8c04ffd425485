"""Benchmark (issue 21): the page cache's hit rate under public traffic with gifts among it.

    .venv/bin/python bench/cache_hits.py [--listings 200] [--views 5000] [--views-per-gift 50]

Prints figures; asserts nothing. It creates a throwaway PostgreSQL database (``--db``, default
``rantang_bench_hits`` on ``--server``, default postgres://postgres@127.0.0.1:5432; a leftover of
that name is dropped first), migrates it and writes ``--listings`` published recipients. Then,
in-process (django.test.Client, DEBUG off, the page cache on), it sends ``--views`` public page
views, seeded so every run sends the same traffic. The caches are production's, in a Redis of
the benchmark's own started on a free port (``--shape prod``, the default, as
``public_pages.py --shape prod``); ``--shape dev`` keeps them in process memory as the embedded
portal does, whose 300-entry cap evicts pages and their versions long before this traffic ends.

- what is viewed: a listing's page 45 % (a few people, shared widely, get most of the views: a
  Zipf-like choice), the list of people 30 % (its first pages, some filtered by kecamatan), the
  home page 15 %, the public accounts 6 %, the impact page 4 %;
- who views: 70 % send no cookie, 20 % only the CSRF cookie a give form leaves, 10 % come from
  a shared link carrying ``utm_*`` or ``fbclid`` parameters;
- and after every ``--views-per-gift`` views a gift is posted to the ledger as a paid gift is
  (``donations.services.ledger.ledger_post``): four in five to one person (the popular ones
  more often), one in five to the general fund.

A view is a hit when it was answered from the cache (it ran no SQL query: a rendered public
page always runs some). The rate is given from the empty cache and in the steady state, after
the first fifth of the views (a live site's cache is seldom empty; the goal is read there). The
same traffic is sent twice, each time from an empty cache: with the versions as they are (one
per listing, which also keys every list page that shows the person or comes after them in its
order; one for the lists, which money taken back raises; one for the ledger, one for the impact
figures: core.pagecache), and with every gift raising the one version of the whole site, as
before issue 21. Goal: a hit rate of at least 90 % with the scoped versions. The throwaway
database goes away at the end, on failure too.
"""

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dbtools import create_database, drop_database
from bench.public_pages import configure, free_port, start_redis

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
GOAL = 0.90


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--listings", type=int, default=200, help="published recipients")
    parser.add_argument("--views", type=int, default=5000, help="public page views")
    parser.add_argument("--views-per-gift", type=int, default=50, help="views between gifts")
    parser.add_argument("--seed", type=int, default=21, help="the traffic's random seed")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL, without a name")
    parser.add_argument("--db", default="rantang_bench_hits", help="throwaway database")
    parser.add_argument(
        "--shape",
        choices=["dev", "prod"],
        default="prod",
        help="prod (default): the page cache in the benchmark's own Redis, as production keeps "
        "it; dev: in process memory, whose 300-entry cap evicts pages and versions",
    )
    parser.add_argument("--quick", action="store_true", help="100 listings, 1500 views")
    parser.set_defaults(conn_max_age=0)  # one connection, in-process
    args = parser.parse_args()
    if args.quick:
        args.listings, args.views = 100, 1500
    if args.listings < 10 or args.views < args.views_per_gift or args.views_per_gift < 1:
        parser.error("--listings >= 10, --views-per-gift >= 1 and --views >= --views-per-gift")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        parser.error("--db must be a plain lower-case PostgreSQL name")
    return args


def traffic(rng: random.Random, public_ids: list[str], kecamatan: list[str], n: int):
    """``n`` (kind, url, cookies) views; a listing's popularity falls as 1/rank."""
    weights = [1 / (rank + 1) for rank in range(len(public_ids))]
    for _ in range(n):
        roll = rng.random()
        if roll < 0.45:
            kind, url = "listing", f"/lansia/{rng.choices(public_ids, weights)[0]}/"
        elif roll < 0.75:
            kind, url = "lists", f"/lansia/?page={rng.choice([1, 1, 1, 2, 3])}"
            if rng.random() < 0.3:
                url = f"/lansia/?kecamatan={rng.choice(kecamatan)}"
        elif roll < 0.90:
            kind, url = "home", "/"
        elif roll < 0.96:
            kind, url = "accounts", "/donasi/transparansi/"
        else:
            kind, url = "impact", "/dampak/"
        who = rng.random()
        cookies = {}
        if who < 0.10:
            url += ("&" if "?" in url else "?") + rng.choice(
                ["utm_source=whatsapp&utm_medium=share", "fbclid=IwAR0abc"]
            )
        elif who < 0.30:
            cookies = {"csrftoken": "c" * 32}
        yield kind, url, cookies


def gifts(rng: random.Random, recipient_ids: list[int], n: int):
    weights = [1 / (rank + 1) for rank in range(len(recipient_ids))]
    for _ in range(n):
        yield rng.choices(recipient_ids, weights)[0] if rng.random() < 0.8 else None


def _counting(ran: list[int]):
    def counted(execute, sql, params, many, context):
        ran[0] += 1
        return execute(sql, params, many, context)

    return counted


def run(args, public_ids, recipient_ids, kecamatan, *, one_version: bool) -> dict:
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client

    from core import pagecache
    from donations.models import CLEARING_BANK, GENERAL, recipient_account
    from donations.services import ledger

    caches[pagecache.ALIAS].clear()
    rng = random.Random(args.seed)
    views = list(traffic(rng, public_ids, kecamatan, args.views))
    given = iter(gifts(rng, recipient_ids, args.views // args.views_per_gift + 1))
    moved = ledger._public_pages_moved
    if one_version:
        ledger._public_pages_moved = lambda _lines: pagecache.public_pages_changed(pagecache.SITE)
    hits: Counter = Counter()
    seen: Counter = Counter()
    warm_hits = warm_seen = 0
    warm_from = args.views // 5
    try:
        for n, (kind, url, cookies) in enumerate(views, start=1):
            client = Client()
            for name, value in cookies.items():
                client.cookies[name] = value
            ran = [0]
            # Counted by a wrapper, not CaptureQueriesContext: its log keeps the last 9,000
            # queries, after which every view would look like a hit.
            with connection.execute_wrapper(_counting(ran)):
                response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            hit = not ran[0]
            seen[kind] += 1
            hits[kind] += hit
            if n > warm_from:
                warm_seen += 1
                warm_hits += hit
            if n % args.views_per_gift == 0:
                recipient_id = next(given)
                account = GENERAL if recipient_id is None else recipient_account(recipient_id)
                ledger.ledger_post(
                    kind="gift",
                    external_id=f"bench:{'one' if one_version else 'scoped'}:{n}",
                    lines=[(CLEARING_BANK, -50_000), (account, 50_000)],
                )
    finally:
        ledger._public_pages_moved = moved
    return {"hits": hits, "seen": seen, "steady": warm_hits / warm_seen}


def main() -> int:
    args = parse_args()
    redis_server = None
    with tempfile.TemporaryDirectory(prefix="bench-hits-") as directory:
        try:
            if args.shape == "prod":
                if shutil.which("redis-server") is None:
                    print("redis-server is not installed: --shape prod needs it.", file=sys.stderr)
                    return 1
                port = free_port()
                redis_server = start_redis(port, directory)
                configure(args, f"redis://127.0.0.1:{port}/0")
            else:
                configure(args)
            os.environ.update({"ALLOWED_HOSTS": "testserver", "PUBLIC_PAGE_CACHE_SECONDS": "3600"})
            return measure(args)
        finally:
            if redis_server is not None:
                redis_server.terminate()
                redis_server.wait(timeout=10)


def measure(args: argparse.Namespace) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from bench.public_pages import create_listings
    from bench.summary import record
    from portal.models import Recipient

    create_database(args.server, args.db)
    try:
        call_command("migrate", verbosity=0, interactive=False)
        create_listings(0, args.listings)
        people = list(Recipient.objects.order_by("pk").values_list("pk", "public_id"))
        recipient_ids = [pk for pk, _ in people]
        public_ids = [public_id for _, public_id in people]
        kecamatan = sorted(
            {
                code
                for code in Recipient.objects.values_list("kecamatan__code", flat=True).distinct()
            }
        )[:5]
        gifts_sent = args.views // args.views_per_gift
        print(
            f"{args.listings} listings, {args.views} views, a gift after every "
            f"{args.views_per_gift} ({gifts_sent} gifts, 4 in 5 to a person); the page cache "
            + ("in the benchmark's own Redis" if args.shape == "prod" else "in process memory")
        )
        results = {}
        for label, one_version in (("scoped versions", False), ("one version (before)", True)):
            results[label] = run(
                args, public_ids, recipient_ids, kecamatan, one_version=one_version
            )
        kinds = ["listing", "lists", "home", "accounts", "impact"]
        print(
            f"{'from an empty cache':<22}"
            + "".join(f"{kind:>10}" for kind in kinds)
            + f"{'all':>10}{'steady':>10}"
        )
        for label, result in results.items():
            hits, seen = result["hits"], result["seen"]
            row = "".join(
                f"{hits[kind] / seen[kind]:>10.1%}" if seen[kind] else f"{'-':>10}"
                for kind in kinds
            )
            total = sum(hits.values()) / sum(seen.values())
            print(f"{label:<22}{row}{total:>10.1%}{result['steady']:>10.1%}")
        rate = results["scoped versions"]["steady"]
        rate_before = results["one version (before)"]["steady"]
        met = rate >= GOAL
        print(
            f"goal: steady hit rate >= {GOAL:.0%} with scoped versions: "
            f"{rate:.1%}, {'met' if met else 'NOT met'}"
        )
        record(
            figure="page cache hit rate, one gift per 50 views",
            goal=f">= {GOAL:.0%}",
            measured=f"{rate:.1%} (one version: {rate_before:.1%})",
            met=met,
        )
    finally:
        drop_database(args.server, args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
