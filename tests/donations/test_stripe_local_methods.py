"""Stripe keeps cards; where the Stripe account enables QRIS, GoPay or ShopeePay in Checkout, a
gift paid that way records its method from the payment's details (the charge's
``payment_method_details.type``, or the one type the PaymentIntent allowed). The portal does not
depend on it: a cards-only Checkout records a card as before."""

from __future__ import annotations

import pytest

from donations.gateways.events import PaymentDetails
from donations.gateways.stripe import StripeGateway
from donations.gateways.stripe.parse import intent_method
from donations.models import Gift
from donations.services.giving import gift_fee_record
from tests.donations.test_stripe_gateway import FakeStripe
from tests.factories.donations import (
    gateway_stands_in,
    gift_start,
    session_obj,
    signed_post,
    stripe_event,
)

pytestmark = pytest.mark.django_db


def intent(*, charge_type: str | None, allowed: list[str] | None = None, fee_sen: int = 350000):
    """A PaymentIntent as Stripe answers ``GET /v1/payment_intents/:id`` with
    ``expand[]=latest_charge.balance_transaction``."""
    charge: dict = {
        "id": "ch_test_local",
        "object": "charge",
        "balance_transaction": {
            "id": "txn_test_local",
            "object": "balance_transaction",
            "fee": fee_sen,
            "currency": "idr",
        },
    }
    if charge_type is not None:
        charge["payment_method_details"] = {"type": charge_type, charge_type: {}}
    body = {"id": "pi_test_local", "object": "payment_intent", "latest_charge": charge}
    if allowed is not None:
        body["payment_method_types"] = allowed
    return body


@pytest.mark.parametrize(
    ("charge_type", "method"),
    [("qris", "qris"), ("gopay", "gopay"), ("shopeepay", "shopeepay"), ("card", "card")],
)
def test_the_charge_says_how_it_was_paid(charge_type, method):
    fake = FakeStripe((200, intent(charge_type=charge_type)))
    details = StripeGateway(http_client=fake, api_key="sk_test_fake").payment_details("pi_x")
    assert details == PaymentDetails(fee=3500, currency="idr", method=method)


@pytest.mark.parametrize(
    ("allowed", "method"),
    [
        (["gopay"], "gopay"),
        (["qris"], "qris"),
        (["shopeepay"], "shopeepay"),
        (["card"], "card"),
        (["card", "qris", "gopay"], ""),  # several allowed, the charge silent: not guessed
        ([], ""),
        (None, ""),
    ],
)
def test_without_the_charges_word_the_one_type_the_intent_allowed_says(allowed, method):
    assert intent_method(intent(charge_type=None, allowed=allowed)) == method


def test_the_charges_type_wins_over_what_the_intent_allowed():
    assert intent_method(intent(charge_type="qris", allowed=["card", "qris"])) == "qris"
    # A type Stripe may add later is "another method", never a card.
    assert intent_method(intent(charge_type="promptpay", allowed=["card"])) == "other"


def test_a_checkout_gift_paid_by_qris_at_stripe_records_qris(client, recipient, monkeypatch):
    """The session offered what the account enables (card and QRIS): the event does not say
    which was used; the payment's details, asked with its fee, do."""
    gift = gift_start(recipient=recipient)
    fake = FakeStripe((200, intent(charge_type="qris", allowed=["card", "qris"])))
    gateway_stands_in(monkeypatch, StripeGateway(http_client=fake, api_key="sk_test_fake"))
    assert gift.payment_method == ""  # a card checkout: the payment will say
    session = {
        **session_obj(gift, payment_intent="pi_test_local"),
        "payment_method_types": ["card", "qris"],
    }
    response = signed_post(client, stripe_event("checkout.session.completed", session))
    assert response.status_code == 200
    gift.refresh_from_db()
    assert (gift.status, gift.payment_method) == (Gift.Status.PAID, "")
    assert gift_fee_record(gift=gift)
    gift.refresh_from_db()
    assert (gift.payment_method, gift.fee) == (Gift.Method.QRIS, 3500)
    assert fake.requests[-1]["path"] == "/v1/payment_intents/pi_test_local"


def test_a_cards_only_checkout_still_records_a_card(client, recipient, monkeypatch):
    gift = gift_start(recipient=recipient)
    fake = FakeStripe((200, intent(charge_type="card", allowed=["card"])))
    gateway_stands_in(monkeypatch, StripeGateway(http_client=fake, api_key="sk_test_fake"))
    session = {
        **session_obj(gift, payment_intent="pi_test_local"),
        "payment_method_types": ["card"],
    }
    signed_post(client, stripe_event("checkout.session.completed", session))
    gift.refresh_from_db()
    assert gift.payment_method == Gift.Method.CARD
    assert gift_fee_record(gift=gift)
    gift.refresh_from_db()
    assert gift.payment_method == Gift.Method.CARD
