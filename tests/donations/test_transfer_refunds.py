"""Refund by transfer: where the gateway cannot give a payment back (refund_possible is False)
or the gift came by bank transfer, one finance officer records the refund (amount, reason, the
donor's account), a second confirms the transfer was made (reference, date), and only then
the ledger moves (the gift's pot → clearing:bank), ``refunded`` rises and the donor is told;
never more than was received less what was refunded; a gateway-refundable gift still goes
through its gateway."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEvent
from donations.models import CLEARING_BANK, Entry, Gift, Refund, Transaction, TransferRefund
from donations.services import ledger
from donations.services.erasure import donor_erase
from donations.services.funds import refund_request
from donations.services.transfer_refunds import (
    refund_by_transfer,
    transfer_refund_cancel,
    transfer_refund_confirm,
    transfer_refund_record,
)
from notifications.models import Notification
from tests.factories.donations import bank_gift_confirmed, finance_officers, paid_gift

TODAY = timezone.localdate


@pytest.fixture
def pair(db):
    return finance_officers(2)


@pytest.fixture
def bank_gift(recipient, pair):
    return bank_gift_confirmed(amount=100_000, recipient=recipient, officers=pair)


def record(gift, actor, amount=40_000, **kw):
    values = {
        "reason": "salah nominal",
        "payee_bank": "BCA",
        "payee_account": "1234 5678 90",
        "payee_name": "Sari Dewi",
        **kw,
    }
    return transfer_refund_record(gift=gift, actor=actor, amount=amount, **values)


def refunds_posted(gift) -> int:
    return Transaction.objects.filter(kind=Transaction.Kind.REFUND, gift=gift).count()


# --- Which way -------------------------------------------------------------------------------


def test_a_bank_transfer_and_a_payment_the_gateway_cannot_give_back_are_refunded_by_transfer(
    bank_gift, recipient, monkeypatch
):
    assert refund_by_transfer(bank_gift)
    card = paid_gift(recipient=recipient)
    assert not refund_by_transfer(card)  # the sandbox gives cards back
    monkeypatch.setattr(
        "donations.gateways.sandbox.SandboxGateway.refund_possible", lambda self, method: False
    )
    assert refund_by_transfer(card)


def test_a_gateway_refundable_gift_still_goes_through_the_gateway(recipient, pair):
    card = paid_gift(recipient=recipient)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        record(card, pair[0])
    assert "refund it through the service" in refused.value.messages[0]
    assert not TransferRefund.objects.exists()
    refund_request(gift=card, actor=pair[0], amount=10_000, reason="double")
    assert Refund.objects.get().status == Refund.Status.SENT


def test_the_gateway_is_not_asked_for_what_it_cannot_refund(recipient, pair, monkeypatch):
    card = paid_gift(recipient=recipient)
    monkeypatch.setattr(
        "donations.gateways.sandbox.SandboxGateway.refund_possible", lambda self, method: False
    )
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        refund_request(gift=card, actor=pair[0], amount=10_000, reason="double")
    assert "refund this gift by bank transfer" in refused.value.messages[0]
    assert not Refund.objects.exists()


# --- The two steps ---------------------------------------------------------------------------


def test_recorded_then_confirmed_by_a_second_officer_moves_the_ledger_once(
    bank_gift, pair, recipient, mailoutbox
):
    first, second = pair
    pot = f"recipient:{recipient.pk}"
    before = ledger.balance(pot), ledger.balance(CLEARING_BANK)
    refund = record(bank_gift, first)
    # Recorded only: nothing moved, nobody told.
    assert refunds_posted(bank_gift) == 0
    bank_gift.refresh_from_db()
    assert bank_gift.refunded == 0
    assert not Notification.objects.filter(template="donation_refunded_by_transfer").exists()
    assert refund.payee_account == "1234567890"

    refund = transfer_refund_confirm(
        refund=refund, actor=second, reference="TRF-0001", paid_on=TODAY()
    )
    assert refund.status == TransferRefund.Status.PAID
    bank_gift.refresh_from_db()
    assert bank_gift.refunded == 40_000
    (posted,) = Transaction.objects.filter(kind=Transaction.Kind.REFUND, gift=bank_gift)
    assert posted.external_id == f"transfer-refund:{refund.pk}"
    lines = dict(posted.entries.values_list("account", "amount"))
    assert lines == {pot: -40_000, CLEARING_BANK: 40_000}
    assert Entry.objects.aggregate(total=Sum("amount"))["total"] == 0
    assert (ledger.balance(pot), ledger.balance(CLEARING_BANK)) == (
        before[0] - 40_000,
        before[1] + 40_000,
    )
    # Paid: only the last digits of the donor's account are kept.
    refund.refresh_from_db()
    assert refund.payee_account == "7890"
    note = Notification.objects.get(template="donation_refunded_by_transfer")
    assert note.context["account_end"] == "7890"
    assert "1234567890" not in str(note.context)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        AuditEvent.Action.TRANSFER_REFUND_RECORDED,
        AuditEvent.Action.TRANSFER_REFUND_CONFIRMED,
    } <= actions
    assert list(refund.transitions.values_list("to_status", flat=True).order_by("pk")) == [
        "recorded",
        "paid",
    ]


def test_the_officer_who_recorded_it_cannot_confirm_it(bank_gift, pair):
    refund = record(bank_gift, pair[0])
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        transfer_refund_confirm(refund=refund, actor=pair[0], reference="T", paid_on=TODAY())
    assert "second finance officer" in refused.value.messages[0]
    assert refunds_posted(bank_gift) == 0


def test_confirming_twice_moves_the_ledger_once(bank_gift, pair):
    refund = record(bank_gift, pair[0])
    transfer_refund_confirm(refund=refund, actor=pair[1], reference="T1", paid_on=TODAY())
    with pytest.raises(ValidationError):
        transfer_refund_confirm(refund=refund, actor=pair[1], reference="T1", paid_on=TODAY())
    bank_gift.refresh_from_db()
    assert (bank_gift.refunded, refunds_posted(bank_gift)) == (40_000, 1)


def test_never_more_than_was_received_less_what_was_refunded(bank_gift, pair):
    first, second = pair
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        record(bank_gift, first, amount=100_001)
    assert refused.value.messages == ["At most Rp100.000 of this gift can still be refunded."]
    waiting = record(bank_gift, first, amount=60_000)
    # What waits for confirmation counts already.
    with pytest.raises(ValidationError):
        record(bank_gift, first, amount=40_001)
    transfer_refund_confirm(refund=waiting, actor=second, reference="T", paid_on=TODAY())
    last = record(bank_gift, first, amount=40_000)
    transfer_refund_confirm(refund=last, actor=second, reference="T2", paid_on=TODAY())
    with pytest.raises(ValidationError):
        record(bank_gift, first, amount=1)
    bank_gift.refresh_from_db()
    assert bank_gift.refunded == 100_000


@pytest.mark.parametrize(
    "bad",
    [
        {"amount": 0},
        {"reason": "  "},
        {"payee_account": ""},
        {"payee_account": "12ab34"},
        {"payee_bank": ""},
        {"payee_name": ""},
    ],
)
def test_bad_input_is_refused_and_nothing_recorded(bank_gift, pair, bad):
    values = {"amount": 10_000, **bad}
    with pytest.raises(ValidationError):
        record(bank_gift, pair[0], **values)
    assert not TransferRefund.objects.exists()


@pytest.mark.parametrize(
    ("reference", "paid_on"),
    [("", TODAY), ("T", lambda: TODAY() + datetime.timedelta(days=1))],
)
def test_a_confirmation_needs_a_reference_and_a_date_not_to_come(
    bank_gift, pair, reference, paid_on
):
    refund = record(bank_gift, pair[0])
    with pytest.raises(ValidationError):
        transfer_refund_confirm(
            refund=refund, actor=pair[1], reference=reference, paid_on=paid_on()
        )
    refund.refresh_from_db()
    assert refund.status == TransferRefund.Status.RECORDED
    assert refunds_posted(bank_gift) == 0


def test_only_a_finance_officer_records_or_confirms(bank_gift, pair, db):
    from tests.factories import UserFactory

    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        record(bank_gift, stranger)
    refund = record(bank_gift, pair[0])
    with pytest.raises(PermissionDenied):
        transfer_refund_confirm(refund=refund, actor=stranger, reference="T", paid_on=TODAY())


def test_a_gift_not_received_cannot_be_refunded(recipient, pair):
    from tests.factories.donations import gift_start

    pending = gift_start(recipient=recipient)
    Gift.objects.filter(pk=pending.pk).update(gateway=Gift.Gateway.BANK)
    pending.refresh_from_db()
    with pytest.raises(ValidationError):
        record(pending, pair[0])


def test_a_cancelled_refund_frees_its_amount_and_forgets_the_account(bank_gift, pair):
    refund = record(bank_gift, pair[0], amount=100_000)
    with pytest.raises(ValidationError):
        transfer_refund_cancel(refund=refund, actor=pair[0], reason="")
    transfer_refund_cancel(refund=refund, actor=pair[0], reason="rekening salah")
    refund.refresh_from_db()
    assert refund.status == TransferRefund.Status.CANCELLED
    assert (refund.payee_bank, refund.payee_account, refund.payee_name) == ("", "", "")
    with pytest.raises(ValidationError):
        transfer_refund_confirm(refund=refund, actor=pair[1], reference="T", paid_on=TODAY())
    record(bank_gift, pair[0], amount=100_000)  # the whole gift may be refunded again


def test_the_donors_account_is_encrypted_at_rest_and_erased_with_the_donor(bank_gift, pair):
    from django.db import connection

    refund = record(bank_gift, pair[0])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT payee_account, payee_name FROM donations_transferrefund WHERE id = %s",
            [refund.pk],
        )
        stored = cursor.fetchone()
    assert "1234567890" not in stored[0] and "Sari" not in stored[1]
    donor_erase(donor=bank_gift.donor)
    refund.refresh_from_db()
    assert (refund.payee_bank, refund.payee_account, refund.payee_name) == ("", "", "")
    assert refund.amount == 40_000  # the refund itself stays, as the ledger does


def test_the_donors_data_download_holds_the_refund_by_transfer_and_its_account(bank_gift, pair):
    from accounts.models import User
    from accounts.registry import AccountOwner
    from donations.selectors.personal_data import donations_export

    record(bank_gift, pair[0])
    owner = AccountOwner(user=User(), verified_emails=(bank_gift.donor.email,))
    [row] = donations_export(owner)["refunds_by_transfer"]
    assert (row["amount"], row["account"]) == (40_000, "1234567890")
    assert row["account_holder"] == "Sari Dewi"
    assert row["status"] == "recorded" and row["receipt_number"] == bank_gift.receipt_number


# --- The officers' pages ---------------------------------------------------------------------


def en(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def test_the_gift_page_offers_the_way_the_gift_can_be_refunded(client, bank_gift, recipient, pair):
    client.force_login(pair[0])
    html = client.get(en("donations:fin_gift", bank_gift.public_ref)).content.decode()
    assert "Refund by transfer" in html and "(it came by bank transfer)" in html
    card = paid_gift(recipient=recipient)
    html = client.get(en("donations:fin_gift", card.public_ref)).content.decode()
    assert "Refund through Sandbox (test payments)" in html
    html = client.get(en("donations:fin_refund_create", card.public_ref)).content.decode()
    assert 'name="payee_account"' not in html


def test_the_two_steps_through_the_pages(client, bank_gift, pair):
    first, second = pair
    url = en("donations:fin_refund_create", bank_gift.public_ref)
    client.force_login(first)
    page = client.get(url).content.decode()
    assert 'name="payee_account"' in page and "there is no payment service" in page
    response = client.post(
        url,
        {
            "amount": "25.000",
            "reason": "salah kirim",
            "payee_bank": "BRI",
            "payee_account": "0987654321",
            "payee_name": "Sari",
        },
    )
    assert response.status_code == 302
    refund = TransferRefund.objects.get()
    page = client.get(url).content.decode()
    assert "a second finance officer confirms the transfer" in page
    assert 'class="confirm-refund"' not in page
    # The same officer posting the confirmation anyway is refused.
    confirm = en("donations:fin_transfer_refund_confirm", refund.pk)
    client.post(confirm, {"reference": "X", "paid_on": TODAY().isoformat()})
    refund.refresh_from_db()
    assert refund.status == TransferRefund.Status.RECORDED

    client.force_login(second)
    assert 'class="confirm-refund"' in client.get(url).content.decode()
    response = client.post(confirm, {"reference": "BRI-778", "paid_on": TODAY().isoformat()})
    assert response.status_code == 302
    refund.refresh_from_db()
    assert (refund.status, refund.transfer_reference) == ("paid", "BRI-778")
    bank_gift.refresh_from_db()
    assert bank_gift.refunded == 25_000


def test_a_gift_with_nothing_left_to_refund_offers_no_refund_form(client, bank_gift, pair):
    from donations.services.transfer_refunds import refundable_left

    record(bank_gift, pair[0], amount=refundable_left(bank_gift))  # all of it, not yet paid
    client.force_login(pair[1])
    page = client.get(en("donations:fin_refund_create", bank_gift.public_ref)).content.decode()
    assert 'id="refund-none"' in page and 'id="refund-form"' not in page
    assert "Nothing is left to refund on this gift." in page
