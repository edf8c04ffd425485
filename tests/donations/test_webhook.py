"""The signed webhook: what Stripe's events do to our records and the ledger, including
forged, stale, repeated, simultaneous and out-of-order ones."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from donations.gateways.events import PaymentSettled
from donations.models import (
    CLEARING_STRIPE,
    Gift,
    Sponsorship,
    Transaction,
    WebhookEvent,
    recipient_account,
)
from donations.services import webhooks
from donations.services.ledger import balance
from tests.factories.donations import (
    active_sponsorship,
    charge_obj,
    gateway_stands_in,
    gift_start,
    invoice_obj,
    ledger_balances,
    on_commit,
    outbox,
    paid_gift,
    session_obj,
    signed_post,
    stripe_event,
)

pytestmark = pytest.mark.django_db

Outcome = WebhookEvent.Outcome


def _gift_transactions(gift: Gift):
    return Transaction.objects.filter(gift=gift, kind=Transaction.Kind.GIFT)


def _completed(gift: Gift, **kwargs) -> dict:
    return stripe_event("checkout.session.completed", session_obj(gift, **kwargs))


# --- Signatures --------------------------------------------------------------------------------


def test_a_signed_payment_is_recorded_once_in_the_ledger(client, recipient):
    gift = gift_start(amount=50_000, recipient=recipient)
    event = _completed(gift, payment_intent="pi_test_paid1")

    response = signed_post(client, event)

    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False, "outcome": "processed"}
    record = WebhookEvent.objects.get(event_id=event["id"])
    assert (record.type, record.gateway, record.outcome) == (
        "checkout.session.completed",
        "sandbox",  # the gateway in use (PAYMENTS_SANDBOX in tests)
        Outcome.PROCESSED,
    )
    assert record.processed_at is not None
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert gift.payment_intent_id == "pi_test_paid1"
    assert gift.receipt_number.startswith("RK-")
    entries = dict(_gift_transactions(gift).get().entries.values_list("account", "amount"))
    assert entries == {CLEARING_STRIPE: -50_000, recipient_account(recipient.pk): 50_000}
    assert [n.to_address for n in outbox("donation_receipt")] == ["donor@example.org"]


def _nothing_recorded(gift: Gift) -> None:
    assert not WebhookEvent.objects.exists()
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING
    assert not Transaction.objects.exists()


def test_a_forged_signature_is_refused(client):
    gift = gift_start()
    response = signed_post(client, _completed(gift), secret="whsec_someone_else")
    assert response.status_code == 400
    _nothing_recorded(gift)


def test_a_stale_signature_is_refused(client):
    gift = gift_start()
    response = signed_post(client, _completed(gift), timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    _nothing_recorded(gift)


def test_a_signature_within_the_tolerance_is_accepted(client):
    # The other side of the stale test: the same event 4 minutes old is fine.
    gift = gift_start()
    response = signed_post(client, _completed(gift), timestamp=int(time.time()) - 240)
    assert response.status_code == 200
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID


def test_an_altered_body_is_refused(client):
    gift = gift_start(amount=50_000)
    event = _completed(gift)
    signed = json.dumps(event)
    event["data"]["object"]["amount_total"] = 100  # changed after signing
    response = signed_post(client, signed, body=json.dumps(event))
    assert response.status_code == 400
    _nothing_recorded(gift)


def test_a_missing_signature_is_refused(client):
    gift = gift_start()
    response = signed_post(client, _completed(gift), header="")
    assert response.status_code == 400
    _nothing_recorded(gift)


@pytest.mark.parametrize("body", ["not json", json.dumps([1, 2]), json.dumps({"id": "evt_1"})])
def test_a_signed_body_that_is_not_an_event_is_refused(client, body):
    response = signed_post(client, body)
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_an_unset_secret_refuses_everything(client, settings):
    gift = gift_start()
    event = _completed(gift)
    settings.STRIPE_WEBHOOK_SECRET = ""
    response = signed_post(client, event, secret="whsec_anything")
    assert response.status_code == 400
    _nothing_recorded(gift)


def test_the_webhook_takes_only_post(client):
    assert client.get("/donations/stripe/webhook/").status_code == 405


# --- Repeats -----------------------------------------------------------------------------------


def test_a_repeated_event_changes_nothing(client):
    gift = gift_start()
    event = _completed(gift)

    first = signed_post(client, event)
    second = signed_post(client, event)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["duplicate"] is False
    assert second.json()["duplicate"] is True
    assert WebhookEvent.objects.count() == 1
    assert _gift_transactions(gift).count() == 1
    assert Transaction.objects.count() == 1


def test_two_events_about_the_same_payment_record_it_once(client):
    # Stripe sends completed and async_payment_succeeded for the same session: one gift.
    gift = gift_start()
    obj = session_obj(gift)
    signed_post(client, stripe_event("checkout.session.completed", obj))
    response = signed_post(client, stripe_event("checkout.session.async_payment_succeeded", obj))
    assert response.json()["outcome"] == "processed"
    assert WebhookEvent.objects.count() == 2
    assert Transaction.objects.filter(kind=Transaction.Kind.GIFT).count() == 1


def _post_together(events: list[dict]) -> list[int]:
    """Post each event from its own thread (own connection), released at the same moment."""
    barrier = threading.Barrier(len(events))
    statuses: list[int | None] = [None] * len(events)

    def send(index: int, event: dict) -> None:
        try:
            client = Client()
            barrier.wait(timeout=10)
            statuses[index] = signed_post(client, event).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=pair) for pair in enumerate(events)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_event_twice_at_once_is_recorded_once(postgres):
    gift = gift_start(amount=75_000)
    event = _completed(gift)

    for _round in range(3):  # a race is only convincing when it is run more than once
        statuses = _post_together([event, event])
        assert statuses == [200, 200]

    assert WebhookEvent.objects.filter(event_id=event["id"]).count() == 1
    assert WebhookEvent.objects.count() == 1
    assert _gift_transactions(gift).count() == 1
    assert balance(CLEARING_STRIPE) == -75_000


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_different_events_for_one_payment_at_once_post_it_once(postgres):
    gift = gift_start(amount=60_000)
    obj = session_obj(gift)
    statuses = _post_together(
        [
            stripe_event("checkout.session.completed", obj),
            stripe_event("checkout.session.async_payment_succeeded", obj),
        ]
    )
    assert statuses == [200, 200]
    assert WebhookEvent.objects.count() == 2
    assert _gift_transactions(gift).count() == 1
    assert balance(CLEARING_STRIPE) == -60_000


# --- Out of order ------------------------------------------------------------------------------


def test_a_refund_before_its_payment_waits_then_applies(client, recipient):
    gift = gift_start(amount=50_000, recipient=recipient)
    refund = stripe_event(
        "charge.refunded",
        charge_obj(gift, amount_refunded=20_000, payment_intent="pi_test_early"),
    )

    response = signed_post(client, refund)
    assert response.status_code == 200
    assert response.json()["outcome"] == "deferred"
    assert not Transaction.objects.exists()

    with on_commit():  # the payment; its commit queues the replay (eager Celery) and the fee
        signed_post(client, _completed(gift, payment_intent="pi_test_early"))

    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert gift.refunded == 20_000
    assert WebhookEvent.objects.get(event_id=refund["id"]).outcome == Outcome.PROCESSED
    refunds = Transaction.objects.filter(gift=gift, kind=Transaction.Kind.REFUND)
    assert refunds.count() == 1
    pot = recipient_account(recipient.pk)
    assert balance(pot) == 50_000 - 20_000 - gift.fee
    assert balance(CLEARING_STRIPE) == -50_000 + 20_000


def test_a_deferred_refund_is_replayed_by_the_replay_service(client):
    gift = gift_start(amount=50_000)
    refund = stripe_event(
        "charge.refunded", charge_obj(gift, amount_refunded=50_000, payment_intent="pi_test_r2")
    )
    signed_post(client, refund)
    signed_post(client, _completed(gift, payment_intent="pi_test_r2"))  # no commit: no task
    assert WebhookEvent.objects.get(event_id=refund["id"]).outcome == Outcome.DEFERRED

    assert webhooks.deferred_replay() == 1
    assert webhooks.deferred_replay() == 0  # nothing more to apply
    gift.refresh_from_db()
    assert gift.refunded == 50_000
    record = WebhookEvent.objects.get(event_id=refund["id"])
    assert (record.outcome, record.attempts) == (Outcome.PROCESSED, 2)


def test_an_event_waiting_too_long_is_flagged(client, officers):
    gift = gift_start()
    event = stripe_event(
        "charge.refunded", charge_obj(gift, amount_refunded=10_000, payment_intent="pi_never")
    )
    signed_post(client, event)
    waiting = WebhookEvent.objects.filter(event_id=event["id"])
    waiting.update(attempts=webhooks.MAX_REPLAYS - 1)
    webhooks.deferred_replay()
    # Replayed often but only just received: it still waits (a busy webhook replays after
    # every event; its payment may be a few events behind).
    assert waiting.get().outcome == Outcome.DEFERRED
    assert not outbox("finance_alert").exists()

    waiting.update(received_at=timezone.now() - webhooks.MAX_WAIT - timedelta(minutes=1))
    webhooks.deferred_replay()
    assert waiting.get().outcome == Outcome.FLAGGED
    assert outbox("finance_alert").count() == len(officers)


def test_a_refund_overtaking_its_payment_on_a_busy_webhook_still_applies(client):
    gift = gift_start(amount=50_000)
    refund = stripe_event(
        "charge.refunded", charge_obj(gift, amount_refunded=50_000, payment_intent="pi_test_busy")
    )
    signed_post(client, refund)
    for _event in range(webhooks.MAX_REPLAYS + 5):  # every other payment replays it
        other = gift_start(amount=10_000)
        signed_post(client, _completed(other))
        webhooks.deferred_replay()
    signed_post(client, _completed(gift, payment_intent="pi_test_busy"))
    webhooks.deferred_replay()
    gift.refresh_from_db()
    assert gift.refunded == 50_000
    assert WebhookEvent.objects.get(event_id=refund["id"]).outcome == Outcome.PROCESSED


def test_an_invoice_before_its_checkout_starts_the_sponsorship(client, recipient):
    sponsorship = gift_start(amount=100_000, recipient=recipient, monthly=True)
    invoice = invoice_obj(sponsorship, subscription="sub_test_early")

    response = signed_post(client, stripe_event("invoice.paid", invoice))
    assert response.json()["outcome"] == "processed"
    sponsorship.refresh_from_db()
    assert sponsorship.status == Sponsorship.Status.ACTIVE
    assert sponsorship.subscription_id == "sub_test_early"

    session = session_obj(sponsorship, subscription="sub_test_early")
    response = signed_post(client, stripe_event("checkout.session.completed", session))
    assert response.json()["outcome"] == "processed"
    # The same invoice again (Stripe retried it): nothing more.
    assert signed_post(client, stripe_event("invoice.paid", invoice)).json()["outcome"] == (
        "processed"
    )

    sponsorship.refresh_from_db()
    assert sponsorship.status == Sponsorship.Status.ACTIVE
    assert sponsorship.customer_id.startswith("cus_test_")
    month = sponsorship.gifts.get()
    assert (month.status, month.amount, month.invoice_id) == (
        Gift.Status.PAID,
        100_000,
        invoice["id"],
    )
    assert ledger_balances() == {
        CLEARING_STRIPE: -100_000,
        recipient_account(recipient.pk): 100_000,
    }


def test_each_paid_month_is_a_gift_of_its_own(client, recipient):
    sponsorship = active_sponsorship(amount=100_000, recipient=recipient)
    signed_post(client, stripe_event("invoice.paid", invoice_obj(sponsorship)))
    assert sponsorship.gifts.filter(status=Gift.Status.PAID).count() == 2
    assert balance(CLEARING_STRIPE) == -200_000
    assert len(set(sponsorship.gifts.values_list("receipt_number", flat=True))) == 2


# --- Not ours, or not right --------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        stripe_event("customer.created", {"id": "cus_1", "object": "customer"}),
        stripe_event(
            "checkout.session.completed",
            {
                "id": "cs_test_stranger",
                "object": "checkout.session",
                "mode": "payment",
                "payment_status": "paid",
                "amount_total": 5_000_000,
                "currency": "idr",
                "metadata": {"gift": "6f1d2a9e-0000-4000-8000-000000000000"},
            },
        ),
        stripe_event(
            "checkout.session.completed",
            {"id": "cs_test_x", "object": "checkout.session", "metadata": {"gift": "not-a-uuid"}},
        ),
        stripe_event("invoice.paid", {"id": "in_1", "object": "invoice", "subscription": "sub_x"}),
        stripe_event("customer.subscription.deleted", {"id": "sub_x", "object": "subscription"}),
        stripe_event("checkout.session.expired", {"id": "cs_test_unknown"}),
    ],
    ids=["unknown-type", "unknown-gift", "bad-ref", "unknown-invoice", "unknown-sub", "expired"],
)
def test_events_about_nothing_of_ours_are_recorded_and_ignored(client, event):
    response = signed_post(client, event)
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert WebhookEvent.objects.get(event_id=event["id"]).outcome == Outcome.IGNORED
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    ("amount_sen", "currency", "said"),
    [
        (4_000_000, "idr", "says 40000 idr"),
        (5_000_001, "idr", "says a fraction of a unit idr"),
        (5_000_000, "usd", "says 50000 usd"),
    ],
)
def test_an_amount_or_currency_that_disagrees_is_flagged(
    client, officers, amount_sen, currency, said
):
    gift = gift_start(amount=50_000)
    response = signed_post(client, _completed(gift, amount_sen=amount_sen, currency=currency))

    assert response.status_code == 200
    assert response.json()["outcome"] == "flagged"
    gift.refresh_from_db()
    assert gift.status == Gift.Status.FLAGGED
    assert said in gift.flag_reason
    assert not Transaction.objects.exists()
    alerts = outbox("finance_alert")
    assert sorted(alerts.values_list("user_id", flat=True)) == sorted(o.pk for o in officers)
    # The honest event afterwards does not slip the flagged gift into the ledger.
    signed_post(client, _completed(gift))
    assert not Transaction.objects.exists()


def test_a_month_billed_at_another_amount_is_flagged(client, officers):
    sponsorship = active_sponsorship(amount=100_000)
    before = Transaction.objects.count()
    event = stripe_event("invoice.paid", invoice_obj(sponsorship, amount_sen=9_000_000))
    assert signed_post(client, event).json()["outcome"] == "flagged"
    assert Transaction.objects.count() == before
    assert sponsorship.gifts.filter(status=Gift.Status.FLAGGED).count() == 1
    assert outbox("finance_alert").count() == len(officers)


def test_a_refund_larger_than_the_gift_is_flagged(client, officers):
    gift = paid_gift(amount=50_000)
    before = Transaction.objects.count()
    event = stripe_event("charge.refunded", charge_obj(gift, amount_refunded=60_000))
    assert signed_post(client, event).json()["outcome"] == "flagged"
    assert Transaction.objects.count() == before
    assert outbox("finance_alert").count() == len(officers)


# --- Delayed payment methods -------------------------------------------------------------------


def test_a_delayed_payment_is_recorded_when_it_succeeds(client):
    gift = gift_start(amount=50_000)
    pending = signed_post(client, _completed(gift, payment_status="unpaid"))
    assert pending.json()["outcome"] == "processed"
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING
    assert not Transaction.objects.exists()

    obj = session_obj(gift)
    signed_post(client, stripe_event("checkout.session.async_payment_succeeded", obj))
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert _gift_transactions(gift).count() == 1


def test_a_delayed_payment_that_fails_records_nothing(client):
    gift = gift_start(amount=50_000)
    signed_post(client, _completed(gift, payment_status="unpaid"))
    obj = session_obj(gift, payment_status="unpaid")
    response = signed_post(client, stripe_event("checkout.session.async_payment_failed", obj))
    assert response.json()["outcome"] == "processed"
    gift.refresh_from_db()
    assert gift.status == Gift.Status.FAILED
    assert not Transaction.objects.exists()


def test_an_abandoned_checkout_expires(client):
    gift = gift_start()
    obj = session_obj(gift, payment_status="unpaid")
    signed_post(client, stripe_event("checkout.session.expired", obj))
    gift.refresh_from_db()
    assert gift.status == Gift.Status.EXPIRED


# --- Refunds and disputes ----------------------------------------------------------------------


def test_partial_then_full_refund_follows_the_running_total(client, recipient, officers):
    gift = paid_gift(amount=50_000, recipient=recipient)
    pot = recipient_account(recipient.pk)
    start = balance(pot)
    assert start == 50_000 - gift.fee and gift.fee > 0

    partial = stripe_event("charge.refunded", charge_obj(gift, amount_refunded=20_000))
    assert signed_post(client, partial).json()["outcome"] == "processed"
    assert signed_post(client, partial).json()["duplicate"] is True
    # Another event carrying the same running total (e.g. Stripe's resend): nothing added.
    again = stripe_event("charge.refunded", charge_obj(gift, amount_refunded=20_000))
    assert signed_post(client, again).json()["outcome"] == "processed"
    gift.refresh_from_db()
    assert gift.refunded == 20_000
    assert balance(pot) == start - 20_000

    full = stripe_event("charge.refunded", charge_obj(gift, amount_refunded=50_000))
    signed_post(client, full)
    # An older total arriving late adds nothing either.
    signed_post(client, stripe_event("charge.refunded", charge_obj(gift, amount_refunded=20_000)))
    gift.refresh_from_db()
    assert gift.refunded == 50_000
    amounts = sorted(
        -entry
        for entry in Transaction.objects.filter(kind=Transaction.Kind.REFUND)
        .filter(entries__account=pot)
        .values_list("entries__amount", flat=True)
    )
    assert amounts == [20_000, 30_000]
    assert balance(pot) == -gift.fee  # the fee stays spent: the pot is short by it, and flagged
    assert balance(CLEARING_STRIPE) == 0
    assert outbox("finance_alert").filter(dedup_key__startswith="pot-negative").exists()


# Disputes follow the money: tests/donations/test_disputes.py.


# --- Subscriptions end -------------------------------------------------------------------------


def test_a_deleted_subscription_ends_the_sponsorship_and_tells_the_donor(client, recipient):
    sponsorship = active_sponsorship(recipient=recipient, email="giver@example.org")
    subscription = {
        "id": sponsorship.subscription_id,
        "object": "subscription",
        "status": "canceled",
        "cancellation_details": {"reason": "payment_failed"},
    }
    event = stripe_event("customer.subscription.deleted", subscription)
    assert signed_post(client, event).json()["outcome"] == "processed"
    again = stripe_event("customer.subscription.deleted", subscription)
    assert signed_post(client, again).json()["outcome"] == "processed"

    sponsorship.refresh_from_db()
    assert sponsorship.status == Sponsorship.Status.ENDED
    assert sponsorship.end_reason == "payment_failed"
    assert sponsorship.ended_at is not None
    told = outbox("sponsorship_ended").get()
    assert told.to_address == "giver@example.org"
    assert told.context["payment_failed"] is True
    assert told.context["for_listing"] == recipient.pseudonym


# --- Failures ----------------------------------------------------------------------------------


def test_a_handler_that_fails_defers_the_event_and_it_is_replayed(client, monkeypatch):
    gift = gift_start(amount=50_000)
    real = webhooks.HANDLERS[PaymentSettled]

    def half_done_then_broken(event, gateway_name):
        real(event, gateway_name)  # the gift is recorded as paid…
        raise RuntimeError("a bug")  # …and then the handler fails: none of it must stay

    monkeypatch.setitem(webhooks.HANDLERS, PaymentSettled, half_done_then_broken)
    event = _completed(gift)
    response = signed_post(client, event)

    assert response.status_code == 200
    assert response.json()["outcome"] == "deferred"
    record = WebhookEvent.objects.get(event_id=event["id"])
    assert record.note == "failed: RuntimeError"
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING
    assert not Transaction.objects.exists()

    monkeypatch.setitem(webhooks.HANDLERS, PaymentSettled, real)  # the fix ships
    assert webhooks.deferred_replay() == 1
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert _gift_transactions(gift).count() == 1


def test_a_database_that_cannot_record_the_event_answers_503(client, monkeypatch):
    gift = gift_start()

    def down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(WebhookEvent.objects, "create", down)
    response = signed_post(client, _completed(gift))

    assert response.status_code == 503
    monkeypatch.undo()
    _nothing_recorded(gift)
    # Stripe retries later, and then it is recorded.
    assert signed_post(client, _completed(gift)).status_code == 200


def test_a_payment_replays_only_the_events_that_waited_for_it(client, recipient):
    """The replay a payment queues touches events about that payment, not every waiting one."""
    mine, other = gift_start(amount=50_000, recipient=recipient), gift_start(amount=30_000)
    waiting_for_mine = stripe_event(
        "charge.refunded", charge_obj(mine, amount_refunded=10_000, payment_intent="pi_test_mine")
    )
    waiting_for_other = stripe_event(
        "charge.refunded", charge_obj(other, amount_refunded=5_000, payment_intent="pi_test_other")
    )
    signed_post(client, waiting_for_mine)
    signed_post(client, waiting_for_other)

    with on_commit():
        signed_post(client, _completed(mine, payment_intent="pi_test_mine"))

    assert WebhookEvent.objects.get(event_id=waiting_for_mine["id"]).outcome == Outcome.PROCESSED
    untouched = WebhookEvent.objects.get(event_id=waiting_for_other["id"])
    assert (untouched.outcome, untouched.attempts) == (Outcome.DEFERRED, 1)


def test_a_stored_event_keeps_no_donor_address_or_card_details(client, recipient):
    gift = gift_start(amount=50_000, recipient=recipient)
    session = {
        **session_obj(gift),
        "customer_email": "sari@example.org",
        "customer_details": {"email": "sari@example.org", "name": "Sari Wulandari"},
    }
    # A last4 that random ids (hex, base62) cannot contain, so the check cannot pass by luck
    # nor fail by luck.
    invoice_like = {**session, "payment_method_details": {"card": {"last4": "-4x4-"}}}
    event = stripe_event("checkout.session.completed", invoice_like)
    assert signed_post(client, event).status_code == 200

    stored = json.dumps(WebhookEvent.objects.get(event_id=event["id"]).payload)
    for secret in ("sari@example.org", "Sari Wulandari", "-4x4-", "last4"):
        assert secret not in stored
    assert str(gift.public_ref) in stored  # what a replay needs is kept
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID


# --- No network call inside the webhook's transaction (issue 15) --------------------------------


def test_an_invoice_that_does_not_name_its_payment_is_looked_up_after_commit(
    client, recipient, monkeypatch, django_capture_on_commit_callbacks
):
    """The webhook's transaction holds row locks: asking Stripe inside it (up to 80 s with the
    SDK's defaults) would hold them, and the web worker, that long. The month is recorded
    without its payment; the lookup runs after commit and fills it in."""
    from donations.gateways.stripe import StripeGateway

    from .test_stripe_gateway import FakeStripe

    sponsorship = active_sponsorship(recipient=recipient)
    payments = {
        "object": "list",
        "url": "/v1/invoice_payments",
        "has_more": False,
        "data": [
            {
                "id": "inpay_1",
                "object": "invoice_payment",
                "payment": {"type": "payment_intent", "payment_intent": "pi_test_later"},
            }
        ],
    }
    fake = FakeStripe((200, payments), (200, {"id": "pi_test_later", "latest_charge": None}))
    gateway_stands_in(monkeypatch, StripeGateway(http_client=fake))
    invoice = invoice_obj(sponsorship, invoice_id="in_test_no_payment")
    del invoice["payments"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = signed_post(client, stripe_event("invoice.paid", invoice))
    assert response.json()["outcome"] == "processed"
    assert fake.requests == []  # nothing asked while the transaction was open
    month = Gift.objects.get(invoice_id="in_test_no_payment")
    assert month.status == Gift.Status.PAID and month.payment_intent_id is None
    for callback in callbacks:
        callback()
    month.refresh_from_db()
    assert month.payment_intent_id == "pi_test_later"
    assert fake.requests[0]["path"] == "/v1/invoice_payments"
