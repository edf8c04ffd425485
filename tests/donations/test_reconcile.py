"""Reconciliation: a payment whose webhook was lost is found by asking the gateway, once; fees
not yet known are fetched; events that waited are replayed."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from donations.gateways import GatewayError
from donations.gateways.sandbox import SandboxGateway, sandbox_fee
from donations.models import (
    CLEARING_STRIPE,
    OPERATING,
    Gift,
    Sponsorship,
    Transaction,
    WebhookEvent,
    recipient_account,
)
from donations.services.reconcile import payments_reconcile
from tests.factories.donations import (
    charge_obj,
    gateway_stands_in,
    gift_start,
    invoice_obj,
    ledger_balances,
    on_commit,
    outbox,
    sandbox_session,
    session_obj,
    signed_post,
    stripe_event,
)

from .test_stripe_gateway import FakeStripe

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def asked(monkeypatch):
    """The checkout sessions reconciliation asked the (sandbox) gateway about."""
    calls: list[str] = []
    real = SandboxGateway.checkout_event

    def spy(self, session_id):
        calls.append(session_id)
        return real(self, session_id)

    monkeypatch.setattr(SandboxGateway, "checkout_event", spy)
    return calls


def _paid_at_the_gateway_only(record):
    """The donor paid on the sandbox page, but its webhook never arrived."""
    session = sandbox_session(record)
    session.status = "complete"
    if session.mode == "subscription":
        session.subscription_id = "sub_sandbox_lost0001"
    else:
        session.payment_intent_id = "pi_sandbox_lost0001"
    session.save()
    return session


def test_a_paid_checkout_whose_webhook_was_lost_is_recorded_once(clock, asked, recipient):
    gift = gift_start(amount=50_000, recipient=recipient)
    _paid_at_the_gateway_only(gift)

    clock.shift(datetime.timedelta(minutes=59))
    early = payments_reconcile()
    assert (early.asked, early.settled) == (0, 0)
    assert asked == []  # not asked before an hour: the webhook may still come
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING

    clock.shift(datetime.timedelta(minutes=2))
    result = payments_reconcile()

    assert (result.asked, result.settled, result.errors) == (1, 1, 0)
    assert asked == [gift.checkout_session_id]
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert gift.payment_intent_id == "pi_sandbox_lost0001"
    assert gift.paid_at == timezone.now()
    fee = sandbox_fee(50_000)
    assert (result.fees, gift.fee) == (1, fee)  # the same run fetched its fee
    assert ledger_balances() == {
        CLEARING_STRIPE: -50_000,
        recipient_account(recipient.pk): 50_000 - fee,
        OPERATING: fee,
    }

    before = list(Transaction.objects.values_list("pk", flat=True))
    again = payments_reconcile()
    assert (again.asked, again.settled, again.fees, again.replayed) == (0, 0, 0, 0)
    assert list(Transaction.objects.values_list("pk", flat=True)) == before
    assert len(asked) == 1


def test_the_webhook_arriving_after_reconciliation_changes_nothing(clock, client):
    gift = gift_start(amount=50_000)
    _paid_at_the_gateway_only(gift)
    clock.shift(datetime.timedelta(hours=2))
    payments_reconcile()
    gift.refresh_from_db()
    response = signed_post(client, stripe_event("checkout.session.completed", session_obj(gift)))
    assert response.json()["outcome"] == "processed"
    assert Transaction.objects.filter(kind=Transaction.Kind.GIFT).count() == 1


def test_a_checkout_still_open_at_the_gateway_stays_pending(clock, asked):
    gift = gift_start()
    clock.shift(datetime.timedelta(hours=2))
    result = payments_reconcile()
    assert (result.asked, result.settled, result.closed) == (1, 0, 0)
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING
    assert not Transaction.objects.exists()


def test_an_expired_checkout_is_closed(clock):
    gift = gift_start()
    session = sandbox_session(gift)
    session.status = "expired"
    session.save()
    clock.shift(datetime.timedelta(hours=2))
    assert payments_reconcile().closed == 1
    gift.refresh_from_db()
    assert gift.status == Gift.Status.EXPIRED


def test_checkouts_nobody_finished_in_a_week_are_closed_without_asking(clock, asked):
    gift = gift_start()
    sponsorship = gift_start(monthly=True)
    clock.shift(datetime.timedelta(days=8))
    result = payments_reconcile()
    assert asked == []
    assert result.closed == 2
    gift.refresh_from_db()
    sponsorship.refresh_from_db()
    assert gift.status == Gift.Status.EXPIRED
    assert sponsorship.status == Sponsorship.Status.ABANDONED


def test_a_lost_sponsorship_start_is_found(clock, recipient):
    sponsorship = gift_start(amount=100_000, recipient=recipient, monthly=True)
    _paid_at_the_gateway_only(sponsorship)
    clock.shift(datetime.timedelta(minutes=61))
    assert payments_reconcile().settled == 1
    sponsorship.refresh_from_db()
    assert sponsorship.status == Sponsorship.Status.ACTIVE
    assert sponsorship.subscription_id == "sub_sandbox_lost0001"


def test_an_unreachable_gateway_is_counted_and_changes_nothing(clock, monkeypatch):
    gift = gift_start()
    _paid_at_the_gateway_only(gift)

    def down(self, session_id):
        raise GatewayError("timeout")

    monkeypatch.setattr(SandboxGateway, "checkout_event", down)
    clock.shift(datetime.timedelta(hours=2))
    result = payments_reconcile()
    assert (result.asked, result.errors, result.settled) == (1, 1, 0)
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING
    monkeypatch.undo()
    assert payments_reconcile().settled == 1  # the next run finds it


def test_missing_fees_are_fetched_once(client, monkeypatch):
    gift = gift_start(amount=80_000)
    # Paid through the webhook, but the fee task never ran (the test does not commit).
    signed_post(client, stripe_event("checkout.session.completed", session_obj(gift)))
    gift.refresh_from_db()
    assert gift.fee_recorded_at is None

    def not_settled(self, payment_id):
        return None

    monkeypatch.setattr(SandboxGateway, "payment_details", not_settled)
    assert payments_reconcile().fees == 0  # Stripe has not settled it yet: try later
    monkeypatch.undo()

    assert payments_reconcile().fees == 1
    gift.refresh_from_db()
    assert gift.fee == sandbox_fee(80_000)
    fees = Transaction.objects.filter(kind=Transaction.Kind.FEE, gift=gift)
    assert fees.count() == 1
    assert payments_reconcile().fees == 0  # already recorded: not fetched again
    assert fees.count() == 1


def test_bank_gifts_have_no_fee_to_fetch(officers):
    from tests.factories.donations import bank_gift_confirmed

    bank_gift_confirmed(amount=50_000, officers=officers)
    assert payments_reconcile().fees == 0
    assert not Transaction.objects.filter(kind=Transaction.Kind.FEE).exists()


def test_deferred_events_are_replayed(client):
    gift = gift_start(amount=50_000)
    refund = stripe_event(
        "charge.refunded", charge_obj(gift, amount_refunded=5_000, payment_intent="pi_test_rc")
    )
    signed_post(client, refund)
    signed_post(
        client,
        stripe_event("checkout.session.completed", session_obj(gift, payment_intent="pi_test_rc")),
    )
    assert WebhookEvent.objects.get(event_id=refund["id"]).outcome == "deferred"

    assert payments_reconcile().replayed == 1
    gift.refresh_from_db()
    assert gift.refunded == 5_000
    assert payments_reconcile().replayed == 0


# --- Months of monthly sponsorships, asked of Stripe (faked at its HTTP) ------------------------

NOT_FAKED = (404, {"error": {"type": "invalid_request_error", "code": "resource_missing"}})


class StripeByPath(FakeStripe):
    """Answers each request by its path (the longest listed prefix), recording it."""

    def __init__(self, routes: dict[str, tuple[int, dict]]):
        super().__init__()
        self.routes = routes

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        super().request(method, url, headers, post_data, _usage=_usage)
        path = self.requests[-1]["path"]
        found = [prefix for prefix in self.routes if path.startswith(prefix)]
        status, body = self.routes[max(found, key=len)] if found else NOT_FAKED
        return json.dumps(body), status, {"Request-Id": f"req_{len(self.requests)}"}

    def paths(self, prefix: str) -> list[dict]:
        return [sent for sent in self.requests if sent["path"].startswith(prefix)]


def listing(*items: dict, url: str = "/v1/invoices") -> tuple[int, dict]:
    return 200, {"object": "list", "url": url, "has_more": False, "data": list(items)}


def intent_settled(fee_sen: int = 290_000, currency: str = "idr") -> tuple[int, dict]:
    """A payment intent Stripe has settled, its fee in ``currency``'s minor units."""
    return 200, {
        "id": "pi_test_any",
        "object": "payment_intent",
        "latest_charge": {
            "id": "ch_test_any",
            "object": "charge",
            "payment_method_details": {"type": "card"},
            "balance_transaction": {
                "id": "txn_test_any",
                "object": "balance_transaction",
                "fee": fee_sen,
                "currency": currency,
            },
        },
    }


@pytest.fixture
def stripe_fake(monkeypatch, settings):
    """Stripe (faked at its HTTP) as the portal's card gateway, for giving and reconciling."""
    from donations.gateways.stripe import StripeGateway

    settings.PAYMENTS_SANDBOX = False
    fake = StripeByPath(
        {
            "/v1/checkout/sessions": (
                200,
                {"id": "cs_test_m1", "object": "checkout.session", "url": "https://c/cs_test_m1"},
            ),
            "/v1/payment_intents/": intent_settled(),
        }
    )
    gateway_stands_in(monkeypatch, StripeGateway(http_client=fake, api_key="sk_test_x"))
    return fake


def _checkout_completed(client, sponsorship: Sponsorship, *, subscription: str) -> Sponsorship:
    session = session_obj(sponsorship, subscription=subscription)
    response = signed_post(client, stripe_event("checkout.session.completed", session))
    assert response.json()["outcome"] == "processed"
    sponsorship.refresh_from_db()
    assert sponsorship.status == Sponsorship.Status.ACTIVE
    return sponsorship


def _invoice(sponsorship, *, invoice_id, created, payment_intent=None) -> dict:
    invoice = invoice_obj(sponsorship, invoice_id=invoice_id, payment_intent=payment_intent)
    invoice["created"] = int(created.timestamp())
    return invoice


def test_a_first_month_whose_invoice_paid_was_lost_is_recorded_within_hours_and_once(
    clock, client, stripe_fake, recipient
):
    """Stripe creates and pays the first invoice while the donor is still at checkout,
    seconds before checkout.session.completed makes the sponsorship active. Its invoice.paid
    is lost: the next runs after the usual hour list the invoices from before that start, and
    record the month once."""
    sponsorship = gift_start(amount=100_000, recipient=recipient, monthly=True)
    assert sponsorship.gateway == "stripe"
    clock.shift(datetime.timedelta(minutes=3))  # the donor pays
    first_invoice_created = timezone.now() - datetime.timedelta(seconds=5)
    sponsorship = _checkout_completed(client, sponsorship, subscription="sub_test_first")
    assert sponsorship.started_at > first_invoice_created
    invoice = _invoice(
        sponsorship,
        invoice_id="in_test_first",
        created=first_invoice_created,
        payment_intent="pi_test_first",
    )
    stripe_fake.routes["/v1/invoices"] = listing(invoice)  # its invoice.paid never came

    clock.shift(datetime.timedelta(minutes=30))
    assert payments_reconcile().months == 0
    assert stripe_fake.paths("/v1/invoices") == []  # not before the hour: it may still come

    clock.shift(datetime.timedelta(hours=2))
    result = payments_reconcile()

    assert (result.months, result.fees) == (1, 1)  # and its fee in the same run
    [asked] = stripe_fake.paths("/v1/invoices")
    assert asked["query"]["subscription"] == "sub_test_first"
    assert asked["query"]["status"] == "paid"
    since = int(asked["query"]["created[gte]"])
    assert since <= invoice["created"]
    assert since == int((sponsorship.created_at - datetime.timedelta(hours=1)).timestamp())
    month = Gift.objects.get(invoice_id="in_test_first")
    assert (month.status, month.amount, month.sponsorship_id, month.payment_intent_id) == (
        Gift.Status.PAID,
        100_000,
        sponsorship.pk,
        "pi_test_first",
    )
    assert month.paid_at == first_invoice_created.replace(microsecond=0)
    assert ledger_balances() == {
        CLEARING_STRIPE: -100_000,
        recipient_account(recipient.pk): 100_000 - 2_900,
        OPERATING: 2_900,
    }

    before = list(Transaction.objects.values_list("pk", flat=True))
    again = payments_reconcile()
    assert (again.months, again.fees, again.payments) == (0, 0, 0)
    assert len(stripe_fake.paths("/v1/invoices")) == 1  # a month on record: not asked again
    assert Gift.objects.filter(sponsorship=sponsorship).count() == 1
    assert list(Transaction.objects.values_list("pk", flat=True)) == before


def test_a_later_month_is_asked_for_when_the_last_one_is_over_a_month_old(
    clock, client, stripe_fake, recipient
):
    sponsorship = gift_start(amount=100_000, recipient=recipient, monthly=True)
    sponsorship = _checkout_completed(client, sponsorship, subscription="sub_test_later")
    first = _invoice(sponsorship, invoice_id="in_test_m1", created=timezone.now())
    signed_post(client, stripe_event("invoice.paid", first))  # the first month arrived
    last_paid = Gift.objects.get(invoice_id="in_test_m1").paid_at

    clock.shift(datetime.timedelta(days=20))
    assert payments_reconcile().months == 0
    assert stripe_fake.paths("/v1/invoices") == []  # the next month is not due yet

    second = _invoice(
        sponsorship, invoice_id="in_test_m2", created=last_paid + datetime.timedelta(days=30)
    )
    stripe_fake.routes["/v1/invoices"] = listing(second)  # its invoice.paid was lost
    clock.shift(datetime.timedelta(days=14))
    assert payments_reconcile().months == 1
    [asked] = stripe_fake.paths("/v1/invoices")
    assert int(asked["query"]["created[gte]"]) == int(last_paid.timestamp())
    assert sponsorship.gifts.filter(status=Gift.Status.PAID).count() == 2

    assert payments_reconcile().months == 0  # the second month is the last one now
    assert len(stripe_fake.paths("/v1/invoices")) == 1


def test_a_month_whose_invoice_paid_event_was_lost_is_asked_for_and_recorded_once(
    monkeypatch, recipient
):
    """A sponsorship with no month recorded for over a month: reconciliation lists its paid
    invoices at Stripe (the exact request, from when our row was written) and records the
    missing month once."""
    from donations.gateways.stripe import StripeGateway
    from donations.services.giving import donor_get_or_create

    started = timezone.now() - datetime.timedelta(days=40)
    sponsorship = Sponsorship.objects.create(
        donor=donor_get_or_create(email="sari@example.org", language="id"),
        recipient=recipient,
        amount=720_000,
        gateway="stripe",
        status=Sponsorship.Status.ACTIVE,
        subscription_id="sub_test_lost",
        started_at=started,
    )
    created = started - datetime.timedelta(minutes=4)
    Sponsorship.objects.filter(pk=sponsorship.pk).update(created_at=created)
    invoice = {
        "id": "in_test_lost",
        "object": "invoice",
        "status": "paid",
        "created": int((started + datetime.timedelta(days=30)).timestamp()),
        "amount_paid": 72_000_000,
        "currency": "idr",
        "parent": {
            "subscription_details": {
                "subscription": "sub_test_lost",
                "metadata": {"sponsorship": str(sponsorship.public_ref)},
            }
        },
        "payments": {"data": [{"payment": {"payment_intent": "pi_test_lost"}}]},
    }
    fake = FakeStripe(
        (200, {"object": "list", "data": [invoice], "has_more": False, "url": "/v1/invoices"}),
        (200, {"id": "pi_test_lost", "object": "payment_intent", "latest_charge": None}),
    )
    gateway_stands_in(monkeypatch, StripeGateway(http_client=fake))

    assert payments_reconcile().months == 1
    listing = [r for r in fake.requests if r["path"] == "/v1/invoices"]
    assert listing and listing[0]["query"]["subscription"] == "sub_test_lost"
    assert listing[0]["query"]["status"] == "paid"
    assert int(listing[0]["query"]["created[gte]"]) == int(
        (created - datetime.timedelta(hours=1)).timestamp()
    )
    month = Gift.objects.get(invoice_id="in_test_lost")
    assert (month.status, month.amount, month.sponsorship_id) == (
        Gift.Status.PAID,
        720_000,
        sponsorship.pk,
    )
    # The next run finds the month recorded and records nothing twice.
    assert payments_reconcile().months == 0
    assert Gift.objects.filter(sponsorship=sponsorship).count() == 1


def test_the_payment_of_a_month_its_invoice_did_not_name_is_looked_up(
    clock, client, stripe_fake, recipient
):
    """The lookup after commit never ran (a broker down): reconciliation asks which payment
    paid the month, records it and its fee, and replays what waited for it."""
    sponsorship = gift_start(amount=100_000, recipient=recipient, monthly=True)
    sponsorship = _checkout_completed(client, sponsorship, subscription="sub_test_nopay")
    invoice = _invoice(sponsorship, invoice_id="in_test_nopay", created=timezone.now())
    invoice["payments"] = {"object": "list", "data": []}
    assert signed_post(client, stripe_event("invoice.paid", invoice)).json()["outcome"] == (
        "processed"
    )
    month = Gift.objects.get(invoice_id="in_test_nopay")
    assert month.status == Gift.Status.PAID and month.payment_intent_id is None
    # A refund of that month arrives before anybody knows its payment: it waits.
    refund = stripe_event(
        "charge.refunded",
        charge_obj(month, amount_refunded=10_000, payment_intent="pi_test_nopay"),
    )
    assert signed_post(client, refund).json()["outcome"] == "deferred"

    stripe_fake.routes["/v1/invoice_payments"] = (500, {"error": {"type": "api_error"}})
    down = payments_reconcile()
    assert down.payments == 0
    month.refresh_from_db()
    assert month.payment_intent_id is None  # asked again next time

    payment = {
        "id": "inpay_1",
        "object": "invoice_payment",
        "payment": {"type": "payment_intent", "payment_intent": "pi_test_nopay"},
    }
    stripe_fake.routes["/v1/invoice_payments"] = listing(payment, url="/v1/invoice_payments")
    result = payments_reconcile()

    assert result.payments == 1
    asked = stripe_fake.paths("/v1/invoice_payments")
    assert asked[-1]["query"]["invoice"] == "in_test_nopay"
    month.refresh_from_db()
    assert month.payment_intent_id == "pi_test_nopay"
    assert (month.fee, month.refunded) == (2_900, 10_000)
    assert WebhookEvent.objects.get(event_id=refund["id"]).outcome == "processed"

    calls = len(stripe_fake.requests)
    again = payments_reconcile()
    assert (again.payments, again.fees) == (0, 0)
    assert len(stripe_fake.requests) == calls  # nothing left to ask


# --- A fee in another currency ------------------------------------------------------------------


def test_a_fee_not_in_rupiah_is_refused_told_once_and_not_asked_again(
    client, stripe_fake, officers, recipient
):
    """Stripe settles in the account's currency: a balance transaction in dollars means the
    account no longer settles in rupiah. Its fee is not booked (converting it would hide that
    payouts no longer reconcile with the ledger) and every finance officer is told once."""
    from donations.services.giving import gift_fee_record

    gift = gift_start(amount=50_000, recipient=recipient)
    assert gift.gateway == "stripe"
    stripe_fake.routes["/v1/payment_intents/"] = intent_settled(fee_sen=19, currency="usd")
    with on_commit():  # the fee is fetched once the webhook's transaction commits
        response = signed_post(
            client,
            stripe_event(
                "checkout.session.completed", session_obj(gift, payment_intent="pi_test_usd")
            ),
        )
    assert response.json()["outcome"] == "processed"
    assert [sent["path"] for sent in stripe_fake.paths("/v1/payment_intents/")] == [
        "/v1/payment_intents/pi_test_usd"
    ]

    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert not Transaction.objects.filter(kind=Transaction.Kind.FEE).exists()
    assert (gift.fee, gift.fee_recorded_at) == (0, None)
    assert "usd" in gift.fee_refused and "rupiah" in gift.fee_refused
    assert gift.payment_method == "card"  # what the payment says is kept all the same
    assert ledger_balances() == {CLEARING_STRIPE: -50_000, recipient_account(recipient.pk): 50_000}
    alerts = outbox("finance_alert").filter(dedup_key__startswith="fee-currency:")
    assert sorted(alerts.values_list("user_id", flat=True)) == sorted(o.pk for o in officers)
    assert {alert.context["subject"] for alert in alerts} == {"fee_currency"}

    asked = len(stripe_fake.requests)
    result = payments_reconcile()
    assert result.fees == 0
    assert gift_fee_record(gift=gift) is False
    assert len(stripe_fake.requests) == asked  # not asked again
    assert alerts.count() == len(officers)
    assert not Transaction.objects.filter(kind=Transaction.Kind.FEE).exists()
