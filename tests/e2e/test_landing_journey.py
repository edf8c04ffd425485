"""Signing in lands each person on the page of their work, in a real browser, at a desktop and
on a 360 by 740 phone: a reviewer (one role) goes through the TOTP step straight to the review
queue; a person with several roles chooses on the chooser, which counts what waits for them.

Texts are matched through gettext in the page's language, and pages by their addresses."""

import os
import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from django.utils import translation

from accounts.models import Role
from accounts.services import role_grant
from portal.models import Status
from tests.e2e.axe import axe_violations, format_violations
from tests.factories import GENTENG, MUNCAR, PASSWORD, make_official, totp_code
from tests.factories.finance import bank_gift
from tests.factories.portal import RecipientFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

QUEUE_URL = "/petugas/registri/"
TRANSFERS_URL = "/petugas/keuangan/transfer/"
START_URL = "/akun/saya/mulai/"
MFA_AUTHENTICATE_URL = "/akun/2fa/authenticate/"
REAUTHENTICATE_URL = "/akun/reauthenticate/"
SHOTS = os.environ.get("LANDING_SHOTS", "")


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].split("#")[0]


def prefix(language: str) -> str:
    return "" if language == "id" else f"/{language}"


def submit_form_of(page, field_selector: str) -> None:
    form = page.locator("form", has=page.locator(field_selector))
    form.locator("button[type=submit], input[type=submit]").first.click()


def sign_in_with_totp(page, official, *, language: str = "id") -> None:
    """Password, then the authenticator's current code (each official signs in once)."""
    page.goto(f"{prefix(language)}/akun/login/")
    page.fill("input[name=login]", official.email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        submit_form_of(page, "input[name=password]")
    assert path_of(page) == f"{prefix(language)}{MFA_AUTHENTICATE_URL}", page.url
    if mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD < 4:
        time.sleep(4.2)
    page.fill("input[name=code]", totp_code(official))
    with page.expect_navigation():
        submit_form_of(page, "input[name=code]")


def assert_fits(page, width: int) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls {overflow}px sideways at {width}px"


@pytest.mark.parametrize("width,height", [(1280, 900), (360, 740)])
def test_a_reviewer_signs_in_and_lands_on_the_review_queue(
    open_page, width, height, assert_no_csp_violations
):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    record = RecipientFactory(kecamatan_code=GENTENG, status=Status.IN_REVIEW)
    page = open_page(viewport={"width": width, "height": height})
    sign_in_with_totp(page, reviewer)
    assert path_of(page) == QUEUE_URL
    assert page.locator(f"main a[href='{QUEUE_URL}{record.public_id}/']").count() >= 1
    assert_fits(page, width)
    assert_no_csp_violations()


@pytest.mark.parametrize(
    "width,height,language", [(360, 740, "id"), (360, 740, "en"), (1280, 900, "id")]
)
def test_a_person_with_several_roles_chooses_where_to_start(
    open_page, width, height, language, assert_no_csp_violations
):
    person = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    role_grant(user=person, role=Role.FINANCE_OFFICER, actor_label="test")
    mine = [RecipientFactory(kecamatan_code=GENTENG, status=Status.IN_REVIEW) for _ in range(2)]
    muncar = RecipientFactory(kecamatan_code=MUNCAR, status=Status.IN_REVIEW)  # outside scope
    bank_gift()
    page = open_page(viewport={"width": width, "height": height})

    sign_in_with_totp(page, person, language=language)
    assert path_of(page) == f"{prefix(language)}{START_URL}"
    with translation.override(language):
        in_review = translation.ngettext(
            "%(counter)s record submitted and waiting for your review",
            "%(counter)s records submitted and waiting for your review",
            2,
        ) % {"counter": 2}
        proofs = translation.ngettext(
            "%(count)s transfer proof to match", "%(count)s transfer proofs to match", 1
        ) % {"count": 1}
    review_card = page.locator("#work-portal-review_queue")
    assert in_review in review_card.inner_text()
    assert proofs in page.locator("#work-donations-fin_transfers").inner_text()
    assert page.locator(".work-pages > li").count() == 2
    assert_fits(page, width)
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/chooser-{language}-{width}.png", full_page=True)

    # The count opens the queue at what it counted; the title, the page itself.
    with page.expect_navigation():
        review_card.get_by_role("link", name=in_review).click()
    queue = f"{prefix(language)}{QUEUE_URL}"
    assert path_of(page) == queue
    for record in mine:
        assert page.locator(f"main a[href='{queue}{record.public_id}/']").count() >= 1
    assert page.locator(f"main a[href='{queue}{muncar.public_id}/']").count() == 0
    page.go_back()
    with page.expect_navigation():
        page.locator("#work-donations-fin_transfers h2 a").click()
    if path_of(page).endswith(REAUTHENTICATE_URL):
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            submit_form_of(page, "input[name=password]")
    assert path_of(page) == f"{prefix(language)}{TRANSFERS_URL}"
    assert_no_csp_violations()
