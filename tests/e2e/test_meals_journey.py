"""Health inspectors and warung partners, in a real browser.

An inspector opens a warung from the meals page and records an inspection, at desktop width
and on a phone (360 by 740), with and without JavaScript: the date starts at today (WIB), the
score of the boxes ticked is stated (by the server; the script repeats it as boxes are
ticked), "pass" at 73/100 is refused, "pass with notes" is then taken. A warung partner opens
the day's signed link on a phone, in both languages, and sees the warung's own payments and
their state. No page scrolls sideways; axe finds no serious violation; the CSP blocks nothing.

Texts are matched by ids, names and values, not by wording (the Indonesian catalogue is being
written), except the rupiah amounts and transfer references, which are data.
"""

from __future__ import annotations

import datetime
import os

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import Role
from core.time import today_wib
from meals.models import ChecklistItem, Inspection
from meals.services.deliveries import delivery_link_token
from tests.e2e.axe import axe_violations, format_violations
from tests.e2e.test_finance_journey import path_of, sign_in_with_totp
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.finance import fund, listed_person, officer
from tests.factories.meals import plan_for, warung_in
from tests.meals.test_warung_payouts import pay

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
DAY = datetime.timedelta(days=1)
SHOTS = os.environ.get("MEALS_SHOTS", "")


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px sideways on {page.url}"


def no_serious_axe_violation(page) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)


@pytest.mark.parametrize(
    ("viewport", "javascript"),
    [(DESKTOP, True), (PHONE, True), (PHONE, False)],
    ids=["desktop", "phone", "phone-without-js"],
)
def test_an_inspector_records_an_inspection_the_score_allows(
    open_page, live_server, assert_no_csp_violations, viewport, javascript
):
    inspector = make_official(Role.HEALTH_INSPECTOR)
    warung = warung_in(GENTENG, name="Warung Bu Tini")
    page = open_page(viewport=viewport, java_script_enabled=javascript)
    if javascript:
        sign_in_with_totp(page, inspector)
    else:  # the sign-in's own journey is tested elsewhere; here the form without a script
        client = Client()
        client.force_login(inspector)
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )

    # From the meals page to the warung, and on to the form.
    page.goto("/petugas/makan/")
    with page.expect_navigation():
        page.locator(f"main a[href='/petugas/makan/warung/{warung.pk}/']").first.click()
    form_path = f"/petugas/makan/warung/{warung.pk}/inspeksi/"
    with page.expect_navigation():
        page.locator(f"main a[href='{form_path}']").click()
    assert path_of(page) == form_path
    date = page.locator("input[name=inspected_on]")
    assert date.input_value() == today_wib().isoformat()
    assert date.get_attribute("max") == today_wib().isoformat()
    assert page.locator("#inspection-score").text_content() == "0"
    no_sideways_scroll(page)
    if javascript:  # axe runs in the page: it needs the page's JavaScript
        no_serious_axe_violation(page)

    # Eight of eleven items: 73/100. With the script the score follows the boxes at once.
    boxes = page.locator("input[name=items_met]")
    assert boxes.count() == len(ChecklistItem.values)
    for index in range(8):
        boxes.nth(index).check()
    if javascript:
        assert page.locator("#inspection-score").text_content() == "73"
        allowed = page.locator("#inspection-allowed").text_content()
        assert allowed.count(",") == 1  # pass with notes, fail
    page.locator("input[name=result][value=pass]").check()
    page.fill("textarea[name=findings]", "Sayur kurang; tempat sampah terbuka; masakan pedas")
    with page.expect_navigation():
        page.locator("#inspection-form button[type=submit]").click()
    # Refused beside the result, nothing saved, the boxes still ticked, the score stated.
    assert path_of(page) == form_path
    assert page.locator("main p.message-error[role=alert]").count() == 1  # above the form
    result_field = page.locator(".review-field.has-error", has=page.locator("[name=result]"))
    assert result_field.locator(".errorlist").count() == 1
    assert "73/100" in result_field.locator(".errorlist").text_content()
    assert page.locator("#inspection-score").text_content() == "73"
    assert page.locator("input[name=items_met]:checked").count() == 8
    assert not Inspection.objects.filter(inspector=inspector).exists()
    no_sideways_scroll(page)
    if SHOTS:
        width = viewport["width"]
        page.screenshot(path=f"{SHOTS}/inspection-refused-{width}-js{javascript:d}.png")

    page.locator("input[name=result][value=pass_with_notes]").check()
    with page.expect_navigation():
        page.locator("#inspection-form button[type=submit]").click()
    inspection = Inspection.objects.get(inspector=inspector)
    assert path_of(page) == f"/petugas/makan/inspeksi/{inspection.pk}/"
    assert (inspection.score, inspection.result) == (73, "pass_with_notes")
    assert inspection.inspected_on == today_wib()
    no_sideways_scroll(page)
    assert_no_csp_violations()


def test_a_warung_partner_sees_its_payments_on_its_daily_link_on_a_phone(
    open_page, assert_no_csp_violations
):
    warung = warung_in(GENTENG, name="Warung Bu Tini")
    person = listed_person(kecamatan_code=GENTENG, pseudonym="Mbah Sumi")
    plan_for(person, warung, starts_on=today_wib() - 5 * DAY)
    officers = (officer(), officer())
    fund(*officers, amount=5_000_000)
    today = today_wib()
    pay(officers, warung, person, paid_on=today, reference="BJTM-0042", amount=144_000)
    pay(officers, warung, person, paid_on=today - 20 * DAY, reference="BJTM-0017", decide=False)
    pay(officers, warung, person, paid_on=today - 40 * DAY, reference="BJTM-0009", decide="reject")
    other = warung_in(MUNCAR, name="Warung Lain")
    pay(officers, other, listed_person(kecamatan_code=MUNCAR), paid_on=today, reference="LAIN-1")
    token = delivery_link_token(warung=warung, day=today)

    page = open_page(viewport=PHONE)
    for prefix in ("", "/en"):
        page.goto(f"{prefix}/antar/{token}/")
        payouts = page.locator("#payouts .payout")
        assert payouts.count() == 3
        assert payouts.nth(0).locator(".payout-paid").count() == 1
        assert "Rp144.000" in payouts.nth(0).text_content()
        assert payouts.nth(1).locator(".payout-checking").count() == 1
        assert payouts.nth(2).locator(".payout-not_confirmed").count() == 1
        assert "LAIN-1" not in page.content()
        # The link from the top of the page to the payments.
        page.locator("a[href='#payouts']").click()
        assert page.locator("#payouts h2").is_visible()
        no_sideways_scroll(page)
        no_serious_axe_violation(page)
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/link-{prefix.strip('/') or 'id'}.png", full_page=True)
    assert_no_csp_violations()
