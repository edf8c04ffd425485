"""A student taps "Book" on a visit whose last seat went meanwhile, on a 360 by 740 phone: the
answer (409, a small page of its own) says the visit is full and offers the waiting list; it
fits the phone and passes axe in both languages, and its button puts the student on the
waiting list. Set VISIT_FULL_SHOTS to a folder for screenshots."""

from __future__ import annotations

import os

import pytest

from tests.e2e.axe import axe_violations, format_violations
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking
from volunteers.services.bookings import booking_create

from .test_visits_guidance_journey import fits, logged_in
from .test_visits_journey import path_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SHOTS = os.environ.get("VISIT_FULL_SHOTS", "")
B = Booking.Status


@pytest.mark.browser
@pytest.mark.parametrize(("language", "prefix"), [("id", ""), ("en", "/en")])
def test_the_last_seat_gone_meanwhile_the_student_joins_the_waiting_list(
    open_page, live_server, assert_no_csp_violations, language, prefix
):
    slot = VisitSlotFactory(capacity=1)
    late = StudentFactory(user__name="Rina")
    page = logged_in(open_page, live_server, late.user)
    url = f"{prefix}/kunjungan/jadwal/{slot.pk}/"
    page.goto(url)
    assert page.locator("#book").count() == 1
    booking_create(slot_id=slot.pk, student=StudentFactory())  # someone else, a moment earlier

    with page.expect_navigation() as navigation:
        page.click("#book")
    assert navigation.value.status == 409
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("#slot-full").is_visible()
    fits(page)
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/slot-full-{language}.png", full_page=True)

    with page.expect_navigation():
        page.click("#join-waitlist")
    booking = Booking.objects.get(student=late)
    assert booking.status == B.WAITLISTED
    assert path_of(page) == f"{prefix}/kunjungan/pemesanan/{booking.pk}/"
    assert_no_csp_violations()
