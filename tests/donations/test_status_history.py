"""Every move of a gift's or a sponsorship's status leaves a history row (who, when, from, to,
why), including the gateway's events, and a repeated event leaves no second one."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from donations.models import Gift, GiftTransition, Sponsorship, SponsorshipTransition
from donations.services.bank import transfer_reject
from donations.services.funds import fund_transfer_decide
from donations.services.reconcile import payments_reconcile
from tests.factories.donations import (
    active_sponsorship,
    bank_gift_confirmed,
    gift_start,
    paid_gift,
    session_obj,
    signed_post,
    stripe_event,
    transfer_approved,
)

pytestmark = pytest.mark.django_db

G, S = Gift.Status, Sponsorship.Status


def _moves(record) -> list[tuple[str, str, str]]:
    return list(record.transitions.values_list("from_status", "to_status", "actor_label"))


def test_a_card_gift_paid_through_the_webhook_has_its_history():
    gift = paid_gift()
    assert _moves(gift) == [("", G.PENDING, "donor"), (G.PENDING, G.PAID, "gateway")]


def test_a_failed_payment_is_in_the_history_once_however_often_it_is_told(client):
    gift = gift_start()
    obj = session_obj(gift, payment_status="unpaid")
    event = stripe_event("checkout.session.async_payment_failed", obj)

    signed_post(client, event)
    signed_post(client, event)  # the same event again
    signed_post(client, stripe_event("checkout.session.async_payment_failed", obj))  # a new id

    assert Gift.objects.get(pk=gift.pk).status == G.FAILED
    assert _moves(gift) == [("", G.PENDING, "donor"), (G.PENDING, G.FAILED, "gateway")]


def test_an_expired_checkout_is_in_the_history_once(client):
    gift = gift_start()
    obj = session_obj(gift, payment_status="unpaid")
    signed_post(client, stripe_event("checkout.session.expired", obj))
    signed_post(client, stripe_event("checkout.session.expired", obj))
    assert _moves(gift)[1:] == [(G.PENDING, G.EXPIRED, "gateway")]


def test_a_sponsorship_that_starts_and_ends_has_its_history(client):
    sponsorship = active_sponsorship()
    subscription = {
        "id": sponsorship.subscription_id,
        "object": "subscription",
        "metadata": {"sponsorship": str(sponsorship.public_ref)},
        "cancellation_details": {"reason": "cancellation_requested"},
    }
    event = stripe_event("customer.subscription.deleted", subscription)
    signed_post(client, event)
    signed_post(client, stripe_event("customer.subscription.deleted", subscription))

    sponsorship.refresh_from_db()
    assert sponsorship.status == S.ENDED
    assert _moves(sponsorship) == [
        ("", S.PENDING, "donor"),
        (S.PENDING, S.ACTIVE, "gateway"),
        (S.ACTIVE, S.ENDED, "gateway"),
    ]
    assert sponsorship.transitions.last().reason == "cancellation_requested"
    # Each paid month is a gift of its own, with its own history.
    month = sponsorship.gifts.get()
    assert _moves(month) == [("", G.PENDING, "gateway"), (G.PENDING, G.PAID, "gateway")]


def test_reconciliation_closes_old_checkouts_with_history(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    gift = gift_start()
    sponsorship = gift_start(monthly=True)
    time_machine.shift(datetime.timedelta(days=8))

    payments_reconcile()

    assert _moves(gift)[1:] == [(G.PENDING, G.EXPIRED, "reconciliation")]
    assert _moves(sponsorship)[1:] == [(S.PENDING, S.ABANDONED, "reconciliation")]
    payments_reconcile()
    assert GiftTransition.objects.filter(to_status=G.EXPIRED).count() == 1
    assert SponsorshipTransition.objects.filter(to_status=S.ABANDONED).count() == 1


def test_a_bank_transfer_records_each_officer(officers):
    first, second = officers
    gift = bank_gift_confirmed(officers=officers)
    rows = list(gift.transitions.values_list("to_status", "actor"))
    assert rows == [
        (G.AWAITING_TRANSFER, None),
        (G.MATCHED, first.pk),
        (G.PAID, second.pk),
    ]


def test_a_rejected_transfer_keeps_the_reason(officers):
    gift = gift_start(bank=True)
    transfer_reject(gift=gift, actor=officers[0], reason="Not on the statement")
    row = gift.transitions.last()
    assert (row.to_status, row.actor, row.reason) == (
        G.REJECTED,
        officers[0],
        "Not on the statement",
    )


def test_a_fund_transfer_decision_is_in_its_history(officers, recipient):
    paid_gift(amount=100_000, recipient=recipient)
    proposal = transfer_approved(
        source_id=recipient.pk, target_id=None, amount=10_000, officers=officers
    )
    assert list(proposal.transitions.values_list("from_status", "to_status", "actor")) == [
        ("", "proposed", officers[0].pk),
        ("proposed", "approved", officers[1].pk),
    ]
    with pytest.raises(ValidationError):
        fund_transfer_decide(proposal=proposal, actor=officers[1], approve=False, note="no")
    assert proposal.transitions.count() == 2
