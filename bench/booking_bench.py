"""Benchmark (student visits): 200 students book one visit at once, under gunicorn and PostgreSQL.

    .venv/bin/python bench/booking_bench.py [--requests 200] [--capacity 6] [--workers 4]

Prints figures; asserts nothing (but says plainly when the accepted bookings differ from the
capacity). It creates a throwaway PostgreSQL database (``--db``, default
``rantang_bench_booking`` on ``--server``, default postgres://postgres@127.0.0.1:5432; a
leftover of that name is dropped first), migrates it, writes one published person with one
visit slot of ``--capacity`` seats and ``--requests`` confirmed adult students, each with a
signed-in session. It serves the portal with gunicorn (sync workers) on a free port of
127.0.0.1, releases all the booking POSTs at the same moment from as many threads, and reads
back from the database what was booked. The server and the database go away at the end, on
failure and on Ctrl-C too.

The server is the dev shape with DEBUG off and Celery not eager (as in production, a booking's
e-mail is handed to the broker, here kombu's in-memory transport, not sent in the request):
PORTAL_ENV=dev, DEBUG=0, CELERY_TASK_ALWAYS_EAGER=0, ALLOWED_HOSTS=127.0.0.1.

Figures: accepted bookings (must equal the capacity), the answers by HTTP status (302: booked,
409: full, with the offer of the waiting list; anything else is a failure), requests per
second over the burst, and latency percentiles as the students saw them. And the CPU the
gunicorn workers spent per answer (from /proc, which other load on the machine disturbs
little): over the burst; then over a second burst in which every student who was told "full"
asks again (all "full" answers: the CPU of one); and over 40 students booking a visit of 40
seats (all accepted: the CPU of an accepted booking).
Before the burst, 16 other students book a visit of 2 seats, so that every worker has compiled
its templates and run both answers once.
Goal: at most 8 ms of worker CPU per booking answer and per "full" answer.
"""

import argparse
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dbtools import create_database, drop_database
from bench.public_pages import children, cpu_seconds, free_port, load_average, stop_gunicorn, tail
from bench.summary import quick_option, record

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=200, help="students booking at once")
    parser.add_argument("--capacity", type=int, default=6, help="seats of the slot")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL, without a name")
    parser.add_argument("--db", default="rantang_bench_booking", help="throwaway database name")
    quick_option(parser, requests=60)
    args = parser.parse_args()
    if args.requests < 1 or args.capacity < 1 or args.workers < 1:
        parser.error("--requests, --capacity and --workers must be at least 1")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        parser.error("--db must be a plain lower-case PostgreSQL name")
    return args


def configure(args: argparse.Namespace) -> dict[str, str]:
    env = {
        "PORTAL_ENV": "dev",
        "DEBUG": "0",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{args.server.rstrip('/')}/{args.db}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    return env


WARM_UP = 16  # bookings of another visit (2 seats) before the burst: every worker warm
ROOMY = 40  # students who all find a seat on a visit of their own (the accepted answer's CPU)


def seed(requests: int, capacity: int) -> tuple[list[int], list[str]]:
    """One open slot and ``requests`` students able to book it; a slot of 2 seats for
    ``WARM_UP`` more students and one of ``ROOMY`` seats for ``ROOMY`` more: the three slots,
    and the session keys in that order."""
    import datetime

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import Role, RoleGrant, User
    from accounts.pii import keyed_hash
    from portal.models import AgeBand, Recipient, Sex, Source, Status
    from regions.models import Village
    from volunteers.models import School, Student, VisitSlot

    village = Village.objects.select_related("kecamatan").order_by("code").first()
    person = Recipient.objects.create(
        status=Status.PUBLISHED,
        source=Source.MANUAL,
        nik="3510090101500001",
        nik_hash=keyed_hash("3510090101500001"),
        name="Nama Lansia",
        address="Dusun Krajan",
        sex=Sex.FEMALE,
        age_band=AgeBand.AGE_70_79,
        village=village,
        kecamatan=village.kecamatan,
        pseudonym="Mbah Bench",
        published_at=timezone.now(),
    )

    def open_slot(days: int, capacity: int) -> VisitSlot:
        return VisitSlot.objects.create(
            recipient=person,
            kecamatan=village.kecamatan,
            starts_at=timezone.now() + datetime.timedelta(days=days),
            duration_minutes=90,
            capacity=capacity,
            meeting_point="Balai Desa",
        )

    slot, warm_slot, roomy_slot = open_slot(3, capacity), open_slot(5, 2), open_slot(7, ROOMY)
    school = School.objects.create(npsn="20599999", name="SMA Bench", kecamatan=village.kecamatan)
    born = datetime.date.today().replace(year=datetime.date.today().year - 19)
    keys = []
    for n in range(requests + WARM_UP + ROOMY):
        user = User(email=f"student{n}@bench.example.org", name=f"Siswa {n}")
        user.set_unusable_password()
        user.save()
        RoleGrant.objects.create(user=user, role=Role.STUDENT)
        Student.objects.create(
            user=user,
            school=school,
            class_name="XII",
            birth_date=born,
            status=Student.Status.CONFIRMED,
        )
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return [slot.pk, warm_slot.pk, roomy_slot.pk], keys


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
        "--backlog",
        "2048",
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
            with urllib.request.urlopen(base + "/privasi/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 30 s:\n{tail(log_path)}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def burst(url: str, session_keys: list[str]) -> tuple[list[tuple[int, float]], float]:
    """POST the booking form once per session, all released together. Returns (status,
    seconds) per request and the wall time of the burst."""
    opener = urllib.request.build_opener(NoRedirect)
    barrier = threading.Barrier(len(session_keys) + 1)
    results: list = [None] * len(session_keys)

    def book(index: int, key: str) -> None:
        token = secrets.token_hex(16)  # the CSRF cookie and header must match
        request = urllib.request.Request(  # noqa: S310  (127.0.0.1 only)
            url,
            data=b"",
            method="POST",
            headers={
                "Cookie": f"sessionid={key}; csrftoken={token}",
                "X-CSRFToken": token,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        barrier.wait()
        started = time.perf_counter()
        try:
            with opener.open(request, timeout=120) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            status = 0
        results[index] = (status, time.perf_counter() - started)

    threads = [threading.Thread(target=book, args=(i, key)) for i, key in enumerate(session_keys)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def workers_cpu(server: subprocess.Popen) -> float:
    """CPU seconds spent so far by the gunicorn workers (the master's children)."""
    return sum(cpu_seconds(pid) or 0.0 for pid in children(server.pid))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main() -> int:
    args = parse_args()
    env = configure(args)
    signal.signal(signal.SIGTERM, _terminate)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    create_database(args.server, args.db)
    server = None
    log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed in finally)
        prefix="booking-bench-", suffix=".log", delete=False
    )
    log_path = Path(log_file.name)
    try:
        call_command("migrate", verbosity=0, interactive=False)
        (slot_id, warm_slot_id, roomy_slot_id), keys = seed(args.requests, args.capacity)
        n = args.requests
        keys, warm_keys, roomy_keys = keys[:n], keys[n : n + WARM_UP], keys[n + WARM_UP :]
        connections.close_all()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_gunicorn(env, port, args.workers, log_file)
        wait_until_up(server, base, log_path)
        print(f"load average before: {load_average()}")
        # Templates compiled and code paths first run in each worker: not what an answer costs.
        burst(f"{base}/kunjungan/jadwal/{warm_slot_id}/", warm_keys)
        url = f"{base}/kunjungan/jadwal/{slot_id}/"
        cpu_before = workers_cpu(server)
        results, wall = burst(url, keys)
        burst_cpu = workers_cpu(server) - cpu_before
        told_full = [key for key, (status, _s) in zip(keys, results, strict=True) if status == 409]
        cpu_before = workers_cpu(server)
        again, _wall = burst(url, told_full) if told_full else ([], 0.0)
        full_cpu = (workers_cpu(server) - cpu_before) / max(len(again), 1)
        cpu_before = workers_cpu(server)
        roomy, _wall = burst(f"{base}/kunjungan/jadwal/{roomy_slot_id}/", roomy_keys)
        accepted_cpu = (workers_cpu(server) - cpu_before) / len(roomy)
        print(f"load average after:  {load_average()}")

        from volunteers.models import Booking, VisitSlot

        accepted = Booking.objects.filter(slot_id=slot_id, status=Booking.Status.CONFIRMED).count()
        seats_taken = VisitSlot.objects.get(pk=slot_id).seats_taken
        statuses = Counter(status for status, _seconds in results)
        latencies = [seconds * 1000 for _status, seconds in results]
        print(
            f"{args.requests} concurrent booking requests, one slot of {args.capacity} seats, "
            f"gunicorn {args.workers} sync workers, PostgreSQL"
        )
        print(
            f"accepted bookings: {accepted} (capacity {args.capacity}; seats_taken {seats_taken})"
        )
        print(
            "answers: "
            + ", ".join(f"{code or 'no answer'}×{n}" for code, n in sorted(statuses.items()))
        )
        print(f"requests per second: {len(results) / wall:.1f} (burst of {wall:.2f} s)")
        print(
            f"latency ms: p50 {statistics.median(latencies):.0f}, "
            f"p95 {percentile(latencies, 0.95):.0f}, max {max(latencies):.0f}"
        )
        per_answer = burst_cpu / len(results)
        again_statuses = Counter(status for status, _seconds in again)
        roomy_statuses = Counter(status for status, _seconds in roomy)
        print(
            f"worker CPU per answer: {per_answer * 1000:.1f} ms over the burst; "
            f'{full_cpu * 1000:.1f} ms per "full" answer ({len(again)} asked again: '
            + ", ".join(f"{code or 'no answer'}×{n}" for code, n in sorted(again_statuses.items()))
            + f"); {accepted_cpu * 1000:.1f} ms per accepted booking ({ROOMY} on a visit of "
            f"{ROOMY} seats: "
            + ", ".join(f"{code or 'no answer'}×{n}" for code, n in sorted(roomy_statuses.items()))
            + ")"
        )
        for label, value in (
            ("per booking answer (the burst)", per_answer),
            ('per "full" answer', full_cpu),
            (f"per accepted booking ({ROOMY} seats for {ROOMY})", accepted_cpu),
        ):
            record(
                f"booking: worker CPU {label}", "<= 8 ms", f"{value * 1000:.1f} ms", value <= 0.008
            )
        unexpected = {code: n for code, n in statuses.items() if code not in (302, 409)}
        unexpected |= {code: n for code, n in again_statuses.items() if code != 409}
        unexpected |= {code: n for code, n in roomy_statuses.items() if code != 302}
        record(
            f"booking: accepted of {args.requests} at once, no error",
            f"= capacity ({args.capacity})",
            f"{accepted} accepted, {sum(unexpected.values())} errors",
            accepted == args.capacity and seats_taken == args.capacity and not unexpected,
        )
        record("booking: requests per second (burst)", "", f"{len(results) / wall:.1f}", None)
        record("booking: latency p95 (burst)", "", f"{percentile(latencies, 0.95):.0f} ms", None)
        if accepted != args.capacity or seats_taken != args.capacity or unexpected:
            print(
                f"WRONG: accepted {accepted}, seats_taken {seats_taken}, unexpected {unexpected}"
                f"\n{tail(log_path)}",
                file=sys.stderr,
            )
            return 1
        return 0
    finally:
        if server is not None:
            stop_gunicorn(server)
        log_file.close()
        log_path.unlink(missing_ok=True)
        drop_database(args.server, args.db)


if __name__ == "__main__":
    sys.exit(main())
