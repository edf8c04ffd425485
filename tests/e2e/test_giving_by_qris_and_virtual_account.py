"""Giving the Indonesian ways on a 360x740 phone, from the give form to the money's last trace:
by QRIS (the form's first choice, in Indonesian) and by a Mandiri bill virtual account (behind
"Other ways", in English), each through the Midtrans sandbox's page and its signed notification
to the real endpoint. The ledger, the receipt, the transparency page and the listing's progress
then show each gift as they show the card gift paid beside them.

One browser for both journeys, so the public figures are seen to add up across methods.
"""

import re

import pytest

from donations.gateways.midtrans.fees import midtrans_fee
from donations.models import CLEARING_MIDTRANS, Entry, Gift, Transaction, recipient_account
from donations.selectors.transparency import transparency_report
from portal.models import Status
from tests.e2e.axe import axe_violations, format_violations
from tests.e2e.test_giving_on_a_phone import PHONE, bottom, button, choose_method
from tests.factories.donations import outbox, paid_gift
from tests.factories.portal import RecipientFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WEEK = 168_000  # the "a week of meals" preset: 7 days x 1 portion x Rp24.000
CARD = 50_000


@pytest.fixture
def listing(db, settings):
    settings.PAYMENTS_SANDBOX = True
    return RecipientFactory(publishable=True, status=Status.PUBLISHED)


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]


def fits_the_width(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path_of(page)} scrolls sideways: {width} px"


def no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)


def give(page, *, language: str, listing, method: str | None, email: str) -> Gift:
    """The give form at phone size: the week preset, ``method`` (None: the form's own first
    choice), the e-mail address, submit. The gift the submission wrote."""
    assert page.goto(f"{language}/donasi/untuk/{listing.public_id}/").status == 200
    fits_the_width(page)
    page.click("label[for=id_preset_1]")
    assert bottom(button(page)) <= PHONE["height"]
    if method is None:
        assert page.locator("input[name=method][value=qris]").is_checked()
    else:
        choose_method(page, method)  # opens "Other ways"
        fits_the_width(page)
        no_axe_violations(page)  # the form with the fold open
    page.fill("input[name=email]", email)
    before = set(Gift.objects.values_list("pk", flat=True))
    with page.expect_navigation():
        button(page).click()
    (gift,) = Gift.objects.exclude(pk__in=before)
    assert path_of(page) == f"{language}/donasi/sandbox/midtrans/{gift.checkout_session_id}/"
    assert page.locator(".sandbox-label").is_visible()
    assert page.locator("#sandbox-amount").inner_text().startswith("Rp168.000")
    return gift


def pay(page, gift: Gift, *, language: str) -> None:
    """Tap the sandbox page's "pay" (a QR scanned, a virtual account paid): the thank-you
    page, which says the payment was received and gives the receipt's number."""
    with page.expect_navigation():
        page.click("button[name=outcome][value=pay]")
    assert path_of(page) == f"{language}/donasi/terima-kasih/{gift.public_ref}/"
    status = page.locator("#record-status")
    assert status.get_attribute("data-status") == "paid"
    gift.refresh_from_db()
    assert gift.receipt_number and gift.receipt_number in status.inner_text()
    fits_the_width(page)


def assert_recorded_as_for_a_card(gift: Gift, *, method: str, listing, paid: list[Gift]) -> None:
    """Paid by ``method`` through the Midtrans sandbox; its posting from Midtrans's clearing
    account to the person's pot and its fee to operating, as a card's are from Stripe's; one
    receipt in the outbox, with its number."""
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert (gift.payment_method, gift.gateway) == (method, Gift.Gateway.MIDTRANS_SANDBOX)
    assert gift.amount == WEEK
    fee = midtrans_fee(method, WEEK)
    assert fee and gift.fee == fee
    pot = recipient_account(listing.pk)

    def lines(kind):
        (posting,) = Transaction.objects.filter(gift=gift, kind=kind)
        return sorted(posting.entries.values_list("account", "amount"))

    assert lines(Transaction.Kind.GIFT) == sorted([(CLEARING_MIDTRANS, -WEEK), (pot, WEEK)])
    assert lines(Transaction.Kind.FEE) == sorted([(pot, -fee), ("operating", fee)])
    for posting in Transaction.objects.filter(gift=gift):
        assert sum(posting.entries.values_list("amount", flat=True)) == 0
    # The card beside it: the same two postings, from the card gateway's clearing account.
    (card,) = [g for g in paid if g.gateway == Gift.Gateway.SANDBOX]
    assert {t.kind for t in Transaction.objects.filter(gift=card)} == {
        Transaction.Kind.GIFT,
        Transaction.Kind.FEE,
    }
    # The person's pot holds them all, net of their fees.
    expected_pot = sum(g.amount - g.fee for g in paid)
    assert sum(Entry.objects.filter(account=pot).values_list("amount", flat=True)) == expected_pot

    receipts = outbox("donation_receipt")
    assert receipts.count() == len(paid)  # one each, the card's included
    (receipt,) = [r for r in receipts if r.context["receipt_number"] == gift.receipt_number]
    assert receipt.dedup_key == f"receipt:{gift.pk}"
    assert receipt.context["payment_method"] == method


def assert_public_figures(page, *, language: str, listing, paid: list[Gift]) -> None:
    """The transparency page and the listing count every gift, whichever way it was paid."""
    received = sum(g.amount for g in paid)
    fees = sum(g.fee for g in paid)
    assert transparency_report().totals.received == received
    page.goto(f"{language}/donasi/transparansi/")
    fits_the_width(page)

    def figure(name):
        return page.locator(f"[data-figure={name}]").inner_text()

    assert figure("received") == f"Rp{received:,}".replace(",", ".")
    assert figure("fees") == f"Rp{fees:,}".replace(",", ".")
    assert figure("held") == f"Rp{received - fees:,}".replace(",", ".")
    kecamatan = page.locator("#kecamatan tr", has_text=listing.kecamatan.name)
    assert f"Rp{received:,}".replace(",", ".") in kecamatan.inner_text()

    page.goto(f"{language}/lansia/{listing.public_id}/")
    fits_the_width(page)
    assert page.locator(".listing-progress-raised").get_attribute("data-raised") == str(received)
    assert page.locator(".listing-progress-donors").get_attribute("data-donors") == str(len(paid))


def test_giving_by_qris_and_by_virtual_account_on_a_phone(
    open_page, listing, assert_no_csp_violations
):
    # A card gift first, through the card sandbox: what the others are compared with.
    paid = [paid_gift(amount=CARD, recipient=listing, email="kartu@example.org")]
    page = open_page(viewport=PHONE)

    # QRIS, the form's first choice, in Indonesian.
    qris = give(page, language="", listing=listing, method=None, email="qris@example.org")
    assert page.locator(".sandbox-qr svg").is_visible()
    fits_the_width(page)
    pay(page, qris, language="")
    paid.append(qris)
    assert_recorded_as_for_a_card(qris, method="qris", listing=listing, paid=paid)
    assert_public_figures(page, language="", listing=listing, paid=paid)

    # A Mandiri bill, behind "Other ways", in English; the donor leaves to pay later.
    va = give(page, language="/en", listing=listing, method="va_mandiri", email="va@example.org")
    assert page.locator("#sandbox-biller-code").is_visible()
    assert page.locator("#sandbox-bill-key").is_visible()
    fits_the_width(page)
    no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("link", name="I will pay later: back to the portal").click()
    assert path_of(page) == f"/en/donasi/terima-kasih/{va.public_ref}/"
    status = page.locator("#record-status")
    assert status.get_attribute("data-status") == "pending"
    assert status.get_attribute("data-awaiting") == "virtual_account"
    assert "waits for your payment" in status.inner_text()
    fits_the_width(page)
    va.refresh_from_db()
    assert va.status == Gift.Status.PENDING and not va.receipt_number
    assert not Transaction.objects.filter(gift=va).exists()
    assert outbox("donation_receipt").count() == len(paid)
    # Back to the number by the page's link, and paid.
    with page.expect_navigation():
        page.get_by_role("link", name="See the number to pay again").click()
    assert path_of(page) == f"/en/donasi/sandbox/midtrans/{va.checkout_session_id}/"
    assert page.get_by_role("button", name="Pay this VA").is_visible()
    pay(page, va, language="/en")
    paid.append(va)
    assert_recorded_as_for_a_card(va, method="va_mandiri", listing=listing, paid=paid)
    assert_public_figures(page, language="/en", listing=listing, paid=paid)
    assert_no_csp_violations()
