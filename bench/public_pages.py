"""Benchmark (the registry): the public listing and detail pages against a bare view, under
gunicorn.

    .venv/bin/python bench/public_pages.py [--listings 500] [--rounds 3] [--duration 5]

Prints figures; asserts nothing. It creates a throwaway PostgreSQL database (``--db``, default
``rantang_bench_pages`` on ``--server``, default postgres://postgres@127.0.0.1:5432; a leftover
of that name is dropped first), migrates it and writes N published recipients spread over all
25 kecamatan. It then serves the portal with gunicorn on a free port of 127.0.0.1 and loads, with
wrk, a bare view of the same server (bench.urls) and the public pages, plus the privacy notice
as a reference (the base template, no query); and it counts the SQL queries of each page
in-process (django.test.Client) with N/10 and with N listings. The server and the database go
away at the end, on failure and on Ctrl-C too.

Each round loads every URL in turn; the figures are medians over the rounds, and a page's ratio
is taken against the bare view of the same round, so that other load on the machine (wrk,
gunicorn and PostgreSQL share its CPUs with whatever else runs) skews them less. The load
average is printed before and after. Beside requests per second it reads from /proc the CPU
that the gunicorn workers and their PostgreSQL backends spent per request: a figure that other
load on the machine disturbs much less.

The server is the dev shape with DEBUG off (no MFA bypass, no test-only app): PORTAL_ENV=dev,
DEBUG=0, ALLOWED_HOSTS=127.0.0.1, through bench.settings. Database connections are kept 60 s as
in production (``--conn-max-age 0`` gives dev's one connection per request).

Goal: the listing page at least half as fast as the bare view, with a number of queries that
does not grow with the number of listings.
"""

import argparse
import datetime
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dbtools import create_database, drop_database
from bench.summary import quick_option, record

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
BARE = "/bench/bare/"
LISTING = "/lansia/"
NEEDS = [["daily_meals"], ["daily_meals", "companionship"], ["daily_meals", "home_repair"]]
STORY = (
    "Tinggal sendiri di rumah bambu dekat sawah sejak suaminya meninggal. Masih suka menyapu "
    "halaman dan bercerita tentang masa mudanya, tetapi tidak kuat lagi memasak setiap hari."
)


def load_arguments(parser: argparse.ArgumentParser, *, db: str) -> None:
    """The options of a load on the listing pages (this benchmark's and rendered_pages.py's)."""
    parser.add_argument("--listings", type=int, default=500, help="published recipients (N)")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL, without a name")
    parser.add_argument("--db", default=db, help="throwaway database name")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--conn-max-age", type=int, default=60, help="CONN_MAX_AGE (s)")
    parser.add_argument("--rounds", type=int, default=3, help="times each URL is loaded")
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per URL")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per URL")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")


def check_load_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.rounds < 1 or args.duration < 1:
        parser.error("--rounds and --duration must be at least 1")
    if args.listings < 20:
        parser.error("--listings must be at least 20 (two pages, and N/10 of them)")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        parser.error("--db must be a plain lower-case PostgreSQL name")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    load_arguments(parser, db="rantang_bench_pages")
    parser.add_argument(
        "--shape",
        choices=["dev", "prod"],
        default="dev",
        help="dev: the page cache in process memory; prod: in the benchmark's own Redis, with "
        "Celery not eager and keys generated for the run (bench/settings_prod.py)",
    )
    quick_option(parser, listings=200, rounds=2, duration=3, warmup=1)
    args = parser.parse_args()
    check_load_arguments(parser, args)
    return args


def configure(args: argparse.Namespace, redis_url: str | None = None) -> dict[str, str]:
    """The environment of the server, and of this process's in-process counts (the same).
    With ``redis_url``, the production shape: that Redis for the caches and Celery's broker,
    Celery not eager, and keys of the run's own."""
    env = {
        "PORTAL_ENV": "dev",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{args.server.rstrip('/')}/{args.db}",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_CONN_MAX_AGE": str(args.conn_max_age),
        "LOG_LEVEL": "WARNING",
    }
    if redis_url:
        import secrets

        from cryptography.fernet import Fernet

        env |= {
            "PORTAL_ENV": "test",
            "DJANGO_SETTINGS_MODULE": "bench.settings_prod",
            "REDIS_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "NIK_HMAC_KEY": secrets.token_urlsafe(48),
            "PII_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        }
    os.environ.update(env)
    return env


def start_redis(port: int, directory: str) -> subprocess.Popen:
    """A Redis of the benchmark's own (production's caches live in Redis), keeping nothing."""
    server = subprocess.Popen(  # noqa: S603  (the system's redis-server, fixed arguments)
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"redis-server did not start on port {port}")


# --- The throwaway database --------------------------------------------------------------------


def create_listings(start: int, stop: int) -> None:
    """Published recipients number start..stop-1, round-robin over the 25 kecamatan and their
    villages, newest first by number; bulk-written (the benchmark needs rows, not history)."""
    from django.db import connection
    from django.utils import timezone

    from accounts.pii import keyed_hash
    from portal.models import AgeBand, Recipient, Sex, Source, Status
    from regions.models import Village

    villages: dict[int, list] = {}
    for village in Village.objects.order_by("kecamatan__code", "code"):
        villages.setdefault(village.kecamatan_id, []).append(village)
    kecamatan_ids = sorted(villages)
    bands = AgeBand.values
    origin = timezone.now() - datetime.timedelta(days=30)
    rows = []
    for i in range(start, stop):
        kecamatan_id = kecamatan_ids[i % len(kecamatan_ids)]
        in_kecamatan = villages[kecamatan_id]
        village = in_kecamatan[(i // len(kecamatan_ids)) % len(in_kecamatan)]
        nik = f"3510{i:012d}"
        rows.append(
            Recipient(
                status=Status.PUBLISHED,
                source=Source.IMPORT,
                nik=nik,
                nik_hash=keyed_hash(nik),
                name=f"Nama Lansia {i}",
                birth_date=datetime.date(1940 + i % 20, 1 + i % 12, 1 + i % 28),
                address=f"Dusun Krajan No. {i % 90 + 1}",
                rt=f"{i % 20 + 1:03d}",
                rw=f"{i % 9 + 1:03d}",
                family_phone="+6281234567890",
                conditions="hidup_sendiri",
                sex=Sex.FEMALE if i % 2 else Sex.MALE,
                age_band=bands[i % len(bands)],
                village=village,
                kecamatan_id=kecamatan_id,
                pseudonym=f"Mbah Sum {i}",
                public_needs=NEEDS[i % len(NEEDS)],
                story=STORY,
                monthly_need=720_000,
                published_at=origin + datetime.timedelta(minutes=i),
            )
        )
    Recipient.objects.bulk_create(rows, batch_size=1000)
    # Planner statistics, as autovacuum would gather them soon after a real import.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


RENDERED = {"listing, rendered", "detail, rendered"}
RENDERED_HEADERS = ("Cookie: bench=1",)


# --- Query counts, in-process ------------------------------------------------------------------


def count_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code} in-process")
    return len(captured.captured_queries)


def page_urls() -> dict[str, str]:
    """The URLs under test: a filter on the kecamatan with the most listings, the newest
    person's detail, and the privacy notice (no query) as a reference."""
    from django.db.models import Count

    from portal.models import Recipient

    kecamatan = (
        Recipient.objects.values("kecamatan__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "kecamatan__code")
        .first()["kecamatan__code"]
    )
    newest = Recipient.objects.order_by("-published_at").values_list("public_id", flat=True)[0]
    return {
        "bare view": BARE,
        "listing": LISTING,
        "listing, page 2": f"{LISTING}?page=2",
        "listing, kecamatan": f"{LISTING}?kecamatan={kecamatan}",
        "detail": f"{LISTING}{newest}/",
        # A visitor who sends a cookie is never served from the page cache: what rendering
        # the page costs.
        "listing, rendered": LISTING,
        "detail, rendered": f"{LISTING}{newest}/",
        "privacy (reference)": "/privasi/",
    }


def queries_per_page(urls: dict[str, str]) -> dict[str, int]:
    """Queries of rendering each page: counted with the public page cache off (a cached page
    makes none)."""
    from django.test import Client
    from django.test.utils import override_settings

    client = Client(HTTP_HOST="127.0.0.1")
    with override_settings(PUBLIC_PAGE_CACHE_SECONDS=0):
        for url in urls.values():  # warm: the first request pays for imports and templates
            client.get(url)
        return {label: count_queries(client, url) for label, url in urls.items()}


# --- gunicorn and wrk --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int, log) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--chdir",
        str(ROOT),
        "--timeout",
        "60",
    ]
    return subprocess.Popen(  # noqa: S603  (our own venv's gunicorn, fixed arguments)
        command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )


def wait_until_up(server: subprocess.Popen, base: str, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{tail(log_path)}")
        try:
            with urllib.request.urlopen(base + BARE, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 30 s:\n{tail(log_path)}")


def check_200(base: str, urls: dict[str, str]) -> None:
    for url in urls.values():
        try:
            with urllib.request.urlopen(base + url, timeout=10) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        if status != 200:
            raise RuntimeError(f"GET {url} answered {status} under gunicorn")


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Run:
    rate: float  # requests per second, as wrk reports it
    requests: int
    server_cpu: float  # seconds of CPU of the gunicorn workers during the run
    db_cpu: float | None  # seconds of CPU of their PostgreSQL backends (None: not measurable)
    errors: str = ""


def wrk(
    wrk_path: str,
    url: str,
    *,
    threads: int,
    connections: int,
    seconds: int,
    headers: tuple[str, ...] = (),
) -> Run:
    options = [arg for header in headers for arg in ("-H", header)]
    result = subprocess.run(  # noqa: S603  (wrk, against 127.0.0.1 only)
        [wrk_path, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", *options, url],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed on {url}:\n{result.stderr or result.stdout}")
    if "Non-2xx or 3xx responses" in result.stdout:
        raise RuntimeError(f"wrk saw error responses on {url}:\n{result.stdout}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    count = re.search(r"(\d+) requests in", result.stdout)
    if rate is None or count is None:
        raise RuntimeError(f"no Requests/sec in wrk's output:\n{result.stdout}")
    errors = re.search(r"Socket errors:.*", result.stdout)
    return Run(
        float(rate.group(1)), int(count.group(1)), 0.0, None, errors.group(0) if errors else ""
    )


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process, from /proc (None once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def backends() -> list[int]:
    """The PostgreSQL backends of the bench database, other than this process's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def measure(server: subprocess.Popen, wrk_path: str, url: str, **load) -> Run:
    """One wrk run, with the CPU the server's workers and their database backends spent on it.

    Backends persist with CONN_MAX_AGE > 0; one that is replaced during the run (every
    CONN_MAX_AGE seconds) takes its share with it, so the database figure is a little low.
    With CONN_MAX_AGE=0 (a backend per request) it is not measured.
    """
    workers = children(server.pid)
    before = {pid: cpu_seconds(pid) or 0.0 for pid in workers}
    db_before = {pid: cpu_seconds(pid) or 0.0 for pid in backends()}
    run = wrk(wrk_path, url, **load)  # load may carry headers
    run.server_cpu = sum((cpu_seconds(pid) or before[pid]) - before[pid] for pid in workers)
    db_after = {pid: cpu_seconds(pid) for pid in backends()}
    if os.environ.get("BENCH_CONN_MAX_AGE") != "0":
        run.db_cpu = sum((cpu or 0.0) - db_before.get(pid, 0.0) for pid, cpu in db_after.items())
    return run


# --- Main --------------------------------------------------------------------------------------


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    args = parse_args()
    wrk_path = shutil.which("wrk")
    if wrk_path is None:
        print("wrk is not installed (apt-get install wrk): nothing was measured.", file=sys.stderr)
        return 2
    redis_server, redis_url = None, None
    log_dir = tempfile.TemporaryDirectory(prefix="bench-pages-")
    if args.shape == "prod":
        if shutil.which("redis-server") is None:
            print("redis-server is not installed: the production shape needs it.", file=sys.stderr)
            return 2
        redis_port = free_port()
        redis_server = start_redis(redis_port, log_dir.name)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
    env = configure(args, redis_url)
    signal.signal(signal.SIGTERM, _terminate)

    import django

    django.setup()
    from django.core.management import call_command

    n, small = args.listings, args.listings // 10
    create_database(args.server, args.db)
    server = None
    try:
        call_command("migrate", verbosity=0, interactive=False)
        create_listings(0, small)
        counts_small = queries_per_page(page_urls())
        started = time.perf_counter()
        create_listings(small, n)
        print(
            f"database: {args.db}; {n:,} published listings over 25 kecamatan "
            f"(written in {time.perf_counter() - started:.1f} s)"
        )
        urls = page_urls()
        counts = queries_per_page(urls)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = Path(log_dir.name) / "gunicorn.log"
        with log_path.open("wb") as log:
            server = start_gunicorn(env, port, args.workers, log)
        wait_until_up(server, base, log_path)
        check_200(base, urls)
        print(
            f"gunicorn: {args.workers} sync workers on {base}, shape {args.shape} "
            f"({'Redis caches, Celery not eager, ' if redis_server else ''}DEBUG=0), "
            f"CONN_MAX_AGE={args.conn_max_age}\n"
            f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s per URL, "
            f"{args.rounds} rounds, {args.warmup} s of warm-up first; {os.cpu_count()} CPUs "
            f"shared by wrk, gunicorn and PostgreSQL; load average {load_average()}"
        )
        load = {"threads": args.threads, "connections": args.connections}
        if args.warmup:
            for url in urls.values():
                wrk(wrk_path, base + url, **load, seconds=args.warmup)
        runs: dict[str, list[Run]] = {label: [] for label in urls}
        for _ in range(args.rounds):
            for label, url in urls.items():
                run = measure(
                    server,
                    wrk_path,
                    base + url,
                    **load,
                    seconds=args.duration,
                    headers=RENDERED_HEADERS if label in RENDERED else (),
                )
                if run.errors:
                    print(f"  {label}: {run.errors}")
                runs[label].append(run)
        print(f"load average after: {load_average()}")
    finally:
        if server is not None:
            stop_gunicorn(server)
        drop_database(args.server, args.db)
        if redis_server is not None:
            redis_server.terminate()
            redis_server.wait(timeout=10)
        log_dir.cleanup()

    report(urls, runs, counts, counts_small, n, small, args.shape)
    return 0


def report(urls, runs, counts, counts_small, n: int, small: int, shape: str = "dev") -> None:
    def median(label: str, value) -> float | None:
        values = [value(run) for run in runs[label]]
        return None if None in values else statistics.median(values)

    bare = runs["bare view"]
    ratio = {
        label: statistics.median(r.rate / b.rate for r, b in zip(runs[label], bare, strict=True))
        for label in urls
    }

    def ms(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    cpu = {label: median(label, lambda r: r.server_cpu * 1000 / r.requests) for label in urls}
    db = {
        label: median(label, lambda r: None if r.db_cpu is None else r.db_cpu * 1000 / r.requests)
        for label in urls
    }
    print()
    print(
        f"{'page':<20} {'URL':<28} {'req/s':>6} {'(min-max)':>13} {'vs bare':>7} "
        f"{'cpu ms':>6} {'db ms':>6} {'queries':>7} {'at N/10':>7}"
    )
    for label, url in urls.items():
        shown = url if len(url) <= 28 else url[:25] + "..."
        rates = [run.rate for run in runs[label]]
        spread = f"({min(rates):,.0f}-{max(rates):,.0f})"
        print(
            f"{label:<20} {shown:<28} {statistics.median(rates):>6,.0f} {spread:>13} "
            f"{ratio[label]:>7.2f} {ms(cpu[label]):>6} {ms(db[label]):>6} "
            f"{counts[label]:>7} {counts_small[label]:>7}"
        )
    listing_pages = [label for label in urls if label.startswith("listing")]
    flat = all(counts[label] == counts_small[label] for label in listing_pages)
    met = ratio["listing"] >= 0.5 and flat
    # What the ratio would be if the server's CPU were the only limit (wrk's own CPU aside).
    cost = {label: cpu[label] + (db[label] or 0.0) for label in ("bare view", "listing")}
    cpu_ratio = cost["bare view"] / cost["listing"] if cost["listing"] else float("nan")
    print(
        "\nreq/s: median over the rounds; vs bare: median of the rounds' ratios to the bare view."
        "\ncpu ms / db ms: CPU per request of the gunicorn workers / of their PostgreSQL"
        " backends.\n"
        "rendered: a visitor who sends a cookie, never served from the anonymous page cache.\n"
        "queries: per rendering as Django counts them (in-process, cache off), with "
        f"{n:,} listings and with {small:,} (N/10);\n"
        "  under gunicorn a reused connection also runs its health check (SELECT 1) per request."
        f"\ngoal {'MET' if met else 'NOT MET'}: the listing page at {ratio['listing']:.0%} of the"
        f" bare view (goal: 50%; {cpu_ratio:.0%} by CPU per request); "
        f"{counts['listing']} queries per listing page with {n:,} listings, "
        f"{counts_small['listing']} with {small:,} ({'flat' if flat else 'growing'}); "
        f"rendered (no cache) at {ratio['listing, rendered']:.0%}."
    )
    # The goal is the production shape's; the dev shape's figure is reported beside it.
    record(
        f"listing, anonymous ({shape} shape, DEBUG off) vs bare",
        ">= 0.70x" if shape == "prod" else "",
        f"{ratio['listing']:.2f}x",
        ratio["listing"] >= 0.70 if shape == "prod" else None,
    )
    record(f"detail, anonymous ({shape} shape) vs bare", "", f"{ratio['detail']:.2f}x", None)
    # The rendered goals are bench/rendered_pages.py's (a cookie visitor and a signed-in
    # donor); here the same rendered path is reported for a cookie the page cache does not know.
    for label in ("listing, rendered", "detail, rendered"):
        record(f"{label} (unknown cookie, {shape} shape) vs bare", "", f"{ratio[label]:.2f}x", None)
    record(
        "listing pages' queries, N vs N/10 listings",
        "flat",
        f"{counts['listing']} vs {counts_small['listing']} ({n:,} vs {small:,})",
        flat,
    )
    record("listing, CPU per request (workers + db)", "", f"{cost['listing']:.2f} ms", None)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: the server was stopped and the database dropped.", file=sys.stderr)
        sys.exit(130)
