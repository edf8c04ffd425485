"""How a gift was paid is recorded (a bank transfer when it is made, a card payment when the
gateway settles it) and said wherever money is read: the receipt, the finance officers' pages
and export, the donor's page and their data download."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.selectors import account_owner
from donations.models import Gift
from donations.selectors.personal_data import donations_export
from donations.services.bank import transfer_record
from donations.services.receipts import donor_token, receipt_lines, receipt_pdf
from tests.donations.test_receipts import pdf_text
from tests.factories import UserFactory
from tests.factories.donations import (
    bank_gift_confirmed,
    gift_start,
    paid_gift,
    session_obj,
    signed_post,
    stripe_event,
)
from tests.factories.finance import officer, paid_card_gift


def en(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def paid_by(gift: Gift) -> str:
    with translation.override("en"):
        return dict(receipt_lines(gift))["Paid by"]


# --- Recorded ----------------------------------------------------------------------------------


def test_a_bank_transfer_is_a_bank_transfer_from_the_moment_it_is_announced(client, recipient):
    response = client.post(
        reverse("donations:give_listing", args=[recipient.public_id]),
        {
            "amount": "75.000",
            "frequency": "once",
            "method": "bank",
            "email": "dermawan@example.org",
            "attempt": "6d1e1f34-1a40-4d7c-9a55-0f0e2d0c8a11",
        },
    )
    assert response.status_code == 302
    gift = Gift.objects.get()
    assert gift.status == Gift.Status.AWAITING_TRANSFER
    assert gift.payment_method == Gift.Method.BANK_TRANSFER


def test_a_transfer_an_officer_found_on_the_statement_is_a_bank_transfer(db):
    gift = transfer_record(
        actor=officer(),
        amount=60_000,
        statement_date=timezone.localdate(),
        statement_line="SETORAN",
    )
    assert gift.payment_method == Gift.Method.BANK_TRANSFER


def test_the_method_a_checkout_offered_is_recorded_when_the_payment_is(client, recipient):
    """Before the fee is fetched (that runs after commit, not here): the event's word."""
    gift = gift_start(recipient=recipient)
    session = {**session_obj(gift), "payment_method_types": ["card"]}
    response = signed_post(client, stripe_event("checkout.session.completed", session))
    assert response.status_code == 200
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert gift.payment_method == Gift.Method.CARD


# --- The receipt -------------------------------------------------------------------------------


def test_the_receipt_says_the_method_and_the_service(recipient, officers):
    card = paid_gift(recipient=recipient, language="en")
    assert card.payment_method == Gift.Method.CARD
    assert paid_by(card) == "Card (Sandbox)"
    assert "Card (Sandbox)" in pdf_text(receipt_pdf(card))

    Gift.objects.filter(pk=card.pk).update(gateway=Gift.Gateway.STRIPE)
    card.refresh_from_db()
    assert paid_by(card) == "Card (Stripe)"
    assert "Card (Stripe)" in pdf_text(receipt_pdf(card))
    with translation.override("id"):
        assert dict(receipt_lines(card))["Metode pembayaran"] == "Kartu (Stripe)"

    Gift.objects.filter(pk=card.pk).update(payment_method=Gift.Method.QRIS)
    card.refresh_from_db()
    assert paid_by(card) == "QRIS (Stripe)"

    bank = bank_gift_confirmed(recipient=recipient, officers=officers, language="en")
    assert paid_by(bank) == "Bank transfer"
    assert "Bank transfer" in pdf_text(receipt_pdf(bank))


def test_while_the_method_is_unknown_the_receipt_names_the_service(recipient):
    gift = paid_gift(recipient=recipient, language="en")
    Gift.objects.filter(pk=gift.pk).update(gateway=Gift.Gateway.STRIPE, payment_method="")
    gift.refresh_from_db()
    assert paid_by(gift) == "Stripe"


# --- The finance officers ----------------------------------------------------------------------


def test_the_gift_page_says_how_it_was_paid(client, recipient, officers):
    card = paid_gift(recipient=recipient)
    bank = bank_gift_confirmed(recipient=recipient, officers=officers)
    client.force_login(officers[0])
    page = client.get(en("donations:fin_gift", card.public_ref))
    assert '<dd id="gift-paid-by">Card (Sandbox)</dd>' in page.content.decode()
    page = client.get(en("donations:fin_gift", bank.public_ref))
    assert '<dd id="gift-paid-by">Bank transfer</dd>' in page.content.decode()
    found = client.get(en("donations:fin_refunds"), {"receipt": card.receipt_number})
    assert '<dd id="gift-paid-by">Card (Sandbox)</dd>' in found.content.decode()


def test_flagged_gifts_and_messages_say_how_they_were_paid(client, db):
    flagged = paid_card_gift()
    Gift.objects.filter(pk=flagged.pk).update(
        status=Gift.Status.FLAGGED, gateway=Gift.Gateway.STRIPE, payment_method=Gift.Method.QRIS
    )
    unknown = paid_card_gift()
    Gift.objects.filter(pk=unknown.pk).update(
        status=Gift.Status.FLAGGED, gateway=Gift.Gateway.STRIPE, payment_method=""
    )
    paid_card_gift(message="Semoga Mbah sehat")
    client.force_login(officer())
    html = client.get(en("donations:fin_attention")).content.decode()
    assert "<td>QRIS (Stripe)</td>" in html
    assert "<td>Stripe</td>" in html
    html = client.get(en("donations:fin_messages")).content.decode()
    assert "Card (Sandbox)" in html


def test_the_gifts_export_has_the_payment_method(client, officers):
    card = paid_card_gift(amount=75_000)
    bank = bank_gift_confirmed(amount=60_000, officers=officers)
    client.force_login(officers[0])
    today = timezone.localdate()
    response = client.post(
        en("donations:fin_export"),
        {
            "kind": "gifts",
            "start": (today - datetime.timedelta(days=1)).isoformat(),
            "end": (today + datetime.timedelta(days=1)).isoformat(),
        },
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))
    header, body = rows[0], rows[1:]
    assert header[5:7] == ["gateway", "payment method"]
    by_receipt = {row[0]: row for row in body}
    assert by_receipt[card.receipt_number][5:7] == ["Sandbox (test payments)", "Card"]
    assert by_receipt[bank.receipt_number][5:7] == ["Bank transfer", "Bank transfer"]


# --- The donor ---------------------------------------------------------------------------------


def test_the_donors_page_and_data_download_say_how_each_gift_was_paid(client, recipient, officers):
    person = UserFactory(email="sari@example.org")
    card = paid_gift(recipient=recipient, user=person)
    bank = bank_gift_confirmed(recipient=recipient, officers=officers, user=person)
    pending = gift_start(recipient=recipient, user=person)

    html = client.get(en("donations:donor_link", donor_token(card.donor))).content.decode()
    assert '<span class="muted gift-paid-by">Card (Sandbox)</span>' in html
    assert '<span class="muted gift-paid-by">Bank transfer</span>' in html
    assert html.count("gift-paid-by") == 2  # not for the checkout still open

    gifts = {row["reference"]: row for row in donations_export(account_owner(person))["gifts"]}
    assert gifts[str(card.public_ref)]["paid_by"] == "card"
    assert gifts[str(card.public_ref)]["payment_service"] == "sandbox"
    assert gifts[str(bank.public_ref)]["paid_by"] == "bank_transfer"
    assert gifts[str(pending.public_ref)]["paid_by"] is None


@pytest.mark.parametrize(
    ("method", "gateway", "said"),
    [
        ("card", "stripe", "Card (Stripe)"),
        ("gopay", "stripe", "GoPay (Stripe)"),
        ("other", "stripe", "Another method (Stripe)"),
        ("", "stripe", "Stripe"),
        ("", "sandbox", "Sandbox (test payments)"),
        ("bank_transfer", "bank", "Bank transfer"),
        ("", "bank", "Bank transfer"),
    ],
)
def test_paid_by_reads_the_stored_values(db, method, gateway, said):
    from donations.models import paid_by_label

    with translation.override("en"):
        assert paid_by_label(method, gateway) == said
        assert Gift(payment_method=method, gateway=gateway).paid_by == said


def test_the_receipt_email_says_how_it_was_paid_in_the_donors_language(recipient):
    from django.core import mail

    from notifications.models import Notification

    gift = paid_gift(amount=50_000, recipient=recipient, language="en")
    note = Notification.objects.get(template="donation_receipt", dedup_key=f"receipt:{gift.pk}")
    assert (note.context["payment_method"], note.context["gateway"]) == ("card", "sandbox")
    [sent] = [m for m in mail.outbox if gift.receipt_number in m.subject]
    assert "Paid by: Card (Sandbox)" in sent.body
