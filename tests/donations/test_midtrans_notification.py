"""Midtrans's notifications through the real endpoint and the local Midtrans's status API: each
method group's success, expiry and failure; forged, replayed and contradicted notifications;
a Midtrans that cannot be asked; reconciliation of a lost notification; amounts that disagree;
fees and refunds; a signed Midtrans event naming a card gift; what is stored."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone, translation

from donations.models import (
    CLEARING_MIDTRANS,
    OPERATING,
    Gift,
    Transaction,
    WebhookEvent,
    recipient_account,
)
from donations.services.funds import refund_request
from donations.services.reconcile import payments_reconcile
from tests.factories.donations import (
    gift_start,
    ledger_balances,
    midtrans_gift,
    midtrans_notify,
    on_commit,
    outbox,
)

pytestmark = pytest.mark.django_db

Outcome = WebhookEvent.Outcome
# One method of each group: QRIS, an e-wallet, a virtual account, Mandiri's bill.
GROUPS = ["qris", "gopay", "va_bca", "va_mandiri"]


def _order(gift: Gift) -> str:
    return str(gift.public_ref)


def _notify(client, api, gift: Gift, **claims):
    with on_commit():
        return midtrans_notify(client, api.notification(_order(gift), **claims))


def _gift_entries(gift: Gift) -> dict[str, int]:
    return dict(
        Transaction.objects.get(gift=gift, kind=Transaction.Kind.GIFT).entries.values_list(
            "account", "amount"
        )
    )


# --- Success, expiry, failure per method group -------------------------------------------------


@pytest.mark.parametrize("method", GROUPS)
def test_a_settled_payment_is_recorded_once_with_its_receipt_and_fee(
    client, midtrans, recipient, settings, method
):
    settings.MIDTRANS_FEES = {**settings.MIDTRANS_FEES, "qris": (0.7, 0), "gopay": (2.0, 0)}
    gift = midtrans_gift(method=method, amount=50_000, recipient=recipient)
    midtrans.choose(_order(gift))
    assert _notify(client, midtrans, gift).json()["outcome"] == "processed"  # pending
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING

    midtrans.settle(_order(gift))
    response = _notify(client, midtrans, gift)

    assert response.status_code == 200
    assert response.json() == {
        "received": True,
        "duplicate": False,
        "outcome": "processed",
        "confirmed": True,
    }
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert gift.payment_method == method
    assert gift.payment_intent_id == midtrans.transactions[_order(gift)]["transaction_id"]
    assert _gift_entries(gift) == {
        CLEARING_MIDTRANS: -50_000,
        recipient_account(recipient.pk): 50_000,
    }
    record = WebhookEvent.objects.get(event_id=f"midtrans:{_order(gift)}:settlement")
    assert (record.gateway, record.type) == ("midtrans", "transaction.settlement")
    assert outbox("donation_receipt").count() == 1
    # The fee, from the contract, is an operating cost of the gift's own pot, as for cards.
    expected_fee = {"qris": 350, "gopay": 1_000, "va_bca": 4_000, "va_mandiri": 4_000}[method]
    assert (gift.fee, gift.fee_recorded_at is not None) == (expected_fee, True)
    fee = Transaction.objects.get(gift=gift, kind=Transaction.Kind.FEE)
    assert dict(fee.entries.values_list("account", "amount")) == {
        recipient_account(recipient.pk): -expected_fee,
        OPERATING: expected_fee,
    }


@pytest.mark.parametrize("method", GROUPS)
def test_an_expired_payment_closes_the_gift_and_moves_no_money(client, midtrans, method):
    gift = midtrans_gift(method=method)
    midtrans.expire(_order(gift))
    assert _notify(client, midtrans, gift).json()["outcome"] == "processed"
    gift.refresh_from_db()
    assert gift.status == Gift.Status.EXPIRED
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    ("method", "move"), [("qris", "deny"), ("gopay", "cancel"), ("va_bni", "deny")]
)
def test_a_failed_payment_fails_the_gift_and_moves_no_money(client, midtrans, method, move):
    gift = midtrans_gift(method=method)
    getattr(midtrans, move)(_order(gift))
    _notify(client, midtrans, gift)
    gift.refresh_from_db()
    assert gift.status == Gift.Status.FAILED
    assert not Transaction.objects.exists()


# --- Forged, replayed, contradicted ------------------------------------------------------------


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body: {**body, "signature_key": "0" * 128},
        lambda body: {**body, "gross_amount": "5000000.00"},  # altered after signing
        lambda body: {k: v for k, v in body.items() if k != "signature_key"},
    ],
)
def test_a_forged_notification_is_refused_and_changes_nothing(client, midtrans, tamper):
    gift = midtrans_gift(method="qris")
    midtrans.settle(_order(gift))
    asked_before = len(midtrans.requests)

    response = midtrans_notify(client, tamper(midtrans.notification(_order(gift))))

    assert response.status_code == 400
    assert len(midtrans.requests) == asked_before  # not even the status API was asked
    assert not WebhookEvent.objects.exists()
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING


def test_a_notification_signed_with_another_key_is_refused(client, midtrans):
    gift = midtrans_gift(method="qris")
    midtrans.settle(_order(gift))
    from donations.gateways.midtrans import notification_body

    body = notification_body(midtrans.transactions[_order(gift)], "SB-Mid-server-someone-else")
    assert midtrans_notify(client, body).status_code == 400
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"settlement"', ""])
def test_a_body_that_is_not_a_notification_is_refused(client, midtrans, raw):
    assert midtrans_notify(client, raw=raw).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_replayed_notification_is_recorded_once_in_the_ledger_with_one_receipt(
    client, midtrans, recipient
):
    gift = midtrans_gift(method="gopay", recipient=recipient)
    midtrans.settle(_order(gift))
    body = midtrans.notification(_order(gift))

    with on_commit():
        first = midtrans_notify(client, body)
        again = midtrans_notify(client, body)

    assert first.json()["duplicate"] is False
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert WebhookEvent.objects.filter(event_id=f"midtrans:{_order(gift)}:settlement").count() == 1
    assert Transaction.objects.filter(gift=gift, kind=Transaction.Kind.GIFT).count() == 1
    assert outbox("donation_receipt").count() == 1
    assert ledger_balances()[recipient_account(recipient.pk)] == 50_000 - gift_fee(gift)


def gift_fee(gift: Gift) -> int:
    gift.refresh_from_db()
    return gift.fee


def test_a_settlement_the_status_api_does_not_confirm_is_recorded_as_the_api_says(client, midtrans):
    gift = midtrans_gift(method="qris")
    midtrans.choose(_order(gift))  # pending at Midtrans
    # Signed, but claiming a settlement the status API does not know of.
    response = _notify(client, midtrans, gift, transaction_status="settlement", status_code="200")

    assert response.status_code == 200
    assert response.json()["confirmed"] is False
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING
    assert not Transaction.objects.exists()
    record = WebhookEvent.objects.get()
    assert record.event_id == f"midtrans:{_order(gift)}:pending"  # what the API said
    assert "the notification said transaction.settlement 50000" in record.note
    assert "the gateway says transaction.pending" in record.note


def test_a_notified_amount_the_api_contradicts_is_noted_and_the_apis_is_checked(client, midtrans):
    gift = midtrans_gift(method="va_bca", amount=50_000)
    midtrans.settle(_order(gift))
    response = _notify(client, midtrans, gift, gross_amount="75000.00")

    assert response.json()["confirmed"] is False
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID  # the API's amount is the gift's
    assert "the notification said transaction.settlement 75000" in WebhookEvent.objects.get().note


def test_an_amount_that_disagrees_with_the_gift_is_flagged_and_not_in_the_ledger(
    client, midtrans, officers
):
    gift = midtrans_gift(method="qris", amount=50_000)
    midtrans.settle(_order(gift), gross_amount="5000.00")  # Midtrans took another amount

    response = _notify(client, midtrans, gift)

    assert response.status_code == 200
    assert response.json()["confirmed"] is True
    gift.refresh_from_db()
    assert gift.status == Gift.Status.FLAGGED
    assert "5000" in gift.flag_reason
    assert not Transaction.objects.exists()
    assert outbox("finance_alert").count() == len(officers)


# --- Midtrans that cannot be asked -------------------------------------------------------------


def test_a_status_api_that_is_down_answers_503_records_nothing_and_a_retry_works(client, midtrans):
    gift = midtrans_gift(method="shopeepay")
    midtrans.settle(_order(gift))
    body = midtrans.notification(_order(gift))
    midtrans.failing = True

    assert midtrans_notify(client, body).status_code == 503
    assert not WebhookEvent.objects.exists()
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING

    midtrans.failing = False  # Midtrans sends the notification again later
    with on_commit():
        assert midtrans_notify(client, body).json()["outcome"] == "processed"
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID


def test_midtrans_switched_off_has_no_endpoint(client, midtrans, settings):
    gift = midtrans_gift(method="qris")
    midtrans.settle(_order(gift))
    settings.MIDTRANS_ENABLED = False
    assert midtrans_notify(client, midtrans.notification(_order(gift))).status_code == 404
    assert not WebhookEvent.objects.exists()


def test_the_endpoint_takes_only_a_post_of_a_bounded_size(client, midtrans):
    from django.urls import reverse

    url = reverse("donations_midtrans_notification")
    assert url == "/donations/midtrans/notification/"
    assert client.get(url).status_code == 405
    big = json.dumps({"order_id": "x", "padding": "x" * 600_000})
    assert midtrans_notify(client, raw=big).status_code == 413


# --- A Midtrans event about someone else's gift ------------------------------------------------


def test_a_signed_midtrans_notification_naming_a_card_gift_changes_nothing_and_is_flagged(
    client, midtrans, officers
):
    card_gift = gift_start(amount=50_000, open_checkout=False)  # a Stripe gift, pending
    assert card_gift.gateway == "stripe"
    # Midtrans (or whoever holds its key) has a transaction whose order is the card gift's.
    midtrans.snap[str(card_gift.public_ref)] = {
        "transaction_details": {"order_id": str(card_gift.public_ref), "gross_amount": 50_000},
        "enabled_payments": ["other_qris"],
    }
    midtrans.settle(str(card_gift.public_ref))

    response = _notify(client, midtrans, card_gift)

    assert response.status_code == 200
    assert response.json()["outcome"] == Outcome.FLAGGED
    card_gift.refresh_from_db()
    assert card_gift.status == Gift.Status.PENDING
    assert not Transaction.objects.exists()
    assert "about a stripe record" in WebhookEvent.objects.get().note
    assert outbox("finance_alert").count() == len(officers)


# --- What is stored ----------------------------------------------------------------------------


def test_the_stored_event_holds_no_personal_data(client, midtrans):
    gift = midtrans_gift(method="va_permata", email="siti.rahma@example.org")
    midtrans.settle(_order(gift), customer_details={"email": "siti.rahma@example.org"})
    _notify(client, midtrans, gift)

    payload = json.dumps(WebhookEvent.objects.get().payload)
    assert "siti" not in payload
    assert "va_number" not in payload
    assert set(WebhookEvent.objects.get().payload) <= {
        "kind",
        "event_id",
        "occurred_at",
        "gateway_type",
        "checkout_id",
        "reference",
        "amount",
        "currency",
        "payment",
        "method",
        "fee",
        "payment_id",
    }


# --- Reconciliation ----------------------------------------------------------------------------


def _age(gift: Gift, minutes: int = 90) -> None:
    Gift.objects.filter(pk=gift.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def test_reconciliation_settles_a_lost_notification_once(client, midtrans, recipient):
    gift = midtrans_gift(method="va_bri", recipient=recipient)
    midtrans.settle(_order(gift))
    _age(gift)

    with on_commit():
        first = payments_reconcile()
    with on_commit():
        second = payments_reconcile()
    # The notification arrives after all: one gift in the ledger still.
    with on_commit():
        assert midtrans_notify(client, midtrans.notification(_order(gift))).status_code == 200

    assert (first.asked, first.settled) == (1, 1)
    assert (second.asked, second.settled) == (0, 0)
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert gift.fee_recorded_at is not None  # the fee, asked the same way
    assert Transaction.objects.filter(gift=gift, kind=Transaction.Kind.GIFT).count() == 1
    assert outbox("donation_receipt").count() == 1


def test_reconciliation_closes_an_expired_one_and_leaves_an_open_or_unstarted_one(midtrans):
    expired, waiting, unstarted = (midtrans_gift(method=m) for m in ("qris", "va_bni", "gopay"))
    midtrans.expire(_order(expired))
    midtrans.choose(_order(waiting))
    for gift in (expired, waiting, unstarted):
        _age(gift)

    result = payments_reconcile()

    assert (result.asked, result.closed, result.errors) == (3, 1, 0)
    statuses = {g.pk: g.status for g in Gift.objects.all()}
    assert statuses == {
        expired.pk: Gift.Status.EXPIRED,
        waiting.pk: Gift.Status.PENDING,
        unstarted.pk: Gift.Status.PENDING,
    }


def test_reconciliation_counts_a_midtrans_that_is_down_and_changes_nothing(midtrans):
    gift = midtrans_gift(method="qris")
    midtrans.settle(_order(gift))
    _age(gift)
    midtrans.failing = True
    assert payments_reconcile().errors == 1
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING


# --- Refunds -----------------------------------------------------------------------------------


def _paid(client, midtrans, **kwargs) -> Gift:
    gift = midtrans_gift(**kwargs)
    midtrans.settle(_order(gift))
    _notify(client, midtrans, gift)
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    return gift


def test_a_refund_midtrans_can_make_is_sent_and_its_notification_moves_the_ledger_once(
    client, midtrans, officers, recipient
):
    gift = _paid(client, midtrans, method="qris", recipient=recipient)
    before = ledger_balances()[recipient_account(recipient.pk)]

    refund = refund_request(gift=gift, actor=officers[0], amount=20_000, reason="Donor asked")
    assert refund.status == "sent"
    body = midtrans.notification(_order(gift))  # partial_refund, 20 000 so far
    with on_commit():
        midtrans_notify(client, body)
        assert midtrans_notify(client, body).json()["duplicate"] is True

    gift.refresh_from_db()
    assert gift.refunded == 20_000
    assert ledger_balances()[recipient_account(recipient.pk)] == before - 20_000
    assert Transaction.objects.filter(gift=gift, kind=Transaction.Kind.REFUND).count() == 1


def test_a_refund_of_a_virtual_account_is_refused_with_a_clear_message_and_nothing_sent(
    client, midtrans, officers
):
    from django.core.exceptions import ValidationError

    gift = _paid(client, midtrans, method="va_bca")
    sent_before = len(midtrans.requests)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        refund_request(gift=gift, actor=officers[0], amount=10_000, reason="Donor asked")

    assert "refund this gift by bank transfer" in refused.value.messages[0]
    assert "BCA virtual account" in refused.value.messages[0]
    assert len(midtrans.requests) == sent_before
    assert not gift.refunds.exists()


def test_a_card_gateways_event_naming_a_midtrans_gift_changes_nothing_and_is_flagged(midtrans):
    from donations.gateways.events import PaymentSettled
    from donations.services.webhooks import event_receive

    gift = midtrans_gift(method="qris")
    event = PaymentSettled(
        event_id="evt_test_foreign",
        occurred_at=timezone.now(),
        checkout_id=None,
        reference=_order(gift),
        amount=gift.amount,
        currency="idr",
        payment="pi_test_foreign",
    )
    record, new = event_receive(event=event, gateway_name="stripe")
    assert (new, record.outcome) == (True, Outcome.FLAGGED)
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING
    # Each sandbox stands in for its own gateway: the card sandbox's event may move it no more.
    record, _new = event_receive(
        event=PaymentSettled(**{**event.__dict__, "event_id": "evt_test_foreign_2"}),
        gateway_name="sandbox",
    )
    assert record.outcome == Outcome.FLAGGED
