"""Disputes follow the money (issue 15): the ledger moves when Stripe withdraws or reinstates
funds (``charge.dispute.funds_withdrawn`` / ``…funds_reinstated``, whose balance transactions
say how much and what fee), never on ``created`` or ``closed``, which only change the status.
An inquiry (Stripe withdraws nothing) therefore never touches a pot."""

from __future__ import annotations

import uuid

import pytest

from donations.models import OPERATING, Gift, Transaction, WebhookEvent, recipient_account
from donations.services import webhooks
from donations.services.ledger import balance
from tests.factories.donations import ledger_balances, outbox, paid_gift, signed_post, stripe_event

pytestmark = pytest.mark.django_db

DISPUTE_FEE_SEN = 22_500_000  # Rp225.000, about what Stripe charges for a dispute


def _withdrawal(amount: int, *, fee_sen: int = DISPUTE_FEE_SEN) -> dict:
    return {
        "id": f"txn_test_{uuid.uuid4().hex[:12]}",
        "object": "balance_transaction",
        "amount": -amount * 100,
        "fee": fee_sen,
        "net": -amount * 100 - fee_sen,
        "currency": "idr",
        "reporting_category": "dispute",
    }


def _reinstatement(amount: int, *, fee_sen: int = 0) -> dict:
    return {
        "id": f"txn_test_{uuid.uuid4().hex[:12]}",
        "object": "balance_transaction",
        "amount": amount * 100,
        "fee": fee_sen,
        "net": amount * 100 - fee_sen,
        "currency": "idr",
        "reporting_category": "dispute_reversal",
    }


def _dispute(gift: Gift, *, status: str, balance_transactions=(), amount: int | None = None):
    return {
        "id": f"du_test_{gift.pk}",
        "object": "dispute",
        "amount": (gift.amount if amount is None else amount) * 100,
        "currency": "idr",
        "payment_intent": gift.payment_intent_id,
        "charge": f"ch_test_{gift.pk}",
        "status": status,
        "balance_transactions": list(balance_transactions),
    }


def _send(client, event_type: str, obj: dict) -> str:
    response = signed_post(client, stripe_event(event_type, obj))
    assert response.status_code == 200, response.content
    return response.json()["outcome"]


@pytest.fixture
def gift(recipient):
    return paid_gift(amount=200_000, recipient=recipient)


def _pot(gift: Gift) -> int:
    return balance(recipient_account(gift.recipient_id))


def test_an_inquiry_moves_no_money_from_the_pot(client, gift, officers):
    """Issue 15's measurement: an inquiry took 200,000 from the pot and never gave it back."""
    before = _pot(gift)
    _send(client, "charge.dispute.created", _dispute(gift, status="warning_needs_response"))
    assert _pot(gift) == before
    gift.refresh_from_db()
    assert gift.disputed  # the finance officers see it, and are told
    assert outbox("finance_alert").filter(dedup_key__startswith="dispute:").exists()
    _send(client, "charge.dispute.closed", _dispute(gift, status="warning_closed"))
    assert _pot(gift) == before
    assert not Transaction.objects.filter(
        kind__in=[Transaction.Kind.DISPUTE, Transaction.Kind.DISPUTE_WON]
    ).exists()


def test_a_lost_dispute_takes_the_amount_and_books_the_dispute_fee_once(client, gift):
    before = _pot(gift)
    operating_before = balance(OPERATING)
    withdrawal = _withdrawal(200_000)
    _send(client, "charge.dispute.created", _dispute(gift, status="needs_response"))
    assert _pot(gift) == before  # created changes the status only
    withdrawn = _dispute(gift, status="needs_response", balance_transactions=[withdrawal])
    assert _send(client, "charge.dispute.funds_withdrawn", withdrawn) == "processed"
    _send(client, "charge.dispute.funds_withdrawn", withdrawn)  # Stripe resends it
    assert _pot(gift) == before - 200_000 - 225_000
    assert balance(OPERATING) == operating_before + 225_000
    _send(
        client,
        "charge.dispute.closed",
        _dispute(gift, status="lost", balance_transactions=[withdrawal]),
    )
    assert _pot(gift) == before - 200_000 - 225_000
    fee = Transaction.objects.get(kind=Transaction.Kind.FEE, external_id__startswith="dispute-fee:")
    assert fee.gift_id == gift.pk
    assert sum(ledger_balances().values()) == 0


@pytest.mark.parametrize("closed_as", ["won", "prevented"])
def test_reinstated_funds_come_back_to_the_pot(client, gift, closed_as):
    """Won, or closed ``prevented`` after the money was withdrawn: Stripe reinstates the
    funds, and the pot gets them back, once (the dispute fee stays a cost unless Stripe
    returns it too)."""
    before = _pot(gift)
    withdrawal, reinstatement = _withdrawal(200_000), _reinstatement(200_000)
    _send(client, "charge.dispute.created", _dispute(gift, status="needs_response"))
    _send(
        client,
        "charge.dispute.funds_withdrawn",
        _dispute(gift, status="under_review", balance_transactions=[withdrawal]),
    )
    both = [withdrawal, reinstatement]
    _send(
        client, "charge.dispute.closed", _dispute(gift, status=closed_as, balance_transactions=both)
    )
    assert _pot(gift) == before - 200_000 - 225_000  # closing moves nothing
    reinstated = _dispute(gift, status=closed_as, balance_transactions=both)
    assert _send(client, "charge.dispute.funds_reinstated", reinstated) == "processed"
    _send(client, "charge.dispute.funds_reinstated", reinstated)
    assert _pot(gift) == before - 225_000
    assert Transaction.objects.filter(kind=Transaction.Kind.DISPUTE_WON).count() == 1


def test_a_returned_dispute_fee_goes_back_to_the_pot(client, gift):
    before = _pot(gift)
    both = [_withdrawal(200_000), _reinstatement(200_000, fee_sen=-DISPUTE_FEE_SEN)]
    _send(
        client,
        "charge.dispute.funds_withdrawn",
        _dispute(gift, status="under_review", balance_transactions=both[:1]),
    )
    _send(
        client,
        "charge.dispute.funds_reinstated",
        _dispute(gift, status="won", balance_transactions=both),
    )
    assert _pot(gift) == before
    assert sum(ledger_balances().values()) == 0


def test_reinstated_before_withdrawn_posts_both_once(client, gift):
    """Out of order: the reinstatement's dispute lists both balance transactions, so both are
    posted; the late withdrawal event adds nothing."""
    before = _pot(gift)
    both = [_withdrawal(200_000), _reinstatement(200_000)]
    _send(
        client,
        "charge.dispute.funds_reinstated",
        _dispute(gift, status="won", balance_transactions=both),
    )
    _send(
        client,
        "charge.dispute.funds_withdrawn",
        _dispute(gift, status="won", balance_transactions=both[:1]),
    )
    assert _pot(gift) == before - 225_000
    assert Transaction.objects.filter(kind=Transaction.Kind.DISPUTE).count() == 1
    assert Transaction.objects.filter(kind=Transaction.Kind.DISPUTE_WON).count() == 1


def test_a_withdrawal_before_its_payment_waits_then_applies(client, recipient):
    from tests.factories.donations import gift_start, on_commit, session_obj

    gift = gift_start(amount=200_000, recipient=recipient)
    gift.payment_intent_id = "pi_test_early_dispute"
    early = stripe_event(
        "charge.dispute.funds_withdrawn",
        _dispute(gift, status="needs_response", balance_transactions=[_withdrawal(200_000)]),
    )
    assert signed_post(client, early).json()["outcome"] == "deferred"
    with on_commit():
        paid = stripe_event(
            "checkout.session.completed", session_obj(gift, payment_intent=gift.payment_intent_id)
        )
        assert signed_post(client, paid).json()["outcome"] == "processed"
    assert WebhookEvent.objects.get(event_id=early["id"]).outcome == "processed"
    assert Transaction.objects.filter(kind=Transaction.Kind.DISPUTE).count() == 1
    webhooks.deferred_replay()
    assert Transaction.objects.filter(kind=Transaction.Kind.DISPUTE).count() == 1


def test_a_withdrawal_in_another_currency_is_refused_and_flagged(client, gift, officers):
    before = _pot(gift)
    withdrawal = {**_withdrawal(200_000), "currency": "usd", "amount": -1_300, "fee": 1_500}
    dispute = {**_dispute(gift, status="needs_response", balance_transactions=[withdrawal])}
    assert _send(client, "charge.dispute.funds_withdrawn", dispute) == "flagged"
    assert _pot(gift) == before
    assert outbox("finance_alert").filter(dedup_key__startswith="dispute-flag:").exists()
