"""Community reports: a resident reports an elderly neighbour from a phone, a data officer
verifies the referral after the field visit, and the resident is told, without a personal
detail of the person.

The resident's code is read from the outbox (the WhatsApp message the portal wrote), as the
resident would read it on their phone. Texts are matched by names, ids and hrefs; pages are
watched for Content Security Policy violations.
"""

import pytest

from accounts.models import Role
from community.models import Referral
from portal.models import Recipient, Source, Status
from tests.e2e.axe import axe_violations, format_violations
from tests.e2e.test_public_face import axe  # noqa: F401 (a fixture: axe-core, or the skip)
from tests.e2e.test_registry_journey import (
    OFFICIALS_URL,
    PHONE,
    assert_fits_the_phone,
    path_of,
    reauthenticate_if_asked,
    sign_in_with_totp,
    submit_form_of,
)
from tests.factories import GENTENG, make_official
from tests.factories.community import code_for, rendered, sent_to

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

KEMBIRITAN = "35.10.09.2001"  # a village of Genteng
RESIDENT_PHONE = "0812 7777 3210"
RESIDENT_E164 = "+6281277773210"
HAMLET = "Dusun Krajan RT 003/RW 002"
LANDMARK = "Sebelah penggilingan padi"
SITUATION = "Mbah Painem hidup sendiri, sudah tidak kuat memasak."
NIK = "3510094107450003"
NAME = "Painem"


@pytest.mark.browser
@pytest.mark.timeout(240)
@pytest.mark.usefixtures("axe")
def test_a_resident_reports_a_neighbour_an_officer_verifies_and_the_resident_is_told(
    open_page,
    assert_no_csp_violations,
):
    officer = make_official(Role.DATA_OFFICER)

    # --- 1. A resident, on a phone, finds "Laporkan lansia" from the listings. ----------------
    phone = open_page(**PHONE)
    assert phone.goto("/lansia/").status == 200
    link = phone.locator("main a[href='/laporkan/']")
    assert link.count() == 1
    with phone.expect_navigation():
        link.tap()
    assert path_of(phone) == "/laporkan/"
    assert phone.locator("html").get_attribute("lang") == "id"
    assert_fits_the_phone(phone)
    # The honeypot is there for bots and invisible to the resident.
    assert not phone.locator("input[name=website]").is_visible()

    phone.select_option("select[name=village]", KEMBIRITAN)
    phone.fill("input[name=hamlet]", HAMLET)
    phone.fill("input[name=landmark]", LANDMARK)
    phone.check("input[name=needs][value=daily_meals]")
    phone.fill("textarea[name=situation]", SITUATION)
    phone.fill("input[name=phone]", RESIDENT_PHONE)
    phone.check("input[name=consent]")
    with phone.expect_navigation():
        submit_form_of(phone, "input[name=hamlet]")
    assert path_of(phone).startswith("/laporkan/kode/"), phone.url
    assert_fits_the_phone(phone)
    referral = Referral.objects.get()
    assert referral.status == Referral.Status.UNVERIFIED

    # --- 2. The code arrives by WhatsApp (the outbox); the resident types it back. ------------
    code = code_for(referral)
    phone.fill("input[name=code]", code)
    with phone.expect_navigation():
        submit_form_of(phone, "input[name=code]")
    assert path_of(phone).startswith("/laporkan/terima-kasih/")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.OPEN
    # The last page gives the report's number and the way to follow it.
    assert phone.locator("#report-reference").inner_text() == referral.reference
    assert_fits_the_phone(phone)
    assert_accessible(phone)
    with phone.expect_navigation():
        phone.locator("#report-status-link").tap()
    assert path_of(phone).startswith("/laporkan/status/")
    status_url = phone.url
    assert_steps(phone, [("received", "done"), ("checked", "now")])
    assert_fits_the_phone(phone)
    assert_accessible(phone)
    assert_no_csp_violations()

    # --- 3. A data officer opens the queue, visits, and enters the person found. --------------
    desk = open_page(**PHONE)
    sign_in_with_totp(desk, officer)
    desk.goto(OFFICIALS_URL)
    queue_link = desk.locator("main a[href='/petugas/rujukan/']")
    assert queue_link.count() == 1
    with desk.expect_navigation():
        queue_link.tap()
    reauthenticate_if_asked(desk)
    row_link = desk.locator(f"main table a[href='/petugas/rujukan/{referral.reference}/']")
    assert row_link.count() == 1
    with desk.expect_navigation():
        row_link.tap()
    detail = desk.locator("main").inner_text()
    assert HAMLET in detail and LANDMARK in detail and SITUATION in detail
    with desk.expect_navigation():
        desk.locator("#verify-link").tap()
    assert path_of(desk) == f"/petugas/rujukan/{referral.reference}/verifikasi/"
    assert desk.locator("select[name=village]").input_value() == KEMBIRITAN
    desk.fill("input[name=nik]", NIK)
    desk.fill("input[name=name]", NAME)
    desk.select_option("select[name=sex]", "P")
    desk.fill("input[name=birth_date]", "1945-07-01")
    desk.fill("input[name=address]", "Dusun Krajan")
    with desk.expect_navigation():
        submit_form_of(desk, "input[name=nik]")
    person = Recipient.objects.get()
    assert path_of(desk) == f"/petugas/registri/{person.public_id}/", desk.url
    assert (person.status, person.source, person.name) == (Status.CANDIDATE, Source.REFERRAL, NAME)
    assert person.kecamatan.code == GENTENG
    referral.refresh_from_db()
    assert (referral.status, referral.recipient_id) == (Referral.Status.VERIFIED, person.pk)
    assert_no_csp_violations()

    # --- 4. The resident is told, and nothing about the person travels with it. ---------------
    steps = [n.context["step"] for n in sent_to(RESIDENT_E164, "referral_update")]
    assert steps == ["received", "verified"]
    for note in sent_to(RESIDENT_E164):
        assert note.channel == "whatsapp"
        note.channel = "email"
        text = rendered(note)
        for secret in (NIK, NAME, HAMLET, LANDMARK, SITUATION, "Kembiritan", person.public_id):
            assert secret not in text, (note.template, secret)

    # --- 5. The resident opens their link again: the visit is done, Dinas Sosial reviews. ---
    for url in (status_url, status_url.replace("/laporkan/", "/en/laporkan/", 1)):
        phone.goto(url)
        assert_steps(
            phone,
            [("received", "done"), ("checked", "done"), ("listed", "now"), ("reached", "next")],
        )
        assert_fits_the_phone(phone)
        text = phone.locator("body").inner_text()
        for secret in (NIK, NAME, HAMLET, LANDMARK, SITUATION, "Kembiritan", person.public_id):
            assert secret not in text, (url, secret)
    # A link with a changed character is refused with a page that says so.
    assert phone.goto(status_url[:-4] + "AAA/").status == 400
    assert phone.locator("#link-refused").is_visible()
    assert_no_csp_violations()


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)


def assert_steps(page, expected: list[tuple[str, str]]) -> None:
    steps = page.locator("#report-steps > li")
    found = [
        (steps.nth(i).get_attribute("data-step"), steps.nth(i).get_attribute("data-state"))
        for i in range(steps.count())
    ]
    assert found == expected, (page.url, found)
