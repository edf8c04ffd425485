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


def gateway() -> Gateway:
    """The gateway cards go through: the sandbox in dev and test, Stripe otherwise."""
    # Lazy: each gateway module imports the protocol and errors defined here.
    if settings.PAYMENTS_SANDBOX:
        from .sandbox import SandboxGateway  # noqa: PLC0415

        return SandboxGateway()
    from .stripe import StripeGateway  # noqa: PLC0415

    return StripeGateway()


def event_verify(payload: bytes, signature: str | None) -> GatewayEvent:
    """The event a webhook body carries, once its ``Stripe-Signature`` is checked."""
    from .stripe import event_verify as verify  # noqa: PLC0415 -- see gateway()

    return verify(payload, signature)


def to_sen(amount: int) -> int:
    """IDR is not zero-decimal at Stripe: Rp50.000 is 5000000."""
    return amount * 100
