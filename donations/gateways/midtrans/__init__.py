"""Midtrans (Snap): QRIS, GoPay, ShopeePay and bank virtual accounts for one-off gifts.

Only this package imports ``midtransclient`` and reads Midtrans's field names (``parse``).

A gift opens a Snap transaction for the one method the donor chose; its ``order_id`` is the
gift's public reference. Money is recorded from Midtrans's HTTP notification only after asking
the status API: the notification's signature proves it was sent by someone holding the server
key, and the status API's answer (``transaction_event``) is what is recorded, never the
notification's own claim (docs/architecture.md, "Money"). Whatever stands for Midtrans (this
gateway, or the sandbox's ``MidtransSandboxGateway`` in dev and test) has that method:
``StatusSource`` below, found by ``notification_gateway()``.

Every call has explicit timeouts (``MIDTRANS_*_TIMEOUT_SECONDS``): midtransclient calls
``requests.request`` without one, so its HTTP client is handed ``_TimedRequests``. The APIs
are at ``MIDTRANS_API_BASE`` and ``MIDTRANS_SNAP_BASE`` when set (a local fake), else at
Midtrans's production or sandbox addresses by ``MIDTRANS_PRODUCTION``.

Midtrans's API does not report its fee: ``payment_details`` prices a payment from the contract
(``fees.midtrans_fee``). Midtrans refunds GoPay, ShopeePay, QRIS and cards through its API
(within each acquirer's window); a virtual account's payment cannot be refunded there, so
``refund_possible`` says no and the money goes back by bank transfer. Monthly gifts are cards
only (Stripe): Midtrans here takes one-off gifts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import midtransclient
import requests
from django.conf import settings
from django.utils import timezone
from midtransclient.config import ApiConfig

from .. import Checkout, CheckoutRequest, GatewayError, NotStarted, SignatureError, gateway_named
from ..events import GatewayEvent, InvoicePaid, PaymentDetails, PaymentPending, Unhandled
from . import parse
from .fees import midtrans_fee

logger = logging.getLogger(__name__)

PRODUCTION_API_BASE = "https://api.midtrans.com"
SANDBOX_API_BASE = "https://api.sandbox.midtrans.com"
PRODUCTION_SNAP_BASE = "https://app.midtrans.com"
SANDBOX_SNAP_BASE = "https://app.sandbox.midtrans.com"

# What Midtrans's refund API takes ("Refund Transaction": card, GoPay, ShopeePay, QRIS, and
# wallets and pay-later the portal does not offer). Bank transfers and virtual accounts are not.
REFUNDABLE_METHODS = frozenset({"qris", "gopay", "shopeepay", "card"})
# Snap's item_details name is at most 50 characters.
ITEM_NAME_MAX = 50
# Shown in the donor's GoPay history with the money given back: no personal data.
REFUND_REASON = "Pengembalian donasi Rantang Kasih"


@runtime_checkable
class StatusSource(Protocol):
    """A gateway that answers for Midtrans's notifications: what the status API says of an
    order now, as a typed event (pending included)."""

    name: str

    def transaction_event(self, order_id: str) -> GatewayEvent: ...


def notification_gateway() -> StatusSource:
    """The gateway standing for Midtrans here: the sandbox in dev and test, Midtrans
    otherwise."""
    gateway = gateway_named("midtrans_sandbox" if settings.PAYMENTS_SANDBOX else "midtrans")
    if not isinstance(gateway, StatusSource):
        raise TypeError(f"{gateway.name} cannot confirm Midtrans's notifications")
    return gateway


@dataclass(frozen=True)
class Notification:
    """A notification whose signature is Midtrans's: the order to ask about, and what the
    notification claims (compared with the status API's answer, never recorded itself)."""

    order_id: str
    claimed: GatewayEvent


def notification_verify(payload: bytes) -> Notification:
    """A notification body, once it is JSON signed with ``MIDTRANS_SERVER_KEY``."""
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, ValueError):
        raise SignatureError("not JSON") from None
    if not isinstance(body, dict):
        raise SignatureError("not a notification")
    if not parse.signature_valid(body, settings.MIDTRANS_SERVER_KEY):
        raise SignatureError("missing or wrong signature_key")
    order_id = str(body.get("order_id") or "")
    if not order_id:
        raise SignatureError("no order_id")
    return Notification(order_id=order_id, claimed=parse.status_event(body))


def notification_body(data: dict[str, Any], server_key: str) -> dict[str, Any]:
    """A transaction's JSON as Midtrans notifies it: signed with ``server_key`` (how the
    sandbox and the tests sign what they post)."""
    order_id, status_code = str(data.get("order_id") or ""), str(data.get("status_code") or "")
    gross_amount = str(data.get("gross_amount") or "")
    signature = parse.signature_key(order_id, status_code, gross_amount, server_key)
    return {**data, "signature_key": signature}


class _TimedRequests:
    """Stands in for the ``requests`` module inside midtransclient's ``HttpClient``: the same
    call, with (connect, read) timeouts, so a Midtrans that does not answer never holds a web
    worker or a reconciliation run."""

    def __init__(self, timeout: tuple[float, float]):
        self.timeout = timeout

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, url, timeout=self.timeout, **kwargs)


def http_client() -> _TimedRequests:
    return _TimedRequests(
        (settings.MIDTRANS_CONNECT_TIMEOUT_SECONDS, settings.MIDTRANS_READ_TIMEOUT_SECONDS)
    )


class _Config(ApiConfig):
    """midtransclient's configuration with the portal's base addresses."""

    def __init__(self, *, api_base: str, snap_base: str, **kwargs: Any):
        super().__init__(**kwargs)
        self._api_base = api_base
        self._snap_base = snap_base

    def get_core_api_base_url(self) -> str:
        return self._api_base

    def get_snap_base_url(self) -> str:
        return self._snap_base + "/snap/v1"


def _bases() -> tuple[str, str]:
    production = settings.MIDTRANS_PRODUCTION
    api = settings.MIDTRANS_API_BASE or (PRODUCTION_API_BASE if production else SANDBOX_API_BASE)
    snap = settings.MIDTRANS_SNAP_BASE or (
        PRODUCTION_SNAP_BASE if production else SANDBOX_SNAP_BASE
    )
    return api.rstrip("/"), snap.rstrip("/")


def _answer_code(error: Any) -> int:
    """Midtrans's own status code of a refusal (its JSON's ``status_code``, which can say 404
    inside an HTTP 200), else the HTTP status."""
    body = getattr(error, "api_response_dict", None)
    if isinstance(body, dict):
        try:
            return int(body.get("status_code"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            pass
    return int(getattr(error, "http_status_code", 0) or 0)


def _wib_now() -> str:
    return timezone.localtime(timezone.now(), parse.WIB).strftime("%Y-%m-%d %H:%M:%S +0700")


class MidtransGateway:
    name = "midtrans"

    def __init__(self, *, server_key: str | None = None, http: Any = None):
        key = settings.MIDTRANS_SERVER_KEY if server_key is None else server_key
        api_base, snap_base = _bases()
        headers = {}
        if settings.MIDTRANS_NOTIFICATION_URL:
            # The portal's address on every transaction, whatever the Dashboard says.
            headers["X-Override-Notification"] = settings.MIDTRANS_NOTIFICATION_URL
        transport = http or http_client()
        self._snap = midtransclient.Snap(
            is_production=settings.MIDTRANS_PRODUCTION, server_key=key, custom_headers=headers
        )
        self._core = midtransclient.CoreApi(
            is_production=settings.MIDTRANS_PRODUCTION, server_key=key
        )
        for client, extra in ((self._snap, headers), (self._core, {})):
            client.api_config = _Config(
                api_base=api_base,
                snap_base=snap_base,
                is_production=settings.MIDTRANS_PRODUCTION,
                server_key=key,
                custom_headers=extra,
            )
            client.http_client.http_client = transport

    # --- calls --------------------------------------------------------------------------------

    def _call(self, what: str, call: Callable[[], Any], *, missing: bool = False) -> Any:
        """One API call; a refusal or an unreachable Midtrans is a GatewayError (``NotStarted``
        for a transaction Midtrans does not have, where ``missing`` is asked about)."""
        try:
            answer = call()
        except midtransclient.MidtransAPIError as error:
            code = _answer_code(error)
            logger.warning("Midtrans refused %s: %s", what, code)
            if missing and code == 404:
                raise NotStarted(f"Midtrans has no such transaction ({what})") from None
            raise GatewayError(f"Midtrans answered {code} to {what}") from None
        except (requests.RequestException, midtransclient.JSONDecodeError, ValueError) as error:
            logger.warning("Midtrans could not be asked %s: %s", what, type(error).__name__)
            raise GatewayError(f"{type(error).__name__} asking Midtrans {what}") from None
        if not isinstance(answer, dict):
            raise GatewayError(f"Midtrans's answer to {what} is not an object")
        return answer

    def _status(self, order_id: str) -> dict[str, Any]:
        return self._call(
            "for a status", lambda: self._core.transactions.status(order_id), missing=True
        )

    # --- the Gateway protocol -----------------------------------------------------------------

    def checkout_create(self, request: CheckoutRequest) -> Checkout:
        """A Snap transaction for the one method the donor chose (nothing is charged yet)."""
        if request.mode != "payment":
            raise GatewayError("Midtrans takes one-off gifts here: monthly gifts are by card")
        channel = parse.ENABLED_PAYMENTS.get(request.method)
        if channel is None:
            raise GatewayError(f"Midtrans does not take {request.method or 'no method'!r} here")
        order_id = next(iter(request.metadata.values()))
        params: dict[str, Any] = {
            "transaction_details": {"order_id": order_id, "gross_amount": request.amount},
            # What the donor sees on Midtrans's page and in the Dashboard: the description
            # only (a pseudonym or the fund's name), never the donor's name.
            "item_details": [
                {
                    "id": "donasi",
                    "price": request.amount,
                    "quantity": 1,
                    "name": request.description[:ITEM_NAME_MAX],
                }
            ],
            # The address only, where Midtrans sends a virtual account's instructions.
            "customer_details": {"email": request.email},
            "enabled_payments": [channel],
            "expiry": {
                "start_time": _wib_now(),
                "unit": "minutes",
                "duration": settings.MIDTRANS_EXPIRY_MINUTES.get(request.method, 60),
            },
            "callbacks": {"finish": request.success_url},
        }
        if request.method == "gopay":
            params["gopay"] = {"enable_callback": True, "callback_url": request.success_url}
        elif request.method == "shopeepay":
            params["shopeepay"] = {"callback_url": request.success_url}
        answer = self._call("for a Snap transaction", lambda: self._snap.create_transaction(params))
        url = answer.get("redirect_url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise GatewayError("Snap gave no redirect_url")
        return Checkout(session_id=order_id, url=url)

    def transaction_event(self, order_id: str) -> GatewayEvent:
        """What the status API says of an order now, as the event it amounts to (pending
        included). ``NotStarted`` while Midtrans has no transaction for it."""
        return parse.status_event(self._status(order_id))

    def checkout_event(self, session_id: str) -> GatewayEvent | None:
        """What became of a checkout (reconciliation); None while it is still open."""
        event = self.transaction_event(session_id)
        if isinstance(event, PaymentPending | Unhandled):
            return None
        return event

    def subscription_cancel(self, subscription_id: str) -> None:
        raise GatewayError("Midtrans holds no subscriptions of the portal")

    def refund_possible(self, method: str) -> bool:
        return method in REFUNDABLE_METHODS

    def refund_create(
        self, *, payment_intent_id: str, amount: int, idempotency_key: str, metadata: dict
    ) -> str:
        """Ask Midtrans to give ``amount`` back (``payment_intent_id``: its transaction id).
        ``refund_key`` makes a retry the same refund; the ledger moves when its notification
        is confirmed."""
        params = {"refund_key": idempotency_key, "amount": amount, "reason": REFUND_REASON}
        try:
            answer = self._call(
                "for a refund", lambda: self._core.transactions.refund(payment_intent_id, params)
            )
        except GatewayError:
            # The same refund_key sent again after a lost answer: Midtrans may refuse it as a
            # duplicate although the refund was made. Its status lists the refunds made.
            found = self._refund_made(payment_intent_id, idempotency_key)
            if found is None:
                raise
            return found
        if answer.get("transaction_status") not in ("refund", "partial_refund"):
            raise GatewayError("Midtrans did not confirm the refund")
        return str(answer.get("refund_chargeback_id") or answer.get("refund_key") or "")

    def _refund_made(self, transaction_id: str, refund_key: str) -> str | None:
        try:
            data = self._status(transaction_id)
        except GatewayError:
            return None
        return parse.refund_made(data, refund_key)

    def payment_details(self, payment_id: str) -> PaymentDetails | None:
        """The fee of a settled payment, from the contract (Midtrans's API does not report
        it), and how it was paid; None while the money has not arrived."""
        paid = parse.payment_of(self._status(payment_id))
        if paid is None:
            return None
        method, amount, currency = paid
        return PaymentDetails(fee=midtrans_fee(method, amount), currency=currency, method=method)

    def invoices_paid(self, subscription_id: str, *, since: int) -> list[InvoicePaid]:
        return []

    def invoice_payment(self, invoice_id: str) -> str | None:
        return None
