"""Benchmark (the rendered path): the public listing and detail pages as rendered for a visitor
who sends a cookie and for a signed-in donor, against a bare view, under gunicorn.

    .venv/bin/python bench/rendered_pages.py [--listings 500] [--rounds 3] [--duration 5]
    .venv/bin/python bench/rendered_pages.py --quick      # fewer listings, shorter runs
    .venv/bin/python bench/rendered_pages.py --profile    # where a rendering's time goes

Prints figures; asserts nothing. The whole-page cache (core.pagecache) serves only visitors who
send no cookie at all; everybody else — a visitor who opened a give form and so holds a
``csrftoken``, every signed-in donor or student — gets the page rendered, which is what this
measures. Like bench/public_pages.py (whose helpers it uses) it creates a throwaway PostgreSQL
database (``--db``, default ``rantang_bench_rendered``; a leftover of that name is dropped
first), writes N published listings, serves the portal with gunicorn through bench.settings on
a free port and loads each URL with wrk, sending the visitor's ``Cookie:`` header:

- a visitor with a cookie: ``csrftoken=...``, no session (which the page cache serves: it
  knows the CSRF cookie changes nothing on these pages);
- a visitor with another cookie (``bench=1``): rendered, not signed in;
- a signed-in donor: the session cookie of a real user holding the donor role (a database
  session made in-process, as signing in would make it).

Each page's ratio is taken against the bare view of the same round (medians over the rounds),
and the CPU per request of the gunicorn workers and their PostgreSQL backends is read from
/proc. Queries per rendering are counted in-process with N/10 and with N listings.

``--profile`` renders each page in-process a few hundred times instead, samples the stack every
half millisecond and prints where the time went: SQL and the ORM, templates, translation, URL
reversing, sessions and authentication, other middleware.

Goals: rendered listing at least 0.20 of the bare view, rendered detail at least 0.30, for both
visitors, with 500 listings, and queries per page that do not grow with the listings.
"""

import argparse
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dbtools import create_database, drop_database
from bench.public_pages import (
    BARE,
    LISTING,
    Run,
    check_load_arguments,
    configure,
    create_listings,
    free_port,
    load_arguments,
    load_average,
    measure,
    start_gunicorn,
    stop_gunicorn,
    tail,
    wait_until_up,
    wrk,
)
from bench.summary import quick_option, record

GOALS = {"listing": 0.20, "detail": 0.30}
WHO = {
    "cookie": "visitor with the CSRF cookie",
    "other": "visitor with another cookie",
    "donor": "signed-in donor",
}
# A token of the shape Django sets (64 characters of its alphabet): what a visitor holds after
# opening a give form.
CSRF_TOKEN = "bench" + "x" * 59
DONOR_EMAIL = "donor@bench.example"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    load_arguments(parser, db="rantang_bench_rendered")
    parser.add_argument(
        "--profile", action="store_true", help="profile in-process instead of loading"
    )
    parser.add_argument("--profile-requests", type=int, default=300, help="renderings per page")
    quick_option(parser, listings=100, rounds=1, duration=3, warmup=1)
    args = parser.parse_args()
    check_load_arguments(parser, args)
    return args


# --- Visitors ----------------------------------------------------------------------------------


def donor_session() -> str:
    """The session key of a signed-in donor: a real user with the donor role, signed in the way
    django.contrib.auth.login records it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import Role, User
    from accounts.services import role_grant

    user = User.objects.filter(email=DONOR_EMAIL).first()
    if user is None:
        user = User.objects.create_user(email=DONOR_EMAIL, password=None, name="Bench Donor")
        role_grant(user=user, role=Role.DONOR)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key is not None
    return session.session_key


def visitors(session_key: str) -> dict[str, str]:
    """The Cookie header of each visitor."""
    from django.conf import settings

    return {
        "cookie": f"{settings.CSRF_COOKIE_NAME}={CSRF_TOKEN}",
        # A cookie the page cache does not know (as bench/public_pages.py sends): the page is
        # rendered for a visitor who is not signed in, its listings from the fragments.
        "other": "bench=1",
        "donor": f"{settings.CSRF_COOKIE_NAME}={CSRF_TOKEN}; "
        f"{settings.SESSION_COOKIE_NAME}={session_key}",
    }


def page_urls() -> dict[str, str]:
    from portal.models import Recipient

    newest = Recipient.objects.order_by("-published_at").values_list("public_id", flat=True)[0]
    return {"listing": LISTING, "detail": f"{LISTING}{newest}/"}


def client_for(cookie: str):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    for part in cookie.split("; "):
        name, value = part.split("=", 1)
        client.cookies[name] = value
    return client


def get_ok(client, url: str, signed_in: bool):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code} in-process")
    if signed_in and b"nav-to-sign_out" not in response.content:
        raise RuntimeError(f"GET {url}: the donor's session did not sign them in")
    return response


def count_queries(cookies: dict[str, str], urls: dict[str, str]) -> dict[tuple[str, str], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for who, cookie in cookies.items():
        client = client_for(cookie)
        for page, url in urls.items():
            get_ok(client, url, who == "donor")  # warm: imports, templates, fragments
            with CaptureQueriesContext(connection) as captured:
                get_ok(client, url, who == "donor")
            counts[(page, who)] = len(captured.captured_queries)
    return counts


# --- Profile -----------------------------------------------------------------------------------

# Innermost first: a sample is counted under the first category found walking out from the
# running frame, so the figures add up to 100 % and a query run from a template tag is ORM.
CATEGORIES = (
    ("SQL (driver, waiting on PostgreSQL)", ("psycopg", "django/db/backends/")),
    ("ORM", ("django/db/",)),
    ("translation", ("django/utils/translation/", "gettext.py")),
    ("URL reversing", ("django/urls/",)),
    ("sessions and auth", ("django/contrib/sessions/", "django/contrib/auth/", "allauth/")),
    ("templates", ("django/template/", "templatetags/", "django/forms/")),
    ("middleware", ("middleware",)),
)


def _category(frame) -> str:
    names = []
    while frame is not None:
        names.append(frame.f_code.co_filename)
        frame = frame.f_back
    for name in names:  # innermost first
        for label, parts in CATEGORIES:
            if any(part in name for part in parts):
                return label
    return "other (views, selectors, WSGI)"


def profile(cookies: dict[str, str], urls: dict[str, str], requests: int) -> None:
    target = threading.get_ident()
    # Without a short switch interval the sampler would wake mostly when the main thread waits
    # on the database, and see little else.
    sys.setswitchinterval(0.0001)
    for who, cookie in cookies.items():
        client = client_for(cookie)
        for page, url in urls.items():
            get_ok(client, url, who == "donor")
            samples: Counter[str] = Counter()
            done = threading.Event()

            def sample(samples=samples, done=done):
                while not done.is_set():
                    frame = sys._current_frames().get(target)
                    if frame is not None:
                        samples[_category(frame)] += 1
                    time.sleep(0.0005)

            sampler = threading.Thread(target=sample, daemon=True)
            started = time.perf_counter()
            sampler.start()
            for _ in range(requests):
                client.get(url)
            done.set()
            sampler.join()
            per_request = (time.perf_counter() - started) * 1000 / requests
            total = sum(samples.values()) or 1
            shares = ", ".join(
                f"{label} {count * 100 / total:.0f} %" for label, count in samples.most_common()
            )
            print(f"{page}, {who}: {per_request:.1f} ms per rendering in-process; {shares}")


# --- Main --------------------------------------------------------------------------------------


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main() -> int:
    args = parse_args()
    wrk_path = shutil.which("wrk")
    if wrk_path is None and not args.profile:
        print("wrk is not installed (apt-get install wrk): nothing was measured.", file=sys.stderr)
        return 2
    env = configure(args)
    signal.signal(signal.SIGTERM, _terminate)

    import django

    django.setup()
    from django.core.management import call_command

    n, small = args.listings, args.listings // 10
    create_database(args.server, args.db)
    server = None
    log_dir = tempfile.TemporaryDirectory(prefix="bench-rendered-")
    try:
        call_command("migrate", verbosity=0, interactive=False)
        cookies = visitors(donor_session())
        create_listings(0, small)
        counts_small = count_queries(cookies, page_urls())
        create_listings(small, n)
        urls = page_urls()
        counts = count_queries(cookies, urls)
        print(f"database: {args.db}; {n:,} published listings over 25 kecamatan")
        if args.profile:
            profile(cookies, urls, args.profile_requests)
            return 0

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = Path(log_dir.name) / "gunicorn.log"
        with log_path.open("wb") as log:
            server = start_gunicorn(env, port, args.workers, log)
        wait_until_up(server, base, log_path)
        print(
            f"gunicorn: {args.workers} sync workers on {base}, PORTAL_ENV=dev DEBUG=0, "
            f"CONN_MAX_AGE={args.conn_max_age}\n"
            f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s per URL, "
            f"{args.rounds} rounds, {args.warmup} s of warm-up first; load average "
            f"{load_average()}"
        )
        targets: dict[str, tuple[str, tuple[str, ...]]] = {"bare view": (BARE, ())}
        for page, url in urls.items():
            for who, cookie in cookies.items():
                targets[f"{page}, {who}"] = (url, (f"Cookie: {cookie}",))
        load = {"threads": args.threads, "connections": args.connections}
        if args.warmup:
            for url, headers in targets.values():
                wrk(wrk_path, base + url, **load, seconds=args.warmup, headers=headers)
        runs: dict[str, list[Run]] = {label: [] for label in targets}
        for _ in range(args.rounds):
            for label, (url, headers) in targets.items():
                run = measure(
                    server, wrk_path, base + url, **load, seconds=args.duration, headers=headers
                )
                if run.errors:
                    print(f"  {label}: {run.errors}")
                runs[label].append(run)
        print(f"load average after: {load_average()}")
    except BaseException:
        if server is not None:
            print(tail(Path(log_dir.name) / "gunicorn.log"), file=sys.stderr)
        raise
    finally:
        if server is not None:
            stop_gunicorn(server)
        drop_database(args.server, args.db)
        log_dir.cleanup()

    report(targets, runs, counts, counts_small, n, small)
    return 0


def report(targets, runs, counts, counts_small, n: int, small: int) -> None:
    bare = runs["bare view"]

    def per_request(run: Run) -> float:
        return (run.server_cpu + (run.db_cpu or 0.0)) * 1000 / run.requests

    print()
    print(
        f"{'page, visitor':<18} {'req/s':>7} {'vs bare':>7} {'cpu ms':>7} {'queries':>7} "
        f"{'at N/10':>7}  goal"
    )
    verdicts = []
    for label in targets:
        rates = [run.rate for run in runs[label]]
        ratio = statistics.median(r.rate / b.rate for r, b in zip(runs[label], bare, strict=True))
        cpu = statistics.median(per_request(run) for run in runs[label])
        if label == "bare view":
            print(f"{label:<18} {statistics.median(rates):>7,.0f} {1:>7.2f} {cpu:>7.2f}")
            continue
        page, who = label.split(", ")
        queries, queries_small = counts[(page, who)], counts_small[(page, who)]
        goal = GOALS[page]
        met = ratio >= goal and queries == queries_small
        verdicts.append(met)
        record(
            f"{page}, rendered for a {WHO.get(who, who)} vs bare (queries flat)",
            f">= {goal:.2f}x, flat",
            f"{ratio:.2f}x, {cpu:.1f} ms CPU, {queries} vs {queries_small} queries",
            met,
        )
        print(
            f"{label:<18} {statistics.median(rates):>7,.0f} {ratio:>7.2f} {cpu:>7.2f} "
            f"{queries:>7} {queries_small:>7}  >= {goal:.2f}, flat: "
            f"{'met' if met else 'NOT met'}"
        )
    print(
        "\nvs bare: median of the rounds' ratios to the bare view; cpu ms: CPU per request of the"
        " gunicorn workers and their PostgreSQL backends.\n"
        "cookie: a visitor sending a csrftoken; other: another cookie (rendered, not signed in);"
        " donor: a signed-in donor's session (and token).\n"
        f"queries: per rendering, in-process, with {n:,} listings and with {small:,} (N/10).\n"
        f"goals {'all MET' if all(verdicts) else 'NOT all met'}."
    )


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: the server was stopped and the database dropped.", file=sys.stderr)
        sys.exit(130)
