"""The Midtrans sandbox: a QR to "scan", an e-wallet to approve, a virtual account to "pay".
Every outcome goes as Midtrans's signed notification through the real endpoint, which asks the
sandbox's status API before it records anything; the ledger, the receipt and the fee follow as
for a card. A notification the portal refused leaves the payment pending and says so."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from donations import gateways
from donations.gateways import CheckoutRequest, GatewayError
from donations.gateways.events import CheckoutExpired, PaymentSettled
from donations.gateways.midtrans import parse
from donations.gateways.midtrans import sandbox as mt_sandbox
from donations.gateways.midtrans.fees import midtrans_fee
from donations.models import (
    CLEARING_MIDTRANS,
    Gift,
    MidtransSandboxTransaction,
    Transaction,
    WebhookEvent,
    recipient_account,
)
from donations.services.funds import refund_request
from tests.factories.donations import (
    ledger_balances,
    midtrans_gift_start,
    midtrans_pay,
    on_commit,
    outbox,
)

METHODS = ["qris", "gopay", "shopeepay", "va_bca", "va_bni", "va_bri", "va_mandiri", "va_permata"]
VIRTUAL_ACCOUNTS = [m for m in METHODS if m.startswith("va_")]
REFUNDABLE = ["qris", "gopay", "shopeepay"]


def _txn(gift: Gift) -> MidtransSandboxTransaction:
    return MidtransSandboxTransaction.objects.get(order_id=gift.checkout_session_id)


def _page_url(gift: Gift, language: str = "id") -> str:
    with translation.override(language):
        return reverse("donations:midtrans_sandbox", args=[gift.checkout_session_id])


@pytest.fixture
def posts(monkeypatch):
    """Every notification the sandbox posts, as (status, endpoint's answer)."""
    sent: list[tuple[str, int]] = []
    real = mt_sandbox.notification_post

    def counted(txn):
        code = real(txn)
        sent.append((mt_sandbox.status_now(txn), code))
        return code

    monkeypatch.setattr("donations.views.midtrans_sandbox.notification_post", counted)
    return sent


# --- Success, failure, expiry for each method --------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_paying_records_the_gift_its_fee_and_receipt_as_for_a_card(client, recipient, method):
    gift = midtrans_gift_start(method, recipient=recipient, amount=75_000)
    response = midtrans_pay(gift, client=client)
    assert response.status_code == 302
    assert response["Location"] == reverse("donations:thanks", args=[gift.public_ref])
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert gift.payment_method == method
    assert gift.payment_intent_id == _txn(gift).transaction_id
    assert gift.receipt_number
    fee = midtrans_fee(method, 75_000)
    assert fee and gift.fee == fee
    balances = ledger_balances()
    assert balances[CLEARING_MIDTRANS] == -75_000
    assert balances[recipient_account(recipient.pk)] == 75_000 - fee
    assert balances["operating"] == fee
    assert sum(balances.values()) == 0
    receipt = outbox("donation_receipt").get()
    assert receipt.context["sandbox"] is True  # a test payment, and the receipt says so
    assert receipt.context["payment_method"] == method
    # Recorded from the status API's answer, once, as the Midtrans sandbox's.
    event = WebhookEvent.objects.get()
    assert event.gateway == "midtrans_sandbox"
    assert event.event_id == f"midtrans:{gift.public_ref}:settlement"
    assert event.payload["kind"] == "payment_settled"
    # The thank-you page says the payment was received.
    html = client.get(reverse("donations:thanks", args=[gift.public_ref])).content.decode()
    assert 'data-status="paid"' in html


def test_the_receipt_of_a_midtrans_sandbox_gift_says_it_was_a_test_payment(client, recipient):
    from donations.services.receipts import receipt_pdf
    from tests.donations.test_receipts import pdf_text

    gift = midtrans_gift_start("qris", recipient=recipient, language="en")
    midtrans_pay(gift, client=client)
    gift.refresh_from_db()
    text = pdf_text(receipt_pdf(gift))
    assert gift.receipt_number in text
    assert "SANDBOX" in text


@pytest.mark.parametrize("method", METHODS)
def test_a_declined_or_cancelled_payment_fails_and_moves_no_money(client, recipient, method):
    gift = midtrans_gift_start(method, recipient=recipient)
    assert midtrans_pay(gift, outcome="fail", client=client).status_code == 302
    gift.refresh_from_db()
    assert gift.status == Gift.Status.FAILED
    # A QR or an e-wallet the donor declines is denied; a virtual account is cancelled.
    expected = "cancel" if method in VIRTUAL_ACCOUNTS else "deny"
    assert _txn(gift).status == expected
    assert not Transaction.objects.exists()
    assert not outbox("donation_receipt").exists()
    html = client.get(reverse("donations:thanks", args=[gift.public_ref])).content.decode()
    assert 'data-status="failed"' in html


@pytest.mark.parametrize("method", METHODS)
def test_letting_it_expire_expires_the_gift(client, recipient, method):
    gift = midtrans_gift_start(method, recipient=recipient)
    assert midtrans_pay(gift, outcome="expire", client=client).status_code == 302
    gift.refresh_from_db()
    assert gift.status == Gift.Status.EXPIRED
    assert _txn(gift).status == "expire"
    assert not Transaction.objects.exists()
    # Paying after it expired is not possible: the tap goes to the thank-you page.
    assert midtrans_pay(gift, client=client)["Location"] == _txn(gift).finish_url
    gift.refresh_from_db()
    assert gift.status == Gift.Status.EXPIRED
    assert (
        "This test payment expired: nothing was paid."
        in client.get(_page_url(gift, "en")).content.decode()
    )


def test_opening_the_page_after_the_countdown_expires_it_once(client, recipient, posts):
    gift = midtrans_gift_start("qris", recipient=recipient)
    MidtransSandboxTransaction.objects.filter(order_id=gift.checkout_session_id).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with translation.override("en"):
        response = client.get(_page_url(gift, "en"))
        html = response.content.decode()
    assert response.status_code == 200
    assert "This test payment expired: nothing was paid." in html
    assert 'name="outcome"' not in html
    gift.refresh_from_db()
    assert gift.status == Gift.Status.EXPIRED
    assert posts == [("expire", 200)]
    # Opened again, tapped again: the portal already knows, nothing more is sent; a tap goes
    # to the thank-you page, which says the payment was not completed.
    client.get(_page_url(gift))
    assert midtrans_pay(gift, client=client).status_code == 302
    assert posts == [("expire", 200)]
    assert WebhookEvent.objects.filter(event_id=f"midtrans:{gift.public_ref}:expire").count() == 1


def test_the_status_api_says_expired_once_the_time_ran_out_even_unopened(recipient):
    gift = midtrans_gift_start("va_bca", recipient=recipient)
    gateway = gateways.gateway_named("midtrans_sandbox")
    assert gateway.checkout_event(gift.checkout_session_id) is None  # pending
    pending = gateway.transaction_event(gift.checkout_session_id)  # type: ignore[attr-defined]
    assert pending.type == "payment_pending"
    later = timezone.now() + datetime.timedelta(minutes=24 * 60 + 1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: later)
        event = gateway.checkout_event(gift.checkout_session_id)
    assert isinstance(event, CheckoutExpired)
    assert event.reference == str(gift.public_ref)


# --- Taps twice, refused notifications ---------------------------------------------------------


@pytest.mark.parametrize("method", ["qris", "gopay", "va_mandiri"])
def test_a_double_tap_on_pay_settles_once(client, recipient, posts, method):
    gift = midtrans_gift_start(method, recipient=recipient)
    first = midtrans_pay(gift, client=client)
    second = midtrans_pay(gift, client=client)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert posts == [("settlement", 200)]
    assert Transaction.objects.filter(kind=Transaction.Kind.GIFT).count() == 1
    assert outbox("donation_receipt").count() == 1


def _status_api_down(monkeypatch):
    def down(self, order_id):
        raise GatewayError("test: Midtrans's status API is away")

    monkeypatch.setattr(mt_sandbox.MidtransSandboxGateway, "transaction_event", down)
    return 503


def _forged(monkeypatch):
    real = mt_sandbox.transaction_body

    def forged(txn, **kwargs):
        return {**real(txn, **kwargs), "signature_key": "0" * 128}

    monkeypatch.setattr(mt_sandbox, "transaction_body", forged)
    return 400


@pytest.mark.parametrize("fault", [_status_api_down, _forged])
@pytest.mark.parametrize("outcome", ["pay", "fail", "expire"])
def test_a_refused_notification_leaves_the_payment_pending_and_says_so(
    client, recipient, monkeypatch, fault, outcome
):
    gift = midtrans_gift_start("qris", recipient=recipient, language="en")
    with monkeypatch.context() as patch:
        status = fault(patch)
        with translation.override("en"):
            response = midtrans_pay(gift, outcome=outcome, client=client)
        html = response.content.decode()
    assert response.status_code == 502
    assert "Location" not in response
    assert 'id="sandbox-error"' in html
    assert '<html lang="en">' in html  # the donor's language, not the endpoint's
    with translation.override("en"):
        assert (
            f"The portal refused the payment service&#x27;s message (status {status}), so "
            "nothing was recorded. You can try again."
        ) in html
    assert 'name="outcome" value="pay"' in html  # the buttons again
    assert _txn(gift).status == "pending"
    assert _txn(gift).expires_at > timezone.now()
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING
    assert not Transaction.objects.exists()

    # The fault is gone: paying records the gift, once.
    assert midtrans_pay(gift, client=client).status_code == 302
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert Transaction.objects.filter(kind=Transaction.Kind.GIFT).count() == 1


def test_an_expiry_the_portal_refused_is_sent_again_when_the_page_is_opened(
    client, recipient, monkeypatch, posts
):
    gift = midtrans_gift_start("gopay", recipient=recipient)
    MidtransSandboxTransaction.objects.filter(order_id=gift.checkout_session_id).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with monkeypatch.context() as patch:
        _status_api_down(patch)
        assert client.get(_page_url(gift)).status_code == 502
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING
    assert client.get(_page_url(gift)).status_code == 200
    gift.refresh_from_db()
    assert gift.status == Gift.Status.EXPIRED
    assert posts == [("expire", 503), ("expire", 200)]


def test_a_tap_that_is_no_outcome_is_refused_and_changes_nothing(client, recipient, posts):
    gift = midtrans_gift_start("qris", recipient=recipient)
    assert midtrans_pay(gift, outcome="settle-please", client=client).status_code == 400
    assert _txn(gift).status == "pending"
    assert posts == []


# --- The pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_qris_page_shows_a_test_qr_a_countdown_and_three_outcomes(client, recipient, language):
    gift = midtrans_gift_start("qris", recipient=recipient)
    response = client.get(_page_url(gift, language))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}">' in html
    with translation.override(language):
        from django.utils.translation import gettext as _

        assert _("SANDBOX — no real money") in html
        for label in ("Pay (scan done)", "Fail", "Let it expire", "Time left to pay:"):
            assert _(label) in html
    assert re.search(r'<svg viewBox="-2 -2 33 33"[^>]*role="img"', html)
    assert re.search(r'<path d="(M\d+ \d+h1v1h-1z)+"', html)
    assert re.search(r'data-countdown="(8\d\d|900)"', html)  # 15 minutes
    assert "<strong data-countdown-clock>1" in html  # 15:00 or 14:59
    assert "/static/js/midtrans-sandbox.js" in html
    assert "style=" not in html


def test_the_qr_picture_is_the_same_for_the_same_code_and_differs_between_codes():
    from donations.views.midtrans_sandbox import qr_path

    assert qr_path("a") == qr_path("a")
    assert qr_path("a") != qr_path("b")


@pytest.mark.parametrize("method, wallet", [("gopay", "GoPay"), ("shopeepay", "ShopeePay")])
def test_an_e_wallet_page_asks_for_approval(client, recipient, method, wallet):
    gift = midtrans_gift_start(method, recipient=recipient)
    html = client.get(_page_url(gift, "en")).content.decode()
    assert 'id="sandbox-wallet"' in html
    assert f"Approve in {wallet}" in html
    assert "Decline" in html
    assert "Rp50.000" in html


@pytest.mark.parametrize("method", ["va_bca", "va_bni", "va_bri", "va_permata"])
def test_a_virtual_account_page_shows_the_number_to_copy_and_pay(client, recipient, method):
    gift = midtrans_gift_start(method, recipient=recipient)
    txn = _txn(gift)
    html = client.get(_page_url(gift, "en")).content.decode()
    assert re.fullmatch(r"\d{11,18}", txn.va_number)
    assert f'<span class="sandbox-va-number" id="sandbox-va-number">{txn.va_number}</span>' in html
    assert f'data-copy-text="{txn.va_number}"' in html
    assert "Pay this VA" in html
    assert "I will pay later: back to the portal" in html
    assert re.search(r'data-countdown="8\d{4}"', html)  # a day


def test_a_mandiri_bill_shows_the_biller_code_and_the_bill_key(client, recipient):
    gift = midtrans_gift_start("va_mandiri", recipient=recipient)
    txn = _txn(gift)
    html = client.get(_page_url(gift, "en")).content.decode()
    assert txn.biller_code == "70012" and re.fullmatch(r"\d{12}", txn.bill_key)
    assert 'id="sandbox-biller-code">70012<' in html
    assert f'id="sandbox-bill-key">{txn.bill_key}<' in html


def test_the_pages_are_gone_when_the_sandbox_is_off(client, recipient, settings):
    gift = midtrans_gift_start("qris", recipient=recipient)
    settings.PAYMENTS_SANDBOX = False
    assert client.get(_page_url(gift)).status_code == 404
    assert midtrans_pay(gift, client=client).status_code == 404
    assert _txn(gift).status == "pending"


def test_an_unknown_order_has_no_page(client, db):
    url = reverse("donations:midtrans_sandbox", args=["not-an-order"])
    assert client.get(url).status_code == 404


def test_a_pending_virtual_account_thanks_page_says_the_gift_waits_for_payment(client, recipient):
    gift = midtrans_gift_start("va_bca", recipient=recipient)
    with translation.override("en"):
        thanks = reverse("donations:thanks", args=[gift.public_ref])
    html = client.get(thanks).content.decode()
    assert 'data-awaiting="virtual_account"' in html
    assert "Your gift waits for your payment to the BCA virtual account." in " ".join(html.split())
    assert f'href="{gift.checkout_url}"' in html  # the number again
    assert "QRIS, e-wallet and virtual-account payments here go to a test page" in html
    # A QR still open is waiting for the payment service, not for the donor.
    qris = midtrans_gift_start("qris", recipient=recipient)
    with translation.override("en"):
        html = client.get(reverse("donations:thanks", args=[qris.public_ref])).content.decode()
    assert "data-awaiting" not in html
    assert "We are waiting for the payment service to confirm your payment." in html


# --- The gateway -------------------------------------------------------------------------------


def test_a_repeated_create_is_the_same_transaction(recipient):
    gift = midtrans_gift_start("qris", recipient=recipient)
    gateway = gateways.gateway_named("midtrans_sandbox")
    again = gateway.checkout_create(
        CheckoutRequest(
            mode="payment",
            amount=gift.amount,
            description="Rantang Kasih: test",
            email="donor@example.org",
            locale="id",
            metadata={"gift": str(gift.public_ref)},
            idempotency_key=f"gift-{gift.idempotency_key}",
            success_url="https://example.org/thanks/",
            cancel_url="https://example.org/back/",
            method="qris",
        )
    )
    assert again.session_id == gift.checkout_session_id
    assert again.url == gift.checkout_url
    assert MidtransSandboxTransaction.objects.count() == 1


def test_monthly_gifts_and_unknown_methods_are_refused(db):
    gateway = gateways.gateway_named("midtrans_sandbox")
    request = {
        "amount": 50_000,
        "description": "x",
        "email": "d@example.org",
        "locale": "id",
        "metadata": {"gift": "ref"},
        "idempotency_key": "k",
        "success_url": "/",
        "cancel_url": "/",
    }
    with pytest.raises(GatewayError):
        gateway.checkout_create(CheckoutRequest(mode="subscription", method="qris", **request))
    with pytest.raises(GatewayError):
        gateway.checkout_create(CheckoutRequest(mode="payment", method="card", **request))
    with pytest.raises(GatewayError):
        gateway.subscription_cancel("sub_x")
    assert not MidtransSandboxTransaction.objects.exists()


@pytest.mark.parametrize("method", VIRTUAL_ACCOUNTS)
def test_the_notification_is_shaped_and_signed_as_midtrans_sends_it(recipient, method, settings):
    gift = midtrans_gift_start(method, recipient=recipient, amount=50_000)
    body = mt_sandbox.transaction_body(_txn(gift))
    assert body["order_id"] == str(gift.public_ref)
    assert body["gross_amount"] == "50000.00" and body["currency"] == "IDR"
    assert (body["transaction_status"], body["status_code"]) == ("pending", "201")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", body["transaction_time"])
    assert parse.signature_valid(body, settings.MIDTRANS_SERVER_KEY)
    assert not parse.signature_valid(body, "SB-Mid-server-another")
    assert parse.method_of(body) == method  # the parser reads the method back
    expired = mt_sandbox.transaction_body(_txn(gift), status="expire")
    assert expired["status_code"] == "407"


def test_payment_details_give_the_contract_fee_and_method(client, recipient):
    gift = midtrans_gift_start("gopay", recipient=recipient, amount=100_000)
    gateway = gateways.gateway_named("midtrans_sandbox")
    assert gateway.payment_details(_txn(gift).transaction_id) is None  # not settled yet
    midtrans_pay(gift, client=client)
    details = gateway.payment_details(_txn(gift).transaction_id)
    assert details is not None
    assert (details.fee, details.currency, details.method) == (2_000, "idr", "gopay")
    event = gateway.checkout_event(gift.checkout_session_id)
    assert isinstance(event, PaymentSettled) and event.amount == 100_000


# --- Refunds -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", REFUNDABLE)
def test_a_refund_of_a_qr_or_e_wallet_payment_is_posted_back(client, recipient, officers, method):
    gift = midtrans_gift_start(method, recipient=recipient, amount=100_000)
    midtrans_pay(gift, client=client)
    gift.refresh_from_db()
    assert gateways.gateway_named(gift.gateway).refund_possible(method)
    with on_commit():
        refund_request(gift=gift, actor=officers[0], amount=30_000, reason="asked")
    gift.refresh_from_db()
    assert gift.refunded == 30_000
    assert _txn(gift).status == "partial_refund"
    with on_commit():
        refund_request(gift=gift, actor=officers[0], amount=70_000, reason="asked")
    gift.refresh_from_db()
    assert gift.refunded == 100_000
    assert _txn(gift).status == "refund"
    refunds = Transaction.objects.filter(kind=Transaction.Kind.REFUND)
    assert refunds.count() == 2
    balances = ledger_balances()
    assert balances[CLEARING_MIDTRANS] == 0  # all that came in went back
    assert sum(balances.values()) == 0


def test_a_refund_sent_again_with_the_same_key_is_one_refund(client, recipient):
    gift = midtrans_gift_start("qris", recipient=recipient, amount=100_000)
    midtrans_pay(gift, client=client)
    gateway = gateways.gateway_named("midtrans_sandbox")
    transaction_id = _txn(gift).transaction_id
    first = gateway.refund_create(
        payment_intent_id=transaction_id, amount=10_000, idempotency_key="k1", metadata={}
    )
    again = gateway.refund_create(
        payment_intent_id=transaction_id, amount=10_000, idempotency_key="k1", metadata={}
    )
    assert first == again
    assert _txn(gift).refunded == 10_000
    with pytest.raises(GatewayError):
        gateway.refund_create(
            payment_intent_id=transaction_id, amount=90_001, idempotency_key="k2", metadata={}
        )
    assert _txn(gift).refunded == 10_000


@pytest.mark.parametrize("method", VIRTUAL_ACCOUNTS)
def test_a_virtual_account_cannot_be_refunded_through_midtrans(client, recipient, method):
    gift = midtrans_gift_start(method, recipient=recipient)
    midtrans_pay(gift, client=client)
    gateway = gateways.gateway_named("midtrans_sandbox")
    assert not gateway.refund_possible(method)
    with pytest.raises(GatewayError):
        gateway.refund_create(
            payment_intent_id=_txn(gift).transaction_id,
            amount=10_000,
            idempotency_key="k",
            metadata={},
        )
    assert _txn(gift).refunded == 0
    assert _txn(gift).status == "settlement"


def test_the_demo_has_gifts_paid_by_qris_gopay_and_a_virtual_account_once(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    paid = Gift.objects.filter(gateway=Gift.Gateway.MIDTRANS_SANDBOX, status=Gift.Status.PAID)
    assert sorted(paid.values_list("payment_method", flat=True)) == ["gopay", "qris", "va_bca"]
    assert all(gift.receipt_number for gift in paid)
    call_command("seed_demo", stdout=StringIO())
    assert Gift.objects.filter(gateway=Gift.Gateway.MIDTRANS_SANDBOX).count() == 3
