"""Stripe: the only package that imports ``stripe``.

Hosted Checkout only (card data never touches the portal: PCI DSS SAQ A). Amounts go to Stripe
in sen. Every create call carries the attempt's idempotency key, so a retried request opens
one session, not two. Every call has explicit timeouts (``STRIPE_*_TIMEOUT_SECONDS``) and goes
to ``STRIPE_API_BASE`` when it is set (a local fake). Stripe's event JSON is read in
``parse.py`` only.
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

import stripe
from django.conf import settings

from .. import Checkout, CheckoutRequest, GatewayError, SignatureError, to_sen
from ..events import GatewayEvent, InvoicePaid, PaymentDetails
from .parse import event_parse, intent_method, invoice_event, session_event

logger = logging.getLogger(__name__)


def signature_header(payload: str, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload``: how the sandbox signs its events."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def event_verify(payload: bytes, signature: str | None) -> GatewayEvent:
    """The event a webhook body carries, once its ``Stripe-Signature`` is checked, as one of
    ours."""
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
    if not event.get("id") or not event.get("type"):
        raise SignatureError("not an event")
    return event_parse(event)


def http_client() -> stripe.HTTPClient:
    return stripe.RequestsClient(
        timeout=(settings.STRIPE_CONNECT_TIMEOUT_SECONDS, settings.STRIPE_READ_TIMEOUT_SECONDS)
    )


class StripeGateway:
    name = "stripe"

    def __init__(self, *, http_client: Any = None, api_key: str | None = None):
        base = settings.STRIPE_API_BASE.rstrip("/")
        self._client = stripe.StripeClient(
            api_key or settings.STRIPE_SECRET_KEY,
            http_client=http_client or globals()["http_client"](),
            base_addresses={"api": base} if base else None,
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

    def checkout_event(self, session_id: str) -> GatewayEvent | None:
        """What became of a checkout, as the event a lost webhook would have brought; None
        while it is still open."""
        try:
            session = self._client.v1.checkout.sessions.retrieve(session_id).to_dict()
        except stripe.StripeError as error:
            raise GatewayError(type(error).__name__) from None
        return checkout_event_of(session)

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

    def payment_details(self, payment_id: str) -> PaymentDetails | None:
        """The fee Stripe kept on a payment (whole units of its balance transaction's
        currency, rounded up: a cost is never under-counted) and the method it was paid with;
        None while Stripe has not settled it."""
        try:
            intent = self._client.v1.payment_intents.retrieve(
                payment_id, params={"expand": ["latest_charge.balance_transaction"]}
            ).to_dict()
        except stripe.StripeError as error:
            raise GatewayError(type(error).__name__) from None
        charge = intent.get("latest_charge")
        if not isinstance(charge, dict):
            return None
        balance_transaction = charge.get("balance_transaction")
        if not isinstance(balance_transaction, dict):
            return None
        return PaymentDetails(
            fee=-(-int(balance_transaction.get("fee") or 0) // 100),
            currency=str(balance_transaction.get("currency") or "").lower(),
            method=intent_method(intent),
        )

    def invoices_paid(self, subscription_id: str, *, since: int) -> list[InvoicePaid]:
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
        found = []
        for invoice in page.data:
            data = invoice.to_dict()
            created = _moment(data.get("created"))
            found.append(
                invoice_event(data, event_id=f"reconcile:{data.get('id')}", occurred_at=created)
            )
        return found

    def refund_possible(self, method: str) -> bool:
        """Stripe refunds its cards, and the local methods it takes, through the API."""
        return True

    def invoice_payment(self, invoice_id: str) -> str | None:
        """The payment of an invoice whose event did not name it."""
        try:
            payments = self._client.v1.invoice_payments.list(params={"invoice": invoice_id})
        except stripe.StripeError as error:
            raise GatewayError(type(error).__name__) from None
        for payment in payments.data:
            intent = payment.payment.payment_intent if payment.payment else None
            if intent:
                return intent if isinstance(intent, str) else intent.id
        return None

    def settlement_currency(self) -> str:
        """The account's default (settlement) currency, lower case."""
        try:
            account = self._client.v1.accounts.retrieve_current()
        except stripe.StripeError as error:
            raise GatewayError(type(error).__name__) from None
        return str(getattr(account, "default_currency", "") or "").lower()


def _moment(created: Any) -> datetime.datetime:
    try:
        return datetime.datetime.fromtimestamp(int(created), tz=datetime.UTC)
    except (TypeError, ValueError, OverflowError):
        return datetime.datetime.now(tz=datetime.UTC)


def checkout_event_of(session: dict[str, Any]) -> GatewayEvent | None:
    """A retrieved checkout session as the event its webhook would have been (reconciliation)."""
    event_id = f"reconcile:{session.get('id')}"
    now = _moment(None)
    status = session.get("status")
    if status == "complete":
        return session_event(session, event_id=event_id, occurred_at=now, kind="completed")
    if status == "expired":
        return session_event(session, event_id=event_id, occurred_at=now, kind="expired")
    return None
