"""Midtrans's JSON, read here only: its notification's signature, its transaction statuses,
its payment types and its amounts, turned into the typed events of ``..events``.

A notification and the status API (``GET /v2/<order_id>/status``) carry the same fields
(docs.midtrans.com, "HTTP(S) Notification / Webhooks" and "Get Transaction Status"):
``order_id`` (ours: the gift's public reference), ``transaction_id`` (Midtrans's id of the
payment), ``transaction_status``, ``status_code``, ``gross_amount`` ("50000.00", rupiah with
two decimals), ``currency`` ("IDR"), ``payment_type`` and the bank of a virtual account, and
times in WIB ("2026-12-03 10:15:00"). The notification is signed:
``signature_key = SHA-512(order_id + status_code + gross_amount + server key)``.

An event's id is the order and what it says (``midtrans:<order>:<status>``, with the fraud
check's verdict for a card's capture and the refunded total for refunds), so the same
notification sent again, or the same status found by reconciliation, is one event and is
recorded once; a capture held for review and then accepted are two.

A refund's notification carries ``refund_amount`` (the total refunded so far) and ``refunds``,
one entry per refund (docs.midtrans.com, "Refund Transaction", its notification sample; the
status API lists ``refunds`` too). The running total is the sum of the list where there is one,
so a status answer that names only the latest refund's amount never under-counts.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import zoneinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from ..events import (
    CheckoutExpired,
    GatewayEvent,
    PaymentFailed,
    PaymentPending,
    PaymentSettled,
    RefundTotalChanged,
    Unhandled,
)

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")

# Midtrans's payment_type (and, for bank transfers, the bank) → Gift.Method values.
_PAYMENT_TYPES = {
    "qris": "qris",
    "gopay": "gopay",
    "shopeepay": "shopeepay",
    "echannel": "va_mandiri",  # Mandiri Bill: a biller code and a bill key
    "credit_card": "card",
}
_VA_BANKS = {"bca": "va_bca", "bni": "va_bni", "bri": "va_bri", "permata": "va_permata"}

# What the portal asks Snap for, per method: ``enabled_payments`` takes these names
# (docs.midtrans.com, Snap "enabled_payments"); a virtual account is named by its bank.
ENABLED_PAYMENTS = {
    "qris": "other_qris",
    "gopay": "gopay",
    "shopeepay": "shopeepay",
    "va_bca": "bca_va",
    "va_bni": "bni_va",
    "va_bri": "bri_va",
    "va_mandiri": "echannel",
    "va_permata": "permata_va",
}


# Every transaction_status Midtrans documents ("Transaction Status Cycle") and what the portal
# makes of it; docs/operations.md ("Midtrans") lists the same (a test compares them).
STATUSES = {
    "pending": "payment_pending",
    "capture": "payment_settled",  # a card's, once its fraud check accepted it
    "settlement": "payment_settled",
    "expire": "checkout_expired",
    "cancel": "payment_failed",
    "deny": "payment_failed",
    "failure": "payment_failed",
    "refund": "refund_total_changed",
    "partial_refund": "refund_total_changed",
    "authorize": "unhandled",  # a card's pre-authorisation: not asked for
    "chargeback": "unhandled",  # cards only: they go through Stripe
    "partial_chargeback": "unhandled",
}


def signature_key(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """What Midtrans signs a notification with (hex SHA-512)."""
    text = f"{order_id}{status_code}{gross_amount}{server_key}"
    return hashlib.sha512(text.encode()).hexdigest()


def signature_valid(body: dict[str, Any], server_key: str) -> bool:
    """Whether a notification's ``signature_key`` is Midtrans's, over its own fields."""
    fields = [body.get(name) for name in ("order_id", "status_code", "gross_amount")]
    given = body.get("signature_key")
    if not server_key or not isinstance(given, str) or not all(isinstance(f, str) for f in fields):
        return False
    order_id, status_code, gross_amount = (str(field) for field in fields)
    expected = signature_key(order_id, status_code, gross_amount, server_key)
    return hmac.compare_digest(expected, given.lower())


def rupiah(value: Any) -> int | None:
    """Midtrans's "50000.00" as whole rupiah; None for anything else (a fraction, not a
    number): the service refuses it like any amount that disagrees with our record."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount != amount.to_integral_value() or amount < 0:
        return None
    return int(amount)


def refunded_total(data: dict[str, Any]) -> int:
    """What has been refunded of a transaction so far, in whole rupiah rounded up."""
    refunds = data.get("refunds")
    if isinstance(refunds, list) and refunds:
        return sum(
            rupiah_up(item.get("refund_amount")) for item in refunds if isinstance(item, dict)
        )
    return rupiah_up(data.get("refund_amount"))


def refund_made(data: dict[str, Any], refund_key: str) -> str | None:
    """The id of the refund with ``refund_key`` among a transaction's refunds; None if none."""
    for item in data.get("refunds") or []:
        if isinstance(item, dict) and item.get("refund_key") == refund_key:
            return str(item.get("refund_chargeback_id") or refund_key)
    return None


# The statuses of a transaction whose money arrived (refunded or not: the fee was charged).
_PAID = ("settlement", "capture", "refund", "partial_refund")


def payment_of(data: dict[str, Any]) -> tuple[str, int, str] | None:
    """How a transaction was paid, its amount and currency, once its money arrived; None
    before (pending, expired, failed) or when its amount is not whole rupiah."""
    status = str(data.get("transaction_status") or "")
    if status not in _PAID or (status == "capture" and data.get("fraud_status") == "challenge"):
        return None
    amount = rupiah(data.get("gross_amount"))
    if amount is None:
        return None
    return method_of(data), amount, str(data.get("currency") or "IDR").lower()


def rupiah_up(value: Any) -> int:
    """A refunded total in whole rupiah, rounded up (money that left is never under-counted)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return 0
    if not amount.is_finite() or amount < 0:
        return 0
    return int(amount.to_integral_value(rounding="ROUND_CEILING"))


def method_of(data: dict[str, Any]) -> str:
    """The Gift.Method of a transaction, from its payment type (and a virtual account's bank)."""
    payment_type = str(data.get("payment_type") or "")
    if payment_type == "bank_transfer":
        if data.get("permata_va_number"):
            return "va_permata"
        numbers = data.get("va_numbers") or []
        bank = numbers[0].get("bank", "") if numbers and isinstance(numbers[0], dict) else ""
        return _VA_BANKS.get(str(bank).lower(), "other")
    if not payment_type:
        return ""
    return _PAYMENT_TYPES.get(payment_type, "other")


def moment(value: Any) -> datetime.datetime:
    """A Midtrans time ("2026-12-03 10:15:00", WIB) as an aware datetime; now if absent."""
    if isinstance(value, str):
        try:
            parsed = datetime.datetime.strptime(value.strip()[:19], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            pass
        else:
            return parsed.replace(tzinfo=WIB)
    return timezone.now()


def event_id_of(data: dict[str, Any]) -> str:
    order_id = str(data.get("order_id") or "")
    status = str(data.get("transaction_status") or "")
    if status in ("refund", "partial_refund"):
        return f"midtrans:{order_id}:refund:{refunded_total(data)}"
    if status == "capture":
        return f"midtrans:{order_id}:capture:{data.get('fraud_status') or 'accept'}"
    return f"midtrans:{order_id}:{status}"


def status_event(data: dict[str, Any]) -> GatewayEvent:
    """The typed event of a transaction's status (from a notification or the status API).

    settlement (and a card's capture Midtrans's fraud check accepted) → PaymentSettled;
    pending (and a capture under review) → PaymentPending; expire → CheckoutExpired;
    cancel, deny, failure → PaymentFailed; refund, partial_refund → RefundTotalChanged.
    """
    status = str(data.get("transaction_status") or "")
    order_id = str(data.get("order_id") or "") or None
    transaction_id = str(data.get("transaction_id") or "") or None
    currency = str(data.get("currency") or "IDR").lower()
    common: dict[str, Any] = {
        "event_id": event_id_of(data),
        "occurred_at": moment(data.get("settlement_time") or data.get("transaction_time")),
        "gateway_type": f"transaction.{status or 'unknown'}",
    }
    fraud = str(data.get("fraud_status") or "accept")
    if status == "settlement" or (status == "capture" and fraud == "accept"):
        return PaymentSettled(
            **common,
            checkout_id=order_id,
            reference=order_id,
            amount=rupiah(data.get("gross_amount")),
            currency=currency,
            payment=transaction_id,
            method=method_of(data),
        )
    if status == "pending" or (status == "capture" and fraud == "challenge"):
        return PaymentPending(**common, checkout_id=order_id, reference=order_id)
    if status == "expire":
        return CheckoutExpired(**common, checkout_id=order_id, reference=order_id)
    if status in ("cancel", "deny", "failure") or (status == "capture" and fraud == "deny"):
        return PaymentFailed(**common, checkout_id=order_id, reference=order_id)
    if status in ("refund", "partial_refund") and transaction_id:
        return RefundTotalChanged(
            **common,
            charge_id=transaction_id,
            payment=transaction_id,
            refunded=refunded_total(data),
            currency=currency,
        )
    return Unhandled(**common)
