"""The Midtrans gateway over a real socket, against the local Midtrans (tests/midtrans_api.py):
what it sends to Snap (one method, the expiry, the notification address, no personal data but
the email), the status API as typed events, refunds where Midtrans can give the money back,
and a Midtrans that refuses, is down or does not answer in time."""

from __future__ import annotations

import base64
import time

import pytest
import requests

from donations.gateways import (
    CheckoutRequest,
    GatewayError,
    NotStarted,
    gateway_for_method,
    gateway_named,
)
from donations.gateways.events import CheckoutExpired, PaymentFailed, PaymentSettled
from donations.gateways.midtrans import (
    MidtransGateway,
    _TimedRequests,
    http_client,
    notification_gateway,
)
from donations.models import Gift
from tests.factories.donations import MIDTRANS_TEST_KEY, midtrans_gift

pytestmark = pytest.mark.django_db


def _request(**fields) -> CheckoutRequest:
    values = {
        "mode": "payment",
        "amount": 50_000,
        "description": "Rantang Kasih: Nenek Melati",
        "email": "donor@example.org",
        "locale": "id",
        "metadata": {"gift": "0f9d7c1e-3b7e-4d2a-9d1e-6a0b5c4d3e21"},
        "idempotency_key": "gift-0f9d7c1e",
        "success_url": "https://example.org/thanks/",
        "cancel_url": "https://example.org/back/",
        "method": "va_bca",
        **fields,
    }
    return CheckoutRequest(**values)


def _snap_sent(api, order_id: str) -> dict:
    return next(
        sent
        for sent in api.requests
        if sent["path"] == "/snap/v1/transactions"
        and sent["body"]["transaction_details"]["order_id"] == order_id
    )


# --- Which gateway -----------------------------------------------------------------------------


def test_midtrans_methods_go_to_midtrans_and_its_name_finds_it(midtrans):
    assert gateway_for_method("qris").name == "midtrans"
    assert isinstance(gateway_named("midtrans"), MidtransGateway)
    assert notification_gateway().name == "midtrans"


# --- Opening a Snap transaction ----------------------------------------------------------------


def test_a_snap_transaction_offers_the_one_method_with_its_expiry_and_our_notification_url(
    midtrans, settings
):
    settings.MIDTRANS_EXPIRY_MINUTES = {**settings.MIDTRANS_EXPIRY_MINUTES, "va_bca": 720}
    checkout = MidtransGateway().checkout_create(_request())

    assert checkout.session_id == "0f9d7c1e-3b7e-4d2a-9d1e-6a0b5c4d3e21"
    assert checkout.url.startswith(midtrans.base + "/snap/v4/redirection/")
    sent = _snap_sent(midtrans, checkout.session_id)
    body = sent["body"]
    assert body["transaction_details"] == {
        "order_id": "0f9d7c1e-3b7e-4d2a-9d1e-6a0b5c4d3e21",
        "gross_amount": 50_000,
    }
    assert body["enabled_payments"] == ["bca_va"]
    assert (body["expiry"]["unit"], body["expiry"]["duration"]) == ("minutes", 720)
    assert body["expiry"]["start_time"].endswith(" +0700")
    assert body["callbacks"] == {"finish": "https://example.org/thanks/"}
    headers = {name.lower(): value for name, value in sent["headers"].items()}
    assert headers["x-override-notification"] == settings.MIDTRANS_NOTIFICATION_URL
    assert (
        headers["authorization"]
        == "Basic " + base64.b64encode(f"{MIDTRANS_TEST_KEY}:".encode()).decode()
    )


def test_nothing_personal_but_the_email_is_sent_to_midtrans(midtrans):
    gift = midtrans_gift(method="gopay", email="siti.rahma@example.org")
    body = _snap_sent(midtrans, str(gift.public_ref))["body"]

    assert body["customer_details"] == {"email": "siti.rahma@example.org"}
    assert body["item_details"] == [
        {"id": "donasi", "price": 50_000, "quantity": 1, "name": "Rantang Kasih: Nenek Melati"}
    ]
    assert set(body) == {
        "transaction_details",
        "item_details",
        "customer_details",
        "enabled_payments",
        "expiry",
        "callbacks",
        "gopay",
    }
    gift.refresh_from_db()
    assert gift.checkout_session_id == str(gift.public_ref)
    assert gift.checkout_url.startswith(midtrans.base)


def test_an_item_name_is_cut_to_snaps_fifty_characters(midtrans):
    checkout = MidtransGateway().checkout_create(
        _request(
            description="Rantang Kasih: " + "a very long pseudonym indeed " * 3,
            metadata={"gift": "a2b3c4d5-0000-4000-8000-000000000001"},
        )
    )
    item = _snap_sent(midtrans, checkout.session_id)["body"]["item_details"][0]
    assert len(item["name"]) == 50


@pytest.mark.parametrize(
    ("method", "channel"),
    [
        ("qris", "other_qris"),
        ("gopay", "gopay"),
        ("shopeepay", "shopeepay"),
        ("va_bni", "bni_va"),
        ("va_bri", "bri_va"),
        ("va_mandiri", "echannel"),
        ("va_permata", "permata_va"),
    ],
)
def test_each_method_asks_snap_for_its_channel(midtrans, method, channel):
    gift = midtrans_gift(method=method)
    assert _snap_sent(midtrans, str(gift.public_ref))["body"]["enabled_payments"] == [channel]


def test_a_monthly_gift_or_a_card_is_refused_before_midtrans_is_asked(midtrans):
    with pytest.raises(GatewayError):
        MidtransGateway().checkout_create(_request(mode="subscription"))
    with pytest.raises(GatewayError):
        MidtransGateway().checkout_create(_request(method="card"))
    assert midtrans.requests == []


def test_a_repeated_order_is_refused_as_midtrans_refuses_it(midtrans):
    request = _request(metadata={"gift": "b1b2b3b4-0000-4000-8000-000000000002"})
    MidtransGateway().checkout_create(request)
    with pytest.raises(GatewayError):
        MidtransGateway().checkout_create(request)


def test_a_wrong_key_is_a_gateway_error(midtrans):
    with pytest.raises(GatewayError):
        MidtransGateway(server_key="SB-Mid-server-wrong").checkout_create(
            _request(metadata={"gift": "c1c2c3c4-0000-4000-8000-000000000003"})
        )


def test_a_midtrans_that_is_down_opens_no_checkout_and_the_gift_stays_unopened(midtrans):
    midtrans.failing = True
    with pytest.raises(GatewayError):
        midtrans_gift(method="qris")
    gift = Gift.objects.get()
    assert (gift.status, gift.checkout_session_id, gift.checkout_url) == ("pending", None, "")


def test_a_midtrans_that_cannot_be_reached_is_a_gateway_error(settings):
    settings.MIDTRANS_API_BASE = settings.MIDTRANS_SNAP_BASE = "http://127.0.0.1:9"
    with pytest.raises(GatewayError):
        MidtransGateway().checkout_create(_request())
    with pytest.raises(GatewayError):
        MidtransGateway().transaction_event("any-order")


# --- Timeouts and base addresses ---------------------------------------------------------------


def test_every_request_carries_the_configured_timeouts(settings, monkeypatch):
    settings.MIDTRANS_CONNECT_TIMEOUT_SECONDS = 2.5
    settings.MIDTRANS_READ_TIMEOUT_SECONDS = 7.0
    seen = {}

    def request(method, url, **kwargs):
        seen.update(kwargs)
        raise requests.ConnectionError("recorded")

    monkeypatch.setattr("donations.gateways.midtrans.requests.request", request)
    assert http_client().timeout == (2.5, 7.0)
    with pytest.raises(GatewayError):
        MidtransGateway().transaction_event("order-1")
    assert seen["timeout"] == (2.5, 7.0)


def test_a_midtrans_that_does_not_answer_in_time_is_a_gateway_error_soon(midtrans, settings):
    settings.MIDTRANS_READ_TIMEOUT_SECONDS = 0.3
    midtrans.delay = 10
    started = time.monotonic()
    with pytest.raises(GatewayError):
        MidtransGateway().transaction_event("order-slow")
    assert time.monotonic() - started < 3  # the read timeout, not the server's 10 s


def test_without_bases_the_client_asks_midtrans_production_or_sandbox(settings):
    settings.MIDTRANS_API_BASE = settings.MIDTRANS_SNAP_BASE = ""
    settings.MIDTRANS_PRODUCTION = True
    gateway = MidtransGateway()
    assert gateway._core.api_config.get_core_api_base_url() == "https://api.midtrans.com"
    assert gateway._snap.api_config.get_snap_base_url() == "https://app.midtrans.com/snap/v1"
    settings.MIDTRANS_PRODUCTION = False
    gateway = MidtransGateway()
    assert gateway._core.api_config.get_core_api_base_url() == "https://api.sandbox.midtrans.com"
    assert isinstance(gateway._core.http_client.http_client, _TimedRequests)
    assert isinstance(gateway._snap.http_client.http_client, _TimedRequests)


# --- The status API ----------------------------------------------------------------------------


def test_the_status_api_is_read_as_events_and_pending_leaves_a_checkout_open(midtrans):
    gift = midtrans_gift(method="va_bri")
    order = str(gift.public_ref)
    gateway = MidtransGateway()

    with pytest.raises(NotStarted):  # nobody chose to pay on the Snap page yet
        gateway.checkout_event(order)
    midtrans.choose(order)
    assert gateway.checkout_event(order) is None
    assert gateway.transaction_event(order).type == "payment_pending"
    midtrans.settle(order)
    event = gateway.checkout_event(order)
    assert isinstance(event, PaymentSettled)
    assert (event.amount, event.method, event.reference) == (50_000, "va_bri", order)


@pytest.mark.parametrize(
    ("move", "kind"),
    [("expire", CheckoutExpired), ("deny", PaymentFailed), ("cancel", PaymentFailed)],
)
def test_an_ended_transaction_is_its_event(midtrans, move, kind):
    gift = midtrans_gift(method="shopeepay")
    getattr(midtrans, move)(str(gift.public_ref))
    assert isinstance(MidtransGateway().checkout_event(str(gift.public_ref)), kind)


def test_payment_details_price_the_fee_from_the_contract(midtrans, settings):
    settings.MIDTRANS_FEES = {**settings.MIDTRANS_FEES, "qris": (0.7, 0)}
    gift = midtrans_gift(method="qris", amount=100_000)
    data = midtrans.choose(str(gift.public_ref))
    gateway = MidtransGateway()
    assert gateway.payment_details(data["transaction_id"]) is None  # not paid yet
    midtrans.settle(str(gift.public_ref))
    details = gateway.payment_details(data["transaction_id"])
    assert (details.fee, details.currency, details.method) == (700, "idr", "qris")


# --- Refunds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "possible"),
    [
        ("qris", True),
        ("gopay", True),
        ("shopeepay", True),
        ("card", True),
        ("va_bca", False),
        ("va_bni", False),
        ("va_bri", False),
        ("va_mandiri", False),
        ("va_permata", False),
        ("other", False),
    ],
)
def test_midtrans_refunds_only_what_its_refund_api_takes(method, possible):
    assert MidtransGateway().refund_possible(method) is possible


def test_a_refund_is_asked_with_its_key_and_a_retry_after_a_lost_answer_is_the_same_refund(
    midtrans,
):
    gift = midtrans_gift(method="gopay")
    transaction_id = midtrans.settle(str(gift.public_ref))["transaction_id"]
    gateway = MidtransGateway()

    first = gateway.refund_create(
        payment_intent_id=transaction_id, amount=20_000, idempotency_key="refund-1", metadata={}
    )
    again = gateway.refund_create(
        payment_intent_id=transaction_id, amount=20_000, idempotency_key="refund-1", metadata={}
    )

    assert first == again == "1"
    sent = [r for r in midtrans.requests if r["path"] == f"/v2/{transaction_id}/refund"]
    assert sent[0]["body"] == {
        "refund_key": "refund-1",
        "amount": 20_000,
        "reason": "Pengembalian donasi Rantang Kasih",
    }
    data = midtrans.transactions[str(gift.public_ref)]
    assert (data["transaction_status"], data["refund_amount"]) == ("partial_refund", "20000.00")
    assert len(data["refunds"]) == 1  # one refund, not two


def test_a_refund_midtrans_refuses_is_a_gateway_error(midtrans):
    gift = midtrans_gift(method="va_mandiri")
    transaction_id = midtrans.settle(str(gift.public_ref))["transaction_id"]
    with pytest.raises(GatewayError):
        MidtransGateway().refund_create(
            payment_intent_id=transaction_id, amount=50_000, idempotency_key="r-va", metadata={}
        )


def test_midtrans_has_no_subscriptions_or_invoices():
    gateway = MidtransGateway()
    with pytest.raises(GatewayError):
        gateway.subscription_cancel("sub_1")
    assert gateway.invoices_paid("sub_1", since=0) == []
    assert gateway.invoice_payment("in_1") is None
