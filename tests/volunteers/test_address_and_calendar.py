"""The exact address: only to a booked student, only from 48 hours before the visit to the end
of its day (WIB), each showing logged. Calendar files never carry it."""

import datetime

import icalendar
import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditEvent
from core.time import WIB
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking
from volunteers.services.bookings import booking_create

SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def visit(db):
    """A visit at 09:00 WIB in four days (well within a session's life), booked by one
    student."""
    day = datetime.datetime.now(WIB).date() + datetime.timedelta(days=4)
    slot = VisitSlotFactory(starts_at=datetime.datetime.combine(day, datetime.time(9), WIB))
    student = StudentFactory()
    booking, _ = booking_create(slot_id=slot.pk, student=student)
    return slot, student, booking


def detail(client, booking, at):
    with time_machine.travel(at, tick=False):
        return client.get(reverse("volunteers:booking_detail", args=[booking.pk]))


def test_the_address_window_edges(client, visit):
    slot, student, booking = visit
    address = slot.recipient.address
    opens = slot.starts_at - datetime.timedelta(hours=48)
    closes = datetime.datetime.combine(
        slot.starts_at.astimezone(WIB).date() + datetime.timedelta(days=1), datetime.time.min, WIB
    )
    client.force_login(student.user)
    for moment, shown in [
        (opens - SECOND, False),
        (opens, True),
        (slot.starts_at, True),
        (closes - SECOND, True),
        (closes, False),
    ]:
        response = detail(client, booking, moment)
        assert response.status_code == 200
        page = response.content.decode()
        assert (address in page) is shown, (moment, shown)
        if not shown:
            assert slot.meeting_point in page
            assert slot.kecamatan.name in page
    views = AuditEvent.objects.filter(
        action=AuditEvent.Action.PII_VIEW, actor_ref=student.user.public_ref
    )
    assert views.count() == 3
    assert {e.target for e in views} == {f"portal.recipient:{slot.recipient.public_id}"}


def test_the_window_closes_at_midnight_wib_not_utc(client, visit):
    slot, student, booking = visit
    client.force_login(student.user)
    # 23:30 WIB is 16:30 UTC: still the visit's day in Banyuwangi.
    late_evening = datetime.datetime.combine(
        slot.starts_at.astimezone(WIB).date(), datetime.time(23, 30), WIB
    )
    assert slot.recipient.address in detail(client, booking, late_evening).content.decode()


@pytest.mark.parametrize("status", [Booking.Status.WAITLISTED, Booking.Status.CANCELLED])
def test_only_a_confirmed_booking_shows_the_address(client, visit, status):
    slot, student, booking = visit
    Booking.objects.filter(pk=booking.pk).update(status=status)
    client.force_login(student.user)
    page = detail(client, booking, slot.starts_at).content.decode()
    assert slot.recipient.address not in page
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PII_VIEW).exists()


def test_another_student_gets_404_and_no_address(client, visit):
    slot, _student, booking = visit
    intruder = StudentFactory()
    client.force_login(intruder.user)
    response = detail(client, booking, slot.starts_at)
    assert response.status_code == 404
    assert slot.recipient.address not in response.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.SCOPE_DENIED, target=f"volunteers.booking:{booking.pk}"
    ).exists()


def secrets_of(recipient) -> list[str]:
    return [recipient.address, recipient.name, recipient.nik, recipient.family_phone]


def test_the_booking_ics_carries_pseudonym_and_meeting_point_never_the_address(client, visit):
    slot, student, booking = visit
    client.force_login(student.user)
    # Even inside the address window.
    with time_machine.travel(slot.starts_at, tick=False):
        response = client.get(reverse("volunteers:booking_ics", args=[booking.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Cache-Control"] == "private, no-store"
    text = response.content.decode()
    for secret in secrets_of(slot.recipient):
        assert secret not in text
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert slot.recipient.pseudonym in str(event["SUMMARY"])
    assert str(event["LOCATION"]) == slot.meeting_point
    assert event.decoded("DTSTART") == slot.starts_at
    assert event.decoded("DTEND") == slot.ends_at


def test_the_private_feed_lists_the_students_bookings_and_can_be_revoked(client, visit):
    slot, student, _booking = visit
    other = VisitSlotFactory(starts_at=slot.starts_at + datetime.timedelta(days=1))
    booking_create(slot_id=other.pk, student=student)
    someone_else = StudentFactory()
    booking_create(slot_id=other.pk, student=someone_else)
    client.force_login(student.user)
    assert client.get(reverse("volunteers:calendar_settings")).context["feed_url"] == ""
    client.post(reverse("volunteers:calendar_settings"), {"action": "rotate"})
    student.refresh_from_db()
    token = student.feed_token
    assert len(token) >= 32
    client.logout()  # a calendar app has no session: the address is the key

    feed = client.get(reverse("volunteers:calendar_feed", args=[token]))
    assert feed.status_code == 200
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert sorted(str(e["UID"]) for e in events) == sorted(
        f"visit-booking-{b.pk}@rantangkasih.banyuwangikab.go.id"
        for b in Booking.objects.filter(student=student)
    )
    for secret in secrets_of(slot.recipient) + secrets_of(other.recipient):
        assert secret not in feed.content.decode()

    client.force_login(student.user)
    client.post(reverse("volunteers:calendar_settings"), {"action": "rotate"})
    client.logout()
    assert client.get(reverse("volunteers:calendar_feed", args=[token])).status_code == 404
    student.refresh_from_db()
    assert (
        client.get(reverse("volunteers:calendar_feed", args=[student.feed_token])).status_code
        == 200
    )
    client.force_login(student.user)
    client.post(reverse("volunteers:calendar_settings"), {"action": "revoke"})
    student.refresh_from_db()
    assert student.feed_token == ""
    client.logout()
    assert client.get(reverse("volunteers:calendar_feed", args=["x" * 32])).status_code == 404
