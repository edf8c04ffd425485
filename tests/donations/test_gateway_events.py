"""The typed gateway events (donations/gateways/events.py) and Stripe's parser: what each
Stripe event becomes, that a stored event replays as itself, and that the services act on
typed events whatever gateway made them."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from donations.gateways import events as ev
from donations.gateways.stripe.parse import EVENT_TYPES, event_parse
from donations.models import Gift, Transaction, WebhookEvent
from donations.services import webhooks
from tests.factories.donations import (
    active_sponsorship,
    charge_obj,
    gift_start,
    invoice_obj,
    paid_gift,
    session_obj,
    signed_post,
    stripe_event,
)

pytestmark = pytest.mark.django_db


def test_a_paid_checkout_becomes_a_payment_settled_in_whole_rupiah(recipient):
    gift = gift_start(amount=50_000, recipient=recipient)
    raw = stripe_event(
        "checkout.session.completed", session_obj(gift, payment_intent="pi_test_x"), created=0
    )
    raw["data"]["object"]["payment_method_types"] = ["card"]
    parsed = event_parse(raw)
    assert parsed == ev.PaymentSettled(
        event_id=raw["id"],
        occurred_at=datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC),
        gateway_type="checkout.session.completed",
        checkout_id=gift.checkout_session_id,
        reference=str(gift.public_ref),
        amount=50_000,
        currency="idr",
        payment="pi_test_x",
        method="card",
    )
    assert parsed.payment_id == "pi_test_x"


def test_a_checkout_offering_several_methods_does_not_guess_the_method(recipient):
    gift = gift_start(amount=50_000, recipient=recipient)
    obj = {**session_obj(gift), "payment_method_types": ["card", "qris"]}
    assert event_parse(stripe_event("checkout.session.completed", obj)).method == ""


@pytest.mark.parametrize(
    ("stripe_type", "payment_status", "expected"),
    [
        ("checkout.session.completed", "unpaid", ev.PaymentPending),
        ("checkout.session.async_payment_succeeded", "paid", ev.PaymentSettled),
        ("checkout.session.async_payment_failed", "unpaid", ev.PaymentFailed),
        ("checkout.session.expired", "unpaid", ev.CheckoutExpired),
    ],
)
def test_each_checkout_event_has_its_own_type(stripe_type, payment_status, expected):
    gift = gift_start(amount=50_000)
    obj = session_obj(gift, payment_status=payment_status)
    assert type(event_parse(stripe_event(stripe_type, obj))) is expected


def test_an_invoice_in_either_api_shape_names_its_subscription_and_payment(recipient):
    sponsorship = active_sponsorship(recipient=recipient)
    today = invoice_obj(sponsorship, payment_intent="pi_test_month")
    older = {
        "id": today["id"],
        "object": "invoice",
        "amount_paid": today["amount_paid"],
        "currency": "idr",
        "subscription": sponsorship.subscription_id,
        "payment_intent": "pi_test_month",
    }
    for obj in (today, older):
        parsed = event_parse(stripe_event("invoice.paid", obj))
        assert isinstance(parsed, ev.InvoicePaid)
        assert (parsed.subscription_id, parsed.payment, parsed.amount) == (
            sponsorship.subscription_id,
            "pi_test_month",
            sponsorship.amount,
        )


def test_amounts_that_are_not_whole_rupiah_are_none_and_refunds_round_up():
    gift = gift_start(amount=50_000)
    obj = session_obj(gift, amount_sen=5_000_001)
    assert event_parse(stripe_event("checkout.session.completed", obj)).amount is None
    gift.payment_intent_id = "pi_test_r"
    charge = {**charge_obj(gift, amount_refunded=0), "amount_refunded": 100_001}
    parsed = event_parse(stripe_event("charge.refunded", charge))
    assert isinstance(parsed, ev.RefundTotalChanged)
    assert parsed.refunded == 1_001


def test_an_unknown_type_or_an_event_without_object_is_unhandled():
    assert isinstance(event_parse(stripe_event("customer.created", {"id": "cus_1"})), ev.Unhandled)
    bare = stripe_event("invoice.paid", {})
    bare["data"] = {}
    assert isinstance(event_parse(bare), ev.Unhandled)


def test_every_handled_stripe_type_has_a_handler():
    for stripe_type in EVENT_TYPES:
        obj = {"id": "x_1", "object": "thing", "mode": "payment", "payment_status": "paid"}
        parsed = event_parse(stripe_event(stripe_type, obj))
        assert type(parsed) in webhooks.HANDLERS, stripe_type
        assert not isinstance(parsed, ev.Unhandled), stripe_type


@pytest.mark.parametrize("cls", sorted(ev.EVENT_TYPES.values(), key=lambda c: c.type))
def test_a_stored_event_loads_as_itself(cls):
    import dataclasses

    values = {}
    for item in dataclasses.fields(cls):
        if item.name == "occurred_at":
            values[item.name] = timezone.now()
        elif item.name in ("withdrawn", "reinstated"):
            values[item.name] = ev.DisputeFunds(amount=1_000, fee=-50)
        elif item.type in ("int | None", "int"):
            values[item.name] = 7
        elif item.type == "bool":
            values[item.name] = True
        else:
            values[item.name] = f"{item.name}-value"
    event = cls(**values)
    assert ev.event_load(ev.event_dump(event)) == event


def test_a_stored_event_that_is_not_ours_cannot_be_loaded():
    with pytest.raises(ev.EventLoadError):
        ev.event_load({"kind": "charge.refunded", "id": "evt_1"})


def test_the_record_keeps_the_gateways_name_of_the_event(client, recipient):
    gift = gift_start(amount=50_000, recipient=recipient)
    raw = stripe_event("checkout.session.completed", session_obj(gift))
    signed_post(client, raw)
    record = WebhookEvent.objects.get(event_id=raw["id"])
    assert record.type == "checkout.session.completed"
    assert record.payload["kind"] == "payment_settled"


def test_a_fee_the_event_already_says_is_booked_without_asking_the_gateway(recipient, monkeypatch):
    """A gateway whose event carries its fee (the typed event's ``fee``): booked at once."""
    gift = gift_start(amount=50_000, recipient=recipient)

    def must_not_ask(self, payment_id):
        raise AssertionError("the gateway was asked for a fee its event gave")

    monkeypatch.setattr("donations.gateways.sandbox.SandboxGateway.payment_details", must_not_ask)
    event = ev.PaymentSettled(
        event_id="evt_other_1",
        occurred_at=timezone.now(),
        checkout_id=gift.checkout_session_id,
        reference=str(gift.public_ref),
        amount=50_000,
        currency="idr",
        payment="pay_other_1",
        method="qris",
        fee=350,
    )
    record, new = webhooks.event_receive(event=event, gateway_name="sandbox")
    assert new and record.outcome == "processed"
    gift.refresh_from_db()
    assert (gift.status, gift.fee, gift.payment_method) == (Gift.Status.PAID, 350, "qris")
    assert Transaction.objects.filter(kind=Transaction.Kind.FEE, gift=gift).count() == 1


def test_the_sandbox_records_the_method_it_took(recipient):
    gift = paid_gift(amount=50_000, recipient=recipient)
    assert gift.payment_method == Gift.Method.CARD


def test_a_deferred_row_that_is_no_event_of_ours_is_flagged_not_replayed_forever(officers):
    from tests.factories.donations import outbox

    record = WebhookEvent.objects.create(
        event_id="evt_altered_1",
        type="charge.refunded",
        gateway="stripe",
        payload={"kind": "charge.refunded", "id": "evt_altered_1"},
        outcome=WebhookEvent.Outcome.DEFERRED,
    )
    assert webhooks.deferred_replay() == 1
    record.refresh_from_db()
    assert record.outcome == WebhookEvent.Outcome.FLAGGED
    assert record.note.startswith("unreadable:")
    assert outbox("finance_alert").filter(dedup_key__startswith="event:evt_altered_1").exists()
    assert webhooks.deferred_replay() == 0
