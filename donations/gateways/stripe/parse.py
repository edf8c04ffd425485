"""Stripe's event JSON → the portal's typed events (``donations.gateways.events``).

Everything that knows Stripe's field names, its API-version branches and its minor units is
here: IDR is not zero-decimal at Stripe (Rp50.000 is ``5000000``); an invoice names its
subscription in ``parent.subscription_details`` today and in ``subscription`` before the
2025-03 versions; its payment in ``payments`` today and in ``payment_intent`` before. No
database access: parsing is a pure function of the JSON.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from ..events import (
    CheckoutExpired,
    DisputeClosed,
    DisputeFunds,
    DisputeFundsReinstated,
    DisputeFundsWithdrawn,
    DisputeOpened,
    GatewayEvent,
    InvoicePaid,
    PaymentFailed,
    PaymentPending,
    PaymentSettled,
    RefundTotalChanged,
    SubscriptionEnded,
    SubscriptionStarted,
    Unhandled,
)

# Stripe's payment method types → Gift.Method values (donations.models). A type not listed is
# recorded as "other" rather than guessed.
METHODS = {
    "card": "card",
    "link": "card",
    "qris": "qris",
    "gopay": "gopay",
    "shopeepay": "shopeepay",
}


def method_of(stripe_type: str | None) -> str:
    if not stripe_type:
        return ""
    return METHODS.get(stripe_type, "other")


def intent_method(intent: dict[str, Any]) -> str:
    """How a PaymentIntent was paid: its charge's ``payment_method_details.type``, else the one
    type it allowed (``payment_method_types``). A Checkout paid by QRIS, GoPay or ShopeePay,
    where the account enables them, says so here; an intent that allowed several types and
    whose charge does not say is not guessed."""
    charge = intent.get("latest_charge")
    details = charge.get("payment_method_details") if isinstance(charge, dict) else None
    if isinstance(details, dict) and details.get("type"):
        return method_of(str(details["type"]))
    types = intent.get("payment_method_types") or []
    return method_of(str(types[0])) if isinstance(types, list) and len(types) == 1 else ""


def rupiah(sen: Any) -> int | None:
    """Whole rupiah of an amount in sen, or None when it is not a whole number of rupiah."""
    if isinstance(sen, bool) or not isinstance(sen, int) or sen % 100:
        return None
    return sen // 100


def rupiah_up(sen: Any) -> int:
    """Whole rupiah, rounded up (a fee or a refund is never under-counted)."""
    return -(-int(sen or 0) // 100)


def _str(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if value else None


def _created(event: dict[str, Any]) -> datetime.datetime:
    try:
        return datetime.datetime.fromtimestamp(int(event["created"]), tz=datetime.UTC)
    except (KeyError, TypeError, ValueError, OverflowError):
        return timezone.now()


def _metadata(obj: dict[str, Any], key: str) -> str | None:
    metadata = obj.get("metadata") or {}
    return _str(metadata.get(key)) if isinstance(metadata, dict) else None


def _currency(obj: dict[str, Any]) -> str:
    return str(obj.get("currency") or "").lower()


# --- Checkout sessions -------------------------------------------------------------------------


def _session_method(session: dict[str, Any]) -> str:
    """A session offering one method was paid with it; with several, the event does not say
    (the payment's details are read with its fee)."""
    types = session.get("payment_method_types") or []
    return method_of(types[0]) if isinstance(types, list) and len(types) == 1 else ""


def session_event(session: dict[str, Any], *, event_id: str, occurred_at, kind: str):
    """A checkout session, as an event of ours. ``kind``: completed, async_succeeded,
    async_failed or expired (Stripe's event names, without the prefix)."""
    checkout_id = _str(session.get("id"))
    base = {"event_id": event_id, "occurred_at": occurred_at, "checkout_id": checkout_id}
    if kind == "expired":
        reference = _metadata(session, "gift") or _metadata(session, "sponsorship")
        return CheckoutExpired(
            reference=reference or _str(session.get("client_reference_id")), **base
        )
    if session.get("mode") == "subscription":
        reference = _metadata(session, "sponsorship") or _str(session.get("client_reference_id"))
        if kind == "async_failed":
            return PaymentFailed(reference=reference, **base)
        return SubscriptionStarted(
            reference=reference,
            subscription_id=_str(session.get("subscription")),
            customer_id=_str(session.get("customer")),
            amount=rupiah(session.get("amount_total")),
            currency=_currency(session),
            **base,
        )
    reference = _metadata(session, "gift") or _str(session.get("client_reference_id"))
    if kind == "async_failed":
        return PaymentFailed(reference=reference, **base)
    if session.get("payment_status") != "paid":
        return PaymentPending(reference=reference, **base)
    return PaymentSettled(
        reference=reference,
        amount=rupiah(session.get("amount_total")),
        currency=_currency(session),
        payment=_str(session.get("payment_intent")),
        method=_session_method(session),
        **base,
    )


# --- Invoices and subscriptions ----------------------------------------------------------------


def invoice_subscription(invoice: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The subscription an invoice bills and its metadata, in today's API shape
    (``parent.subscription_details``) or the older one (``subscription``)."""
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or invoice.get("subscription_details") or {}
    subscription = _str(details.get("subscription") or invoice.get("subscription"))
    metadata = details.get("metadata") or {}
    return subscription, metadata if isinstance(metadata, dict) else {}


def invoice_payment_intent(invoice: dict[str, Any]) -> str | None:
    payments = (invoice.get("payments") or {}).get("data") or []
    for payment in payments:
        intent = _str((payment.get("payment") or {}).get("payment_intent"))
        if intent:
            return intent
    return _str(invoice.get("payment_intent"))  # API versions before 2025-03


def invoice_event(invoice: dict[str, Any], *, event_id: str, occurred_at) -> InvoicePaid:
    subscription, metadata = invoice_subscription(invoice)
    return InvoicePaid(
        event_id=event_id,
        occurred_at=occurred_at,
        invoice_id=str(invoice.get("id") or ""),
        subscription_id=subscription,
        reference=_str(metadata.get("sponsorship")),
        amount=rupiah(invoice.get("amount_paid")),
        currency=_currency(invoice),
        payment=invoice_payment_intent(invoice),
    )


def _subscription_ended(obj: dict[str, Any], event_id: str, occurred_at) -> SubscriptionEnded:
    reason = (obj.get("cancellation_details") or {}).get("reason") or ""
    return SubscriptionEnded(
        event_id=event_id,
        occurred_at=occurred_at,
        subscription_id=_str(obj.get("id")),
        reference=_metadata(obj, "sponsorship"),
        reason=str(reason)[:200],
    )


# --- Refunds and disputes ----------------------------------------------------------------------


def _refunded(charge: dict[str, Any], event_id: str, occurred_at) -> RefundTotalChanged:
    return RefundTotalChanged(
        event_id=event_id,
        occurred_at=occurred_at,
        charge_id=str(charge.get("id") or ""),
        payment=_str(charge.get("payment_intent")),
        refunded=rupiah_up(charge.get("amount_refunded")),
        currency=_currency(charge),
    )


def _dispute_base(dispute: dict[str, Any], event_id: str, occurred_at) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "occurred_at": occurred_at,
        "dispute_id": str(dispute.get("id") or ""),
        "payment": _str(dispute.get("payment_intent")),
        "status": str(dispute.get("status") or ""),
        "amount": rupiah(dispute.get("amount")),
        "currency": _currency(dispute),
    }


def dispute_funds(dispute: dict[str, Any]) -> dict[str, Any]:
    """The dispute's balance transactions: the withdrawal (negative amount) and the
    reinstatement (positive), each with the fee Stripe took or gave back, and their currency
    (the account's settlement currency, which may differ from the charge's)."""
    found: dict[str, Any] = {"withdrawn": None, "reinstated": None, "funds_currency": "idr"}
    for item in dispute.get("balance_transactions") or []:
        if not isinstance(item, dict):
            continue  # an id only: not expanded, nothing to read
        amount = int(item.get("amount") or 0)
        currency = str(item.get("currency") or "").lower()
        if currency != "idr":
            found["funds_currency"] = currency
        funds = DisputeFunds(amount=rupiah_up(abs(amount)), fee=rupiah_up(item.get("fee")))
        if amount < 0 and found["withdrawn"] is None:
            found["withdrawn"] = funds
        elif amount > 0 and found["reinstated"] is None:
            found["reinstated"] = funds
    return found


def _dispute_created(dispute: dict[str, Any], event_id: str, occurred_at) -> DisputeOpened:
    status = str(dispute.get("status") or "")
    return DisputeOpened(
        inquiry=status.startswith("warning_"), **_dispute_base(dispute, event_id, occurred_at)
    )


def _dispute_closed(dispute: dict[str, Any], event_id: str, occurred_at) -> DisputeClosed:
    return DisputeClosed(**_dispute_base(dispute, event_id, occurred_at))


def _funds_event(cls, dispute: dict[str, Any], event_id: str, occurred_at, *, withdrawn: bool):
    funds = dispute_funds(dispute)
    # The event itself says the money moved: with no balance transaction to read (an older
    # payload), the disputed amount moved, without a fee.
    key = "withdrawn" if withdrawn else "reinstated"
    if funds[key] is None:
        funds[key] = DisputeFunds(amount=rupiah_up(dispute.get("amount")), fee=0)
    return cls(**_dispute_base(dispute, event_id, occurred_at), **funds)


# --- The table ---------------------------------------------------------------------------------

Parser = Callable[[dict[str, Any], str, datetime.datetime], GatewayEvent]

PARSERS: dict[str, Parser] = {
    "checkout.session.completed": lambda o, i, t: session_event(
        o, event_id=i, occurred_at=t, kind="completed"
    ),
    "checkout.session.async_payment_succeeded": lambda o, i, t: session_event(
        o, event_id=i, occurred_at=t, kind="async_succeeded"
    ),
    "checkout.session.async_payment_failed": lambda o, i, t: session_event(
        o, event_id=i, occurred_at=t, kind="async_failed"
    ),
    "checkout.session.expired": lambda o, i, t: session_event(
        o, event_id=i, occurred_at=t, kind="expired"
    ),
    "invoice.paid": lambda o, i, t: invoice_event(o, event_id=i, occurred_at=t),
    "customer.subscription.deleted": _subscription_ended,
    "charge.refunded": _refunded,
    "charge.dispute.created": _dispute_created,
    "charge.dispute.closed": _dispute_closed,
    "charge.dispute.funds_withdrawn": lambda o, i, t: _funds_event(
        DisputeFundsWithdrawn, o, i, t, withdrawn=True
    ),
    "charge.dispute.funds_reinstated": lambda o, i, t: _funds_event(
        DisputeFundsReinstated, o, i, t, withdrawn=False
    ),
}

# The events the endpoint must be subscribed to (docs/operations.md, .env.example).
EVENT_TYPES = tuple(PARSERS)


def event_parse(event: dict[str, Any]) -> GatewayEvent:
    """A verified Stripe event as one of ours (``Unhandled`` for a type we do not act on, or
    an event without an object)."""
    event_id = str(event.get("id") or "")
    occurred_at = _created(event)
    parser = PARSERS.get(str(event.get("type")))
    obj = (event.get("data") or {}).get("object")
    if parser is None or not isinstance(obj, dict):
        return Unhandled(
            event_id=event_id, occurred_at=occurred_at, gateway_type=str(event.get("type"))[:80]
        )
    parsed = parser(obj, event_id, occurred_at)
    return dataclasses.replace(parsed, gateway_type=str(event.get("type"))[:80])
