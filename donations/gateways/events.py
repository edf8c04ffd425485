"""What a gateway's events say, in the portal's own terms (Saleor's habit).

Each gateway package parses its own JSON (its field names, its API versions, its minor units)
into these plain, typed events; the services (``donations.services.webhooks``) and
reconciliation take only these. A second gateway adds a parser and touches no service.

Amounts are whole rupiah when ``currency`` is ``idr``. A gateway that reports an amount that is
not a whole number of the currency's units gives ``None``: the service refuses it like any
amount that disagrees with our record. ``event_id`` is the gateway's own id of the event (what
makes a repeat recognisable); ``payment_id`` names the payment an event is about, which is what
an event that arrived before its payment waits for.

Events are stored (``WebhookEvent.payload``) as ``event_dump``'s plain dict and replayed from
it with ``event_load``: what is kept is exactly these fields, never a donor's address or card
details.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, kw_only=True)
class GatewayEvent:
    event_id: str
    occurred_at: datetime.datetime
    gateway_type: str = ""  # the gateway's own name of the event (Stripe: invoice.paid)
    type: ClassVar[str] = ""

    @property
    def payment_id(self) -> str | None:
        return None


# --- One-off payments --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PaymentSettled(GatewayEvent):
    """A one-off payment's money arrived (a card charge, or a delayed method that succeeded)."""

    checkout_id: str | None
    reference: str | None  # our Gift.public_ref, from the checkout's metadata
    amount: int | None
    currency: str
    payment: str | None  # the gateway's id of the payment (Stripe: the PaymentIntent)
    method: str = ""  # Gift.Method value, "" when the event does not say
    fee: int | None = None  # when the event already says what the gateway kept
    type: ClassVar[str] = "payment_settled"

    @property
    def payment_id(self) -> str | None:
        return self.payment


@dataclass(frozen=True, kw_only=True)
class PaymentPending(GatewayEvent):
    """The checkout is finished but a delayed method has not paid yet."""

    checkout_id: str | None
    reference: str | None
    type: ClassVar[str] = "payment_pending"


@dataclass(frozen=True, kw_only=True)
class PaymentFailed(GatewayEvent):
    checkout_id: str | None
    reference: str | None
    type: ClassVar[str] = "payment_failed"


@dataclass(frozen=True, kw_only=True)
class CheckoutExpired(GatewayEvent):
    """Nobody paid: a gift's checkout expires, a sponsorship's is abandoned."""

    checkout_id: str | None
    reference: str | None
    type: ClassVar[str] = "checkout_expired"


# --- Monthly sponsorships ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SubscriptionStarted(GatewayEvent):
    checkout_id: str | None
    reference: str | None  # our Sponsorship.public_ref
    subscription_id: str | None
    customer_id: str | None
    amount: int | None
    currency: str
    type: ClassVar[str] = "subscription_started"


@dataclass(frozen=True, kw_only=True)
class InvoicePaid(GatewayEvent):
    """One month of a subscription was paid."""

    invoice_id: str
    subscription_id: str | None
    reference: str | None  # our Sponsorship.public_ref, from the subscription's metadata
    amount: int | None
    currency: str
    payment: str | None  # None when the invoice does not say: looked up after commit
    method: str = ""
    type: ClassVar[str] = "invoice_paid"

    @property
    def payment_id(self) -> str | None:
        return self.payment


@dataclass(frozen=True, kw_only=True)
class SubscriptionEnded(GatewayEvent):
    subscription_id: str | None
    reference: str | None
    reason: str
    type: ClassVar[str] = "subscription_ended"


# --- Money going back --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RefundTotalChanged(GatewayEvent):
    """The running total refunded on a payment (repeats and reordering add nothing twice)."""

    charge_id: str
    payment: str | None
    refunded: int  # whole rupiah, rounded up: money that left is never under-counted
    currency: str
    type: ClassVar[str] = "refund_total_changed"

    @property
    def payment_id(self) -> str | None:
        return self.payment


@dataclass(frozen=True, kw_only=True)
class DisputeFunds:
    """One movement of a dispute's money at the gateway (Stripe: a balance transaction)."""

    amount: int  # whole rupiah, positive
    fee: int  # whole rupiah the gateway took (negative: a fee it gave back)


@dataclass(frozen=True, kw_only=True)
class _DisputeEvent(GatewayEvent):
    dispute_id: str
    payment: str | None
    status: str
    amount: int | None  # the disputed amount
    currency: str

    @property
    def payment_id(self) -> str | None:
        return self.payment


@dataclass(frozen=True, kw_only=True)
class DisputeOpened(_DisputeEvent):
    """A dispute or an inquiry was opened: the status changes, no money moves yet."""

    inquiry: bool = False
    type: ClassVar[str] = "dispute_opened"


@dataclass(frozen=True, kw_only=True)
class DisputeClosed(_DisputeEvent):
    type: ClassVar[str] = "dispute_closed"


@dataclass(frozen=True, kw_only=True)
class _DisputeFundsEvent(_DisputeEvent):
    """What the dispute's money did so far, as the gateway lists it: both movements are in
    the list once they happened, so an event arriving out of order still posts both."""

    withdrawn: DisputeFunds | None = None
    reinstated: DisputeFunds | None = None
    funds_currency: str = "idr"  # the currency the movements are in


@dataclass(frozen=True, kw_only=True)
class DisputeFundsWithdrawn(_DisputeFundsEvent):
    type: ClassVar[str] = "dispute_funds_withdrawn"


@dataclass(frozen=True, kw_only=True)
class DisputeFundsReinstated(_DisputeFundsEvent):
    type: ClassVar[str] = "dispute_funds_reinstated"


@dataclass(frozen=True, kw_only=True)
class Unhandled(GatewayEvent):
    """An event of a kind the portal does not act on (recorded and ignored)."""

    type: ClassVar[str] = "unhandled"


# --- Reading what a gateway says about one payment ---------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PaymentDetails:
    """What a settled payment cost and how it was paid, as the gateway reports it later."""

    fee: int | None  # whole units of ``currency``; None while the gateway has not settled it
    currency: str
    method: str = ""


# --- Storing and replaying ---------------------------------------------------------------------

EVENT_TYPES: dict[str, type[GatewayEvent]] = {
    cls.type: cls
    for cls in (
        PaymentSettled,
        PaymentPending,
        PaymentFailed,
        CheckoutExpired,
        SubscriptionStarted,
        InvoicePaid,
        SubscriptionEnded,
        RefundTotalChanged,
        DisputeOpened,
        DisputeClosed,
        DisputeFundsWithdrawn,
        DisputeFundsReinstated,
        Unhandled,
    )
}


class EventLoadError(ValueError):
    """A stored event that is not one of ours (a row written before the events were typed,
    or altered)."""


def event_dump(event: GatewayEvent) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": event.type}
    for item in dataclasses.fields(event):
        value = getattr(event, item.name)
        if isinstance(value, datetime.datetime):
            value = value.isoformat()
        elif isinstance(value, DisputeFunds):
            value = dataclasses.asdict(value)
        data[item.name] = value
    data["payment_id"] = event.payment_id
    return data


def event_load(data: dict[str, Any]) -> GatewayEvent:
    cls = EVENT_TYPES.get(str(data.get("kind")))
    if cls is None:
        raise EventLoadError(f"not a stored gateway event: {data.get('kind')!r}")
    values: dict[str, Any] = {}
    for item in dataclasses.fields(cls):
        if item.name not in data:
            continue
        value = data[item.name]
        if item.name == "occurred_at":
            value = datetime.datetime.fromisoformat(value)
        elif item.name in ("withdrawn", "reinstated") and value is not None:
            value = DisputeFunds(**value)
        values[item.name] = value
    try:
        return cls(**values)
    except TypeError as error:
        raise EventLoadError(str(error)) from None
