"""Donations: a gift by bank transfer, in a real browser, from the donor's proof to the receipt.

A donor gives to the Rantang Kasih fund by bank transfer and uploads a photo of the transfer;
finance officer A finds the gift in the queue and matches it with the bank statement; A is not
offered a confirmation and is told a second officer must confirm; officer B confirms; the gift
is received, in the ledger once, and its receipt is in the outbox.

Texts are matched by ids, names and hrefs, not by wording (the Indonesian catalogue is being
written); the one message read is looked up through gettext in the page's language.
"""

import io
import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from django.utils import timezone, translation
from PIL import Image

from accounts.models import Role
from core.money import format_rupiah
from donations.models import Entry, Gift, Transaction
from notifications.models import Notification
from tests.factories import PASSWORD, make_official, totp_code

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LOGIN_URL = "/akun/login/"
MFA_AUTHENTICATE_URL = "/akun/2fa/authenticate/"
REAUTHENTICATE_URL = "/akun/reauthenticate/"
OFFICIALS_URL = "/petugas/"
FINANCE_URL = "/petugas/keuangan/"
QUEUE_URL = "/petugas/keuangan/transfer/"
GIVE_URL = "/donasi/"
DONOR_EMAIL = "dermawan@example.org"


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].split("#")[0]


def submit_form_of(page, field_selector: str) -> None:
    form = page.locator("form", has=page.locator(field_selector))
    form.locator("button[type=submit], input[type=submit]").first.click()


def wait_for_fresh_totp_period() -> None:
    left = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
    if left < 4:
        time.sleep(left + 0.2)


def sign_in_with_totp(page, official) -> None:
    page.goto(LOGIN_URL)
    page.fill("input[name=login]", official.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        submit_form_of(page, "input[name=password]")
    assert path_of(page) == MFA_AUTHENTICATE_URL, f"the password was refused ({page.url})"
    wait_for_fresh_totp_period()
    page.fill("input[name=code]", totp_code(official))
    with page.expect_navigation():
        submit_form_of(page, "input[name=code]")
    assert path_of(page) not in {LOGIN_URL, MFA_AUTHENTICATE_URL}, "the TOTP code was refused"


def reauthenticate_if_asked(page) -> None:
    if path_of(page) == REAUTHENTICATE_URL:
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            submit_form_of(page, "input[name=password]")


def open_gift_from_the_queue(page, reference: str) -> None:
    """From the officials' area: the finance link, the bank-transfer queue, the gift."""
    page.goto(OFFICIALS_URL)
    with page.expect_navigation():
        page.locator(f"main a[href='{FINANCE_URL}']").first.click()
    reauthenticate_if_asked(page)
    assert path_of(page) == FINANCE_URL
    with page.expect_navigation():
        page.locator(f"main a[href='{QUEUE_URL}']").first.click()
    assert path_of(page) == QUEUE_URL
    with page.expect_navigation():
        page.locator("main table a", has_text=reference).click()


@pytest.mark.browser
@pytest.mark.timeout(240)
def test_bank_transfer_recorded_and_confirmed_by_a_second_officer(
    open_page, tmp_path, assert_no_csp_violations
):
    officer_a = make_official(Role.FINANCE_OFFICER)
    officer_b = make_official(Role.FINANCE_OFFICER)

    # --- The donor gives by bank transfer and sends a photo of it. ---
    donor = open_page()
    donor.goto(GIVE_URL)
    donor.fill("input[name=amount]", "50.000")
    donor.click("[data-method-more] > summary")  # the other ways to pay, folded after QRIS
    donor.check("input[name=method][value=bank]")
    donor.fill("input[name=email]", DONOR_EMAIL)
    with donor.expect_navigation():
        submit_form_of(donor, "input[name=amount]")
    assert path_of(donor).startswith("/donasi/transfer/"), donor.url
    reference = donor.locator("#transfer-reference").inner_text().strip()
    assert re.fullmatch(r"RK-[2-9A-Z]{8}", reference), reference
    gift = Gift.objects.get(bank_reference=reference)
    # The unique code (1 to 999 rupiah) is part of the gift: the amount to transfer.
    assert (gift.base_amount, gift.status) == (50_000, Gift.Status.AWAITING_TRANSFER)
    assert 50_000 < gift.amount < 51_000

    photo = tmp_path / "bukti-transfer.png"
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (30, 120, 200)).save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())
    donor.set_input_files("input[name=proof]", str(photo))
    with donor.expect_navigation():
        submit_form_of(donor, "input[name=proof]")
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PROOF_SUBMITTED
    assert gift.proof
    assert_no_csp_violations()

    # --- Officer A matches it with the bank statement. ---
    a = open_page()
    sign_in_with_totp(a, officer_a)
    open_gift_from_the_queue(a, reference)
    assert path_of(a) == f"{FINANCE_URL}donasi/{gift.public_ref}/"
    assert a.locator("#proof-link").count() == 1
    match = a.locator("#match-form")
    assert match.locator("input[name=received_amount]").input_value() == format_rupiah(gift.amount)
    match.locator("input[name=statement_date]").fill(timezone.localdate().isoformat())
    match.locator("input[name=statement_line]").fill(f"TRF DARI DERMAWAN {reference}")
    with a.expect_navigation():
        match.locator("button[type=submit]").click()
    gift.refresh_from_db()
    assert gift.status == Gift.Status.MATCHED
    assert gift.matched_by_ref == officer_a.public_ref

    # A is not offered the confirmation, and the confirmation page says why.
    assert a.locator("#confirm-form").count() == 0
    assert a.locator("#second-officer-needed").count() == 1
    a.goto(f"{FINANCE_URL}donasi/{gift.public_ref}/konfirmasi/")
    assert a.locator("main form button[type=submit]").count() == 0
    with translation.override("id"):
        refusal = translation.gettext(
            "A second finance officer must confirm: you matched this transfer."
        )
    assert refusal in a.locator("main").inner_text()
    gift.refresh_from_db()
    assert gift.status == Gift.Status.MATCHED
    assert not Transaction.objects.filter(gift=gift).exists()
    assert_no_csp_violations()

    # --- Officer B confirms. ---
    b = open_page()
    sign_in_with_totp(b, officer_b)
    open_gift_from_the_queue(b, reference)
    assert b.locator("#second-officer-needed").count() == 0
    with b.expect_navigation():
        b.locator("#confirm-form button[type=submit]").click()
    assert path_of(b) == f"{FINANCE_URL}donasi/{gift.public_ref}/"

    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert gift.decided_by_ref == officer_b.public_ref
    assert re.fullmatch(r"RK-\d{4}-\d{6}", gift.receipt_number)
    assert gift.receipt_number in b.locator("main").inner_text()
    assert Transaction.objects.filter(gift=gift, kind=Transaction.Kind.GIFT).count() == 1
    assert sorted(
        Entry.objects.filter(transaction__gift=gift).values_list("account", "amount")
    ) == [
        ("clearing:bank", -gift.amount),
        ("general", gift.amount),
    ]
    receipt = Notification.objects.get(template="donation_receipt", dedup_key=f"receipt:{gift.pk}")
    assert receipt.to_address == DONOR_EMAIL
    assert receipt.context["receipt_number"] == gift.receipt_number

    # The donor's page now says the transfer was confirmed.
    donor.reload()
    assert gift.receipt_number in donor.locator("main").inner_text()
    assert_no_csp_violations()
