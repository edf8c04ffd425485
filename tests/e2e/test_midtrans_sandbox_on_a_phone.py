"""The Midtrans sandbox's pages on a 360x740 phone: a QR to "scan" and a virtual account to
"pay" fit the screen, the countdown runs and, at zero, the server says the payment expired;
each outcome reaches the thank-you page through the real notification endpoint."""

import datetime

import pytest
from django.utils import timezone

from donations.models import Gift, MidtransSandboxTransaction, Transaction
from portal.models import Status
from tests.e2e.axe import axe_violations, format_violations
from tests.factories.donations import midtrans_gift_start
from tests.factories.portal import RecipientFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def phone(open_page):
    return open_page(viewport=PHONE)


@pytest.fixture
def listing(db, settings):
    settings.PAYMENTS_SANDBOX = True
    return RecipientFactory(publishable=True, status=Status.PUBLISHED)


def _fits_the_width(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_qris_payment_on_a_phone(phone, listing, assert_no_csp_violations):
    gift = midtrans_gift_start("qris", recipient=listing, language="en")
    page = phone
    assert page.goto("/en" + gift.checkout_url).status == 200
    assert page.locator(".sandbox-label").is_visible()
    qr = page.locator(".sandbox-qr svg")
    box = qr.bounding_box()
    assert box["width"] >= 150 and box["x"] + box["width"] <= PHONE["width"]
    _fits_the_width(page)
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    clock = page.locator("[data-countdown-clock]")
    first = clock.inner_text()
    page.wait_for_function(
        "first => document.querySelector('[data-countdown-clock]').textContent !== first",
        arg=first,
        timeout=3000,
    )
    page.get_by_role("button", name="Pay (scan done)").click()
    page.wait_for_url(f"**/donasi/terima-kasih/{gift.public_ref}/")
    assert "Your payment was received." in page.inner_text("main")
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert Transaction.objects.filter(gift=gift, kind=Transaction.Kind.GIFT).count() == 1
    assert_no_csp_violations()


def test_a_virtual_account_payment_on_a_phone(phone, listing, assert_no_csp_violations):
    gift = midtrans_gift_start("va_bca", recipient=listing, language="en")
    number = MidtransSandboxTransaction.objects.get(order_id=gift.checkout_session_id).va_number
    page = phone
    page.goto("/en" + gift.checkout_url)
    assert page.locator("#sandbox-va-number").inner_text() == number
    assert page.locator(f"button[data-copy-text='{number}']").is_visible()  # the script's
    _fits_the_width(page)
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    pay = page.get_by_role("button", name="Pay this VA")
    assert pay.bounding_box()["y"] + pay.bounding_box()["height"] <= PHONE["height"] * 2
    pay.click()
    page.wait_for_url(f"**/donasi/terima-kasih/{gift.public_ref}/")
    assert "Your payment was received." in page.inner_text("main")
    assert_no_csp_violations()


def test_the_countdown_ends_in_the_servers_expiry(phone, listing, assert_no_csp_violations):
    gift = midtrans_gift_start("gopay", recipient=listing, language="en")
    MidtransSandboxTransaction.objects.filter(order_id=gift.checkout_session_id).update(
        expires_at=timezone.now() + datetime.timedelta(seconds=2)
    )
    page = phone
    page.goto("/en" + gift.checkout_url)
    assert page.get_by_role("button", name="Approve in GoPay").is_visible()
    page.wait_for_selector("#sandbox-state[data-status=expire]", timeout=8000)
    assert "This test payment expired: nothing was paid." in page.inner_text("main")
    gift.refresh_from_db()
    assert gift.status == Gift.Status.EXPIRED
    assert_no_csp_violations()
