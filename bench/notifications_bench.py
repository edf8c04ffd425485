"""Benchmark (notifications): what the outbox costs a Celery worker, against an empty task.

    .venv/bin/python bench/notifications_bench.py [--messages 10000] [--rounds 3] [--batch-size N]

Prints figures; asserts nothing. It creates a throwaway PostgreSQL database (``--db``, default
``rantang_bench_notifications`` on ``--server``, default postgres://postgres@127.0.0.1:5432; a
leftover of that name is dropped first) and migrates it, flushes a Redis database of its own
(``--redis``, default redis://127.0.0.1:6379/14: the tests use 15), and starts ONE real worker
as a deployment does (``celery -A config worker --pool solo -Q notifications,default``) with
the ``test`` shape and ``bench.settings_notifications``: WhatsApp goes to the in-memory channel.

``--db-reuse-max N`` is a what-if: the worker keeps its database connection for about 2N tasks
(``CELERY_DB_REUSE_MAX``) instead of the portal's own setting (1,000). ``--batch-size N`` is
another: ``NOTIFICATION_BATCH_SIZE`` for the run instead of the portal's (20); 1 is a task
per message, the cost of a message that is due alone.

Each round, with the worker's consumers cancelled:
- the outbox: N WhatsApp notifications are written with ``notification_enqueue`` (1,000 to a
  transaction; each commit hands its rows to Celery, as the portal's events do: one task per
  ``NOTIFICATION_BATCH_SIZE`` rows, each task claiming its rows in one statement and marking
  each row in one more);
- the empty task: N ``bench.empty`` tasks (defined here, registered only through the bench
  settings) are published;
then the worker's consumer is added back and the time until the queue is drained (nothing
waiting, nothing unacknowledged) gives messages per second (for the outbox, messages sent, not
tasks run). Beside that, the CPU the worker
process spent per message, read from /proc, which other load on the machine disturbs less.
The figures are medians over the rounds; the ratio is empty-task rate / outbox rate.

The worker, the database and the Redis database are cleaned up at the end, on failure and on
Ctrl-C too. Goal (issue 21): the outbox costs at most 2x an empty task.
"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from celery import shared_task

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dbtools import create_database, drop_database
from bench.summary import quick_option, record

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
PHONE = "+6281234567890"
BATCH = 1000  # notifications written per transaction
WARMUP = 200  # messages of each kind before the first measured round


@shared_task(name="bench.empty")
def empty() -> None:
    """The reference: a task that does nothing, through the same worker and broker."""


# --- Set-up and clean-up -----------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=10_000, help="per round and kind (N)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each kind")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL, without a name")
    parser.add_argument("--db", default="rantang_bench_notifications", help="throwaway database")
    parser.add_argument("--redis", default=DEFAULT_REDIS, help="a Redis database of its own")
    parser.add_argument("--timeout", type=int, default=600, help="seconds a drain may take")
    parser.add_argument(
        "--db-reuse-max",
        type=int,
        default=0,
        help="what-if: CELERY_DB_REUSE_MAX for the worker (0: as configured, the portal's "
        "CELERY_DB_REUSE_MAX)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=0,
        help="what-if: NOTIFICATION_BATCH_SIZE for the run (0: as configured, the portal's)",
    )
    quick_option(parser, messages=2000, rounds=2)
    args = parser.parse_args()
    if args.messages < 1 or args.rounds < 1 or args.batch_size < 0:
        parser.error("--messages and --rounds must be at least 1, --batch-size at least 0")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        parser.error("--db must be a plain lower-case PostgreSQL name")
    if not re.fullmatch(r"redis://[^/]+/\d+", args.redis) or args.redis.endswith("/15"):
        parser.error("--redis must name a database number, not the tests' 15")
    return args


def configure(args: argparse.Namespace) -> dict[str, str]:
    """The environment of the worker, and of this process (the same)."""
    base, _, number = args.redis.rpartition("/")
    env = {
        "PORTAL_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "bench.settings_notifications",
        "DATABASE_URL": f"{args.server.rstrip('/')}/{args.db}",
        "REDIS_URL": f"{base}/0",
        "TEST_REDIS_DB": number,  # the test shape picks the Redis database by this number
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "WARNING",
        "BENCH_DB_REUSE_MAX": str(args.db_reuse_max or ""),
    }
    if args.batch_size:
        env["NOTIFICATION_BATCH_SIZE"] = str(args.batch_size)
    os.environ.update(env)
    return env


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.flushdb()
    finally:
        client.close()


def start_worker(env: dict[str, str], node: str, log) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
        "-Q", "notifications,default", "-n", node, "--loglevel", "WARNING",
        "--without-mingle", "--without-gossip", "--without-heartbeat",
    ]  # fmt: skip
    return subprocess.Popen(  # noqa: S603  (our own venv's celery, fixed arguments)
        command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()  # Celery's warm shutdown
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until_up(app, worker: subprocess.Popen, node: str, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited ({worker.returncode}):\n{tail(log_path)}")
        if app.control.ping(destination=[node], timeout=0.5):
            return
    raise RuntimeError(f"the worker did not answer within 60 s:\n{tail(log_path)}")


# --- Measuring ---------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Bench:
    def __init__(self, app, worker: subprocess.Popen, node: str, redis_url: str, timeout: int):
        import redis

        self.app = app
        self.worker = worker
        self.node = node
        self.redis = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
        self.timeout = timeout
        self.written = 0

    def consume(self, queue: str, on: bool) -> None:
        """Start (or stop) the worker's consumer of ``queue``; return once it answered."""
        control = self.app.control.add_consumer if on else self.app.control.cancel_consumer
        if not control(queue, destination=[self.node], reply=True, timeout=10):
            raise RuntimeError(f"the worker did not answer to {control.__name__}({queue})")

    def waiting(self, queue: str) -> int:
        pipe = self.redis.pipeline()
        pipe.llen(queue)
        pipe.hlen("unacked")  # acks_late: a message stays here until its task has run
        return sum(pipe.execute())

    def drain(self, queue: str, n: int) -> tuple[float, float]:
        """Start consuming ``queue``; return messages per second and worker CPU per message."""
        cpu_before = cpu_seconds(self.worker.pid)
        start = time.perf_counter()
        self.consume(queue, on=True)
        deadline = time.monotonic() + self.timeout
        while self.waiting(queue):
            if self.worker.poll() is not None:
                raise RuntimeError(f"the worker exited ({self.worker.returncode})")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{queue}: not drained within {self.timeout} s")
            time.sleep(0.005)
        seconds = time.perf_counter() - start
        cpu = cpu_seconds(self.worker.pid) - cpu_before
        self.consume(queue, on=False)
        return n / seconds, cpu / n

    def outbox(self, n: int) -> tuple[float, float, float]:
        """N notifications through the outbox: (written per second, sent per second, worker
        CPU per message)."""
        from django.db import transaction

        from notifications.models import Channel, Notification
        from notifications.services import notification_enqueue

        start = time.perf_counter()
        for first in range(0, n, BATCH):
            with transaction.atomic():
                for i in range(first, min(first + BATCH, n)):
                    notification_enqueue(
                        template="import_finished",
                        dedup_key=f"bench:{self.written + i}",
                        to_address=PHONE,
                        channel=Channel.WHATSAPP,
                        context={"file_name": f"export-{i}.csv", "created": i, "rejected": 0},
                    )
        write_rate = n / (time.perf_counter() - start)
        self.written += n
        rate, cpu = self.drain("notifications", n)
        pending = Notification.objects.exclude(status=Notification.Status.SENT).count()
        if pending:
            raise RuntimeError(f"{pending} notification(s) not sent after the drain")
        return write_rate, rate, cpu

    def empty_tasks(self, n: int) -> tuple[float, float]:
        """N empty tasks: (run per second, worker CPU per task)."""
        with self.app.producer_or_acquire() as producer:
            for _i in range(n):
                empty.apply_async(producer=producer)
        return self.drain("default", n)


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, _terminate)
    env = configure(args)
    node = f"bench-notifications-{os.getpid()}@{socket.gethostname()}"
    worker = None
    create_database(args.server, args.db)
    try:
        flush_redis(args.redis)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        from config.celery import app
        from notifications.models import Notification

        broker = settings.CELERY_BROKER_URL
        if broker != args.redis:
            raise RuntimeError(f"the broker would be {broker}, not {args.redis}")
        call_command("migrate", verbosity=0)
        with tempfile.TemporaryDirectory() as tmp:
            log_path = Path(tmp) / "worker.log"
            with log_path.open("wb") as log:
                worker = start_worker(env, node, log)
            wait_until_up(app, worker, node, log_path)
            bench = Bench(app, worker, node, settings.CELERY_BROKER_URL, args.timeout)
            for queue in ("notifications", "default"):  # tasks wait until a drain starts
                bench.consume(queue, on=False)
            print(
                f"database: {args.db}; broker: {settings.CELERY_BROKER_URL}; one worker "
                f"(pid {worker.pid}, --pool solo); messages per round: {args.messages:,}; "
                f"rounds: {args.rounds}; load average {os.getloadavg()[0]:.2f}"
            )
            print(
                f"outbox rows to a task: {settings.NOTIFICATION_BATCH_SIZE} "
                f"(NOTIFICATION_BATCH_SIZE{', what-if' if args.batch_size else ''})"
            )
            print(
                "database connections of the worker: "
                + (
                    f"reused (CELERY_DB_REUSE_MAX={args.db_reuse_max})"
                    if args.db_reuse_max
                    else "as configured (the portal's CELERY_DB_REUSE_MAX)"
                )
            )
            bench.outbox(WARMUP)
            bench.empty_tasks(WARMUP)
            outbox_runs, empty_runs = [], []
            for number in range(1, args.rounds + 1):
                write_rate, rate, cpu = bench.outbox(args.messages)
                outbox_runs.append((rate, cpu))
                empty_rate, empty_cpu = bench.empty_tasks(args.messages)
                empty_runs.append((empty_rate, empty_cpu))
                print(
                    f"round {number}: outbox {rate:>7,.0f} msg/s ({cpu * 1e3:.2f} ms CPU/msg; "
                    f"written at {write_rate:,.0f}/s)   empty task {empty_rate:>7,.0f} msg/s "
                    f"({empty_cpu * 1e3:.2f} ms CPU/msg)"
                )
            rate = statistics.median(r for r, _c in outbox_runs)
            cpu = statistics.median(c for _r, c in outbox_runs)
            empty_rate = statistics.median(r for r, _c in empty_runs)
            empty_cpu = statistics.median(c for _r, c in empty_runs)
            sent = Notification.objects.filter(status=Notification.Status.SENT).count()
            print(f"notifications sent: {sent:,} of {bench.written:,} written")
            print(f"outbox      {rate:>8,.0f} msg/s   {cpu * 1e3:6.2f} ms worker CPU per message")
            print(
                f"empty task  {empty_rate:>8,.0f} msg/s   {empty_cpu * 1e3:6.2f} ms worker CPU "
                "per message"
            )
            print(
                f"ratio: the outbox costs {empty_rate / rate:.2f}x an empty task in time "
                f"({cpu / empty_cpu:.2f}x in worker CPU); goal: at most 2x"
            )
            record(
                "outbox vs an empty Celery task, time",
                "<= 2x",
                f"{empty_rate / rate:.2f}x ({rate:,.0f} vs {empty_rate:,.0f} msg/s)",
                empty_rate / rate <= 2,
            )
            record(
                "outbox vs an empty Celery task, worker CPU",
                "",
                f"{cpu / empty_cpu:.2f}x ({cpu * 1e3:.2f} vs {empty_cpu * 1e3:.2f} ms/msg)",
                None,
            )
            print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        if worker is not None:
            stop_worker(worker)
        try:
            flush_redis(args.redis)
        finally:
            drop_database(args.server, args.db)


if __name__ == "__main__":
    main()
