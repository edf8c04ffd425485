"""The printable monthly outcome report in Chromium: a lead reviewer at a desk finds it from the
figures page, chooses a kecamatan, prints it (the print media leaves the report alone) and
downloads the PDF; a reviewer on a 360 x 740 phone reads their own kecamatan's, in both
languages, without a sideways scroll. Screenshots go to $SCREENSHOT_DIR when it is set."""

import os
import re

import pytest
from django.test import Client

from accounts.models import Role
from core.time import today_wib
from tests.e2e.axe import axe_violations, format_violations
from tests.e2e.conftest import _CSP_LISTENER
from tests.e2e.test_public_face import axe  # noqa: F401 (a fixture: axe-core, or the skip)
from tests.factories import GENTENG, make_official
from tests.factories.meals import warung_in
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
DESK = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


def signed_in(browser, live_server, user, viewport):
    """A browser context with ``user``'s session (the sign-in itself is another journey's)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(15_000)
    context.add_init_script(_CSP_LISTENER)
    host = re.sub(r"^https?://", "", live_server.url).split(":")[0]
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    return context


def shot(page, name: str) -> None:
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def some_figures() -> None:
    from meals.services.plans import meal_plan_start

    lead = make_official(Role.LEAD_REVIEWER)
    for _ in range(2):
        RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published")
    meal_plan_start(
        actor=lead,
        recipient=RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published"),
        warung=warung_in(GENTENG),
        starts_on=today_wib(),
    )


@pytest.mark.browser
@pytest.mark.timeout(180)
@pytest.mark.usefixtures("axe")
def test_a_lead_reviewer_prints_a_kecamatans_report_and_downloads_its_pdf(
    browser, live_server, page_watch, assert_no_csp_violations, _close_db_connections
):
    some_figures()
    context = signed_in(browser, live_server, make_official(Role.LEAD_REVIEWER), DESK)
    page = context.new_page()
    page.on("console", page_watch.on_console)
    for prefix in ("", "/en"):
        assert page.goto(f"{prefix}/petugas/makan/capaian/").status == 200
        with page.expect_navigation():
            page.locator("#report-link").click()
        assert page.url.split("?")[0].endswith(f"{prefix}/petugas/makan/capaian/laporan/")
        page.select_option("select[name=wilayah]", GENTENG)
        with page.expect_navigation():
            page.locator(".report-form button[type=submit]").click()
        report = page.locator("#report")
        assert report.get_attribute("data-area") == GENTENG
        assert report.get_attribute("data-month") == today_wib().strftime("%Y-%m")
        listed = page.locator('tr[data-figure="listed"] td').inner_text()
        assert listed == "3"
        assert page.locator("[data-print]").is_visible()  # the script ran (same origin)
        violations = axe_violations(page)
        assert not violations, format_violations(page.url, violations)
        shot(page, f"report-desk{prefix.replace('/', '-') or '-id'}")
        # On paper: the report alone, without the portal's header, menu, form or footer.
        page.emulate_media(media="print")
        for hidden in (".site-header", ".site-footer", ".report-controls", ".env-banner"):
            assert not page.locator(hidden).first.is_visible(), hidden
        assert report.is_visible()
        page.emulate_media(media="screen")
        # The PDF of the same report.
        href = page.locator("#report-pdf").get_attribute("href")
        answer = page.request.get(href)
        assert answer.status == 200
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.body().startswith(b"%PDF-")
    assert_no_csp_violations()
    context.close()


@pytest.mark.browser
@pytest.mark.timeout(180)
@pytest.mark.usefixtures("axe")
def test_a_reviewer_reads_their_kecamatans_report_on_a_phone(
    browser, live_server, _close_db_connections
):
    some_figures()
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    context = signed_in(browser, live_server, reviewer, PHONE)
    page = context.new_page()
    for prefix in ("", "/en"):
        assert page.goto(f"{prefix}/petugas/makan/capaian/laporan/").status == 200
        options = page.locator("select[name=wilayah] option")
        assert [options.nth(i).get_attribute("value") for i in range(options.count())] == [GENTENG]
        assert page.locator("#report").get_attribute("data-area") == GENTENG
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (prefix, widths)
        shot(page, f"report-phone{prefix.replace('/', '-') or '-id'}")
        violations = axe_violations(page)
        assert not violations, format_violations(page.url, violations)
        # Another kecamatan, typed into the address: the same 404 as an unknown one.
        assert page.goto(f"{prefix}/petugas/makan/capaian/laporan/?wilayah=35.10.05").status == 404
    context.close()
