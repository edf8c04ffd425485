"""The bank-transfer queue of the finance officers: a proof seen only by them (and logged), a
match by one officer, a confirmation or rejection by a second, different one."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import AuditEvent, Role
from donations.models import Entry, Gift, Transaction
from notifications.models import Notification
from tests.factories import UserFactory, make_official
from tests.factories.finance import (
    bank_gift,
    listed_person,
    matched_gift,
    officer,
)

pytestmark = pytest.mark.django_db


def url(name, gift):
    return reverse(f"donations:{name}", kwargs={"ref": gift.public_ref})


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def gift_transactions(gift) -> int:
    return Transaction.objects.filter(kind=Transaction.Kind.GIFT, gift=gift).count()


# --- Proofs ------------------------------------------------------------------------------------


def test_a_finance_officer_downloads_the_proof_and_the_view_is_logged(client):
    gift = bank_gift()
    first = officer()
    client.force_login(first)
    response = client.get(url("fin_gift_proof", gift))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body[:3] == b"\xff\xd8\xff"  # the cleaned JPEG, not the PNG sent
    event = AuditEvent.objects.get(action=AuditEvent.Action.PROOF_VIEWED)
    assert event.actor_ref == first.public_ref
    assert event.target == f"donations.gift:{gift.pk}"


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.LEAD_REVIEWER, Role.DATA_OFFICER])
def test_other_officials_cannot_open_a_proof(client, role):
    gift = bank_gift()
    client.force_login(make_official(role))
    assert client.get(url("fin_gift_proof", gift)).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PROOF_VIEWED).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED).exists()


def test_a_donor_cannot_open_anyones_proof_even_their_own(client):
    gift = bank_gift()
    client.force_login(UserFactory(email="donor@example.org"))
    assert client.get(url("fin_gift_proof", gift)).status_code == 403


def test_a_visitor_is_sent_to_sign_in(client):
    gift = bank_gift()
    response = client.get(url("fin_gift_proof", gift))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_gift_or_a_gift_without_proof_is_404_and_not_logged(client):
    import uuid

    client.force_login(officer())
    assert client.get(reverse("donations:fin_gift_proof", args=[uuid.uuid4()])).status_code == 404
    assert client.get(url("fin_gift_proof", bank_gift(proof=False))).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PROOF_VIEWED).exists()


def test_an_administrator_reads_the_gift_but_sees_no_proof_link_or_forms(client):
    gift = bank_gift()
    client.force_login(make_official(Role.ADMINISTRATOR))
    response = client.get(url("fin_gift", gift))
    assert response.status_code == 200
    html = response.content.decode()
    assert url("fin_gift_proof", gift) not in html
    assert url("fin_transfer_match", gift) not in html


# --- The two officers --------------------------------------------------------------------------


def test_match_then_the_same_officer_is_refused_and_a_second_confirms_once(client):
    recipient = listed_person()
    gift = bank_gift(amount=75_000, recipient=recipient)
    first, second = officer(), officer()

    client.force_login(first)
    response = client.post(
        url("fin_transfer_match", gift),
        {
            "received_amount": "Rp75.000",
            "statement_date": timezone.localdate().isoformat(),
            "statement_line": "TRF SITI " + gift.bank_reference,
        },
    )
    assert response.status_code == 302
    gift.refresh_from_db()
    assert gift.status == Gift.Status.MATCHED
    assert gift.received_amount == 75_000
    assert gift.matched_by_ref == first.public_ref

    # The first officer cannot confirm their own match: the service's message is shown.
    page = client.get(url("fin_gift", gift))
    assert url("fin_transfer_confirm", gift) not in page.content.decode()
    response = client.post(url("fin_transfer_confirm", gift), follow=True)
    assert gettext("A second finance officer must confirm: you matched this transfer.") in (
        messages_of(response)
    )
    gift.refresh_from_db()
    assert gift.status == Gift.Status.MATCHED
    assert gift_transactions(gift) == 0
    assert not Notification.objects.filter(template="donation_receipt").exists()

    # A second officer confirms; a second click changes nothing.
    client.force_login(second)
    response = client.post(url("fin_transfer_confirm", gift), follow=True)
    assert response.status_code == 200
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert gift.receipt_number
    assert gift.decided_by_ref == second.public_ref
    response = client.post(url("fin_transfer_confirm", gift), follow=True)
    assert gettext("Only a matched transfer can be confirmed.") in messages_of(response)
    assert gift_transactions(gift) == 1
    entries = Entry.objects.filter(transaction__gift=gift)
    assert sorted(entries.values_list("account", "amount")) == [
        ("clearing:bank", -75_000),
        (f"recipient:{recipient.pk}", 75_000),
    ]
    receipts = Notification.objects.filter(template="donation_receipt")
    assert receipts.count() == 1
    assert receipts.get().to_address == "donor@example.org"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.TRANSFER_CONFIRMED, actor_ref=second.public_ref
    ).exists()


def test_the_statement_amount_is_whole_rupiah_and_the_date_not_in_the_future(client):
    gift = bank_gift()
    client.force_login(officer())
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    for amount, day in [("50,5", timezone.localdate()), ("50.000", tomorrow), ("-5", None)]:
        response = client.post(
            url("fin_transfer_match", gift),
            {
                "received_amount": amount,
                "statement_date": (day or timezone.localdate()).isoformat(),
                "statement_line": "x",
            },
        )
        assert response.status_code == 200
        assert response.context["form"].errors
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PROOF_SUBMITTED
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TRANSFER_MATCHED).exists()


def test_rejecting_needs_a_reason_and_the_donor_is_told(client):
    first, second = officer(), officer()
    gift = matched_gift(first)
    client.force_login(second)

    response = client.post(url("fin_transfer_reject", gift), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    gift.refresh_from_db()
    assert gift.status == Gift.Status.MATCHED
    assert not Notification.objects.filter(template="transfer_rejected").exists()

    response = client.post(
        url("fin_transfer_reject", gift), {"reason": "Tidak ada di rekening koran"}
    )
    assert response.status_code == 302
    gift.refresh_from_db()
    assert gift.status == Gift.Status.REJECTED
    assert gift.reject_reason == "Tidak ada di rekening koran"
    told = Notification.objects.get(template="transfer_rejected")
    assert told.to_address == "donor@example.org"
    assert told.context["reason"] == "Tidak ada di rekening koran"
    assert gift_transactions(gift) == 0


def test_the_officer_who_matched_cannot_reject_either(client):
    first = officer()
    gift = matched_gift(first)
    client.force_login(first)
    response = client.post(url("fin_transfer_reject", gift), {"reason": "salah"})
    assert response.status_code == 200
    assert gettext("A second finance officer must decide: you matched this transfer.") in str(
        response.context["form"].non_field_errors()
    )
    gift.refresh_from_db()
    assert gift.status == Gift.Status.MATCHED


def test_a_transfer_found_on_the_statement_is_recorded_then_confirmed_by_another(client):
    recipient = listed_person()
    first, second = officer(), officer()
    client.force_login(first)
    response = client.post(
        reverse("donations:fin_transfer_record"),
        {
            "amount": "120.000",
            "statement_date": timezone.localdate().isoformat(),
            "statement_line": "SETOR TUNAI",
            "person": recipient.public_id,
            "email": "",
            "name": "",
        },
    )
    assert response.status_code == 302
    gift = Gift.objects.get(statement_line="SETOR TUNAI")
    assert gift.status == Gift.Status.MATCHED
    assert gift.recipient_id == recipient.pk
    assert gift.received_amount == 120_000

    client.post(url("fin_transfer_confirm", gift))
    gift.refresh_from_db()
    assert gift.status == Gift.Status.MATCHED

    client.force_login(second)
    client.post(url("fin_transfer_confirm", gift))
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    # No address was given: there is nobody to send a receipt to.
    assert not Notification.objects.filter(template="donation_receipt").exists()


def test_a_transfer_cannot_be_earmarked_for_someone_not_listed(client):
    from portal.models import Status

    candidate = listed_person(status=Status.CANDIDATE)
    client.force_login(officer())
    response = client.post(
        reverse("donations:fin_transfer_record"),
        {
            "amount": "120.000",
            "statement_date": timezone.localdate().isoformat(),
            "statement_line": "SETOR",
            "person": str(candidate.pk),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["person"]
    assert not Gift.objects.exists()


def test_the_queue_lists_what_waits_and_filters_by_status(client):
    waiting = bank_gift()
    first = officer()
    matched = matched_gift(first)
    not_yet = bank_gift(proof=False)
    client.force_login(first)
    response = client.get(reverse("donations:fin_transfers"))
    refs = {g.public_ref for g in response.context["gifts"]}
    assert refs == {waiting.public_ref, matched.public_ref}
    response = client.get(reverse("donations:fin_transfers"), {"status": "awaiting_transfer"})
    assert [g.public_ref for g in response.context["gifts"]] == [not_yet.public_ref]
