"""The Stripe client over a real socket (a local server standing in for Stripe): it goes to
STRIPE_API_BASE when set, and gives up after the configured timeouts instead of the SDK's 80 s,
so a web worker or a reconciliation run is never held by a Stripe that does not answer."""

from __future__ import annotations

import time

import pytest
import stripe

from donations.gateways import GatewayError
from donations.gateways.events import PaymentSettled
from donations.gateways.stripe import StripeGateway, http_client
from tests.stripe_api import LocalStripe

SESSION = {
    "id": "cs_test_local1",
    "object": "checkout.session",
    "mode": "payment",
    "status": "complete",
    "payment_status": "paid",
    "amount_total": 5_000_000,
    "currency": "idr",
    "metadata": {"gift": "7d3c6c4e-2f0a-4a59-9a53-0c7b1f0e4b11"},
    "client_reference_id": "7d3c6c4e-2f0a-4a59-9a53-0c7b1f0e4b11",
    "payment_intent": "pi_test_local1",
    "payment_method_types": ["card"],
}
ROUTES = {"/v1/checkout/sessions/cs_test_local1": (200, SESSION)}


def test_the_client_has_the_timeouts_the_settings_give(settings):
    settings.STRIPE_CONNECT_TIMEOUT_SECONDS = 2.5
    settings.STRIPE_READ_TIMEOUT_SECONDS = 7.0
    client = http_client()
    assert isinstance(client, stripe.RequestsClient)
    assert client._timeout == (2.5, 7.0)  # requests' (connect, read)


def test_a_checkout_is_read_from_the_configured_api_base(settings):
    with LocalStripe(ROUTES) as api:
        settings.STRIPE_API_BASE = api.base + "/"
        event = StripeGateway(api_key="sk_test_x").checkout_event("cs_test_local1")

    assert [(sent["method"], sent["path"]) for sent in api.requests] == [
        ("GET", "/v1/checkout/sessions/cs_test_local1")
    ]
    assert api.requests[0]["headers"]["Authorization"] == "Bearer sk_test_x"
    assert isinstance(event, PaymentSettled)
    assert (event.checkout_id, event.reference, event.payment) == (
        "cs_test_local1",
        "7d3c6c4e-2f0a-4a59-9a53-0c7b1f0e4b11",
        "pi_test_local1",
    )
    assert (event.amount, event.currency, event.method) == (50_000, "idr", "card")
    assert event.event_id == "reconcile:cs_test_local1"


def test_a_stripe_that_does_not_answer_in_time_is_a_gateway_error_soon(settings, monkeypatch):
    settings.STRIPE_READ_TIMEOUT_SECONDS = 0.3
    # Stripe's pause between its retries, shortened: what is measured here is the timeout.
    monkeypatch.setattr(stripe.HTTPClient, "INITIAL_DELAY", 0.01)
    with LocalStripe(ROUTES, delay=10) as api:
        settings.STRIPE_API_BASE = api.base
        gateway = StripeGateway(api_key="sk_test_x")
        started = time.monotonic()
        with pytest.raises(GatewayError):
            gateway.checkout_event("cs_test_local1")
        waited = time.monotonic() - started

    assert len(api.requests) == 3  # the first try and Stripe's two retries, each cut short
    assert waited < 5  # three reads of 0.3 s, not the SDK's 80 s (nor the server's 10 s)


def test_the_example_configuration_names_every_event_the_webhook_needs():
    from django.conf import settings

    from donations.gateways.stripe.parse import EVENT_TYPES

    example = (settings.BASE_DIR / ".env.example").read_text()
    listed = example[example.index("# Stripe:") : example.index("STRIPE_SECRET_KEY=")]
    assert [kind for kind in EVENT_TYPES if kind not in listed] == []
    for name in (
        "STRIPE_CONNECT_TIMEOUT_SECONDS",
        "STRIPE_READ_TIMEOUT_SECONDS",
        "STRIPE_API_BASE",
    ):
        assert f"\n{name}=" in example
