"""Journeys through the portal in a real browser.

Texts are matched by roles, ids, names and hrefs, not by Indonesian wording (the Indonesian
catalogue is still being written); where a message must be read, it is looked up through
gettext in the language the page is in, so the check follows the catalogue.

Every test uses ``serialized_rollback``: the kecamatan and villages are loaded by a data
migration, and a transactional test would otherwise leave an empty registry behind it.
"""

import json
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.utils import translation

from accounts.forms import SignupForm
from accounts.models import Consent, Role, User
from tests.factories import GENTENG, MUNCAR, PASSWORD, make_official, totp_code

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SIGNUP_URL = "/akun/signup/"
LOGIN_URL = "/akun/login/"
ACCOUNT_URL = "/akun/saya/"
DATA_EXPORT_URL = "/akun/saya/data/"
MFA_ACTIVATE_URL = "/akun/2fa/totp/activate/"
MFA_AUTHENTICATE_URL = "/akun/2fa/authenticate/"
REAUTHENTICATE_URL = "/akun/reauthenticate/"
OFFICIALS_URL = "/petugas/"
REGIONS_URL = "/petugas/wilayah/"

# allauth's e-mail verification code, on a line of its own: "ABCD-EFGH" by default (dashed
# groups), or one run of letters and digits if the format is changed to undashed.
CODE_LINE = re.compile(r"^(?:[A-Z0-9]{2,}(?:-[A-Z0-9]{2,})+|[A-Z0-9]*[0-9][A-Z0-9]*)$")


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].split("#")[0]


def submit_form_of(page, field_selector: str) -> None:
    """Click the submit button of the form holding ``field_selector`` (the header's sign-out
    form has a submit button too)."""
    form = page.locator("form", has=page.locator(field_selector))
    form.locator("button[type=submit], input[type=submit]").first.click()


def verification_code_from(message) -> str:
    bodies = [message.body] + [
        content for content, mimetype in getattr(message, "alternatives", []) if "text" in mimetype
    ]
    for body in bodies:
        for line in body.splitlines():
            if CODE_LINE.match(line.strip()):
                return line.strip()
    raise AssertionError(f"No verification code in the e-mail:\n{message.body}")


def wait_for_fresh_totp_period() -> None:
    """The portal accepts only the current 30-second code (no tolerance): do not type one in
    the last seconds of its period, or it may be checked in the next."""
    left = mfa_settings.TOTP_PERIOD - time.time() % mfa_settings.TOTP_PERIOD
    if left < 4:
        time.sleep(left + 0.2)


def current_totp(secret: str) -> str:
    wait_for_fresh_totp_period()
    # The middle counter of allauth's tolerance window is "now".
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto(LOGIN_URL)
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        submit_form_of(page, "input[name=password]")


@pytest.mark.browser
def test_visitor_signs_up_with_consent_verifies_email_downloads_data_and_switches_to_english(
    page, mailoutbox, assert_no_csp_violations
):
    email = "warga.genteng@example.org"
    password = "nasi-pecel-dan-rujak-soto-77"

    response = page.goto(SIGNUP_URL)
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "id"
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    consent = page.locator("input[name=privacy_consent]")
    assert consent.get_attribute("type") == "checkbox"
    assert not consent.is_checked()

    # Without the consent the browser itself refuses to send the form...
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    submit_form_of(page, "input[name=password1]")
    page.wait_for_timeout(300)
    assert not posts
    assert path_of(page) == SIGNUP_URL
    assert consent.evaluate("el => el.validity.valueMissing") is True
    assert not User.objects.filter(email=email).exists()

    # ...and so does the server, when the browser's check is bypassed.
    page.locator("form", has=page.locator("input[name=password1]")).evaluate(
        "form => { form.noValidate = true; }"
    )
    with page.expect_navigation():
        submit_form_of(page, "input[name=password1]")
    assert path_of(page) == SIGNUP_URL
    with translation.override("id"):
        required_message = str(SignupForm.base_fields["privacy_consent"].error_messages["required"])
    error = page.locator(".errorlist", has_text=required_message)
    assert error.count() == 1
    assert not User.objects.filter(email=email).exists()
    assert not mailoutbox

    # With the consent the account is made and a verification code is e-mailed.
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.check("input[name=privacy_consent]")
    with page.expect_navigation():
        submit_form_of(page, "input[name=password1]")
    assert User.objects.filter(email=email).exists()
    assert len(mailoutbox) == 1
    assert mailoutbox[-1].to == [email]
    code = verification_code_from(mail.outbox[-1])

    code_input = page.locator("input[name=code]")
    code_input.wait_for()
    code_input.fill(code)
    with page.expect_navigation():
        submit_form_of(page, "input[name=code]")

    # Signed in, on their own account page.
    assert path_of(page) == ACCOUNT_URL
    assert page.get_by_text(email, exact=True).count() >= 1
    assert EmailAddress.objects.get(email=email).verified

    # "Download my data" gives a JSON file with their e-mail and their consent.
    download_link = page.locator(f"a[href='{DATA_EXPORT_URL}']")
    assert download_link.count() == 1
    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".json")
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == email
    assert email in [a["email"] for a in data["email_addresses"]]
    consents = [c for c in data["consents"] if c["purpose"] == "privacy_notice"]
    assert len(consents) == 1
    assert consents[0]["withdrawn_at"] is None
    assert Consent.objects.filter(
        user__email=email, purpose=Consent.Purpose.PRIVACY_NOTICE, withdrawn_at__isnull=True
    ).exists()

    # The footer's language links turn the same page into English, under /en/, and back.
    with page.expect_navigation():
        page.click(".language-switch a[hreflang=en]")
    assert path_of(page) == "/en" + ACCOUNT_URL
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().strip() == "My account"
    assert page.locator(".language-switch a[aria-current=page]").get_attribute("hreflang") == "en"
    with page.expect_navigation():
        page.click(".language-switch a[hreflang=id]")
    assert path_of(page) == ACCOUNT_URL
    assert page.locator("html").get_attribute("lang") == "id"

    assert_no_csp_violations()


@pytest.mark.browser
def test_official_without_totp_is_sent_to_enrol_then_sees_only_their_kecamatan(
    page, assert_no_csp_violations
):
    official = make_official(role=Role.REVIEWER, kecamatan=(GENTENG,), totp=False)

    sign_in(page, official.email)
    assert path_of(page) != LOGIN_URL, "the password was refused"

    # The officials' pages send an official without TOTP to enrolment first.
    page.goto(REGIONS_URL)
    if path_of(page) == REAUTHENTICATE_URL:
        # allauth (65.x, MFA_REAUTHENTICATION_REQUIRED defaults to True) counts only an
        # explicit re-authentication as fresh, not the sign-in a moment ago: the official
        # confirms their password once more, then goes on to enrolment.
        assert f"next={quote(MFA_ACTIVATE_URL, safe='')}" in page.url
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            submit_form_of(page, "input[name=password]")
    assert path_of(page) == MFA_ACTIVATE_URL
    secret = page.locator("#authenticator_secret").input_value().strip()
    assert re.fullmatch(r"[A-Z2-7]+=*", secret), secret
    page.fill("input[name=code]", current_totp(secret))
    with page.expect_navigation():
        submit_form_of(page, "input[name=code]")
    assert path_of(page) != MFA_ACTIVATE_URL, "the TOTP code was refused"
    assert Authenticator.objects.filter(user=official, type=Authenticator.Type.TOTP).exists()

    # Now the region list opens, and shows Genteng only.
    response = page.goto(REGIONS_URL)
    assert response.status == 200
    assert path_of(page) == REGIONS_URL
    table = page.locator("main table")
    assert table.locator(f"a[href='{REGIONS_URL}{GENTENG}/']").count() == 1
    assert table.get_by_role("link", name="Genteng").count() == 1
    assert table.locator(f"a[href='{REGIONS_URL}{MUNCAR}/']").count() == 0
    assert "Muncar" not in table.inner_text()

    # Muncar is outside their scope: the 404 page, not the kecamatan.
    response = page.goto(f"{REGIONS_URL}{MUNCAR}/")
    assert response.status == 404
    with translation.override("id"):
        not_found = translation.gettext("Page not found")
    assert page.locator("h1").inner_text().strip() == not_found
    assert "Muncar" not in page.locator("main").inner_text()

    assert_no_csp_violations()


@pytest.mark.browser
def test_official_with_totp_is_asked_for_code_after_password_and_lands_on_their_work(
    page, assert_no_csp_violations
):
    official = make_official(role=Role.REVIEWER, kecamatan=(GENTENG,), totp=True)

    sign_in(page, official.email)
    assert path_of(page) == MFA_AUTHENTICATE_URL
    # The password alone does not sign them in: no officials' link in the header yet.
    assert page.locator(f"header a[href='{OFFICIALS_URL}']").count() == 0

    wait_for_fresh_totp_period()
    page.fill("input[name=code]", totp_code(official))
    with page.expect_navigation():
        submit_form_of(page, "input[name=code]")
    # A reviewer's work is the review queue (tests/e2e/test_landing_journey.py).
    assert path_of(page) == "/petugas/registri/"
    assert page.locator(f"header a[href='{OFFICIALS_URL}']").count() == 1
    page.goto(OFFICIALS_URL)
    assert page.locator(f"main a[href='{REGIONS_URL}']").count() == 1

    assert_no_csp_violations()


@pytest.mark.browser
def test_first_tab_on_home_page_focuses_skip_link(page, assert_no_csp_violations):
    response = page.goto("/")
    assert response.status == 200
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({href: document.activeElement.getAttribute('href'),"
        " cls: document.activeElement.className})"
    )
    assert focused["href"] == "#main", focused
    assert page.locator("a.skip-link").inner_text().strip()
    # Following it moves focus to the main content.
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    assert_no_csp_violations()
