"""The Stripe gateway, seen from Stripe's side: a fake HTTP client receives the exact
form-encoded requests Stripe would (no network), and answers as Stripe does."""

from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from donations.gateways import CheckoutRequest, GatewayError
from donations.gateways.events import PaymentDetails
from donations.gateways.stripe import StripeGateway
from donations.models import Entry, Gift, Sponsorship, Transaction
from donations.services.giving import checkout_open
from tests.factories.donations import gateway_stands_in, gift_start

pytestmark = pytest.mark.django_db


class FakeStripe(stripe.HTTPClient):
    """Records each request (method, path, form fields, headers) and answers from a queue of
    ``(status, body)`` pairs; the last answer repeats."""

    name = "fake"

    def __init__(self, *answers: tuple[int, dict]):
        super().__init__()
        self.answers = list(answers) or [(200, {})]
        self.requests: list[dict] = []

    def _sleep_time_seconds(self, num_retries, response=None):
        return 0  # Stripe's retries, without the wait

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        form = parse_qs(post_data or "", keep_blank_values=True)
        query = parse_qs(parts.query, keep_blank_values=True)
        self.requests.append(
            {
                "method": method.upper(),
                "path": parts.path,
                "form": {key: values[0] for key, values in form.items()},
                "query": {key: values[0] for key, values in query.items()},
                "headers": dict(headers or {}),
            }
        )
        status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return json.dumps(body), status, {"Request-Id": f"req_{len(self.requests)}"}

    def close(self):
        pass


SESSION = {
    "id": "cs_test_a1",
    "object": "checkout.session",
    "url": "https://checkout.stripe.com/c/pay/cs_test_a1",
}


def error(status: int, kind: str, code: str = "", message: str = "refused") -> tuple[int, dict]:
    return status, {"error": {"type": kind, "code": code, "message": message}}


def _gateway(fake: FakeStripe) -> StripeGateway:
    return StripeGateway(http_client=fake, api_key="sk_test_fake")


@pytest.fixture
def fake(monkeypatch):
    """Stripe (faked) as the gateway the giving services use."""
    fake = FakeStripe((200, SESSION))
    gateway_stands_in(monkeypatch, _gateway(fake))
    return fake


def _header(request: dict, name: str) -> str | None:
    return {key.lower(): value for key, value in request["headers"].items()}.get(name.lower())


# --- Checkout ----------------------------------------------------------------------------------


def test_one_off_checkout_is_a_payment_in_sen_with_our_references(fake, recipient):
    gift = gift_start(amount=50_000, recipient=recipient, open_checkout=False, language="en")
    url = checkout_open(
        record=gift,
        description="Rantang Kasih: meals for Mbah Sum",
        success_url="https://portal.example/thanks/",
        cancel_url="https://portal.example/give/",
    )

    assert url == SESSION["url"]
    assert len(fake.requests) == 1
    sent = fake.requests[0]
    assert (sent["method"], sent["path"]) == ("POST", "/v1/checkout/sessions")
    form = sent["form"]
    ref = str(gift.public_ref)
    assert form["mode"] == "payment"
    assert form["line_items[0][quantity]"] == "1"
    assert form["line_items[0][price_data][currency]"] == "idr"
    assert form["line_items[0][price_data][unit_amount]"] == "5000000"  # Rp50.000 in sen
    assert form["line_items[0][price_data][product_data][name]"] == (
        "Rantang Kasih: meals for Mbah Sum"
    )
    assert form["metadata[gift]"] == ref
    assert form["payment_intent_data[metadata][gift]"] == ref
    assert form["client_reference_id"] == ref
    assert form["customer_email"] == "donor@example.org"
    assert form["success_url"] == "https://portal.example/thanks/"
    assert form["cancel_url"] == "https://portal.example/give/"
    assert form["locale"] == "en"
    assert "line_items[0][price_data][recurring][interval]" not in form
    assert not any(key.startswith("subscription_data") for key in form)
    assert _header(sent, "Idempotency-Key") == f"gift-{gift.idempotency_key}"
    gift.refresh_from_db()
    assert (gift.checkout_session_id, gift.checkout_url) == (SESSION["id"], SESSION["url"])
    assert gift.status == Gift.Status.PENDING


def test_monthly_checkout_is_a_subscription_billed_each_month(fake, recipient):
    sponsorship = gift_start(amount=150_000, recipient=recipient, monthly=True, open_checkout=False)
    checkout_open(
        record=sponsorship,
        description="Rantang Kasih fund",
        success_url="https://a/",
        cancel_url="https://b/",
    )

    form = fake.requests[0]["form"]
    ref = str(sponsorship.public_ref)
    assert form["mode"] == "subscription"
    assert form["line_items[0][price_data][unit_amount]"] == "15000000"
    assert form["line_items[0][price_data][currency]"] == "idr"
    assert form["line_items[0][price_data][recurring][interval]"] == "month"
    assert form["subscription_data[metadata][sponsorship]"] == ref
    assert form["metadata[sponsorship]"] == ref
    assert form["locale"] == "id"
    assert not any(key.startswith("payment_intent_data") for key in form)
    assert _header(fake.requests[0], "Idempotency-Key") == (
        f"sponsorship-{sponsorship.idempotency_key}"
    )
    sponsorship.refresh_from_db()
    assert sponsorship.checkout_session_id == SESSION["id"]


def test_a_retried_checkout_of_the_same_attempt_asks_stripe_once(fake):
    gift = gift_start(open_checkout=False)
    kwargs = {"description": "x", "success_url": "https://a/", "cancel_url": "https://b/"}
    first = checkout_open(record=gift, **kwargs)
    again = checkout_open(record=Gift.objects.get(pk=gift.pk), **kwargs)  # a double submit

    assert first == again == SESSION["url"]
    assert len(fake.requests) == 1


def test_a_checkout_retried_after_a_lost_answer_carries_the_same_idempotency_key(monkeypatch):
    # The first try reaches Stripe but its answer is lost (a 500 after retries): the donor
    # tries again and Stripe, seeing the same key, returns the same session, not a second one.
    fake = FakeStripe(
        error(500, "api_error"), error(500, "api_error"), error(500, "api_error"), (200, SESSION)
    )
    gateway_stands_in(monkeypatch, _gateway(fake))
    gift = gift_start(open_checkout=False)
    kwargs = {"description": "x", "success_url": "https://a/", "cancel_url": "https://b/"}
    with pytest.raises(GatewayError):
        checkout_open(record=gift, **kwargs)
    assert checkout_open(record=Gift.objects.get(pk=gift.pk), **kwargs) == SESSION["url"]

    keys = {_header(sent, "Idempotency-Key") for sent in fake.requests}
    assert keys == {f"gift-{gift.idempotency_key}"}
    assert len(fake.requests) == 4  # three tries (two automatic retries), then the donor's


@pytest.mark.parametrize(
    "answer",
    [
        error(400, "invalid_request_error", "parameter_invalid_integer"),
        error(401, "invalid_request_error", message="Invalid API Key provided"),
        error(402, "card_error", "card_declined"),
        error(429, "invalid_request_error", "rate_limit"),
        error(500, "api_error"),
    ],
)
def test_stripe_errors_become_gateway_errors(answer):
    gateway = _gateway(FakeStripe(answer))
    request = CheckoutRequest(
        mode="payment",
        amount=50_000,
        description="x",
        email="a@example.org",
        locale="id",
        metadata={"gift": str(uuid.uuid4())},
        idempotency_key="gift-1",
        success_url="https://a/",
        cancel_url="https://b/",
    )
    with pytest.raises(GatewayError):
        gateway.checkout_create(request)


def test_unreachable_stripe_is_a_gateway_error():
    class Down(FakeStripe):
        def request(self, *args, **kwargs):
            super().request(*args, **kwargs)
            raise stripe.APIConnectionError("connection refused", should_retry=True)

    down = Down()
    with pytest.raises(GatewayError):
        _gateway(down).checkout_event("cs_test_a1")
    assert len(down.requests) == 3  # Stripe's two retries, then the error


def test_the_giving_page_says_nothing_was_charged_when_stripe_fails(client, monkeypatch):
    fake = FakeStripe(error(500, "api_error"))
    gateway_stands_in(monkeypatch, _gateway(fake))
    response = client.post(
        reverse("donations:give_fund"),
        {
            "amount": "50.000",
            "frequency": "once",
            "method": "card",
            "email": "donor@example.org",
            "attempt": str(uuid.uuid4()),
        },
    )

    assert response.status_code == 200  # the form again, not a redirect
    with translation.override("id"):
        expected = gettext(
            "The card payment service cannot be reached just now. Nothing was "
            "charged: please try again in a few minutes, or give by bank transfer."
        )
    assert list(response.context["form"].non_field_errors()) == [expected]
    assert escape(expected) in response.content.decode()
    assert fake.requests  # Stripe was asked and refused
    gift = Gift.objects.get()
    assert gift.status == Gift.Status.PENDING and not gift.checkout_url
    assert not Transaction.objects.exists() and not Entry.objects.exists()
    assert not Sponsorship.objects.exists()


# --- Refunds, fees, cancellations --------------------------------------------------------------


def test_refund_goes_in_sen_with_its_idempotency_key():
    fake = FakeStripe((200, {"id": "re_test_1", "object": "refund"}))
    refund_id = _gateway(fake).refund_create(
        payment_intent_id="pi_test_1",
        amount=12_345,
        idempotency_key="refund-abc",
        metadata={"gift": "g1"},
    )

    assert refund_id == "re_test_1"
    sent = fake.requests[0]
    assert (sent["method"], sent["path"]) == ("POST", "/v1/refunds")
    assert sent["form"]["payment_intent"] == "pi_test_1"
    assert sent["form"]["amount"] == "1234500"
    assert sent["form"]["metadata[gift]"] == "g1"
    assert _header(sent, "Idempotency-Key") == "refund-abc"


def test_a_refused_refund_is_a_gateway_error():
    fake = FakeStripe(error(400, "invalid_request_error", "charge_already_refunded"))
    with pytest.raises(GatewayError):
        _gateway(fake).refund_create(
            payment_intent_id="pi_1", amount=1, idempotency_key="k", metadata={}
        )


def _intent(fee_sen) -> dict:
    return {
        "id": "pi_test_1",
        "object": "payment_intent",
        "latest_charge": {
            "id": "ch_test_1",
            "object": "charge",
            "payment_method_details": {"type": "card"},
            "balance_transaction": {
                "id": "txn_test_1",
                "object": "balance_transaction",
                "fee": fee_sen,
                "currency": "idr",
            },
        },
    }


@pytest.mark.parametrize(
    ("fee_sen", "rupiah"), [(345000, 3450), (345001, 3451), (345099, 3451), (1, 1), (0, 0)]
)
def test_payment_details_rounds_sen_up_to_whole_rupiah(fee_sen, rupiah):
    fake = FakeStripe((200, _intent(fee_sen)))
    assert _gateway(fake).payment_details("pi_test_1") == PaymentDetails(
        fee=rupiah, currency="idr", method="card"
    )
    sent = fake.requests[0]
    assert (sent["method"], sent["path"]) == ("GET", "/v1/payment_intents/pi_test_1")
    assert sent["query"]["expand[0]"] == "latest_charge.balance_transaction"


@pytest.mark.parametrize(
    "latest_charge",
    [None, "ch_test_1", {"id": "ch_test_1", "object": "charge", "balance_transaction": None}],
)
def test_payment_details_not_settled_yet_is_none(latest_charge):
    body = {"id": "pi_test_1", "object": "payment_intent", "latest_charge": latest_charge}
    assert _gateway(FakeStripe((200, body))).payment_details("pi_test_1") is None


def test_payment_details_stripe_down_is_a_gateway_error():
    with pytest.raises(GatewayError):
        _gateway(FakeStripe(error(500, "api_error"))).payment_details("pi_test_1")


def test_subscription_cancel_asks_stripe_to_delete_it():
    fake = FakeStripe((200, {"id": "sub_1", "object": "subscription", "status": "canceled"}))
    _gateway(fake).subscription_cancel("sub_1")
    assert (fake.requests[0]["method"], fake.requests[0]["path"]) == (
        "DELETE",
        "/v1/subscriptions/sub_1",
    )


def test_cancelling_an_already_cancelled_subscription_is_fine():
    # Stripe answers a second cancellation with "No such subscription" (resource_missing).
    fake = FakeStripe(
        error(404, "invalid_request_error", "resource_missing", "No such subscription: 'sub_1'")
    )
    _gateway(fake).subscription_cancel("sub_1")  # no error
    assert len(fake.requests) == 1


def test_a_subscription_cancel_stripe_refuses_otherwise_is_a_gateway_error():
    with pytest.raises(GatewayError):
        _gateway(FakeStripe(error(500, "api_error"))).subscription_cancel("sub_1")


def test_invoice_payment_is_read_from_the_invoice_payments():
    body = {
        "object": "list",
        "url": "/v1/invoice_payments",
        "has_more": False,
        "data": [
            {
                "id": "inpay_1",
                "object": "invoice_payment",
                "payment": {"type": "payment_intent", "payment_intent": "pi_test_9"},
            }
        ],
    }
    fake = FakeStripe((200, body))
    assert _gateway(fake).invoice_payment("in_test_1") == "pi_test_9"
    assert fake.requests[0]["path"] == "/v1/invoice_payments"
    assert fake.requests[0]["query"]["invoice"] == "in_test_1"
