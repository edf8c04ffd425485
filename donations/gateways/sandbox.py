"""The sandbox gateway (dev and test only; a prod check refuses it).

It shows a local checkout page instead of Stripe's; paying there builds the event Stripe would
send, signs it with ``STRIPE_WEBHOOK_SECRET`` and posts it to the real webhook URL through the
whole request stack (middleware, URL resolver, signature check, handlers): the sandbox takes
the same path as Stripe's money. Everything it shows is labelled as a test payment.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ..models import Gift, Refund, SandboxSession
from . import Checkout, CheckoutRequest, GatewayError, to_sen
from .events import GatewayEvent, InvoicePaid, PaymentDetails
from .stripe import checkout_event_of, signature_header

# Close to Stripe's card pricing, so fees and their share look real in a demo.
FEE_PERCENT = 2.9
FEE_FIXED_RUPIAH = 2_000


def _id(prefix: str) -> str:
    return f"{prefix}_sandbox_{secrets.token_hex(8)}"


def sandbox_fee(amount: int) -> int:
    return math.ceil(amount * FEE_PERCENT / 100) + FEE_FIXED_RUPIAH


def portal_client() -> Client:
    """A client posting to the portal's own endpoints as the payment service would: to the
    portal's address (PORTAL_BASE_URL), whose host ALLOWED_HOSTS must hold anyway, never to
    the test client's "testserver", which a server configured for its own name refuses."""
    parts = urlsplit(settings.PORTAL_BASE_URL)
    https = parts.scheme == "https"
    environ: dict[str, Any] = {
        "HTTP_HOST": parts.netloc,
        "SERVER_PORT": str(parts.port or (443 if https else 80)),
        "wsgi.url_scheme": "https" if https else "http",
    }
    return Client(raise_request_exception=False, **environ)


def event_post(event_type: str, obj: dict[str, Any]) -> int:
    """Sign a Stripe-shaped event and post it to the webhook; the webhook's status code."""
    event = {
        "id": _id("evt"),
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }
    payload = json.dumps(event)
    client = portal_client()
    # The webhook's request activates its own language in this thread: the page that posted
    # the event is still rendered in the donor's.
    with translation.override(translation.get_language()):
        response = client.post(
            reverse("donations_webhook"),
            data=payload,
            content_type="application/json",
            headers={"stripe-signature": signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)},
        )
    return response.status_code


def session_object(session, *, payment_status: str) -> dict[str, Any]:
    return {
        "id": session.session_id,
        "object": "checkout.session",
        "mode": session.mode,
        "status": session.status,
        "payment_status": payment_status,
        "payment_method_types": ["card"],  # the sandbox's checkout takes test cards only
        "amount_total": session.amount_sen,
        "currency": session.currency,
        "metadata": session.metadata,
        "client_reference_id": next(iter(session.metadata.values()), None),
        "customer_details": {"email": session.customer_email},
        "payment_intent": session.payment_intent_id or None,
        "subscription": session.subscription_id or None,
        "customer": f"cus_sandbox_{session.session_id[-8:]}" if session.subscription_id else None,
    }


def invoice_object(session, *, amount_sen: int | None = None) -> dict[str, Any]:
    return {
        "id": _id("in"),
        "object": "invoice",
        "status": "paid",
        "amount_paid": session.amount_sen if amount_sen is None else amount_sen,
        "currency": session.currency,
        "customer_email": session.customer_email,
        "parent": {
            "type": "subscription_details",
            "subscription_details": {
                "subscription": session.subscription_id,
                "metadata": session.metadata,
            },
        },
        "payments": {"object": "list", "data": [{"payment": {"payment_intent": _id("pi")}}]},
    }


class SandboxGateway:
    name = "sandbox"

    def checkout_create(self, request: CheckoutRequest) -> Checkout:
        session, _created = SandboxSession.objects.get_or_create(
            # The idempotency key makes a retried create return the same session, as Stripe.
            session_id=f"cs_sandbox_{request.idempotency_key.replace('-', '')[:24]}",
            defaults={
                "mode": request.mode,
                "amount_sen": to_sen(request.amount),
                "metadata": request.metadata,
                "customer_email": request.email,
                "description": request.description,
                "success_url": request.success_url,
                "cancel_url": request.cancel_url,
            },
        )
        return Checkout(
            session_id=session.session_id,
            url=reverse("donations:sandbox_checkout", args=[session.session_id]),
        )

    def checkout_event(self, session_id: str) -> GatewayEvent | None:
        session = SandboxSession.objects.filter(session_id=session_id).first()
        if session is None:
            raise GatewayError("No such checkout session")
        paid = session.status == "complete"
        return checkout_event_of(
            session_object(session, payment_status="paid" if paid else "unpaid")
        )

    def subscription_cancel(self, subscription_id: str) -> None:
        obj = {
            "id": subscription_id,
            "object": "subscription",
            "status": "canceled",
            "cancellation_details": {"reason": "cancellation_requested"},
        }
        transaction.on_commit(lambda: event_post("customer.subscription.deleted", obj))

    def refund_create(
        self, *, payment_intent_id: str, amount: int, idempotency_key: str, metadata: dict
    ) -> str:
        gift = Gift.objects.filter(payment_intent_id=payment_intent_id).first()
        if gift is None:
            raise GatewayError("No such payment_intent")
        # Stripe's charge carries every refund so far; the service wrote this one's row first.
        asked = Refund.objects.filter(gift=gift).aggregate(total=Sum("amount"))["total"] or 0
        refunded_sen = to_sen(max(asked, gift.refunded + amount))
        if refunded_sen > to_sen(gift.amount):
            raise GatewayError("Refund is greater than the charge")
        refund_id = _id("re")
        charge = {
            "id": f"ch_sandbox_{payment_intent_id[-16:]}",
            "object": "charge",
            "amount": to_sen(gift.amount),
            "amount_refunded": refunded_sen,
            "currency": "idr",
            "payment_intent": payment_intent_id,
            "refunded": refunded_sen == to_sen(gift.amount),
        }
        transaction.on_commit(lambda: event_post("charge.refunded", charge))
        return refund_id

    def payment_details(self, payment_id: str) -> PaymentDetails | None:
        gift = Gift.objects.filter(payment_intent_id=payment_id).first()
        if gift is None:
            return None
        return PaymentDetails(fee=sandbox_fee(gift.amount), currency="idr", method="card")

    def invoices_paid(self, subscription_id: str, *, since: int) -> list[InvoicePaid]:
        # Sandbox invoices exist only as the events it posts at once; there is nothing more
        # to ask it about.
        return []

    def refund_possible(self, method: str) -> bool:
        return True  # as Stripe

    def invoice_payment(self, invoice_id: str) -> str | None:
        return None  # sandbox invoices carry their payment intent in the event itself
