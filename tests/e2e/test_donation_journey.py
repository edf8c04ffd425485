"""Donations: a visitor sponsors a published listing every month through the sandbox
checkout, in a real browser, and sees the listing's progress change.

The sandbox checkout page posts Stripe-shaped events, signed with the webhook secret, to the
real webhook (docs/architecture.md, "Money"); the live server runs in this process, so the
receipt the outbox sends on commit lands in ``mailoutbox``. Texts are matched by ids, data
attributes, names and hrefs, not by Indonesian wording.
"""

import re

import pytest

from donations.models import Gift, Sponsorship
from portal.models import Status
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DONOR_EMAIL = "dermawan.genteng@example.org"


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].split("#")[0]


def figures(page) -> tuple[str, str]:
    raised = page.locator(".listing-progress-raised").get_attribute("data-raised")
    sponsors = page.locator(".listing-progress-sponsors").get_attribute("data-sponsors")
    return raised, sponsors


@pytest.mark.browser
def test_visitor_sponsors_a_listing_through_the_sandbox(
    page, settings, mailoutbox, assert_no_csp_violations
):
    settings.PAYMENTS_SANDBOX = True
    listing = RecipientFactory(publishable=True, status=Status.PUBLISHED)
    detail = f"/lansia/{listing.public_id}/"

    # The listing shows its month so far: nothing raised, no sponsor.
    response = page.goto(detail)
    assert response.status == 200
    assert figures(page) == ("0", "0")
    assert page.locator(".sandbox-banner").count() == 1

    # "Sponsor": the giving form for this person, labelled as the sandbox.
    with page.expect_navigation():
        page.click(f"main a[href='/donasi/untuk/{listing.public_id}/']")
    assert path_of(page) == f"/donasi/untuk/{listing.public_id}/"
    assert page.locator(".sandbox-note").count() == 1
    assert listing.pseudonym in page.locator("h1").inner_text()
    page.fill("input[name=amount]", "Rp 150.000")
    page.check("input[name=frequency][value=monthly]")
    page.check("input[name=method][value=card]")
    page.fill("input[name=email]", DONOR_EMAIL)
    with page.expect_navigation():
        page.locator("form.give-form button[type=submit]").click()

    # The sandbox checkout, in big letters, for the amount the server decided.
    sponsorship = Sponsorship.objects.get()
    assert path_of(page) == f"/donasi/sandbox/{sponsorship.checkout_session_id}/"
    assert page.locator(".sandbox-label").is_visible()
    assert page.locator("#sandbox-amount").inner_text().startswith("Rp150.000")
    assert sponsorship.amount == 150_000
    assert not mailoutbox

    with page.expect_navigation():
        page.click("button[name=outcome][value=pay]")

    # The thank-you page; the first month went through the signed webhook.
    assert path_of(page) == f"/donasi/terima-kasih/{sponsorship.public_ref}/"
    assert page.locator("#record-status").get_attribute("data-status") == "active"
    sponsorship.refresh_from_db()
    assert sponsorship.status == Sponsorship.Status.ACTIVE
    month = Gift.objects.get(sponsorship=sponsorship)
    assert month.status == Gift.Status.PAID

    # Back on the listing: the month's money and one sponsor more.
    with page.expect_navigation():
        page.click(f"main a[href='{detail}']")
    assert path_of(page) == detail
    assert figures(page) == ("150000", "1")
    assert "Rp150.000" in page.locator(".listing-progress-raised").inner_text()

    # The receipt arrived, with its number and the signed link to the donor's page.
    receipts = [m for m in mailoutbox if m.to == [DONOR_EMAIL]]
    assert len(receipts) == 1
    assert month.receipt_number in receipts[0].subject
    link = re.search(r"https?://\S+/donasi/saya/\S+/", receipts[0].body).group(0)
    assert listing.name not in receipts[0].body

    # The link opens the donor's page, with the receipt as PDF.
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    assert page.locator(f"a[href='/donasi/tanda-terima/{month.public_ref}/']").count() == 1

    assert_no_csp_violations()
