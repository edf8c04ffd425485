"""Soak: the whole portal under mixed traffic for a bounded time, with a worker killed, Redis
restarted and PostgreSQL restarted once each, then every invariant checked.

    .venv/bin/python bench/soak.py [--minutes 10] [--clients 6] [--web-workers 3]

It starts everything it uses and stops it at the end (on failure and on Ctrl-C too):

- its own PostgreSQL (``initdb`` in a temporary folder, run as the ``postgres`` user when the
  soak runs as root, on a free port of 127.0.0.1) and its own Redis (no persistence, as the
  shared one; a free port);
- gunicorn (``--web-workers`` sync workers), one Celery worker (the ``notifications`` and
  ``default`` queues, 2 processes, as docker-compose.yml runs it) and Celery beat with the
  database scheduler, all with ``PORTAL_ENV=test``, DEBUG off, Celery not eager and the
  production caches in Redis (``bench/settings_soak.py``).

The portal is migrated and given ``seed_demo``'s data, four visit slots of four seats on
published people, forty adult students and two finance officers with sessions. Then
``--clients`` threads send, for ``--minutes``, a mix like the portal's day:

- public browsing (home, listings, a listing, impact, transparency, the give forms), half of
  the visitors with a cookie;
- gifts through the sandbox by **every payment method** the give form offers: QRIS, GoPay,
  ShopeePay, the five virtual accounts (Midtrans's sandbox), a card once and monthly (the card
  sandbox), and bank transfers with a proof, matched and confirmed by two finance officers.
  Most are paid; some are declined, cancelled or left open. A payment the portal refused (the
  sandbox page answers 502 while the database is down) is tried again, as its page offers;
- students booking and cancelling seats on the four slots;
- webhooks repeated and out of order: a paid Stripe checkout's ``completed`` event again and
  an ``async_payment_failed`` after it; a settled Midtrans order's ``pending`` notification
  after the settlement and a ``settlement`` claim for an order still pending (the endpoint asks
  the status API, which says otherwise).

Meanwhile, each in an announced window, it kills the Celery worker (SIGKILL, the worker and
its children; restarted after ``--outage`` seconds), restarts Redis (stopped, started again
empty) and restarts PostgreSQL (``pg_ctl stop -m fast``, then start). Each window ends
``--grace`` seconds after the service is back, for reconnects.

When the traffic stops it lets the outbox drain (the beat's ``dispatch_due`` sends what a dead
worker or a lost queue left behind; the lease is 30 s here), then checks and prints:

- the ledger balanced (every transaction sums to zero), with one gift posting per paid gift,
  whose total equals the sum of the paid gifts;
- each paid gift has exactly one receipt number, and its receipt e-mail was sent at least once
  (sends counted from the e-mail files, repeats counted, with the Message-ID of each send);
- seats never above capacity (sampled every 2 s through the run, and at the end);
- no 5xx and no unanswered request outside the outage windows;
- requests, errors and latency per window.

Exit status 0 when every invariant holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import io
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_BIN_CANDIDATES = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
STUDENTS = 40
SLOTS = 4
SEATS = 4


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long traffic runs")
    parser.add_argument("--clients", type=int, default=6, help="threads sending traffic")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--outage", type=float, default=20.0, help="seconds each service is down")
    parser.add_argument("--grace", type=float, default=20.0, help="seconds after it is back")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if args.minutes <= 0 or args.clients < 1 or args.web_workers < 1:
        parser.error("--minutes, --clients and --web-workers must be positive")
    # Three windows with their grace periods must fit in the run, with steady traffic between.
    needed = 3 * (args.outage + args.grace) + 60
    if args.minutes * 60 < needed:
        parser.error(f"--minutes is too short for three outages: at least {needed / 60:.1f}")
    return args


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- The services the soak starts --------------------------------------------------------------


class Postgres:
    """A PostgreSQL cluster of our own in ``folder``, on ``port``: started, stopped, restarted."""

    def __init__(self, folder: Path, port: int) -> None:
        if not PG_BIN_CANDIDATES:
            raise RuntimeError("PostgreSQL's server binaries are not installed (initdb, pg_ctl)")
        self.bin = PG_BIN_CANDIDATES[0]
        self.folder = folder
        self.data = folder / "pgdata"
        self.port = port
        self.log = folder / "postgres.log"
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        full = [str(self.bin / command[0]), *command[1:]]
        if self.as_postgres:
            full = ["runuser", "-u", "postgres", "--", *full]
        return subprocess.run(full, check=check, capture_output=True, text=True)  # noqa: S603

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.folder}'\nfsync = off\n"
                "max_connections = 100\nshared_buffers = 64MB\n"
            )

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def create_database(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)


class Redis:
    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(  # noqa: S603
            [
                redis_server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock,
            ):
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.1)
        raise RuntimeError("our Redis did not answer within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class Managed:
    """A long-running child (gunicorn, the worker, beat) in its own process group."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.log_path = folder / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603  (our own venv's programs)
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log_file.close()
        self.starts += 1

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group: the main process and its children, no warm shutdown."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        # Children left behind by a main process that exited (a killed worker's pool).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


# --- Seeding -----------------------------------------------------------------------------------


@dataclass
class World:
    listings: list[str]
    slots: list[int]
    students: list[str]  # session keys
    finance: list[str]  # two finance officers' session keys (match, then confirm)
    webhook_path: str
    midtrans_path: str


def session_for(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def seed() -> World:
    import datetime

    from django.core.management import call_command
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import Role, RoleGrant, User
    from accounts.selectors import user_has_totp
    from portal.models import Recipient, Status
    from volunteers.models import School, Student, VisitSlot

    call_command("seed_demo", verbosity=0)
    published = list(
        Recipient.objects.filter(status=Status.PUBLISHED).order_by("pk").select_related("village")
    )
    if len(published) < SLOTS:
        raise RuntimeError(f"seed_demo published {len(published)} people; the soak needs {SLOTS}")
    slots = []
    for n, person in enumerate(published[:SLOTS]):
        slot = VisitSlot.objects.create(
            recipient=person,
            kecamatan=person.kecamatan,
            # Apart in time, so that one student may hold seats on several.
            starts_at=timezone.now() + datetime.timedelta(days=5, hours=2 * n),
            duration_minutes=60,
            capacity=SEATS,
            meeting_point="Balai Desa",
        )
        slots.append(slot.pk)
    school = School.objects.create(
        npsn="20599990", name="SMA Soak", kecamatan=published[0].kecamatan
    )
    born = datetime.date.today().replace(year=datetime.date.today().year - 19)
    students = []
    for n in range(STUDENTS):
        user = User(email=f"soak.student{n}@soak.example.org", name=f"Siswa Soak {n}")
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
        students.append(session_for(user))
    finance = []
    for address in ("finance@demo.rantangkasih.id", "finance2@demo.rantangkasih.id"):
        user = User.objects.get(email=address)
        if not user_has_totp(user):
            raise RuntimeError(f"{address} has no TOTP: seed_demo changed")
        finance.append(session_for(user))
    return World(
        listings=[p.public_id for p in published],
        slots=slots,
        students=students,
        finance=finance,
        webhook_path=reverse("donations_webhook"),
        midtrans_path=reverse("donations_midtrans_notification"),
    )


# --- Traffic -----------------------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # seconds since the traffic started, when the request was sent
    seconds: float
    status: int  # 0: no answer (refused, reset, timed out)
    kind: str
    path: str


@dataclass
class Window:
    name: str
    starts: float
    ends: float = float("inf")


@dataclass
class Stats:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    gifts: Counter = field(default_factory=Counter)  # method → outcomes tried
    outcomes: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def note(self, what: str) -> None:
        with self.lock:
            self.notes[what] += 1


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ATTEMPT = re.compile(r'name="attempt" value="([^"]+)"')
MIDTRANS_METHODS = ("qris", "gopay", "shopeepay", "va_bca", "va_bni", "va_bri", "va_mandiri",
                    "va_permata")  # fmt: skip
METHODS = (*MIDTRANS_METHODS, "card", "card_monthly", "bank")
PNG_PROOF = None


def proof_png() -> bytes:
    global PNG_PROOF
    if PNG_PROOF is None:
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (320, 200), "white")
        ImageDraw.Draw(image).text((20, 90), "Bukti transfer (soak)", fill="black")
        out = io.BytesIO()
        image.save(out, format="PNG")
        PNG_PROOF = out.getvalue()
    return PNG_PROOF


class Client:
    """One visitor: a requests session (its cookies), timing every request into ``stats``."""

    def __init__(self, base: str, stats: Stats, started: float, rng: random.Random) -> None:
        import requests

        self.base = base
        self.stats = stats
        self.started = started
        self.rng = rng
        self.http = requests.Session()
        self.requests = requests

    def call(self, kind: str, method: str, path: str, **kwargs):
        url = path if path.startswith("http") else self.base + path
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("allow_redirects", False)
        at = time.monotonic() - self.started
        t0 = time.perf_counter()
        try:
            response = self.http.request(method, url, **kwargs)
            status = response.status_code
        except self.requests.RequestException:
            response = None
            status = 0
        self.stats.add(Sample(at, time.perf_counter() - t0, status, kind, path.split("?")[0]))
        return response

    def form_post(self, kind: str, path: str, data: dict, page=None, **kwargs):
        """GET the form (unless its page is given), then POST it with its CSRF token."""
        if page is None:
            page = self.call(kind, "GET", path)
        if page is None or page.status_code != 200:
            return page  # the form did not come: its answer is the outcome
        token = CSRF.search(page.text)
        if token is None:
            self.stats.note(f"{kind}: no CSRF token on {path}")
            return None
        return self.call(
            kind,
            "POST",
            path,
            data={"csrfmiddlewaretoken": token.group(1), **data},
            headers={"Referer": self.base + path},
            **kwargs,
        )


def browse(client: Client, world: World) -> None:
    if client.rng.random() < 0.5:
        client.http.cookies.clear()  # an anonymous first visit; the other half carries cookies
    listing = client.rng.choice(world.listings)
    path = client.rng.choice(
        [
            "/",
            "/lansia/",
            f"/lansia/{listing}/",
            f"/lansia/{listing}/",
            "/dampak/",
            "/donasi/transparansi/",
            "/donasi/",
            f"/donasi/untuk/{listing}/",
            "/en/lansia/",
            f"/en/lansia/{listing}/",
            "/lansia/?page=2",
        ]
    )
    client.call("browse", "GET", path)


def give(client: Client, world: World) -> None:
    rng = client.rng
    method = rng.choice(METHODS)
    path = rng.choice(["/donasi/", f"/donasi/untuk/{rng.choice(world.listings)}/"])
    page = client.call("give", "GET", path)
    if page is None or page.status_code != 200:
        return
    attempt = ATTEMPT.search(page.text)
    if attempt is None:
        client.stats.note("give: no attempt field")
        return
    amount = rng.choice([10_000, 25_000, 50_000, 100_000, 150_000, 720_000])
    data = {
        "amount": f"{amount:,}".replace(",", "."),
        "frequency": "monthly" if method == "card_monthly" else "once",
        "method": "card" if method == "card_monthly" else method,
        "email": f"donor.{uuid.uuid4().hex[:10]}@soak.example.org",
        "name": "",
        "message": "",
        "attempt": attempt.group(1),
    }
    response = client.form_post("give", path, data, page=page)
    if response is None or response.status_code != 302:
        client.stats.outcomes[f"{method}: form answered {getattr(response, 'status_code', 0)}"] += 1
        return
    location = response.headers["Location"]
    client.stats.gifts[method] += 1
    if method == "bank":
        transfer(client, world, location)
    elif "/sandbox/midtrans/" in location:
        midtrans_pay(client, location)
    elif "/sandbox/" in location:
        card_pay(client, location)
    else:
        client.stats.note(f"give: unexpected redirect {location[:60]}")


def _path(location: str) -> str:
    return re.sub(r"^https?://[^/]+", "", location)


def _pay_until_taken(client: Client, kind: str, path: str, outcome: str) -> None:
    """Choose ``outcome`` on a sandbox page; a 502 (the portal refused the payment service's
    message, nothing recorded) is tried again a few seconds later, as the page offers."""
    for attempt in range(8):
        response = client.form_post(kind, path, {"outcome": outcome})
        status = getattr(response, "status_code", 0)
        if status == 302:
            client.stats.outcomes[f"{kind} {outcome}"] += 1
            return
        if status not in (0, 500, 502, 503):
            client.stats.outcomes[f"{kind} {outcome}: answered {status}"] += 1
            return
        time.sleep(3 + attempt)
    client.stats.outcomes[f"{kind} {outcome}: gave up"] += 1


def card_pay(client: Client, location: str) -> None:
    outcome = client.rng.choices(
        ["pay", "delayed_success", "delayed_failure", "cancel", "leave"], [70, 10, 5, 10, 5]
    )[0]
    if outcome == "leave":
        client.stats.outcomes["card leave"] += 1
        return
    _pay_until_taken(client, "card", _path(location), outcome)


def midtrans_pay(client: Client, location: str) -> None:
    outcome = client.rng.choices(["pay", "fail", "expire", "leave"], [80, 8, 4, 8])[0]
    if outcome == "leave":
        client.stats.outcomes["midtrans leave"] += 1
        return
    _pay_until_taken(client, "midtrans", _path(location), outcome)


def transfer(client: Client, world: World, location: str) -> None:
    """The donor uploads a proof; one finance officer matches, the other confirms."""
    path = _path(location)
    ref = path.rstrip("/").rsplit("/", 1)[-1]
    page = client.call("transfer", "GET", path)
    if page is None or page.status_code != 200:
        return
    token = CSRF.search(page.text)
    if token is None:
        return
    uploaded = client.call(
        "transfer",
        "POST",
        path,
        data={"csrfmiddlewaretoken": token.group(1)},
        files={"proof": ("bukti.png", proof_png(), "image/png")},
        headers={"Referer": client.base + path},
    )
    if getattr(uploaded, "status_code", 0) != 302:
        status = getattr(uploaded, "status_code", 0)
        client.stats.outcomes[f"transfer proof: answered {status}"] += 1
        return
    if client.rng.random() < 0.15:
        client.stats.outcomes["transfer left for finance"] += 1
        return
    from django.utils import timezone

    officer = Client(client.base, client.stats, client.started, client.rng)
    officer.http.cookies.set("sessionid", world.finance[0])
    match_path = f"/petugas/keuangan/donasi/{ref}/cocokkan/"
    page = officer.call("finance", "GET", match_path)
    if page is None or page.status_code != 200:
        client.stats.outcomes[f"transfer match page: {getattr(page, 'status_code', 0)}"] += 1
        return
    amount = re.search(r'name="received_amount"[^>]*value="([^"]+)"', page.text)
    matched = officer.form_post(
        "finance",
        match_path,
        {
            "received_amount": amount.group(1) if amount else "",
            "statement_date": timezone.localdate().isoformat(),
            "statement_line": f"TRSF {ref[:8]}",
        },
        page=page,
    )
    if getattr(matched, "status_code", 0) != 302:
        client.stats.outcomes[f"transfer match: answered {getattr(matched, 'status_code', 0)}"] += 1
        return
    second = Client(client.base, client.stats, client.started, client.rng)
    second.http.cookies.set("sessionid", world.finance[1])
    confirmed = second.form_post("finance", f"/petugas/keuangan/donasi/{ref}/konfirmasi/", {})
    client.stats.outcomes[f"transfer confirm: {getattr(confirmed, 'status_code', 0)}"] += 1


def book(client: Client, world: World, bookings: dict[str, list[int]], key: str) -> None:
    client.http.cookies.clear()
    client.http.cookies.set("sessionid", key)
    mine = bookings[key]
    if mine and client.rng.random() < 0.4:
        booking = mine.pop(client.rng.randrange(len(mine)))
        response = client.form_post("booking", f"/kunjungan/pemesanan/{booking}/batal/", {})
        client.stats.outcomes[f"cancel: {getattr(response, 'status_code', 0)}"] += 1
        return
    slot = client.rng.choice(world.slots)
    response = client.form_post("booking", f"/kunjungan/jadwal/{slot}/", {})
    status = getattr(response, "status_code", 0)
    client.stats.outcomes[f"book: {status}"] += 1
    if status == 302:
        found = re.search(r"/kunjungan/pemesanan/(\d+)/", response.headers.get("Location", ""))
        if found and int(found.group(1)) not in mine:
            mine.append(int(found.group(1)))


def webhook_again(client: Client, world: World) -> None:
    """A webhook repeated, or one arriving out of order, signed as the gateway signs it."""
    from django.conf import settings
    from django.db import connections

    from donations.gateways.midtrans.sandbox import transaction_body
    from donations.gateways.sandbox import session_object
    from donations.gateways.stripe import signature_header
    from donations.models import MidtransSandboxTransaction, SandboxSession

    rng = client.rng
    try:
        if rng.random() < 0.5:
            session = (
                SandboxSession.objects.filter(status="complete", mode="payment")
                .order_by("?")
                .first()
            )
            if session is None:
                return
            event_type, payment_status = rng.choice(
                [
                    ("checkout.session.completed", "paid"),  # repeated
                    ("checkout.session.async_payment_failed", "unpaid"),  # out of order
                ]
            )
            event = {
                "id": f"evt_soak_{secrets.token_hex(8)}",
                "object": "event",
                "type": event_type,
                "created": int(time.time()),
                "livemode": False,
                "data": {"object": session_object(session, payment_status=payment_status)},
            }
            payload = json.dumps(event)
            kind, path = "webhook", world.webhook_path
            headers = {
                "Content-Type": "application/json",
                "Stripe-Signature": signature_header(payload, settings.STRIPE_WEBHOOK_SECRET),
            }
        else:
            txn = MidtransSandboxTransaction.objects.order_by("?").first()
            if txn is None:
                return
            # A settled order's old "pending" arriving late, or the current status repeated;
            # for a pending order a "settlement" claim the status API contradicts.
            claim = rng.choice(["pending", None]) if txn.status == "settlement" else "settlement"
            payload = json.dumps(transaction_body(txn, status=claim))
            kind, path = "notification", world.midtrans_path
            headers = {"Content-Type": "application/json"}
    except Exception:
        connections.close_all()
        client.stats.note("webhook replay skipped: database unreachable")
        return
    finally:
        connections.close_all()
    response = client.call(kind, "POST", path, data=payload, headers=headers)
    client.stats.outcomes[f"{kind} again: {getattr(response, 'status_code', 0)}"] += 1


def traffic(
    base: str, world: World, stats: Stats, started: float, until: float, seed: int, index: int
) -> None:
    rng = random.Random(seed * 1000 + index)
    client = Client(base, stats, started, rng)
    student = Client(base, stats, started, rng)
    bookings: dict[str, list[int]] = defaultdict(list)
    # Each thread has its own students: one student's requests never race each other.
    keys = world.students[index :: max(1, len(world.students) // 10)][:10] or world.students
    while time.monotonic() < until:
        roll = rng.random()
        try:
            if roll < 0.55:
                browse(client, world)
            elif roll < 0.80:
                give(client, world)
            elif roll < 0.93:
                book(student, world, bookings, rng.choice(keys))
            else:
                webhook_again(client, world)
        except Exception as error:
            stats.note(f"client error: {type(error).__name__}: {str(error)[:80]}")
        time.sleep(rng.uniform(0.05, 0.3))


def seats_watch(stats: Stats, stop: threading.Event, highest: dict[int, int]) -> None:
    """Every 2 s: the most seats confirmed on each slot, read from the database."""
    from django.db import connections
    from django.db.models import Count, Q

    from volunteers.models import Booking, VisitSlot

    while not stop.wait(2):
        try:
            for row in VisitSlot.objects.annotate(
                confirmed=Count("bookings", filter=Q(bookings__status=Booking.Status.CONFIRMED))
            ).values("pk", "confirmed", "seats_taken", "capacity"):
                seen = max(row["confirmed"], row["seats_taken"])
                highest[row["pk"]] = max(highest.get(row["pk"], 0), seen)
        except Exception:
            stats.note("seat check skipped: database unreachable")
        finally:
            connections.close_all()


# --- Checks ------------------------------------------------------------------------------------


def read_mails(folder: Path) -> list[email.message.EmailMessage]:
    separator = b"\n" + b"-" * 79 + b"\n"
    messages = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_bytes().split(separator):
            if chunk.strip():
                messages.append(
                    email.message_from_bytes(chunk.lstrip(b"\n"), policy=email.policy.default)
                )
    return messages


def drain(deadline_seconds: float) -> str:
    """Wait until the outbox has nothing queued or claimed (the worker and beat send it)."""
    from django.db import connections
    from django.db.models import Q
    from django.utils import timezone

    from notifications.models import Notification

    Status = Notification.Status
    deadline = time.monotonic() + deadline_seconds
    left = -1
    while time.monotonic() < deadline:
        try:
            # What is due: a visit's reminder written for next week is not waiting.
            left = Notification.objects.filter(
                Q(status=Status.SENDING) | Q(status=Status.PENDING, send_after__lte=timezone.now())
            ).count()
        except Exception:
            left = -1
        finally:
            connections.close_all()
        if left == 0:
            return "outbox drained"
        time.sleep(5)
    return f"outbox still has {left} rows waiting after {deadline_seconds:.0f} s"


def check(
    world: World, mail_dir: Path, highest_seats: dict[int, int]
) -> list[tuple[str, bool, str]]:
    from django.db.models import Count, Q, Sum

    from donations.models import Entry, Gift, Transaction
    from notifications.models import Notification
    from notifications.services import message_id
    from volunteers.models import Booking, VisitSlot

    results = []
    unbalanced = Transaction.objects.annotate(total=Sum("entries__amount")).exclude(total=0).count()
    total = Entry.objects.aggregate(s=Sum("amount"))["s"] or 0
    results.append(
        (
            "ledger balanced",
            unbalanced == 0 and total == 0,
            f"{Transaction.objects.count()} transactions, {unbalanced} unbalanced, "
            f"entries sum to {total}",
        )
    )
    paid = Gift.objects.filter(paid_at__isnull=False)
    paid_sum = paid.aggregate(s=Sum("amount"))["s"] or 0
    # A bank transfer posts what arrived (received_amount), which the soak matches in full.
    gift_txns = Transaction.objects.filter(kind=Transaction.Kind.GIFT)
    per_gift = Counter(gift_txns.values_list("gift_id", flat=True))
    posted = (
        Entry.objects.filter(transaction__kind=Transaction.Kind.GIFT, amount__gt=0).aggregate(
            s=Sum("amount")
        )["s"]
        or 0
    )
    paid_ids = set(paid.values_list("pk", flat=True))
    doubles = [pk for pk, n in per_gift.items() if n != 1]
    missing = paid_ids - set(per_gift)
    strays = set(per_gift) - paid_ids
    results.append(
        (
            "ledger = sum of paid gifts",
            posted == paid_sum and not doubles and not missing and not strays,
            f"{len(paid_ids)} paid gifts, Rp{paid_sum:,} paid, Rp{posted:,} posted as gifts; "
            f"{len(doubles)} posted twice, {len(missing)} not posted, {len(strays)} posted "
            "unpaid".replace(",", "."),
        )
    )
    numbers = list(paid.values_list("pk", "receipt_number"))
    without = [pk for pk, number in numbers if not number]
    repeated_numbers = [n for n, c in Counter(n for _pk, n in numbers if n).items() if c > 1]
    results.append(
        (
            "one receipt number per paid gift",
            not without and not repeated_numbers,
            f"{len(numbers) - len(without)} numbered, {len(without)} without, "
            f"{len(repeated_numbers)} numbers used twice",
        )
    )
    rows = {
        row.dedup_key: row for row in Notification.objects.filter(dedup_key__startswith="receipt:")
    }
    mails = read_mails(mail_dir)
    sends = Counter(str(m["Message-ID"]) for m in mails)
    unsent, repeats = [], 0
    for pk in paid_ids:
        row = rows.get(f"receipt:{pk}")
        if row is None:
            unsent.append(pk)
            continue
        count = sends.get(message_id(row), 0)
        if count == 0:
            unsent.append(pk)
        repeats += max(0, count - 1)
    results.append(
        (
            "each paid gift's receipt sent at least once",
            not unsent,
            f"{len(paid_ids) - len(unsent)} sent, {len(unsent)} not sent; {repeats} sent again "
            f"(same Message-ID); {len(mails)} e-mails in all",
        )
    )
    over = []
    for slot in VisitSlot.objects.filter(pk__in=world.slots).annotate(
        confirmed=Count("bookings", filter=Q(bookings__status=Booking.Status.CONFIRMED))
    ):
        seen = max(highest_seats.get(slot.pk, 0), slot.confirmed, slot.seats_taken)
        if seen > slot.capacity:
            over.append(f"slot {slot.pk}: {seen} > {slot.capacity}")
    results.append(
        (
            "seats never above capacity",
            not over,
            ", ".join(over)
            or "highest seen per slot: "
            + ", ".join(f"{highest_seats.get(pk, 0)}/{SEATS}" for pk in world.slots),
        )
    )
    return results


def window_of(at: float, windows: list[Window], seconds: float = 0.0) -> Window | None:
    """The outage a request sent at ``at`` and answered ``seconds`` later overlapped: one in
    flight when a service went down belongs to its window."""
    for window in windows:
        if at < window.ends and at + seconds >= window.starts:
            return window
    return None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def report_windows(stats: Stats, windows: list[Window], duration: float) -> tuple[bool, list[str]]:
    """Requests, errors and latency per window (the outages and the steady time between them);
    whether any 5xx or unanswered request fell outside the outages."""
    bounds = sorted({0.0, duration, *(w.starts for w in windows), *(w.ends for w in windows)})
    segments = []
    for start, end in itertools.pairwise(bounds):
        outage = window_of(start, windows)
        segments.append((start, end, outage.name if outage else "steady"))
    lines = [
        f"{'window':<24} {'from s':>7} {'to s':>7} {'requests':>9} {'5xx':>5} {'no answer':>9} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}"
    ]
    # A request belongs to the outage it overlapped, else to the steady time it was sent in.
    placed: dict[str, list[Sample]] = defaultdict(list)
    for sample in stats.samples:
        outage = window_of(sample.at, windows, sample.seconds)
        if outage is not None:
            placed[outage.name].append(sample)
            continue
        for start, end, name in segments:
            if name == "steady" and start <= sample.at < end:
                placed[f"steady {start:.0f}"].append(sample)
                break
        else:
            placed["steady (after)"].append(sample)
    bad_outside = []
    for start, end, name in segments:
        inside = placed.get(name if name != "steady" else f"steady {start:.0f}", [])
        if not inside:
            continue
        errors = sum(1 for s in inside if s.status >= 500)
        unanswered = sum(1 for s in inside if s.status == 0)
        latencies = [s.seconds * 1000 for s in inside]
        lines.append(
            f"{name:<24} {start:>7.0f} {end:>7.0f} {len(inside):>9} {errors:>5} {unanswered:>9} "
            f"{statistics.median(latencies):>7.0f} {percentile(latencies, 0.95):>7.0f} "
            f"{max(latencies):>7.0f}"
        )
        if name == "steady":
            bad_outside += [s for s in inside if s.status >= 500 or s.status == 0]
    bad_outside += [s for s in placed.get("steady (after)", []) if s.status >= 500 or s.status == 0]
    for sample in bad_outside[:10]:
        lines.append(
            f"  outside a window: t={sample.at:.1f} s {sample.kind} {sample.path} → "
            f"{sample.status or 'no answer'}"
        )
    return not bad_outside, lines


# --- The run -----------------------------------------------------------------------------------


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main() -> int:
    args = parse_args()
    seed_value = args.seed if args.seed is not None else random.randrange(1_000_000)
    signal.signal(signal.SIGTERM, _terminate)
    folder = Path(tempfile.mkdtemp(prefix="rk-soak-"))
    os.chmod(folder, 0o755)  # noqa: S103  (PostgreSQL's own user writes below it)
    mail_dir = folder / "mail"
    mail_dir.mkdir()
    pg = Postgres(folder / "pg", free_port())
    redis = Redis(folder, free_port())
    web_port = free_port()
    base = f"http://127.0.0.1:{web_port}"
    env = {
        **os.environ,
        "PORTAL_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "bench.settings_soak",
        "DEBUG": "0",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_BASE_URL": base,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pg.port}/rantang_soak",
        "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
        "SOAK_MAIL_DIR": str(mail_dir),
        "MEDIA_ROOT": str(folder / "media"),
        "PRIVATE_MEDIA_ROOT": str(folder / "private"),
        "NOTIFICATION_LEASE_SECONDS": "30",
        # A batch must fit in its lease (config/checks.py, portal.E025): 3 x 10 s <= 30 s.
        "NOTIFICATION_BATCH_SIZE": "3",
        "NOTIFICATION_SEND_SECONDS": "10",
        "DONATION_PROOFS_PER_IP_PER_HOUR": "100000",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    venv_bin = Path(sys.executable).parent
    web = Managed(
        "gunicorn",
        [str(venv_bin / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{web_port}",
         "--workers", str(args.web_workers), "--timeout", "60", "--backlog", "512"],
        env,
        folder,
    )  # fmt: skip
    worker = Managed(
        "worker",
        [str(venv_bin / "celery"), "-A", "config", "worker", "-Q", "notifications,default",
         "--concurrency", "2", "--loglevel", "WARNING", "-n", "soak@%h"],
        env,
        folder,
    )  # fmt: skip
    beat = Managed(
        "beat",
        [str(venv_bin / "celery"), "-A", "config", "beat", "--loglevel", "WARNING",
         "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
         "--pidfile", str(folder / "beat.pid")],
        env,
        folder,
    )  # fmt: skip
    children = [web, worker, beat]
    stats = Stats()
    failed = False
    try:
        log(f"folder {folder}; seed {seed_value}")
        pg.init()
        pg.start()
        pg.create_database("rantang_soak")
        redis.start()
        log(f"PostgreSQL on :{pg.port}, Redis on :{redis.port}")

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0, interactive=False)
        world = seed()
        connections.close_all()
        log(
            f"seeded: {len(world.listings)} published people, {SLOTS} slots of {SEATS} seats, "
            f"{STUDENTS} students"
        )
        for child in children:
            child.start()
        wait_up(base, web)
        log(f"gunicorn ({args.web_workers} workers) on :{web_port}, a Celery worker and beat")

        duration = args.minutes * 60
        started = time.monotonic()
        until = started + duration
        windows: list[Window] = []
        stop_watch = threading.Event()
        highest: dict[int, int] = {}
        watcher = threading.Thread(target=seats_watch, args=(stats, stop_watch, highest))
        watcher.start()
        threads = [
            threading.Thread(
                target=traffic, args=(base, world, stats, started, until, seed_value, i)
            )
            for i in range(args.clients)
        ]
        for thread in threads:
            thread.start()

        def at(fraction: float) -> None:
            target = started + duration * fraction
            while time.monotonic() < target:
                time.sleep(0.5)

        def outage(name: str, down, up) -> None:
            window = Window(name, time.monotonic() - started)
            windows.append(window)
            log(f"window opens: {name} (t={window.starts:.0f} s)")
            down()
            time.sleep(args.outage)
            up()
            log(f"{name}: back; grace {args.grace:.0f} s for reconnects")
            time.sleep(args.grace)
            window.ends = time.monotonic() - started
            log(f"window closes: {name} (t={window.ends:.0f} s)")

        at(0.15)
        outage("worker killed", worker.kill, worker.start)
        at(0.42)
        outage("Redis restarted", redis.stop, redis.start)
        at(0.70)
        outage("PostgreSQL restarted", pg.stop, pg.start)
        for thread in threads:
            thread.join()
        stop_watch.set()
        watcher.join()
        elapsed = time.monotonic() - started
        log(f"traffic stopped after {elapsed:.0f} s; {len(stats.samples)} requests")
        dead = [c.name for c in children if not c.alive()]
        log(drain(240))
        dead += [c.name for c in children if not c.alive() and c.name not in dead]

        results = check(world, mail_dir, highest)
        clean, lines = report_windows(stats, windows, duration)
        results.append(
            (
                "no 5xx outside the outage windows",
                clean,
                f"{sum(1 for s in stats.samples if s.status >= 500)} 5xx in all, "
                f"{sum(1 for s in stats.samples if s.status == 0)} unanswered in all",
            )
        )
        results.append(
            (
                "every process alive at the end",
                not dead,
                ", ".join(dead) or f"gunicorn, worker (started {worker.starts}×), beat",
            )
        )
        print()
        print(
            f"Soak: {args.minutes:g} min, {args.clients} clients, gunicorn {args.web_workers} "
            f"sync workers, 1 Celery worker (2 processes), beat; {os.cpu_count()} cores; "
            f"seed {seed_value}"
        )
        print("\n".join(lines))
        print()
        print("gifts started by method: " + ", ".join(f"{m} {stats.gifts[m]}" for m in METHODS))
        print("outcomes: " + ", ".join(f"{k} ×{n}" for k, n in sorted(stats.outcomes.items())))
        kinds = Counter(s.kind for s in stats.samples)
        print("requests by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
        if stats.notes:
            print("notes: " + ", ".join(f"{k} ×{n}" for k, n in sorted(stats.notes.items())))
        print()
        for name, ok, detail in results:
            print(f"{'OK  ' if ok else 'FAIL'} {name}: {detail}")
            failed = failed or not ok
        if failed:
            for child in children:
                print(f"--- {child.name} log (last lines)\n{tail(child.log_path)}", file=sys.stderr)
        return 1 if failed else 0
    finally:
        for child in children:
            child.stop()
        redis.stop()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        pg.stop("immediate")
        if args.keep or failed:
            log(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def wait_up(base: str, web: Managed) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not web.alive():
            raise RuntimeError(f"gunicorn exited:\n{tail(web.log_path)}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(base + "/privasi/", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{tail(web.log_path)}")


if __name__ == "__main__":
    sys.exit(main())
