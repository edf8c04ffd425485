"""Reminders and the other visit messages: outbox rows with ``send_after``, sent at the right
WIB times, once each even when the beat runs twice, withdrawn when the visit is off."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from core.time import WIB
from notifications.models import Notification
from notifications.tasks import dispatch_due
from tests.conftest import deliver_notifications
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking, VisitReport
from volunteers.services.bookings import booking_cancel, booking_create
from volunteers.services.slots import slot_cancel
from volunteers.services.visits import report_reminders_send


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), WIB)


@pytest.fixture
def visit_day():
    return datetime.datetime.now(WIB).date() + datetime.timedelta(days=5)


def sent_reminders(student):
    return [
        m for m in mail.outbox if m.to == [student.user.email] and "kunjungan" in m.body.lower()
    ]


def beat_twice() -> list[str]:
    """The minute beat, run twice in a row (two beat processes, or a restart)."""
    return deliver_notifications() + deliver_notifications()


def test_reminders_go_out_the_day_before_at_18_and_two_hours_before_once_each(
    settings, db, visit_day
):
    settings.VISITS_REMINDER_EVE_HOUR = 18
    slot = VisitSlotFactory(starts_at=at(visit_day, 9))
    student = StudentFactory()
    booking, _ = booking_create(slot_id=slot.pk, student=student)
    deliver_notifications()  # the booking confirmation
    mail.outbox.clear()

    reminders = Notification.objects.filter(template="visit_reminder").order_by("send_after")
    assert [r.send_after for r in reminders] == [
        at(visit_day - datetime.timedelta(days=1), 18),
        at(visit_day, 7),
    ]
    assert [r.dedup_key for r in reminders] == [
        f"visit_reminder:{booking.pk}:eve",
        f"visit_reminder:{booking.pk}:soon",
    ]

    eve = at(visit_day - datetime.timedelta(days=1), 18)
    with time_machine.travel(eve - datetime.timedelta(seconds=1), tick=False):
        assert beat_twice() == []
    with time_machine.travel(eve, tick=False):
        assert beat_twice() == ["sent"]
    assert len(mail.outbox) == 1
    (message,) = mail.outbox
    assert slot.recipient.pseudonym in message.subject
    assert slot.meeting_point in message.body
    assert slot.recipient.address not in message.body + message.alternatives[0][0]

    with time_machine.travel(at(visit_day, 6, 59), tick=False):
        assert beat_twice() == []
    with time_machine.travel(at(visit_day, 7), tick=False):
        assert beat_twice() == ["sent"]
        # The Celery beat task itself, twice: nothing left to send.
        assert dispatch_due() == 0
        assert dispatch_due() == 0
    assert len(mail.outbox) == 2


def test_a_reminder_whose_time_has_passed_is_not_written(db, visit_day):
    slot = VisitSlotFactory(starts_at=at(visit_day, 9))
    with time_machine.travel(at(visit_day - datetime.timedelta(days=1), 20), tick=False):
        booking, _ = booking_create(slot_id=slot.pk, student=StudentFactory())
    keys = set(
        Notification.objects.filter(template="visit_reminder").values_list("dedup_key", flat=True)
    )
    assert keys == {f"visit_reminder:{booking.pk}:soon"}


def test_a_waitlisted_student_gets_reminders_only_once_moved_up(db, visit_day):
    slot = VisitSlotFactory(starts_at=at(visit_day, 9), capacity=2)
    first, _ = booking_create(slot_id=slot.pk, student=StudentFactory())
    booking_create(slot_id=slot.pk, student=StudentFactory())
    waiting, _ = booking_create(slot_id=slot.pk, student=StudentFactory(), waitlist=True)
    assert not Notification.objects.filter(user=waiting.student.user).exists()
    booking_cancel(booking=first, actor=first.student.user)
    templates = sorted(
        Notification.objects.filter(user=waiting.student.user).values_list("template", flat=True)
    )
    assert templates == ["visit_promoted", "visit_reminder", "visit_reminder"]
    # The cancelled booking's reminders are withdrawn.
    assert not Notification.objects.filter(
        dedup_key__startswith=f"visit_reminder:{first.pk}:"
    ).exists()


def test_cancelling_the_slot_withdraws_reminders_and_tells_every_student(db, reviewer, visit_day):
    slot = VisitSlotFactory(starts_at=at(visit_day, 9), capacity=2)
    booked = [booking_create(slot_id=slot.pk, student=StudentFactory())[0] for _ in range(2)]
    waiting, _ = booking_create(slot_id=slot.pk, student=StudentFactory(), waitlist=True)
    deliver_notifications()
    mail.outbox.clear()

    slot_cancel(slot=slot, actor=reviewer, reason="Mbah sedang dirawat keluarga di Jember")

    assert not Notification.objects.filter(template="visit_reminder", status="pending").exists()
    statuses = set(Booking.objects.filter(slot=slot).values_list("status", flat=True))
    assert statuses == {Booking.Status.CANCELLED}
    slot.refresh_from_db()
    assert slot.seats_taken == 0
    assert slot.cancelled_by == reviewer
    deliver_notifications()
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == sorted(b.student.user.email for b in [*booked, waiting])
    assert all("Jember" in m.body for m in mail.outbox)
    # Long after, the beat finds no reminder to send.
    with time_machine.travel(at(visit_day, 8), tick=False):
        assert beat_twice() == []


def test_a_slot_cancel_needs_a_reason_and_changes_nothing_without(db, reviewer):
    slot = VisitSlotFactory()
    booking_create(slot_id=slot.pk, student=StudentFactory())
    with translation.override("en"), pytest.raises(ValidationError, match="why"):
        slot_cancel(slot=slot, actor=reviewer, reason="  ")
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_report_reminders_after_the_visit_once_even_when_the_beat_runs_twice(
    settings, db, visit_day
):
    settings.VISITS_REPORT_REMINDER_HOURS_AFTER = 3
    slot = VisitSlotFactory(starts_at=at(visit_day, 9), duration_minutes=120)
    attended = StudentFactory()
    reported = StudentFactory()
    absent = StudentFactory()
    bookings = {}
    for student in (attended, reported, absent):
        bookings[student.pk], _ = booking_create(slot_id=slot.pk, student=student)
    Booking.objects.filter(pk__in=[bookings[attended.pk].pk, bookings[reported.pk].pk]).update(
        status=Booking.Status.ATTENDED
    )
    Booking.objects.filter(pk=bookings[absent.pk].pk).update(status=Booking.Status.ABSENT)
    VisitReport.objects.create(booking=bookings[reported.pk], wellbeing="good")

    with time_machine.travel(at(visit_day, 13, 59), tick=False):  # ended 11:00, +3 h = 14:00
        assert report_reminders_send() == 0
    with time_machine.travel(at(visit_day, 14), tick=False):
        assert report_reminders_send() == 1
        report_reminders_send()  # a second beat: the dedup key writes nothing new
    rows = Notification.objects.filter(template="visit_report_missing")
    assert [r.user for r in rows] == [attended.user]


def test_a_coordinator_cancels_only_their_own_or_their_schools_visits(db):
    from django.core.exceptions import PermissionDenied

    from accounts.models import Role
    from tests.factories import make_official

    coordinator = make_official(Role.SCHOOL_COORDINATOR)  # a Genteng school
    someone_elses = VisitSlotFactory()
    with pytest.raises(PermissionDenied):
        slot_cancel(slot=someone_elses, actor=coordinator, reason="Hujan")
    mine = VisitSlotFactory(created_by=coordinator)
    slot_cancel(slot=mine, actor=coordinator, reason="Hujan")
    someone_elses.refresh_from_db()
    mine.refresh_from_db()
    assert (someone_elses.status, mine.status) == ("open", "cancelled")
