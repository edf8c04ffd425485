"""Payment gateways behind one interface (docs/domain.md, "Payments": Stripe's reach in
Indonesia is limited, so the portal must be able to add or swap one).

A gateway opens hosted checkouts, answers what became of one (for reconciliation), cancels a
subscription, refunds, and tells the fee and method of a payment. Money is recorded from the
gateway's signed events only (``donations.services.webhooks``), never from a success page. Each
gateway's package parses its own JSON into the typed events of ``events.py``; nothing outside
the package reads the gateway's field names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings

if TYPE_CHECKING:
    from .events import GatewayEvent, InvoicePaid, PaymentDetails


class GatewayError(Exception):
    """The gateway could not be reached or refused the request; nothing was charged."""


class NotStarted(GatewayError):
    """The gateway has no payment for this checkout yet: a Midtrans Snap page on which nobody
    chose a way to pay has no transaction (its status API answers 404). Reconciliation leaves
    such a checkout open, as it leaves an open Stripe session."""


class SignatureError(Exception):
    """A webhook whose signature is missing, forged, stale or does not match its body."""


@dataclass(frozen=True)
class Checkout:
    session_id: str
    url: str


@dataclass(frozen=True)
class CheckoutRequest:
    mode: str  # "payment" (one-off) or "subscription" (monthly)
    amount: int  # whole rupiah
    description: str  # what the donor sees at checkout: never personal data
    email: str
    locale: str
    metadata: dict[str, str]  # ties the session (and its payment or subscription) to our row
    idempotency_key: str
    success_url: str
    cancel_url: str
    # The one payment method the checkout offers (a ``Gift.Method`` value); "" lets the gateway
    # offer what it has (Stripe's Checkout: the methods the account enables).
    method: str = ""


class Gateway(Protocol):
    name: str

    def checkout_create(self, request: CheckoutRequest) -> Checkout: ...

    def checkout_event(self, session_id: str) -> GatewayEvent | None: ...

    def subscription_cancel(self, subscription_id: str) -> None: ...

    def refund_create(
        self, *, payment_intent_id: str, amount: int, idempotency_key: str, metadata: dict
    ) -> str: ...

    def payment_details(self, payment_id: str) -> PaymentDetails | None: ...

    def invoices_paid(self, subscription_id: str, *, since: int) -> list[InvoicePaid]: ...

    def invoice_payment(self, invoice_id: str) -> str | None: ...

    def refund_possible(self, method: str) -> bool:
        """Whether this gateway can give back a payment made by ``method`` (a ``Gift.Method``
        value); where it cannot, a refund is paid by bank transfer."""
        ...


# The methods each gateway takes (``Gift.Method`` values). Cards (one-off and monthly, and
# donors abroad) go through Stripe; Indonesia's own ways to pay go through Midtrans.
CARD_METHODS = frozenset({"card"})
MIDTRANS_METHODS = frozenset(
    {"qris", "gopay", "shopeepay", "va_bca", "va_bni", "va_bri", "va_mandiri", "va_permata"}
)


def gateway() -> Gateway:
    """The gateway cards go through: the sandbox in dev and test, Stripe otherwise."""
    return gateway_named("sandbox" if settings.PAYMENTS_SANDBOX else "stripe")


def gateway_for_method(method: str) -> Gateway:
    """The gateway that takes a payment method (a ``Gift.Method`` value other than a transfer
    to the programme's own account): Midtrans (or its sandbox) for QRIS, e-wallets and virtual
    accounts, the card gateway for cards."""
    if method in MIDTRANS_METHODS:
        return gateway_named("midtrans_sandbox" if settings.PAYMENTS_SANDBOX else "midtrans")
    if method in CARD_METHODS or not method:
        return gateway()
    raise ValueError(f"no gateway takes {method!r}")


def gateway_named(name: str) -> Gateway:
    """The gateway a gift or sponsorship was made with (its ``gateway`` field): refunds, fees
    and reconciliation ask the one that took the money, whatever the card gateway is now."""
    # Lazy: each gateway module imports the protocol and errors defined here.
    if name == "sandbox":
        from .sandbox import SandboxGateway  # noqa: PLC0415

        return SandboxGateway()
    if name == "stripe":
        from .stripe import StripeGateway  # noqa: PLC0415

        return StripeGateway()
    if name == "midtrans":
        from .midtrans import MidtransGateway  # noqa: PLC0415

        return MidtransGateway()
    if name == "midtrans_sandbox":
        from .midtrans.sandbox import MidtransSandboxGateway  # noqa: PLC0415

        return MidtransSandboxGateway()
    raise ValueError(f"no gateway is named {name!r}")


def event_verify(payload: bytes, signature: str | None) -> GatewayEvent:
    """The event a webhook body carries, once its ``Stripe-Signature`` is checked."""
    from .stripe import event_verify as verify  # noqa: PLC0415 -- see gateway()

    return verify(payload, signature)


def to_sen(amount: int) -> int:
    """IDR is not zero-decimal at Stripe: Rp50.000 is 5000000."""
    return amount * 100
