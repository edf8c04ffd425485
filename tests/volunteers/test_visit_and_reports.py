"""Check-in (a code at the visit, or the organiser's attendance), reports with flags that
alert the kecamatan's reviewers, and who may read a report."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEvent, Role
from core.time import end_of_day_wib
from notifications.models import Notification
from tests.conftest import deliver_notifications
from tests.factories import MUNCAR, make_official
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking, Flag, VisitReport
from volunteers.services.bookings import BookingRefused, booking_create
from volunteers.services.visits import attendance_mark, checkin_by_code, report_file

B = Booking.Status


@pytest.fixture
def booked(slot, student):
    booking, _ = booking_create(slot_id=slot.pk, student=student)
    return booking


def during(slot, minutes=10):
    return time_machine.travel(slot.starts_at + datetime.timedelta(minutes=minutes), tick=False)


def test_the_right_code_checks_the_student_in(client, slot, student, booked):
    client.force_login(student.user)
    url = reverse("volunteers:booking_detail", args=[booked.pk])
    with during(slot):
        response = client.post(url, {"code": f" {slot.checkin_code.lower()} "})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == B.ATTENDED
    assert booked.attended_at is not None


def test_the_code_is_refused_before_the_window_and_after_the_day(slot, booked):
    too_early = slot.starts_at - datetime.timedelta(minutes=31)
    midnight = end_of_day_wib(slot.starts_at)
    for moment in (too_early, midnight):
        with time_machine.travel(moment, tick=False), pytest.raises(BookingRefused):
            checkin_by_code(booking=booked, code=slot.checkin_code)
    booked.refresh_from_db()
    assert booked.status == B.CONFIRMED
    assert booked.checkin_failures == 0
    with time_machine.travel(midnight - datetime.timedelta(seconds=1), tick=False):
        assert checkin_by_code(booking=booked, code=slot.checkin_code).status == B.ATTENDED


def test_wrong_codes_are_counted_and_the_sixth_guess_is_refused_even_if_right(
    client, settings, slot, student, booked
):
    settings.VISITS_CHECKIN_MAX_ATTEMPTS = 5
    client.force_login(student.user)
    url = reverse("volunteers:booking_detail", args=[booked.pk])
    with during(slot):
        for _ in range(5):
            response = client.post(url, {"code": "ZZZZZZ"})
            assert response.status_code == 200
            assert response.context["form"].errors["code"]
        response = client.post(url, {"code": slot.checkin_code})
    assert response.status_code == 200
    booked.refresh_from_db()
    assert booked.status == B.CONFIRMED
    assert booked.checkin_failures == 5


def test_the_organiser_takes_attendance_and_a_coordinator_only_for_their_students(
    slot, reviewer, db
):
    mine, theirs = StudentFactory(), StudentFactory()
    coordinator = make_official(Role.SCHOOL_COORDINATOR, school=mine.school)
    a, _ = booking_create(slot_id=slot.pk, student=mine)
    b, _ = booking_create(slot_id=slot.pk, student=theirs)
    early = slot.starts_at - datetime.timedelta(hours=2)
    with (
        time_machine.travel(early, tick=False),
        translation.override("en"),
        pytest.raises(ValidationError, match="shortly before"),
    ):
        attendance_mark(slot=slot, actor=reviewer, attended={a.pk}, absent=set())
    with during(slot, minutes=120):
        changed = attendance_mark(slot=slot, actor=coordinator, attended={a.pk, b.pk}, absent=set())
        assert changed == 1
        a.refresh_from_db()
        b.refresh_from_db()
        assert (a.status, b.status) == (B.ATTENDED, B.CONFIRMED)
        attendance_mark(slot=slot, actor=reviewer, attended=set(), absent={b.pk})
    b.refresh_from_db()
    assert b.status == B.ABSENT


def test_a_reviewer_of_another_kecamatan_cannot_take_attendance(slot, muncar_reviewer, booked):
    from django.core.exceptions import PermissionDenied

    with during(slot), pytest.raises(PermissionDenied):
        attendance_mark(slot=slot, actor=muncar_reviewer, attended={booked.pk}, absent=set())
    booked.refresh_from_db()
    assert booked.status == B.CONFIRMED


def attend(booking):
    Booking.objects.filter(pk=booking.pk).update(status=B.ATTENDED)
    booking.refresh_from_db()
    return booking


def test_a_report_needs_attendance(booked):
    with translation.override("en"), pytest.raises(ValidationError, match="after attending"):
        report_file(booking=booked, wellbeing="good", flags=[])
    assert not VisitReport.objects.exists()


def test_a_flag_alerts_the_reviewers_of_the_kecamatan_at_once(
    client, slot, student, booked, reviewer, muncar_reviewer, mailoutbox
):
    lead = make_official(Role.LEAD_REVIEWER)
    attend(booked)
    client.force_login(student.user)
    response = client.post(
        reverse("volunteers:booking_report", args=[booked.pk]),
        {
            "wellbeing": "poor",
            "flags": [Flag.LOOKS_ILL, Flag.NOT_ENOUGH_FOOD],
            "note": "Batuk terus",
        },
    )
    assert response.status_code == 302
    report = VisitReport.objects.get()
    assert report.flagged and report.flags == ["looks_ill", "not_enough_food"]
    alerts = Notification.objects.filter(template="visit_report_flagged")
    assert [n.user for n in alerts] == [reviewer]  # not Muncar's, not the lead (Genteng has one)
    assert lead not in [n.user for n in alerts]
    deliver_notifications()
    (message,) = [m for m in mailoutbox if m.to == [reviewer.email]]
    assert f"/petugas/kunjungan/laporan/{report.pk}/" in message.body
    assert "Batuk terus" not in message.body  # the note stays on the portal
    assert slot.recipient.address not in message.body


def test_a_flag_in_a_kecamatan_without_reviewers_alerts_the_lead_reviewers(db):
    lead = make_official(Role.LEAD_REVIEWER)
    slot = VisitSlotFactory(recipient__kecamatan_code=MUNCAR)
    booking, _ = booking_create(slot_id=slot.pk, student=StudentFactory())
    report_file(booking=attend(booking), wellbeing="fair", flags=[Flag.HOUSE_UNSAFE])
    assert [n.user for n in Notification.objects.filter(template="visit_report_flagged")] == [lead]


def test_a_report_without_flags_alerts_nobody_and_a_second_submit_keeps_the_first(booked, reviewer):
    attend(booked)
    first, created = report_file(booking=booked, wellbeing="good", flags=[], note="Sehat")
    second, again = report_file(booking=booked, wellbeing="poor", flags=[Flag.LOOKS_ILL])
    assert created and not again and first.pk == second.pk
    assert VisitReport.objects.get().wellbeing == "good"
    assert not Notification.objects.filter(template="visit_report_flagged").exists()


def test_an_unknown_flag_or_wellbeing_is_refused(booked):
    attend(booked)
    with translation.override("en"), pytest.raises(ValidationError, match="Unknown flag"):
        report_file(booking=booked, wellbeing="good", flags=["alien"])
    with translation.override("en"), pytest.raises(ValidationError, match="how the person"):
        report_file(booking=booked, wellbeing="great", flags=[])
    assert not VisitReport.objects.exists()


def test_reports_are_encrypted_at_rest(booked):
    from django.db import connection

    attend(booked)
    report, _ = report_file(booking=booked, wellbeing="poor", flags=["looks_ill"], note="Batuk")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT wellbeing, flags, note FROM volunteers_visitreport WHERE id = %s", [report.pk]
        )
        row = " ".join(cursor.fetchone())
    for plain in ("poor", "looks_ill", "Batuk"):
        assert plain not in row


def test_who_reads_a_report(client, slot, student, booked, reviewer, muncar_reviewer):
    attend(booked)
    report, _ = report_file(booking=booked, wellbeing="poor", flags=["looks_ill"], note="Batuk")
    url = reverse("volunteers:official_report", args=[report.pk])

    client.force_login(reviewer)
    response = client.get(url)
    assert response.status_code == 200
    assert "Batuk" in response.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.PII_VIEW, target=f"volunteers.visitreport:{report.pk}"
    ).exists()

    client.force_login(muncar_reviewer)
    assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.SCOPE_DENIED,
        actor_ref=muncar_reviewer.public_ref,
        target=f"volunteers.visitreport:{report.pk}",
    ).exists()
    assert client.get(reverse("volunteers:official_reports")).context["reports"].count() == 0

    coordinator = make_official(Role.SCHOOL_COORDINATOR, school=student.school)
    client.force_login(coordinator)
    assert client.get(url).status_code == 403

    client.force_login(student.user)
    mine = client.get(reverse("volunteers:booking_report", args=[booked.pk]))
    assert "Batuk" in mine.content.decode()
    other = StudentFactory()
    client.force_login(other.user)
    assert client.get(reverse("volunteers:booking_report", args=[booked.pk])).status_code == 404


def test_a_check_in_shows_on_the_cached_listing_page_at_once(client, settings, slot, booked):
    """The listing's page says how many times students visited this month: it is cached, and
    an attendance raises the person's version, so the count is right at once."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    url = f"/en/lansia/{slot.recipient.public_id}/"
    with during(slot):
        assert "Visited by students 1 time" not in client.get(url).content.decode()
        checkin_by_code(booking=booked, code=slot.checkin_code)
        assert "Visited by students 1 time this month" in client.get(url).content.decode()
        reviewer = make_official(Role.REVIEWER, kecamatan=(slot.kecamatan.code,))
        attendance_mark(slot=slot, actor=reviewer, attended=set(), absent={booked.pk})
        assert "Visited by students 1 time" not in client.get(url).content.decode()
