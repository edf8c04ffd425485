"""The Midtrans sandbox (dev and test only; a prod check refuses the sandbox).

It stands in for Midtrans's servers as ``..sandbox`` stands in for Stripe's: a checkout is a
row (``MidtransSandboxTransaction``) and a local page (a QR to "scan", an e-wallet's approval,
a virtual account to "pay"); each outcome builds the JSON Midtrans would send, signs it with
``MIDTRANS_SERVER_KEY`` and posts it to the real notification endpoint through the whole
request stack. The endpoint then asks this gateway's ``transaction_event`` (Midtrans's status
API) before it records anything, so the sandbox takes the same path as Midtrans's money.
Everything it shows is labelled as a test payment.

Its answers follow Midtrans's documentation (docs.midtrans.com: "HTTP(S) Notification /
Webhooks", "Get Transaction Status", "Refund Transaction"): statuses pending, settlement,
expire, deny, cancel, refund and partial_refund; ``gross_amount`` "50000.00"; times in WIB;
refunds only for QRIS and e-wallets (a virtual account is refunded by transfer).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from ...models import MidtransSandboxTransaction
from .. import Checkout, CheckoutRequest, GatewayError
from ..events import GatewayEvent, InvoicePaid, PaymentDetails
from ..sandbox import portal_client
from . import parse
from .fees import midtrans_fee

Status = MidtransSandboxTransaction.Status

# Midtrans's status_code per transaction_status (its "Status Code" table).
STATUS_CODES = {
    Status.PENDING: "201",
    Status.SETTLEMENT: "200",
    Status.DENY: "202",
    Status.CANCEL: "200",
    Status.EXPIRE: "407",
    Status.REFUND: "200",
    Status.PARTIAL_REFUND: "200",
}
# Midtrans's Refund API takes e-wallets and QRIS (and cards), never a virtual account.
REFUNDABLE_METHODS = frozenset({"qris", "gopay", "shopeepay", "card"})
VA_BANKS = {"va_bca": "bca", "va_bni": "bni", "va_bri": "bri"}
# How long each bank's virtual account number is, and the bank's prefix (sandbox-like).
_VA_FORMATS = {"va_bca": ("12345", 11), "va_bni": ("988", 16), "va_bri": ("", 18)}
MANDIRI_BILLER_CODE = "70012"  # Midtrans's own biller code at Mandiri
WIB_FORMAT = "%Y-%m-%d %H:%M:%S"


def _digits(count: int) -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(count))


def _wib(moment: datetime.datetime) -> str:
    return moment.astimezone(parse.WIB).strftime(WIB_FORMAT)


def _qr_string(order_id: str, amount: int) -> str:
    """A QRIS-shaped payload (EMVCo tags) that names the sandbox: no bank app can pay it."""
    merchant = "RANTANG KASIH SANDBOX"
    body = (
        "000201010212"
        f"26{len('ID.CO.MIDTRANS.SANDBOX'):02d}ID.CO.MIDTRANS.SANDBOX"
        f"5303360"
        f"54{len(str(amount)):02d}{amount}"
        "5802ID"
        f"59{len(merchant):02d}{merchant}"
        "6010BANYUWANGI"
        f"62{len(order_id) + 4:02d}05{len(order_id):02d}{order_id}"
        "6304"
    )
    return body + hashlib.sha256(body.encode()).hexdigest()[:4].upper()


def _payment_fields(txn: MidtransSandboxTransaction) -> dict[str, Any]:
    """The fields that say how a transaction is paid, as Midtrans names them."""
    if txn.method in VA_BANKS:
        return {
            "payment_type": "bank_transfer",
            "va_numbers": [{"bank": VA_BANKS[txn.method], "va_number": txn.va_number}],
        }
    if txn.method == "va_permata":
        return {"payment_type": "bank_transfer", "permata_va_number": txn.va_number}
    if txn.method == "va_mandiri":
        return {
            "payment_type": "echannel",
            "biller_code": txn.biller_code,
            "bill_key": txn.bill_key,
        }
    if txn.method == "qris":
        return {"payment_type": "qris", "acquirer": "gopay"}
    return {"payment_type": txn.method}  # gopay, shopeepay


def status_now(txn: MidtransSandboxTransaction, *, now: datetime.datetime | None = None) -> str:
    """The transaction's status as Midtrans would answer it now: a pending one whose time ran
    out has expired, whether or not anyone opened its page since."""
    if txn.status == Status.PENDING and (now or timezone.now()) >= txn.expires_at:
        return Status.EXPIRE
    return txn.status


def transaction_body(txn: MidtransSandboxTransaction, *, status: str | None = None) -> dict:
    """What Midtrans sends (notification) and answers (status API) about a transaction."""
    status = status or status_now(txn)
    gross_amount = f"{txn.amount}.00"
    code = STATUS_CODES[Status(status)]
    body: dict[str, Any] = {
        "transaction_time": _wib(txn.created_at),
        "transaction_status": status,
        "transaction_id": txn.transaction_id,
        "status_message": "midtrans payment notification",
        "status_code": code,
        "signature_key": parse.signature_key(
            txn.order_id, code, gross_amount, settings.MIDTRANS_SERVER_KEY
        ),
        "merchant_id": "G-SANDBOX",
        "order_id": txn.order_id,
        "gross_amount": gross_amount,
        "currency": "IDR",
        "fraud_status": "accept",
        "expiry_time": _wib(txn.expires_at),
        **_payment_fields(txn),
    }
    if txn.settled_at is not None:
        body["settlement_time"] = _wib(txn.settled_at)
    if status in (Status.REFUND, Status.PARTIAL_REFUND):
        body["refund_amount"] = f"{txn.refunded}.00"
        body["refunds"] = txn.refunds
    return body


def notification_post(txn: MidtransSandboxTransaction) -> int:
    """Post the notification of the transaction's status now to the portal's endpoint, as
    Midtrans would; the endpoint's status code. An accepted one is remembered, so a page that
    looks again sends only what the portal has not taken yet."""
    status = status_now(txn)
    client = portal_client()
    # The endpoint's request activates its own language in this thread: the page that posted
    # the notification is still rendered in the donor's.
    with translation.override(translation.get_language()):
        response = client.post(
            reverse("donations_midtrans_notification"),
            data=transaction_body(txn, status=status),
            content_type="application/json",
        )
    if 200 <= response.status_code < 300:
        MidtransSandboxTransaction.objects.filter(pk=txn.pk).update(notified=status)
        txn.notified = status
    return response.status_code


def transaction_settle(order_id: str) -> int:
    """The donor paid (the demo's shortcut past the page): settle and tell the portal; the
    endpoint's status code."""
    txn = MidtransSandboxTransaction.objects.get(order_id=order_id)
    txn.status = Status.SETTLEMENT
    txn.settled_at = timezone.now()
    txn.save(update_fields=["status", "settled_at"])
    return notification_post(txn)


class MidtransSandboxGateway:
    name = "midtrans_sandbox"

    def checkout_create(self, request: CheckoutRequest) -> Checkout:
        if request.mode != "payment" or "gift" not in request.metadata:
            raise GatewayError("Midtrans takes one-off payments only")
        method = request.method
        if method not in settings.MIDTRANS_EXPIRY_MINUTES:
            raise GatewayError(f"Midtrans does not take {method!r}")
        order_id = request.metadata["gift"]
        now = timezone.now()
        fields: dict[str, Any] = {}
        if method in _VA_FORMATS:
            prefix, length = _VA_FORMATS[method]
            fields["va_number"] = prefix + _digits(length - len(prefix))
        elif method == "va_permata":
            fields["va_number"] = "8778" + _digits(14)
        elif method == "va_mandiri":
            fields.update(biller_code=MANDIRI_BILLER_CODE, bill_key=_digits(12))
        elif method == "qris":
            fields["qr_string"] = _qr_string(order_id, request.amount)
        # The order id makes a retried create return the same transaction, as Snap answers a
        # repeated order id with the transaction already made.
        txn, _created = MidtransSandboxTransaction.objects.get_or_create(
            order_id=order_id,
            defaults={
                "transaction_id": str(uuid.uuid4()),
                "method": method,
                "amount": request.amount,
                "description": request.description,
                "finish_url": request.success_url,
                "back_url": request.cancel_url,
                "expires_at": now
                + datetime.timedelta(minutes=settings.MIDTRANS_EXPIRY_MINUTES[method]),
                **fields,
            },
        )
        return Checkout(
            session_id=txn.order_id,
            url=reverse("donations:midtrans_sandbox", args=[txn.order_id]),
        )

    def transaction_event(self, order_id: str) -> GatewayEvent:
        """What Midtrans's status API says of an order, as a typed event (pending included)."""
        txn = MidtransSandboxTransaction.objects.filter(order_id=order_id).first()
        if txn is None:
            raise GatewayError("Transaction doesn't exist.")  # Midtrans's 404
        return parse.status_event(transaction_body(txn))

    def checkout_event(self, session_id: str) -> GatewayEvent | None:
        txn = MidtransSandboxTransaction.objects.filter(order_id=session_id).first()
        if txn is None:
            raise GatewayError("Transaction doesn't exist.")
        status = status_now(txn)
        if status == Status.PENDING:
            return None
        if status in (Status.REFUND, Status.PARTIAL_REFUND):
            status = Status.SETTLEMENT  # the checkout itself was paid
        return parse.status_event(transaction_body(txn, status=status))

    def subscription_cancel(self, subscription_id: str) -> None:
        raise GatewayError("Midtrans takes no monthly gifts here")

    def refund_create(
        self, *, payment_intent_id: str, amount: int, idempotency_key: str, metadata: dict
    ) -> str:
        with transaction.atomic():
            txn = (
                MidtransSandboxTransaction.objects.select_for_update()
                .filter(transaction_id=payment_intent_id)
                .first()
            )
            if txn is None:
                raise GatewayError("Transaction doesn't exist.")
            if not self.refund_possible(txn.method):
                raise GatewayError("Payment channel does not support refund")
            earlier = next((r for r in txn.refunds if r["refund_key"] == idempotency_key), None)
            if earlier is not None:
                # The same refund_key is the same refund (Midtrans's retry rule).
                refund_id = str(earlier["refund_chargeback_id"])
            else:
                if txn.status not in (Status.SETTLEMENT, Status.PARTIAL_REFUND):
                    raise GatewayError("Transaction status cannot be updated")
                if amount <= 0 or txn.refunded + amount > txn.amount:
                    raise GatewayError("Refund amount is greater than the remaining amount")
                refund_id = str(len(txn.refunds) + 1)
                txn.refunded += amount
                txn.refunds = [
                    *txn.refunds,
                    {
                        "refund_chargeback_id": refund_id,
                        "refund_amount": f"{amount}.00",
                        "created_at": _wib(timezone.now()),
                        "reason": "",
                        "refund_key": idempotency_key,
                    },
                ]
                txn.status = Status.REFUND if txn.refunded == txn.amount else Status.PARTIAL_REFUND
                txn.save(update_fields=["refunded", "refunds", "status"])
        transaction.on_commit(lambda: notification_post(txn))
        return f"{txn.transaction_id}-refund-{refund_id}"

    def payment_details(self, payment_id: str) -> PaymentDetails | None:
        txn = MidtransSandboxTransaction.objects.filter(transaction_id=payment_id).first()
        if txn is None or txn.settled_at is None:
            return None
        return PaymentDetails(
            fee=midtrans_fee(txn.method, txn.amount), currency="idr", method=txn.method
        )

    def invoices_paid(self, subscription_id: str, *, since: int) -> list[InvoicePaid]:
        return []  # one-off gifts only

    def invoice_payment(self, invoice_id: str) -> str | None:
        return None

    def refund_possible(self, method: str) -> bool:
        return method in REFUNDABLE_METHODS
