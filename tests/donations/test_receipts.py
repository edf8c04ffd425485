"""The receipt as PDF: what it says (number, date in WIB, amount, for whom, the donor's name,
refunds, the sandbox), and that only the gift's own donor can open it."""

import datetime
import io
import uuid

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from donations.models import Gift
from donations.services.funds import refund_request
from donations.services.receipts import donor_token, receipt_pdf
from tests.factories import UserFactory
from tests.factories.donations import bank_gift_confirmed, gift_start, on_commit, outbox, paid_gift


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_receipt_states_number_date_in_wib_amount_and_the_listings_pseudonym(recipient):
    # 20:30 UTC on 30 November is 03:30 on 1 December in Banyuwangi.
    with time_machine.travel(datetime.datetime(2026, 11, 30, 20, 30, tzinfo=datetime.UTC)):
        gift = paid_gift(recipient=recipient, amount=50_000, language="en")
    text = pdf_text(receipt_pdf(gift))
    assert gift.receipt_number in text
    assert gift.receipt_number.startswith("RK-2026-")
    assert "01-12-2026 03:30" in text
    assert "Rp50.000" in text
    assert recipient.pseudonym in text
    assert "SANDBOX" in text  # paid through the sandbox gateway
    for secret in (recipient.name, recipient.nik, recipient.address, recipient.family_phone):
        assert secret not in text


def test_a_receipt_for_the_fund_says_so_and_names_the_donor_who_gave_a_name(db):
    gift = paid_gift(amount=25_000, name="Ibu Ratna", language="en")
    text = pdf_text(receipt_pdf(gift))
    assert "Rantang Kasih fund" in text
    assert "Ibu Ratna" in text
    assert "donor@example.org" not in text


def test_a_receipt_is_in_the_donors_language(db):
    english = pdf_text(receipt_pdf(paid_gift(language="en")))
    assert "Donation receipt" in english
    assert "Receipt number" in english


def test_a_receipt_without_sandbox_says_nothing_of_it(recipient, officers):
    gift = bank_gift_confirmed(recipient=recipient, amount=60_000, officers=officers, language="en")
    text = pdf_text(receipt_pdf(gift))
    assert "SANDBOX" not in text
    assert gift.bank_reference in text
    assert "Rp60.000" in text


def test_a_refund_is_noted_on_the_receipt(recipient, officers):
    gift = paid_gift(recipient=recipient, amount=50_000, language="en")
    with on_commit():
        refund_request(gift=gift, actor=officers[0], amount=20_000, reason="salah nominal")
    gift.refresh_from_db()
    assert gift.refunded == 20_000
    text = pdf_text(receipt_pdf(gift))
    assert "Refunded" in text
    assert "Rp20.000" in text
    assert "Rp30.000" in text  # what was kept


# --- Who may open it --------------------------------------------------------------------------


def receipt_url(gift: Gift) -> str:
    return reverse("donations:receipt_pdf", args=[gift.public_ref])


def through_link(client: Client, gift: Gift) -> None:
    response = client.get(reverse("donations:donor_link", args=[donor_token(gift.donor)]))
    assert response.status_code == 200


def test_the_donor_who_came_through_their_link_opens_their_receipt(client, recipient):
    gift = paid_gift(recipient=recipient)
    through_link(client, gift)
    response = client.get(receipt_url(gift))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert gift.receipt_number in response["Content-Disposition"]
    assert gift.receipt_number in pdf_text(response.content)


def test_another_donors_receipt_is_404_even_with_a_valid_session(client, recipient):
    mine = paid_gift(recipient=recipient, email="saya@example.org")
    theirs = paid_gift(recipient=recipient, email="orang.lain@example.org")
    through_link(client, mine)
    assert client.get(receipt_url(mine)).status_code == 200
    assert client.get(receipt_url(theirs)).status_code == 404


def test_without_the_link_or_an_account_a_receipt_is_404(client, recipient):
    gift = paid_gift(recipient=recipient)
    assert client.get(receipt_url(gift)).status_code == 404
    assert client.get(reverse("donations:receipt_pdf", args=[uuid.uuid4()])).status_code == 404


def test_a_signed_in_donor_opens_their_receipts_and_nobody_elses(client, recipient):
    person = UserFactory()
    mine = paid_gift(recipient=recipient, user=person)
    theirs = paid_gift(recipient=recipient, email="orang.lain@example.org")
    client.force_login(person)
    assert client.get(receipt_url(mine)).status_code == 200
    assert client.get(receipt_url(theirs)).status_code == 404
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get(receipt_url(mine)).status_code == 404


def test_a_gift_not_received_has_no_receipt(client, recipient):
    gift = gift_start(recipient=recipient)
    through_link(client, gift)
    assert client.get(receipt_url(gift)).status_code == 404


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_receipt_email_carries_the_signed_link_to_the_donors_page(client, recipient, language):
    gift = paid_gift(recipient=recipient, language=language)
    (note,) = outbox("donation_receipt")
    assert note.to_address == gift.donor.email
    link = note.context["link"]
    assert link.startswith("http")
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200
    assert receipt_url(gift) in response.content.decode() or (
        f"/en{receipt_url(gift)}" in response.content.decode()
    )
    assert client.get(receipt_url(gift)).status_code == 200
