"""Coordinators and students guided through their next step, on a 360 by 740 phone.

A coordinator confirms a student and is told what that gives her, then starts removing another
student, is told first what happens to his booking (cancelled, the seat to the waiting list,
his hours kept), and confirms; without JavaScript. A 15-year-old whose mother has not consented
sees why she cannot book instead of the button, sends the link again (a second tap at once is
refused), and books once her mother consents through the new link. Then each new page, in both
languages, fits the phone and passes axe.

Texts are matched by ids, names and data attributes, not by wording (the Indonesian of a new
string arrives with the catalogue); set VISITS_GUIDANCE_SHOTS to a folder for screenshots.
"""

from __future__ import annotations

import datetime
import os
import re

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from notifications.models import Channel
from notifications.selectors import mask_address
from tests.conftest import deliver_notifications
from tests.e2e.axe import axe_violations, format_violations
from tests.factories import SchoolFactory, make_official
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking, GuardianConsent, Student
from volunteers.services.bookings import booking_create
from volunteers.services.students import guardian_consent_request

from .test_registry_journey import sign_in_with_totp
from .test_visits_journey import path_of, sign_in, submit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
SCHOOL_URL = "/petugas/sekolah/"
VISITS_URL = "/kunjungan/"
MOTHER = "ibu.ratna@example.org"
SHOTS = os.environ.get("VISITS_GUIDANCE_SHOTS", "")
B = Booking.Status


def shoot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def fits(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px sideways on {page.url}"


def flash(page) -> str:
    return page.locator(".messages").inner_text()


def ask_mother(student) -> GuardianConsent:
    return guardian_consent_request(
        student=student, guardian_name="Ibu Ratna", guardian_email=MOTHER, relationship="ibu"
    )


@pytest.mark.browser
@pytest.mark.parametrize(
    ("viewport", "script"), [(PHONE, False), (DESKTOP, True)], ids=["phone-no-script", "desktop"]
)
def test_a_coordinator_confirms_then_removes_a_student_once_told_what_happens(
    open_page, live_server, assert_no_csp_violations, viewport, script
):
    school = SchoolFactory(name="SMA Negeri 1 Genteng")
    coordinator = make_official(Role.SCHOOL_COORDINATOR, school=school)
    rina = StudentFactory(school=school, status=Student.Status.PENDING, user__name="Rina")
    budi = StudentFactory(school=school, user__name="Budi Santoso")
    slot = VisitSlotFactory(capacity=1)
    booking_create(slot_id=slot.pk, student=budi)
    next_in_line = StudentFactory()
    booking_create(slot_id=slot.pk, student=next_in_line, waitlist=True)

    # The two steps are two plain pages, with or without JavaScript.
    page = open_page(viewport=viewport, java_script_enabled=script)
    sign_in_with_totp(page, coordinator)
    assert path_of(page) == SCHOOL_URL, "a coordinator lands on their school's page"
    guardian = page.locator(f"#student-{budi.pk} [data-guardian]").get_attribute("data-guardian")
    assert guardian == "not_needed"
    fits(page)

    # --- Confirming says what it did and what the student gets -----------------------------------
    with page.expect_navigation():
        page.click(f"#pending-{rina.pk} button[value=confirmed]")
    assert path_of(page) == SCHOOL_URL
    assert "Rina" in flash(page)
    rina.refresh_from_db()
    assert rina.status == Student.Status.CONFIRMED
    assert page.locator(f"#student-{rina.pk}").get_attribute("data-status") == "confirmed"

    # --- Removing asks first and says what happens to the booking -------------------------------
    with page.expect_navigation():
        page.click(f"#student-{budi.pk} a.student-remove")
    remove_path = f"{SCHOOL_URL}siswa/{budi.pk}/keluarkan/"
    assert path_of(page) == remove_path
    assert page.locator("#cancelled-count").get_attribute("data-count") == "1"
    assert slot.recipient.pseudonym in page.locator("#cancelled-visits").inner_text()
    fits(page)
    shoot(page, "journey-remove-confirmation")
    budi.refresh_from_db()
    assert budi.status == Student.Status.CONFIRMED, "the confirmation page removed already"
    assert Booking.objects.get(student=budi).status == B.CONFIRMED

    with page.expect_navigation():
        page.click("#confirm-remove")
    assert path_of(page) == SCHOOL_URL
    assert "Budi Santoso" in flash(page)
    shoot(page, "journey-removed")
    budi.refresh_from_db()
    assert budi.status == Student.Status.REJECTED
    assert Booking.objects.get(student=budi).status == B.CANCELLED
    assert Booking.objects.get(student=next_in_line).status == B.CONFIRMED
    assert page.locator(f"#student-{budi.pk} a.student-remove").count() == 0
    assert_no_csp_violations()


@pytest.mark.browser
def test_a_minor_sees_why_she_cannot_book_sends_the_link_again_and_books_after_consent(
    open_page, live_server, mailoutbox, assert_no_csp_violations
):
    school = SchoolFactory(name="SMA Negeri 1 Genteng")
    dewi = StudentFactory(school=school, minor=True, user__name="Dewi Lestari")
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=2)):
        ask_mother(dewi)
    slot = VisitSlotFactory()
    masked = mask_address(MOTHER, Channel.EMAIL)

    page = open_page(viewport=PHONE)
    sign_in(page, dewi.user.email)
    assert path_of(page) == VISITS_URL, "a student lands on her visits"
    guardian = page.locator("#guardian")
    assert guardian.get_attribute("data-state") == "waiting"
    assert masked in page.locator("#guardian-sent").inner_text()
    assert MOTHER not in page.content()
    assert page.locator("#booking-refusal").get_attribute("data-code") == "guardian_consent"
    fits(page)

    # --- The visit: the reason instead of the button ---------------------------------------------
    page.goto(f"{VISITS_URL}jadwal/{slot.pk}/")
    assert page.locator("#book").count() == 0
    assert page.locator("#booking-refusal").get_attribute("data-code") == "guardian_consent"
    fits(page)
    shoot(page, "journey-slot-refused")

    # --- Her mother's link, sent again (once: a second tap at once sends nothing) -----------------
    with page.expect_navigation():
        page.click(f"main a[href='{VISITS_URL}#guardian']")
    with page.expect_navigation():
        page.click("#guardian-resend")
    assert path_of(page) == VISITS_URL
    assert masked in flash(page)
    shoot(page, "journey-resent")
    assert GuardianConsent.objects.filter(student=dewi).count() == 2
    with page.expect_navigation():
        page.click("#guardian-resend")
    assert page.locator(".messages .message-error").count() == 1
    assert GuardianConsent.objects.filter(student=dewi).count() == 2

    deliver_notifications()
    invitations = [m for m in mail.outbox if m.to == [MOTHER]]
    assert invitations, "no new link e-mailed to the guardian"
    link = re.search(r"http\S+/kunjungan/izin-wali/\S+/", invitations[-1].body).group(0)
    mother_page = open_page(viewport=PHONE)
    mother_page.goto(link.removeprefix(settings.PORTAL_BASE_URL))
    mother_page.check("#agree")
    submit(mother_page, "#agree")
    assert mother_page.locator("#consent-state").get_attribute("data-state") == "given"

    # --- Now the button is there, and it books ---------------------------------------------------
    page.goto(VISITS_URL)
    assert page.locator("#guardian").get_attribute("data-state") == "given"
    page.goto(f"{VISITS_URL}jadwal/{slot.pk}/")
    with page.expect_navigation():
        page.click("#book")
    booking = Booking.objects.get(student=dewi)
    assert booking.status == B.CONFIRMED
    assert path_of(page) == f"{VISITS_URL}pemesanan/{booking.pk}/"
    assert_no_csp_violations()


def logged_in(open_page, live_server, user):
    client = Client()
    client.force_login(user)
    page = open_page(viewport=PHONE)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


@pytest.mark.browser
def test_the_new_pages_fit_a_phone_and_pass_axe_in_both_languages(open_page, live_server):
    school = SchoolFactory(name="SMA Negeri 1 Genteng")
    coordinator = make_official(Role.SCHOOL_COORDINATOR, school=school)
    minor = StudentFactory(school=school, minor=True, user__name="Dewi Lestari")
    ask_mother(minor)
    adult = StudentFactory(school=school, user__name="Budi Santoso")
    slot = VisitSlotFactory()
    booking_create(slot_id=slot.pk, student=adult)
    VisitSlotFactory(starts_at=timezone.now() + datetime.timedelta(days=6))
    as_minor, as_adult, as_coordinator = (
        logged_in(open_page, live_server, user) for user in (minor.user, adult.user, coordinator)
    )
    pages = {
        "student-home": (as_minor, VISITS_URL),
        "student-slot": (as_minor, f"{VISITS_URL}jadwal/{slot.pk}/"),
        "adult-home": (as_adult, VISITS_URL),
        "coordinator-school": (as_coordinator, SCHOOL_URL),
        "coordinator-remove": (as_coordinator, f"{SCHOOL_URL}siswa/{adult.pk}/keluarkan/"),
    }
    for language, prefix in (("id", ""), ("en", "/en")):
        for name, (page, url) in pages.items():
            response = page.goto(prefix + url)
            assert response.status == 200, (name, language, response.status)
            assert page.locator("html").get_attribute("lang") == language
            fits(page)
            violations = axe_violations(page)
            assert not violations, format_violations(page.url, violations)
            shoot(page, f"{name}-{language}")
