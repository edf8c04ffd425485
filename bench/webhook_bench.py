"""Benchmark (donations): the signed Stripe webhook under gunicorn, and the ledger it leaves.

    .venv/bin/python bench/webhook_bench.py [--events 5000] [--repeats 0.2] [--clients 16]
                                            [--workers 3] [--celery eager|off]

It creates a throwaway PostgreSQL database (``--db``, default ``rantang_bench_webhook`` on
``--server``, default postgres://postgres@127.0.0.1:5432; a leftover of that name is dropped
first), migrates it and writes, in bulk, the gifts and monthly sponsorships the events will be
about (checkouts opened, nothing paid), 20 listings and a collection period around today. It
then serves the portal with gunicorn (``--workers`` sync workers, the dev shape with DEBUG off,
the sandbox gateway, CONN_MAX_AGE 60 as in production) and sends the events from ``--clients``
threads at once, one HTTP connection per request (gunicorn's sync workers do not keep
connections alive), each body signed just before it is sent with the webhook secret the server
was given (``stripe.WebhookSignature``, as Stripe signs).

The events (``--events`` in all, of which ``--repeats`` are resends of an earlier event, sent
while the original may still be in flight):
- ~60 % ``checkout.session.completed`` of one-off gifts (to a listing or the general fund),
- ~5 % ``checkout.session.completed`` starting a monthly sponsorship,
- ~25 % ``invoice.paid``: months of those sponsorships (each month a gift of its own),
- ~10 % ``charge.refunded``: half or all of a paid gift, some gifts twice (partial, then full;
  ``amount_refunded`` is Stripe's running total),
- ~8 % disputes of other paid gifts, Stripe-shaped (each dispute lists the balance transactions
  that happened by then, with Stripe's dispute fee), at least one of each kind: inquiries
  (``created`` as ``warning_needs_response``, ``closed`` as ``warning_closed``: no money moves),
  lost disputes (``created``, ``funds_withdrawn``, ``closed`` lost: the amount and the fee leave
  the pot) and won ones (then ``closed`` won or prevented and ``funds_reinstated``: the amount
  comes back, and the fee when Stripe gives it back).
Refunds and disputes are sent in the last third of the stream, shuffled among its payments and
among themselves: one that overtakes its payment is deferred and replayed; a reinstatement
that overtakes its withdrawal posts both. The figures say how many events were sent before one
they follow in Stripe's order.

Celery (``--celery``): the webhook queues the fee fetch (and the receipt e-mail, and the replay
of deferred events) for Celery when its transaction commits.
- ``eager`` (default): tasks run inside the request that queued them, as in dev. The fee is
  asked of the SANDBOX gateway, which computes it from the gift (a database read, no network),
  and posted to the ledger; receipts go to the console e-mail backend (the gunicorn log).
  Latency then includes that work, which production does in a worker.
- ``off``: Celery is not eager and its broker is in-memory inside each gunicorn worker (no
  Redis): tasks are published and never run, as if the workers were down. The request costs
  what production's does; fees are then not in the ledger (nor expected there).
Nothing touches the network but 127.0.0.1.

After the run, deferred events are replayed once in-process (what reconciliation does), and
the ledger is checked against sums computed here from what was sent: every transaction sums to
zero; each account's balance equals the expected sum exactly (each pot: gifts less fees less
refunds less disputes lost, less the dispute fees Stripe kept; ``clearing:stripe``;
``operating``: the sandbox's fees and the dispute fees); one gift transaction per payment, each
dispute movement (withdrawal, fee, reinstatement, fee given back) posted once and none for an
inquiry, every disputed gift marked, one WebhookEvent per distinct event, every response 200,
and as many "duplicate" answers as repeats. It prints the events by type, the disputes by kind,
how many were out of order, events/s, p50/p95/p99 latency, each check's result and whether the
ledger is exact, and exits 1 if a check fails. ``--events 100`` is the smallest run (a few
seconds: still at least one dispute of each kind). The server and the database go away at the
end, on failure and Ctrl-C too.
"""

import argparse
import collections
import http.client
import json
import os
import random
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import summary
from bench.dbtools import create_database, drop_database
from bench.public_pages import (
    create_listings,
    free_port,
    load_average,
    start_gunicorn,
    stop_gunicorn,
    tail,
    wait_until_up,
)

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
SECRET = "whsec_bench_only_" + uuid.uuid4().hex
WEBHOOK = "/donations/stripe/webhook/"
LISTINGS = 20
MONTHS = 5  # invoices per sponsorship
DISPUTE_EVENTS = {"inquiry": 2, "lost": 3, "won": 4}  # events of each kind of dispute
DISPUTE_FEES = [225_000, 225_000, 150_000]  # whole rupiah, about what Stripe charges


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=5000, help="events sent, repeats included")
    parser.add_argument("--repeats", type=float, default=0.2, help="share of resent events")
    parser.add_argument("--clients", type=int, default=16, help="client threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (2-4)")
    parser.add_argument("--celery", choices=["eager", "off"], default="eager")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL, without a name")
    parser.add_argument("--db", default="rantang_bench_webhook", help="throwaway database name")
    parser.add_argument("--seed", type=int, default=5)
    summary.quick_option(parser, events=500)
    args = parser.parse_args()
    if args.events < 100 or not 0 <= args.repeats < 0.9:
        parser.error("--events must be at least 100 and --repeats in [0, 0.9)")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db):
        parser.error("--db must be a plain lower-case PostgreSQL name")
    return args


def configure(args: argparse.Namespace) -> dict[str, str]:
    env = {
        "PORTAL_ENV": "dev",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{args.server.rstrip('/')}/{args.db}",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        "PAYMENTS_SANDBOX": "1",
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_SECRET_KEY": "",
        "REDIS_URL": "",  # Celery's broker in memory, the cache local: no Redis involved
        "CELERY_TASK_ALWAYS_EAGER": "1" if args.celery == "eager" else "0",
    }
    os.environ.update(env)
    return env


# --- What the events are about -----------------------------------------------------------------


class Plan:
    """The events to send, and the ledger they should leave."""

    def __init__(self):
        self.events: list[dict] = []  # distinct events, in sending order before repeats
        self.expected: collections.Counter = collections.Counter()
        self.gift_payments = 0
        # What each event follows when Stripe sends them in order (its payment, the refund
        # or dispute event before it): the figures count the ones sent before those.
        self.after: dict[str, list[str]] = {}
        self.disputes: list[dict] = []  # one per dispute: kind, id, what was posted

    def add(self, event_type: str, obj: dict, *, after: tuple[dict, ...] = ()) -> dict:
        event = {
            "id": f"evt_bench_{len(self.events):06d}",
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
        self.events.append(event)
        self.after[event["id"]] = [earlier["id"] for earlier in after]
        return event


def balance_transaction(amount: int, fee: int) -> dict:
    """A dispute's balance transaction as Stripe lists it on the dispute: ``amount`` whole
    rupiah (negative: withdrawn), ``fee`` what Stripe took (negative: gave back), in sen."""
    return {
        "id": f"txn_bench_{uuid.uuid4().hex[:12]}",
        "object": "balance_transaction",
        "amount": amount * 100,
        "fee": fee * 100,
        "net": (amount - fee) * 100,
        "currency": "idr",
        "reporting_category": "dispute" if amount < 0 else "dispute_reversal",
    }


def dispute(plan: Plan, gift, kind: str, rng: random.Random) -> list[dict]:
    """One dispute's events as Stripe sends them (docs/architecture.md, "Money": disputes
    follow the money), and what they should leave in the ledger.

    - ``inquiry``: created (``warning_needs_response``) and closed (``warning_closed``);
      nothing is withdrawn, nothing moves;
    - ``lost``: created, ``funds_withdrawn`` (the amount and the dispute fee leave the pot),
      closed ``lost``;
    - ``won``: the same, then closed ``won`` (or ``prevented``) and ``funds_reinstated``: the
      amount comes back, and the fee too when Stripe gives it back.
    Each event's dispute lists the balance transactions that had happened by then, as
    Stripe's does."""
    from donations.models import CLEARING_STRIPE, OPERATING, fund_account

    dispute_id = f"du_bench_{gift.pk:06d}"
    amount = gift.amount if rng.random() < 0.8 else gift.amount // 2
    fee = rng.choice(DISPUTE_FEES)
    closed_as = "prevented" if rng.random() < 0.25 else "won"
    fee_back = rng.random() < 0.3
    withdrawal = balance_transaction(-amount, fee)
    reinstatement = balance_transaction(amount, -fee if fee_back else 0)
    events: list[dict] = []

    def add(event_type: str, status: str, *movements: dict) -> None:
        obj = {
            "id": dispute_id,
            "object": "dispute",
            "amount": amount * 100,
            "currency": "idr",
            "payment_intent": gift.bench_intent,
            "charge": f"ch_sandbox_bench_{gift.pk:06d}",
            "status": status,
            "reason": "fraudulent" if kind != "inquiry" else "general",
            "balance_transactions": list(movements),
        }
        events.append(plan.add(event_type, obj, after=(gift.bench_paid, *events[-1:])))

    record = {"kind": kind, "id": dispute_id, "fee": 0, "fee_back": False, "closed": ""}
    if kind == "inquiry":
        add("charge.dispute.created", "warning_needs_response")
        add("charge.dispute.closed", "warning_closed")
        plan.disputes.append(record)
        return events
    pot = fund_account(gift.recipient_id)
    add("charge.dispute.created", "needs_response")
    add("charge.dispute.funds_withdrawn", "needs_response", withdrawal)
    plan.expected[pot] -= amount + fee
    plan.expected[CLEARING_STRIPE] += amount
    plan.expected[OPERATING] += fee
    record["fee"] = fee
    if kind == "lost":
        add("charge.dispute.closed", "lost", withdrawal)
        record["closed"] = "lost"
    else:
        add("charge.dispute.closed", closed_as, withdrawal, reinstatement)
        add("charge.dispute.funds_reinstated", closed_as, withdrawal, reinstatement)
        plan.expected[CLEARING_STRIPE] -= amount
        plan.expected[pot] += amount + (fee if fee_back else 0)
        plan.expected[OPERATING] -= fee if fee_back else 0
        record.update(closed=closed_as, fee_back=fee_back)
    plan.disputes.append(record)
    return events


def describe_disputes(plan: Plan) -> str:
    kinds = collections.Counter(record["kind"] for record in plan.disputes)
    won = [record for record in plan.disputes if record["kind"] == "won"]
    prevented = sum(record["closed"] == "prevented" for record in won)
    back = sum(record["fee_back"] for record in won)
    fees = sum(record["fee"] for record in plan.disputes) - sum(
        record["fee"] for record in won if record["fee_back"]
    )
    return (
        f"{len(plan.disputes)} ({kinds['inquiry']} inquiries, {kinds['lost']} lost, "
        f"{kinds['won']} won of which {prevented} closed prevented and {back} with the fee "
        f"given back); dispute fees kept by Stripe Rp{fees:,}"
    )


def disorder(plan: Plan, stream: list[dict]) -> collections.Counter:
    """How many distinct events were first sent before one they follow in Stripe's order;
    of those, how many before their payment, and how many reinstatements before their
    withdrawal."""
    first: dict[str, int] = {}
    for position, event in enumerate(stream):
        first.setdefault(event["id"], position)
    payments = {
        event["id"]
        for event in plan.events
        if event["type"] in ("checkout.session.completed", "invoice.paid")
    }
    withdrawals = {
        event["data"]["object"]["id"]: event["id"]
        for event in plan.events
        if event["type"] == "charge.dispute.funds_withdrawn"
    }
    found: collections.Counter = collections.Counter()
    for event in plan.events:
        sent = first[event["id"]]
        late = [earlier for earlier in plan.after[event["id"]] if first[earlier] > sent]
        if late:
            found["out of order"] += 1
        if any(earlier in payments for earlier in late):
            found["before their payment"] += 1
        withdrawal = withdrawals.get(event["data"]["object"]["id"])
        if event["type"] == "charge.dispute.funds_reinstated" and first[withdrawal] > sent:
            found["reinstatements before their withdrawal"] += 1
    return found


def build(args: argparse.Namespace, rng: random.Random) -> tuple[list[dict], Plan]:
    """Write the pending gifts and sponsorships (bulk: rows, not history) and plan the events."""
    from django.utils import timezone

    from donations.gateways.sandbox import sandbox_fee
    from donations.models import (
        CLEARING_STRIPE,
        OPERATING,
        CollectionPeriod,
        Gift,
        Sponsorship,
        fund_account,
    )
    from donations.services.giving import donor_get_or_create
    from portal.models import Recipient

    fees = args.celery == "eager"
    unique = args.events - int(args.events * args.repeats)
    n_sponsorships = max(unique * 5 // 100, 1)
    n_invoices = n_sponsorships * MONTHS
    n_refunds = unique * 10 // 100
    # Disputes, ~8 % of the events: at least one of each kind, then drawn.
    dispute_kinds = ["inquiry", "lost", "won"]
    while sum(DISPUTE_EVENTS[kind] for kind in dispute_kinds) < unique * 8 // 100:
        dispute_kinds.append(rng.choices(list(DISPUTE_EVENTS), weights=[25, 35, 40])[0])
    n_dispute_events = sum(DISPUTE_EVENTS[kind] for kind in dispute_kinds)
    n_gifts = unique - n_sponsorships - n_invoices - n_refunds - n_dispute_events
    twice = n_refunds // 8  # gifts refunded twice: half, then all
    if n_gifts < n_refunds + len(dispute_kinds):
        raise SystemExit("too few events for this mix")

    create_listings(0, LISTINGS)
    people = list(Recipient.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    CollectionPeriod.objects.create(
        name="Bench",
        starts_on=today - timezone.timedelta(days=30),
        ends_on=today + timezone.timedelta(days=30),
        cap_percent=10,
    )
    donors = [donor_get_or_create(email=f"donor{i}@example.org", language="id") for i in range(20)]

    def pot() -> int | None:
        return None if rng.random() < 0.3 else rng.choice(people)

    def amount() -> int:
        return rng.randrange(10, 501) * 1_000

    gifts = Gift.objects.bulk_create(
        Gift(
            donor=donors[i % len(donors)],
            recipient_id=pot(),
            amount=amount(),
            gateway=Gift.Gateway.SANDBOX,
            checkout_session_id=f"cs_sandbox_bench_{i:06d}",
        )
        for i in range(n_gifts)
    )
    sponsorships = Sponsorship.objects.bulk_create(
        Sponsorship(
            donor=donors[i % len(donors)],
            recipient_id=pot(),
            amount=rng.choice([50_000, 100_000, 250_000]),
            gateway="sandbox",
            checkout_session_id=f"cs_sandbox_bench_s{i:05d}",
        )
        for i in range(n_sponsorships)
    )

    plan = Plan()
    expected = plan.expected

    def paid(recipient_id, value) -> None:
        fee = sandbox_fee(value) if fees else 0
        expected[CLEARING_STRIPE] -= value
        expected[fund_account(recipient_id)] += value - fee
        expected[OPERATING] += fee
        plan.gift_payments += 1

    early: list[dict] = []
    for gift in gifts:
        intent = f"pi_sandbox_bench_{gift.pk:06d}"
        gift.bench_intent = intent
        gift.bench_paid = plan.add(
            "checkout.session.completed",
            {
                "id": gift.checkout_session_id,
                "object": "checkout.session",
                "mode": "payment",
                "status": "complete",
                "payment_status": "paid",
                "amount_total": gift.amount * 100,
                "currency": "idr",
                "metadata": {"gift": str(gift.public_ref)},
                "client_reference_id": str(gift.public_ref),
                "payment_intent": intent,
            },
        )
        early.append(gift.bench_paid)
        paid(gift.recipient_id, gift.amount)
    for n, sponsorship in enumerate(sponsorships):
        subscription = f"sub_sandbox_bench_{n:05d}"
        metadata = {"sponsorship": str(sponsorship.public_ref)}
        early.append(
            plan.add(
                "checkout.session.completed",
                {
                    "id": sponsorship.checkout_session_id,
                    "object": "checkout.session",
                    "mode": "subscription",
                    "status": "complete",
                    "payment_status": "paid",
                    "amount_total": sponsorship.amount * 100,
                    "currency": "idr",
                    "metadata": metadata,
                    "subscription": subscription,
                    "customer": f"cus_sandbox_bench_{n:05d}",
                },
            )
        )
        for month in range(MONTHS):
            early.append(
                plan.add(
                    "invoice.paid",
                    {
                        "id": f"in_sandbox_bench_{n:05d}_{month}",
                        "object": "invoice",
                        "status": "paid",
                        "amount_paid": sponsorship.amount * 100,
                        "currency": "idr",
                        "parent": {
                            "type": "subscription_details",
                            "subscription_details": {
                                "subscription": subscription,
                                "metadata": metadata,
                            },
                        },
                        "payments": {
                            "object": "list",
                            "data": [
                                {
                                    "payment": {
                                        "payment_intent": f"pi_sandbox_bench_i{n:05d}_{month}"
                                    }
                                }
                            ],
                        },
                    },
                )
            )
            paid(sponsorship.recipient_id, sponsorship.amount)
    rng.shuffle(early)

    late: list[dict] = []
    chosen = rng.sample(gifts, n_refunds - twice + len(dispute_kinds))
    refunded, disputed = chosen[: n_refunds - twice], chosen[n_refunds - twice :]
    for index, gift in enumerate(refunded):
        totals = (
            [gift.amount // 2, gift.amount]
            if index < twice
            else [rng.choice([gift.amount // 2, gift.amount])]
        )
        before = gift.bench_paid
        for total in totals:
            before = plan.add(
                "charge.refunded",
                {
                    "id": f"ch_sandbox_bench_{gift.pk:06d}",
                    "object": "charge",
                    "amount": gift.amount * 100,
                    "amount_refunded": total * 100,
                    "currency": "idr",
                    "payment_intent": gift.bench_intent,
                    "refunded": total == gift.amount,
                },
                after=(gift.bench_paid, before),
            )
            late.append(before)
        expected[CLEARING_STRIPE] += totals[-1]
        expected[fund_account(gift.recipient_id)] -= totals[-1]
    for gift, kind in zip(disputed, dispute_kinds, strict=True):
        late.extend(dispute(plan, gift, kind, rng))
    rng.shuffle(late)

    # Refunds and disputes in the last third of the stream; then the repeats, each after its
    # original.
    cut = len(early) * 2 // 3
    tail_part = early[cut:] + late
    rng.shuffle(tail_part)
    stream = early[:cut] + tail_part
    for _ in range(args.events - len(stream)):
        original = rng.randrange(len(stream))
        position = min(len(stream), original + 1 + rng.randrange(0, 40))
        stream.insert(position, stream[original])
    return stream, plan


# --- Sending -----------------------------------------------------------------------------------


def send_all(port: int, stream: list[dict], clients: int):
    import stripe

    queue = list(enumerate(stream))
    queue.reverse()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: collections.Counter = collections.Counter()
    answers: collections.Counter = collections.Counter()
    failures: list[str] = []

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                _index, event = queue.pop()
            body = json.dumps(event)
            header = stripe.WebhookSignature.generate_signature_header(body, SECRET)
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request(
                    "POST",
                    WEBHOOK,
                    body=body.encode(),
                    headers={"Content-Type": "application/json", "Stripe-Signature": header},
                )
                response = conn.getresponse()
                data = response.read()
                conn.close()
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    failures.append(f"{event['id']}: {error!r}")
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[response.status] += 1
                if response.status == 200:
                    payload = json.loads(data)
                    answers["duplicate" if payload.get("duplicate") else payload["outcome"]] += 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, statuses, answers, failures


# --- Checking ----------------------------------------------------------------------------------


def check(
    plan: Plan, stream: list[dict], statuses, answers, failures
) -> list[tuple[str, bool, str]]:
    from django.db.models import Count, Sum

    from donations.models import Entry, Gift, Transaction, WebhookEvent
    from donations.services.webhooks import deferred_replay

    deferred_before = WebhookEvent.objects.filter(outcome="deferred").count()
    replayed = deferred_replay(limit=10_000)
    results = []

    def result(name: str, ok: bool, detail: str = "") -> None:
        results.append((name, ok, detail))

    repeats = len(stream) - len(plan.events)
    result("no request failed", not failures, f"{len(failures)} failed" if failures else "")
    result(
        "every answer 200",
        set(statuses) == {200},
        ", ".join(f"{k}: {v}" for k, v in statuses.items()),
    )
    result(
        "one 'duplicate' answer per repeat",
        answers["duplicate"] == repeats,
        f"{answers['duplicate']} duplicates for {repeats} repeats",
    )
    events = WebhookEvent.objects.count()
    result("one WebhookEvent per distinct event", events == len(plan.events), f"{events}")
    outcomes = dict(WebhookEvent.objects.values_list("outcome").annotate(n=Count("pk")))
    result(
        "all events processed (after one replay)",
        outcomes == {"processed": len(plan.events)},
        f"{outcomes}; {deferred_before} deferred before the replay, {replayed} applied by it",
    )
    unbalanced = (
        Entry.objects.values("transaction").annotate(total=Sum("amount")).exclude(total=0).count()
    )
    result("every transaction sums to zero", unbalanced == 0, f"{unbalanced} unbalanced")
    gifts = Transaction.objects.filter(kind="gift").count()
    result(
        "one gift transaction per payment",
        gifts == plan.gift_payments and Gift.objects.filter(status="paid").count() == gifts,
        f"{gifts} for {plan.gift_payments}",
    )
    actual = {
        row["account"]: row["total"]
        for row in Entry.objects.order_by().values("account").annotate(total=Sum("amount"))
        if row["total"]
    }
    expected = {account: amount for account, amount in plan.expected.items() if amount}
    differing = {
        account: (actual.get(account, 0), expected.get(account, 0))
        for account in set(actual) | set(expected)
        if actual.get(account, 0) != expected.get(account, 0)
    }
    result(
        "ledger balances equal the expected sums exactly",
        not differing,
        f"{len(expected)} accounts" if not differing else f"(actual, expected): {differing}",
    )
    movements = set()
    for record in plan.disputes:
        keys = []
        if record["kind"] != "inquiry":
            keys += ["dispute"] + (["dispute-fee"] if record["fee"] else [])
        if record["kind"] == "won":
            keys += ["dispute-won"] + (["dispute-fee-reinstated"] if record["fee_back"] else [])
        movements |= {f"{key}:{record['id']}" for key in keys}
    posted = set(
        Transaction.objects.filter(external_id__startswith="dispute").values_list(
            "external_id", flat=True
        )
    )
    by_key = collections.Counter(external_id.rpartition(":")[0] for external_id in posted)
    missing, unexpected = sorted(movements - posted), sorted(posted - movements)
    result(
        "each dispute movement posted once, none for an inquiry",
        not missing and not unexpected,
        ", ".join(f"{key} {n}" for key, n in sorted(by_key.items()))
        if not missing and not unexpected
        else f"missing {missing[:5]}, unexpected {unexpected[:5]}",
    )
    marked = Gift.objects.filter(disputed=True).count()
    result(
        "every disputed gift marked disputed",
        marked == len(plan.disputes),
        f"{marked} for {len(plan.disputes)} disputes",
    )
    return results


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main() -> int:
    args = parse_args()
    env = configure(args)
    signal.signal(signal.SIGTERM, _terminate)

    import django

    django.setup()
    from django.core.management import call_command

    rng = random.Random(args.seed)
    create_database(args.server, args.db)
    server = None
    log_dir = tempfile.TemporaryDirectory(prefix="bench-webhook-")
    try:
        call_command("migrate", verbosity=0, interactive=False)
        started = time.perf_counter()
        stream, plan = build(args, rng)
        kinds = collections.Counter(event["type"] for event in plan.events)
        print(
            f"database: {args.db}; {len(stream):,} events to send: {len(plan.events):,} distinct "
            f"and {len(stream) - len(plan.events):,} repeats (set up in "
            f"{time.perf_counter() - started:.1f} s)"
        )
        print("distinct events by type:")
        for kind, n in kinds.items():
            print(f"  {kind:<42} {n:>6,}")
        print("disputes: " + describe_disputes(plan))
        found = disorder(plan, stream)
        print(
            f"out of order: {found['out of order']:,} events sent before one they follow "
            f"({found['before their payment']:,} before their payment, "
            f"{found['reinstatements before their withdrawal']:,} reinstatements before their "
            "withdrawal)"
        )
        port = free_port()
        log_path = Path(log_dir.name) / "gunicorn.log"
        with log_path.open("wb") as log:
            server = start_gunicorn(env, port, args.workers, log)
        wait_until_up(server, f"http://127.0.0.1:{port}", log_path)
        print(
            f"gunicorn: {args.workers} sync workers, PORTAL_ENV=dev DEBUG=0, sandbox gateway, "
            f"CONN_MAX_AGE=60; Celery {args.celery}"
            + (
                " (fee fetch, receipt and replay run inside the request; fees from the sandbox, "
                "no network)"
                if args.celery == "eager"
                else " (tasks published to an in-memory broker, never run: no fees recorded)"
            )
        )
        print(
            f"{args.clients} client threads, one connection per request; {os.cpu_count()} CPUs "
            f"shared by clients, gunicorn and PostgreSQL; load average {load_average()}"
        )
        elapsed, latencies, statuses, answers, failures = send_all(port, stream, args.clients)
        print(f"load average after: {load_average()}")
        if failures:
            print("failed requests (first 5):", *failures[:5], sep="\n  ")
            print(tail(log_path))
        results = check(plan, stream, statuses, answers, failures)
    finally:
        if server is not None:
            stop_gunicorn(server)
        drop_database(args.server, args.db)
        log_dir.cleanup()

    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print(
        f"\n{len(latencies):,} requests in {elapsed:.1f} s: "
        f"{len(latencies) / elapsed:,.1f} events/s; "
        f"latency p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms, "
        f"p99 {cuts[98] * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )
    print("answers: " + ", ".join(f"{k} {v}" for k, v in sorted(answers.items())))
    print("\nchecks:")
    for name, ok, detail in results:
        print(f"  [{'ok' if ok else 'FAILED'}] {name}" + (f" ({detail})" if detail else ""))
    failed = [name for name, ok, _detail in results if not ok]
    exact = next(ok for name, ok, _detail in results if name.startswith("ledger balances"))
    print(f"\nledger exact: {'yes' if exact else 'NO'}")
    print("LEDGER CHECK: " + ("PASSED" if not failed else f"FAILED ({len(failed)} checks)"))
    summary.record(
        f"webhook: ledger after {len(stream):,} events (Celery {args.celery})",
        "exact",
        "exact" if exact else "NOT exact",
        exact,
    )
    summary.record(
        "webhook: the run's checks",
        f"all {len(results)} pass",
        f"{len(results) - len(failed)} pass",
        not failed,
    )
    summary.record(
        "webhook: events per second",
        "",
        f"{len(latencies) / elapsed:,.1f} (p95 {cuts[94] * 1000:.0f} ms)",
        None,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
