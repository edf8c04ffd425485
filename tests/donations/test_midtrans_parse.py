"""Midtrans's JSON read in one place (``donations.gateways.midtrans.parse``): the signature of a
notification, its statuses as the portal's events, methods, amounts and times, from the shapes
in Midtrans's documentation."""

from __future__ import annotations

import datetime
import hashlib

import pytest

from donations.gateways.events import (
    CheckoutExpired,
    PaymentFailed,
    PaymentPending,
    PaymentSettled,
    RefundTotalChanged,
    Unhandled,
)
from donations.gateways.midtrans import parse
from donations.gateways.midtrans.fees import midtrans_fee

KEY = "SB-Mid-server-parse_tests_only"


def _transaction(**fields) -> dict:
    """A QRIS settlement as the status API answers it."""
    return {
        "status_code": "200",
        "transaction_id": "57d5293c-e65f-4a29-95e4-5959c3fa335b",
        "order_id": "7d3c6c4e-2f0a-4a59-9a53-0c7b1f0e4b11",
        "gross_amount": "50000.00",
        "currency": "IDR",
        "payment_type": "qris",
        "acquirer": "gopay",
        "transaction_time": "2026-12-03 10:15:00",
        "settlement_time": "2026-12-03 10:16:30",
        "transaction_status": "settlement",
        "fraud_status": "accept",
        **fields,
    }


def _signed(data: dict, key: str = KEY) -> dict:
    text = data["order_id"] + data["status_code"] + data["gross_amount"] + key
    return {**data, "signature_key": hashlib.sha512(text.encode()).hexdigest()}


# --- The signature -----------------------------------------------------------------------------


def test_the_signature_is_sha512_of_order_status_amount_and_key():
    # The documented formula, computed independently of the module.
    expected = hashlib.sha512(b"order-1" + b"200" + b"50000.00" + KEY.encode()).hexdigest()
    assert parse.signature_key("order-1", "200", "50000.00", KEY) == expected


def test_a_notification_signed_with_the_key_is_valid_and_its_case_does_not_matter():
    body = _signed(_transaction())
    assert parse.signature_valid(body, KEY)
    assert parse.signature_valid({**body, "signature_key": body["signature_key"].upper()}, KEY)


@pytest.mark.parametrize(
    "change",
    [
        {"gross_amount": "500000.00"},  # the amount altered after signing
        {"status_code": "201"},
        {"order_id": "someone-elses-order"},
        {"signature_key": "0" * 128},
        {"signature_key": None},
        {"status_code": 200},  # not the string Midtrans signs
    ],
)
def test_an_altered_or_unsigned_notification_is_not_valid(change):
    body = {**_signed(_transaction()), **change}
    assert not parse.signature_valid(body, KEY)


def test_a_notification_signed_with_another_key_or_checked_without_one_is_not_valid():
    body = _signed(_transaction(), key="SB-Mid-server-someone-else")
    assert not parse.signature_valid(body, KEY)
    assert not parse.signature_valid(_signed(_transaction(), key=""), "")


# --- Statuses ----------------------------------------------------------------------------------


def test_a_settlement_is_a_settled_payment_in_whole_rupiah_with_its_method():
    event = parse.status_event(_transaction())
    assert isinstance(event, PaymentSettled)
    assert (event.checkout_id, event.reference) == (
        "7d3c6c4e-2f0a-4a59-9a53-0c7b1f0e4b11",
        "7d3c6c4e-2f0a-4a59-9a53-0c7b1f0e4b11",
    )
    assert (event.amount, event.currency, event.method) == (50_000, "idr", "qris")
    assert event.payment == "57d5293c-e65f-4a29-95e4-5959c3fa335b"
    assert event.event_id == "midtrans:7d3c6c4e-2f0a-4a59-9a53-0c7b1f0e4b11:settlement"
    assert event.gateway_type == "transaction.settlement"
    # Midtrans's times are WIB.
    assert event.occurred_at == datetime.datetime(
        2026, 12, 3, 10, 16, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=7))
    )


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"transaction_status": "pending", "status_code": "201"}, PaymentPending),
        ({"transaction_status": "expire", "status_code": "407"}, CheckoutExpired),
        ({"transaction_status": "deny", "status_code": "202"}, PaymentFailed),
        ({"transaction_status": "cancel"}, PaymentFailed),
        ({"transaction_status": "failure"}, PaymentFailed),
        ({"transaction_status": "capture", "payment_type": "credit_card"}, PaymentSettled),
        (
            {
                "transaction_status": "capture",
                "payment_type": "credit_card",
                "fraud_status": "challenge",
            },
            PaymentPending,
        ),
        (
            {
                "transaction_status": "capture",
                "payment_type": "credit_card",
                "fraud_status": "deny",
            },
            PaymentFailed,
        ),
        ({"transaction_status": "authorize"}, Unhandled),
        ({"transaction_status": "chargeback"}, Unhandled),
        ({"transaction_status": "something_new"}, Unhandled),
    ],
)
def test_each_status_is_its_event(fields, kind):
    assert type(parse.status_event(_transaction(**fields))) is kind


def test_every_documented_status_maps_to_the_event_the_table_names():
    for status, kind in parse.STATUSES.items():
        fields = {"transaction_status": status, "refund_amount": "1000.00"}
        assert parse.status_event(_transaction(**fields)).type == kind, status


def test_a_capture_held_for_review_and_then_accepted_are_two_events():
    held = parse.status_event(_transaction(transaction_status="capture", fraud_status="challenge"))
    accepted = parse.status_event(_transaction(transaction_status="capture"))
    assert held.event_id != accepted.event_id


def test_the_same_status_told_twice_is_one_event():
    assert (
        parse.status_event(_transaction()).event_id
        == parse.status_event(_transaction(status_message="midtrans payment notification")).event_id
    )


def test_a_refund_is_the_running_total_of_the_refunds_listed():
    data = _transaction(
        transaction_status="partial_refund",
        refund_amount="7000.00",  # a status answer naming only the latest refund
        refunds=[
            {"refund_chargeback_id": 1, "refund_amount": "5000.00", "refund_key": "a"},
            {"refund_chargeback_id": 2, "refund_amount": "7000.00", "refund_key": "b"},
        ],
    )
    event = parse.status_event(data)
    assert isinstance(event, RefundTotalChanged)
    assert (event.refunded, event.payment, event.currency) == (
        12_000,
        "57d5293c-e65f-4a29-95e4-5959c3fa335b",
        "idr",
    )
    assert event.event_id.endswith(":refund:12000")
    # Without a list, the notification's refund_amount is the total.
    alone = parse.status_event(_transaction(transaction_status="refund", refund_amount="50000.00"))
    assert alone.refunded == 50_000


def test_a_refund_is_found_by_its_key():
    data = _transaction(refunds=[{"refund_chargeback_id": 9, "refund_key": "refund-abc"}])
    assert parse.refund_made(data, "refund-abc") == "9"
    assert parse.refund_made(data, "refund-other") is None
    assert parse.refund_made(_transaction(), "refund-abc") is None


# --- Methods, amounts, times -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "method"),
    [
        ({"payment_type": "qris"}, "qris"),
        ({"payment_type": "gopay"}, "gopay"),
        ({"payment_type": "shopeepay"}, "shopeepay"),
        (
            {"payment_type": "bank_transfer", "va_numbers": [{"bank": "bca", "va_number": "1"}]},
            "va_bca",
        ),
        (
            {"payment_type": "bank_transfer", "va_numbers": [{"bank": "bni", "va_number": "1"}]},
            "va_bni",
        ),
        (
            {"payment_type": "bank_transfer", "va_numbers": [{"bank": "BRI", "va_number": "1"}]},
            "va_bri",
        ),
        ({"payment_type": "bank_transfer", "permata_va_number": "8778004890127981"}, "va_permata"),
        ({"payment_type": "echannel", "bill_key": "1", "biller_code": "70012"}, "va_mandiri"),
        ({"payment_type": "bank_transfer", "va_numbers": [{"bank": "cimb"}]}, "other"),
        ({"payment_type": "cstore"}, "other"),
        ({"payment_type": ""}, ""),
    ],
)
def test_the_method_is_read_from_the_payment_type_and_the_bank(fields, method):
    assert parse.method_of(_transaction(**fields)) == method


def test_every_method_the_portal_asks_snap_for_is_a_method_it_reads_back():
    assert set(parse.ENABLED_PAYMENTS) == {
        "qris",
        "gopay",
        "shopeepay",
        "va_bca",
        "va_bni",
        "va_bri",
        "va_mandiri",
        "va_permata",
    }


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("50000.00", 50_000),
        ("50000", 50_000),
        (50000, 50_000),
        ("50000.50", None),  # a fraction of a rupiah: refused like a wrong amount
        ("-50000.00", None),
        ("lima puluh ribu", None),
        ("NaN", None),
        (None, None),
    ],
)
def test_amounts_are_whole_rupiah_or_nothing(value, amount):
    assert parse.rupiah(value) == amount


def test_a_settled_transaction_tells_its_method_amount_and_currency_and_a_pending_one_nothing():
    assert parse.payment_of(_transaction()) == ("qris", 50_000, "idr")
    assert parse.payment_of(_transaction(transaction_status="partial_refund")) == (
        "qris",
        50_000,
        "idr",
    )
    assert parse.payment_of(_transaction(transaction_status="pending")) is None
    assert parse.payment_of(_transaction(transaction_status="expire")) is None
    assert parse.payment_of(_transaction(gross_amount="50000.50")) is None


def test_a_time_that_cannot_be_read_is_now():
    before = datetime.datetime.now(tz=datetime.UTC)
    assert parse.moment("03/12/2026") >= before
    assert parse.moment(None) >= before


# --- Fees --------------------------------------------------------------------------------------


def test_fees_come_from_the_contract_table_rounded_up(settings):
    settings.MIDTRANS_FEES = {"qris": (0.7, 0), "va_bca": (0.0, 4_000), "gopay": (2.0, 500)}
    assert midtrans_fee("qris", 50_000) == 350
    assert midtrans_fee("qris", 10_001) == 71  # 70.007 rounded up: a cost is never under-counted
    assert midtrans_fee("va_bca", 1_000_000) == 4_000
    assert midtrans_fee("gopay", 25_000) == 1_000
    assert midtrans_fee("shopeepay", 25_000) is None  # not priced by the contract
