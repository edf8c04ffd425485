"""Student visits: a student's way through a visit, in a real browser.

A 16-year-old signs up with her school and names her mother, who consents through the link
e-mailed to her; the school's coordinator confirms the student; she books a visit, gets the
reminder e-mail two hours before, sees the address only on the day, checks in with the code the
organiser gives, and files a report with a flag; the reviewer of the kecamatan gets the alert
and reads the report; the certificate's code checks out on the public page.

The clock: the visit is set a little more than two hours ahead, and the part from the reminder
to the report runs with the clock moved (time-machine, ticking) to ten minutes before the
visit: the live server runs in this process and follows it. Texts are matched by ids, names
and hrefs, not by Indonesian wording.
"""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from accounts.models import Role
from portal.models import Status
from tests.conftest import deliver_notifications
from tests.factories import GENTENG, PASSWORD, SchoolFactory, UserFactory, make_official
from tests.factories.portal import RecipientFactory
from volunteers.models import Booking, Certificate, Student, VisitReport
from volunteers.services.slots import slot_create
from volunteers.services.students import student_decide

from .test_registry_journey import sign_in_with_totp, wait_for_fresh_totp_period

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LOGIN_URL = "/akun/login/"
VISITS_URL = "/kunjungan/"
MOTHER = "ibu.dewi@example.org"


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].split("#")[0]


def submit(page, field_selector: str) -> None:
    form = page.locator("form", has=page.locator(field_selector))
    with page.expect_navigation():
        form.locator("button[type=submit]").first.click()


def sign_in(page, email: str) -> None:
    page.goto(LOGIN_URL)
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    submit(page, "input[name=password]")
    assert path_of(page) != LOGIN_URL, "the password was refused"


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


@pytest.mark.browser
def test_a_student_books_is_reminded_checks_in_reports_a_flag_and_earns_a_certificate(
    open_page, live_server, mailoutbox, assert_no_csp_violations
):
    school = SchoolFactory(name="SMA Negeri 1 Genteng")
    coordinator = make_official(Role.SCHOOL_COORDINATOR, school=school)
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    person = RecipientFactory(status=Status.PUBLISHED, publishable=True, kecamatan_code=GENTENG)
    organiser = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    starts_at = (
        datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2, minutes=10)
    ).replace(second=0, microsecond=0)
    (slot,) = slot_create(
        actor=organiser,
        recipient=person,
        starts_at=starts_at,
        duration_minutes=90,
        capacity=3,
        meeting_point="Balai Desa Kembiritan",
        what_to_bring="Buah",
    )
    dewi = UserFactory(name="Dewi Lestari", language="id")
    today = datetime.date.today()
    birth = today.replace(year=today.year - 16) - datetime.timedelta(days=3)

    # --- The student signs up with her school and names her mother -----------------------------
    student_page = open_page()
    sign_in(student_page, dewi.email)
    student_page.goto(VISITS_URL)
    with student_page.expect_navigation():
        student_page.click(f"main a[href='{VISITS_URL}daftar/']")
    student_page.select_option("select[name=school]", str(school.pk))
    student_page.fill("input[name=class_name]", "XI IPA 2")
    student_page.fill("input[name=birth_date]", birth.isoformat())
    student_page.fill("input[name=guardian_name]", "Ibu Ratna")
    student_page.fill("input[name=guardian_email]", MOTHER)
    student_page.fill("input[name=relationship]", "ibu")
    submit(student_page, "input[name=class_name]")
    assert path_of(student_page) == VISITS_URL
    student = Student.objects.get(user=dewi)
    assert student.status == Student.Status.PENDING

    # --- Her mother consents through the link in her e-mail --------------------------------------
    (invitation,) = mails_to(MOTHER)
    link = re.search(r"http\S+/kunjungan/izin-wali/\S+/", invitation.body).group(0)
    mother_page = open_page()
    mother_page.goto(link.removeprefix(settings.PORTAL_BASE_URL))
    mother_page.check("#agree")
    submit(mother_page, "#agree")
    assert mother_page.locator("#consent-state").get_attribute("data-state") == "given"
    assert_no_csp_violations()

    # The coordinator confirms she is a student of the school.
    student_decide(student=student, actor=coordinator, to_status=Student.Status.CONFIRMED)

    # --- She finds the visit and books it -------------------------------------------------------
    student_page.goto(VISITS_URL)
    with student_page.expect_navigation():
        student_page.click(f"main a[href='{VISITS_URL}jadwal/']")
    with student_page.expect_navigation():
        student_page.click(f"main a[href='{VISITS_URL}jadwal/{slot.pk}/']")
    with student_page.expect_navigation():
        student_page.click("#book")
    booking = Booking.objects.get(student=student)
    assert path_of(student_page) == f"{VISITS_URL}pemesanan/{booking.pk}/"
    assert student_page.locator("#booking-status").get_attribute("data-status") == "confirmed"
    # The visit is today, so the address shows already: only to her, only since she booked.
    assert person.address in student_page.locator("#visit-address").inner_text()
    assert [m.subject for m in mails_to(dewi.email)], "no booking confirmation"

    # --- Ten minutes before the visit -----------------------------------------------------------
    with time_machine.travel(slot.starts_at - datetime.timedelta(minutes=10), tick=True):
        before = len(mails_to(dewi.email))
        assert "sent" in deliver_notifications() + deliver_notifications()
        reminders = mails_to(dewi.email)[before:]
        assert len(reminders) == 1
        (reminder,) = reminders
        assert person.pseudonym in reminder.subject
        assert "Balai Desa Kembiritan" in reminder.body
        assert person.address not in reminder.body

        student_page.reload()
        assert person.address in student_page.locator("#visit-address").inner_text()
        student_page.fill("input[name=code]", "WRONG1")
        submit(student_page, "input[name=code]")
        assert student_page.locator("#booking-status").get_attribute("data-status") == "confirmed"
        student_page.fill("input[name=code]", slot.checkin_code.lower())
        submit(student_page, "input[name=code]")
        assert student_page.locator("#booking-status").get_attribute("data-status") == "attended"

        with student_page.expect_navigation():
            student_page.click("#file-report")
        student_page.check("input[name=wellbeing][value=poor]")
        student_page.check("input[name=flags][value=looks_ill]")
        student_page.fill("textarea[name=note]", "Mbah batuk terus dan tampak lemas.")
        submit(student_page, "textarea[name=note]")
        report = VisitReport.objects.get(booking=booking)
        assert report.flagged and report.flags == ["looks_ill"]

        with student_page.expect_navigation():
            student_page.goto(f"{VISITS_URL}sertifikat/")
        with student_page.expect_download() as download_info:
            student_page.click("#download-certificate")
        assert download_info.value.suggested_filename.endswith(".pdf")
    assert_no_csp_violations()
    certificate = Certificate.objects.get(student=student)

    # --- The reviewer gets the alert and reads the report ---------------------------------------
    (alert,) = mails_to(reviewer.email)
    assert f"/petugas/kunjungan/laporan/{report.pk}/" in alert.body
    assert "batuk" not in alert.body.lower()
    reviewer_page = open_page()
    wait_for_fresh_totp_period()
    sign_in_with_totp(reviewer_page, reviewer)
    reviewer_page.goto("/petugas/kunjungan/laporan/?flagged=1")
    row = reviewer_page.locator(f"a[href='/petugas/kunjungan/laporan/{report.pk}/']")
    assert row.count() == 1
    with reviewer_page.expect_navigation():
        row.click()
    assert reviewer_page.locator("#report-flags").inner_text().strip() not in ("", "—")
    assert "batuk terus" in reviewer_page.content()
    assert_no_csp_violations()

    # --- Anyone checks the certificate's code ---------------------------------------------------
    public_page = open_page()
    public_page.goto("/sertifikat/cek/")
    public_page.fill("input[name=code]", certificate.code)
    submit(public_page, "input[name=code]")
    assert public_page.locator("#certificate-name").inner_text() == "Dewi Lestari"
    assert school.name in public_page.content()
    assert dewi.email not in public_page.content()
    assert_no_csp_violations()
