"""Giving on a 360x740 phone, with the demonstration and the sandbox banners shown (the stricter
case): once an amount is tapped the submit button is inside the first 740 px, the button names
the amount as it is chosen, the form still gives without JavaScript, and the thank-you page
says the payment's state, updates itself when the payment service answers, and offers the
WhatsApp link first."""

import re

import pytest

from donations.models import Gift
from portal.models import Status
from tests.factories.portal import RecipientFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 360, "height": 740}
EMAIL = "dermawan.hp@example.org"


@pytest.fixture
def phone(open_page):
    """A new phone page, with or without JavaScript, watched for CSP violations."""

    def open_(*, javascript: bool = True):
        return open_page(viewport=PHONE, java_script_enabled=javascript)

    return open_


@pytest.fixture
def listing(db, settings):
    settings.PAYMENTS_SANDBOX = True
    return RecipientFactory(publishable=True, status=Status.PUBLISHED)


def bottom(locator) -> float:
    box = locator.bounding_box()
    return box["y"] + box["height"]


def button(page):
    return page.locator("form.give-form button[type=submit]")


def choose_method(page, value: str) -> None:
    """Tap a way to pay: QRIS is shown at once, the others behind "Other ways"."""
    radio = page.locator(f"input[name=method][value={value}]")
    if not page.locator("[data-method-more]").evaluate("fold => fold.open"):
        page.click("[data-method-more] > summary")
    page.click(f"label[for={radio.get_attribute('id')}]")
    assert radio.is_checked()


@pytest.mark.parametrize("language", ["", "/en"])
@pytest.mark.parametrize("target", ["fund", "listing"])
def test_the_button_is_on_the_first_screen_once_an_amount_is_tapped(
    phone, listing, language, target, assert_no_csp_violations
):
    page = phone()
    path = "/donasi/" if target == "fund" else f"/donasi/untuk/{listing.public_id}/"
    assert page.goto(language + path).status == 200
    # The stricter case: both banners above the header.
    assert page.locator(".env-banner").count() == 2
    assert page.locator(".sandbox-banner").is_visible()
    page.click("label[for=id_preset_1]")  # a week of meals
    assert page.locator("input[name=preset][value=week]").is_checked()
    # QRIS, the way most people here pay, is chosen; the other ways wait behind one tile.
    assert page.locator("input[name=method][value=qris]").is_checked()
    assert page.locator("[data-method-more] > summary").is_visible()
    assert page.evaluate("window.scrollY") == 0
    assert bottom(button(page)) <= PHONE["height"], bottom(button(page))
    assert "Rp168.000" in button(page).inner_text()
    assert_no_csp_violations()


def test_the_button_names_the_amount_as_it_is_chosen(phone, listing, assert_no_csp_violations):
    page = phone()
    page.goto(f"/en/donasi/untuk/{listing.public_id}/")
    assert button(page).inner_text().strip() == "Give"
    page.click("label[for=id_preset_0]")
    assert button(page).inner_text().strip() == "Give Rp24.000"
    # Typing another amount leaves the tapped one.
    page.click("label[for=id_preset_3]")
    page.fill("input[name=amount]", "75.000")
    assert page.locator("input[name=preset][value=other]").is_checked()
    assert button(page).inner_text().strip() == "Give Rp75.000"
    page.click("label[for=id_frequency_1]")
    assert button(page).inner_text().strip() == "Give Rp75.000 a month"
    # Monthly gifts are by card: the card is chosen (shown, unfolded), the other ways are
    # disabled and say so, until the gift is once again.
    assert page.locator("input[name=method][value=card]").is_checked()
    assert page.locator("[data-method-more]").evaluate("fold => fold.open")
    assert page.locator("input[name=method][value=qris]").is_disabled()
    assert page.locator("input[name=method][value=bank]").is_disabled()
    assert page.locator("#method-monthly-note").is_visible()
    assert page.locator("label[for=id_method_0] .tile-once").is_visible()
    page.click("label[for=id_frequency_0]")
    assert not page.locator("input[name=method][value=bank]").is_disabled()
    assert not page.locator("#method-monthly-note").is_visible()
    choose_method(page, "bank")
    assert button(page).inner_text().strip() == "Give Rp75.000"
    page.click("label[for=id_frequency_1]")
    assert page.locator("input[name=method][value=card]").is_checked()
    # Tapping a preset empties the box, which then folds away.
    page.click("label[for=id_preset_2]")
    assert page.locator("input[name=amount]").input_value() == ""
    assert not page.locator("input[name=amount]").is_visible()
    assert button(page).inner_text().strip() == "Give Rp720.000 a month"
    assert_no_csp_violations()


def test_without_javascript_the_form_gives_and_the_thank_you_says_received(
    phone, listing, mailoutbox
):
    page = phone(javascript=False)
    page.goto(f"/en/donasi/untuk/{listing.public_id}/")
    page.click("label[for=id_preset_1]")
    assert button(page).inner_text().strip() == "Give"
    assert bottom(button(page)) <= PHONE["height"]
    choose_method(page, "card")  # the fold opens without the script too
    page.fill("input[name=email]", EMAIL)
    with page.expect_navigation():
        button(page).click()
    gift = Gift.objects.get()
    assert gift.amount == 168_000
    assert page.locator("#sandbox-amount").inner_text().startswith("Rp168.000")
    with page.expect_navigation():
        page.click("button[name=outcome][value=pay]")
    assert page.url.endswith(f"/en/donasi/terima-kasih/{gift.public_ref}/")
    gift.refresh_from_db()
    status = page.locator("#record-status")
    assert status.get_attribute("data-status") == "paid"
    assert gift.receipt_number in status.inner_text()
    assert "waiting" not in page.locator("main").inner_text()
    share = page.locator("a.share-whatsapp")
    assert share.get_attribute("href").startswith("https://wa.me/?text=")
    assert listing.public_id in share.get_attribute("href")
    # Without the script there is nothing to press for copying: the link is written out.
    assert not page.locator("[data-copy-link]").is_visible()
    assert listing.public_id in page.locator("#share-url").input_value()


def test_a_waiting_thank_you_page_updates_itself(phone, listing, assert_no_csp_violations):
    page = phone()
    page.goto(f"/en/donasi/untuk/{listing.public_id}/")
    page.click("label[for=id_preset_0]")
    choose_method(page, "card")
    page.fill("input[name=email]", EMAIL)
    with page.expect_navigation():
        button(page).click()
    checkout = page.url
    gift = Gift.objects.get()
    # Back from the checkout before the payment service answered.
    page.goto(f"/en/donasi/terima-kasih/{gift.public_ref}/")
    assert page.locator("#record-status").get_attribute("data-status") == "pending"
    assert page.locator("[data-copy-link]").is_visible()  # the script offers to copy
    # The payment goes through elsewhere; the page looks again within seconds.
    other = page.context.new_page()
    other.goto(checkout)
    with other.expect_navigation():
        other.click("button[name=outcome][value=pay]")
    page.wait_for_selector("#record-status[data-status=paid]", timeout=15_000)
    gift.refresh_from_db()
    assert gift.receipt_number in page.locator("#record-status").inner_text()
    assert re.search(r"/en/donasi/terima-kasih/", page.url)
    assert_no_csp_violations()
