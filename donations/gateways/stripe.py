"""Stripe: the only module that imports ``stripe``.

Hosted Checkout only (card data never touches the portal: PCI DSS SAQ A). Amounts go to Stripe
in sen. Every create call carries the attempt's idempotency key, so a retried request opens
one session, not two.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from django.conf import settings

from . import Checkout, CheckoutRequest, GatewayError, SignatureError, to_sen

logger = logging.getLogger(__name__)


def signature_header(payload: str, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload``: how the sandbox signs its events."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def event_verify(payload: bytes, signature: str | None) -> dict[str, Any]:
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not signature or not secret:
        raise SignatureError("missing signature")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            text, signature, secret, settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
        )
        event = json.loads(text)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
        raise SignatureError(str(error)) from None
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        raise SignatureError("not an event")
    return event


class StripeGateway:
    name = "stripe"

    def __init__(self, *, http_client: Any = None, api_key: str | None = None):
        self._client = stripe.StripeClient(
            api_key or settings.STRIPE_SECRET_KEY,
            http_client=http_client,
            max_network_retries=2,
        )

    def checkout_create(self, request: CheckoutRequest) -> Checkout:
        price_data: dict[str, Any] = {
            "currency": "idr",
            "unit_amount": to_sen(request.amount),
            "product_data": {"name": request.description},
        }
        params: dict[str, Any] = {
            "mode": request.mode,
            "line_items": [{"quantity": 1, "price_data": price_data}],
            "customer_email": request.email,
            "client_reference_id": next(iter(request.metadata.values())),
            "metadata": request.metadata,
            "locale": request.locale,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        if request.mode == "subscription":
            price_data["recurring"] = {"interval": "month"}
            params["subscription_data"] = {"metadata": request.metadata}
        else:
            params["submit_type"] = "donate"
            params["payment_intent_data"] = {
                "metadata": request.metadata,
                "description": request.description,
            }
        try:
            session = self._client.v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": request.idempotency_key},
            )
        except stripe.StripeError as error:
            logger.warning("Stripe refused a checkout: %s", type(error).__name__)
            raise GatewayError(type(error).__name__) from None
        return Checkout(session_id=session.id, url=session.url)  # type: ignore[arg-type]

    def checkout_retrieve(self, session_id: str) -> dict[str, Any]:
        try:
            return self._client.v1.checkout.sessions.retrieve(session_id).to_dict()
        except stripe.StripeError as error:
            raise GatewayError(type(error).__name__) from None

    def subscription_cancel(self, subscription_id: str) -> None:
        try:
            self._client.v1.subscriptions.cancel(subscription_id)
        except stripe.InvalidRequestError as error:
            # Already cancelled at Stripe: the subscription.deleted event ends ours.
            if getattr(error, "code", "") != "resource_missing":
                raise GatewayError(type(error).__name__) from None
        except stripe.StripeError as error:
            raise GatewayError(type(error).__name__) from None

    def refund_create(
        self, *, payment_intent_id: str, amount: int, idempotency_key: str, metadata: dict
    ) -> str:
        try:
            refund = self._client.v1.refunds.create(
                params={
                    "payment_intent": payment_intent_id,
                    "amount": to_sen(amount),
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise GatewayError(type(error).__name__) from None
        return refund.id

    def payment_fee(self, payment_intent_id: str) -> int | None:
        """The fee Stripe kept on a payment, in whole rupiah (sen rounded up: a cost is never
        under-counted), or None while Stripe has not settled it."""
        try:
            intent = self._client.v1.payment_intents.retrieve(
                payment_intent_id, params={"expand": ["latest_charge.balance_transaction"]}
            )
        except stripe.StripeError as error:
            raise GatewayError(type(error).__name__) from None
        charge = getattr(intent, "latest_charge", None)
        balance_transaction = getattr(charge, "balance_transaction", None)
        if not charge or isinstance(charge, str) or not balance_transaction:
            return None
        if isinstance(balance_transaction, str):
            return None
        return -(-balance_transaction.fee // 100)

    def invoices_paid(self, subscription_id: str, *, since: int) -> list[dict[str, Any]]:
        """Paid invoices of a subscription created since a Unix time (reconciliation)."""
        try:
            page = self._client.v1.invoices.list(
                params={
                    "subscription": subscription_id,
                    "status": "paid",
                    "created": {"gte": since},
                    "limit": 12,
                }
            )
        except stripe.StripeError as error:
            raise GatewayError(type(error).__name__) from None
        return [invoice.to_dict() for invoice in page.data]

    def invoice_payment_intent(self, invoice_id: str) -> str | None:
        try:
            payments = self._client.v1.invoice_payments.list(params={"invoice": invoice_id})
        except stripe.StripeError as error:
            raise GatewayError(type(error).__name__) from None
        for payment in payments.data:
            intent = payment.payment.payment_intent if payment.payment else None
            if intent:
                return intent if isinstance(intent, str) else intent.id
        return None
