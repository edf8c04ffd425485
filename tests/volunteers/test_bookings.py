"""Booking a visit: seats, double submits, overlap, the school's confirmation, the cancellation
window and the waiting list."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from notifications.models import Notification
from tests.factories import SchoolFactory
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking, BookingTransition, Student, VisitSlot
from volunteers.services.bookings import (
    BookingRefused,
    SlotFull,
    booking_cancel,
    booking_create,
    booking_transition,
    seats_in_use,
)

B = Booking.Status


def book(slot, student, **kwargs):
    return booking_create(slot_id=slot.pk, student=student, **kwargs)


def test_a_booking_takes_a_seat_writes_history_and_tells_the_student(slot, student):
    booking, created = book(slot, student)
    assert created and booking.status == B.CONFIRMED
    slot.refresh_from_db()
    assert slot.seats_taken == 1 == seats_in_use(slot)
    (move,) = BookingTransition.objects.filter(booking=booking)
    assert (move.from_status, move.to_status, move.actor) == ("", B.CONFIRMED, student.user)
    sent = Notification.objects.filter(user=student.user).values_list("template", flat=True)
    assert "visit_booked" in sent


def test_a_double_submit_gives_one_booking(client, slot, student):
    client.force_login(student.user)
    url = reverse("volunteers:slot_detail", args=[slot.pk])
    first = client.post(url)
    second = client.post(url)
    assert first.status_code == second.status_code == 302
    assert Booking.objects.filter(slot=slot, student=student).count() == 1
    assert first["Location"] == second["Location"]
    slot.refresh_from_db()
    assert slot.seats_taken == 1


def test_the_database_refuses_a_second_live_booking_whatever_the_code(slot, student):
    Booking.objects.create(slot=slot, student=student, status=B.CONFIRMED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(slot=slot, student=student, status=B.WAITLISTED)
    # A cancelled one does not count: the student may book again.
    Booking.objects.filter(slot=slot).update(status=B.CANCELLED)
    Booking.objects.create(slot=slot, student=student, status=B.CONFIRMED)


def test_the_database_refuses_more_seats_than_the_capacity(slot):
    with pytest.raises(IntegrityError), transaction.atomic():
        VisitSlot.objects.filter(pk=slot.pk).update(seats_taken=slot.capacity + 1)


def test_a_full_slot_answers_full_and_offers_the_waiting_list(client, db):
    slot = VisitSlotFactory(capacity=2)
    for _ in range(2):
        book(slot, StudentFactory())
    late = StudentFactory()
    with pytest.raises(SlotFull):
        book(slot, late)
    assert not Booking.objects.filter(student=late).exists()

    client.force_login(late.user)
    url = reverse("volunteers:slot_detail", args=[slot.pk])
    response = client.post(url)
    assert response.status_code == 409
    assert b'id="join-waitlist"' in response.content
    response = client.post(url, {"waitlist": "1"})
    assert response.status_code == 302
    booking = Booking.objects.get(student=late)
    assert booking.status == B.WAITLISTED
    slot.refresh_from_db()
    assert slot.seats_taken == 2


def test_a_student_cannot_hold_two_overlapping_visits(student, db):
    first = VisitSlotFactory()
    overlapping = VisitSlotFactory(starts_at=first.starts_at + datetime.timedelta(minutes=60))
    later = VisitSlotFactory(starts_at=first.ends_at)  # starts as the first ends: no overlap
    book(first, student)
    with pytest.raises(BookingRefused) as refused:
        book(overlapping, student)
    assert refused.value.code == "overlap"
    assert not Booking.objects.filter(slot=overlapping).exists()
    assert book(later, student)[0].status == B.CONFIRMED
    # A place on a waiting list holds the time too.
    earlier = VisitSlotFactory(starts_at=first.starts_at - datetime.timedelta(minutes=30))
    with pytest.raises(BookingRefused):
        book(earlier, student, waitlist=True)


def test_a_cancelled_visit_frees_the_time(student, db):
    first = VisitSlotFactory()
    booking, _ = book(first, student)
    booking_cancel(booking=booking, actor=student.user)
    overlapping = VisitSlotFactory(starts_at=first.starts_at)
    assert book(overlapping, student)[0].status == B.CONFIRMED


@pytest.mark.parametrize(
    ("status", "code"),
    [(Student.Status.PENDING, "unconfirmed"), (Student.Status.REJECTED, "unconfirmed")],
)
def test_only_a_confirmed_student_books(slot, status, code):
    student = StudentFactory(status=status)
    with pytest.raises(BookingRefused) as refused:
        book(slot, student)
    assert refused.value.code == code
    assert not Booking.objects.exists()


def test_a_slot_for_one_school_refuses_other_schools(db):
    school = SchoolFactory()
    slot = VisitSlotFactory(school=school)
    with pytest.raises(BookingRefused) as refused:
        book(slot, StudentFactory())
    assert refused.value.code == "school"
    assert book(slot, StudentFactory(school=school))[0].status == B.CONFIRMED


def test_a_cancelled_or_started_slot_refuses_bookings(student, db):
    cancelled = VisitSlotFactory(status=VisitSlot.Status.CANCELLED)
    with pytest.raises(BookingRefused):
        book(cancelled, student)
    started = VisitSlotFactory()
    with time_machine.travel(started.starts_at, tick=False), pytest.raises(BookingRefused):
        book(started, student)
    assert not Booking.objects.exists()


def test_the_waiting_list_is_first_come_first_served_and_a_cancellation_promotes(db):
    slot = VisitSlotFactory(capacity=2)
    holders = [book(slot, StudentFactory())[0] for _ in range(2)]
    waiting = []
    for minutes in range(3):
        with time_machine.travel(datetime.timedelta(minutes=minutes)):
            waiting.append(book(slot, StudentFactory(), waitlist=True)[0])
    booking_cancel(booking=holders[0], actor=holders[0].student.user)

    statuses = {b.pk: b.status for b in Booking.objects.filter(slot=slot)}
    assert statuses[holders[0].pk] == B.CANCELLED
    assert statuses[waiting[0].pk] == B.CONFIRMED
    assert statuses[waiting[1].pk] == statuses[waiting[2].pk] == B.WAITLISTED
    slot.refresh_from_db()
    assert slot.seats_taken == 2 == seats_in_use(slot)
    promoted_user = waiting[0].student.user
    templates = set(
        Notification.objects.filter(user=promoted_user).values_list("template", flat=True)
    )
    assert "visit_promoted" in templates
    assert "visit_reminder" in templates
    move = BookingTransition.objects.filter(booking=waiting[0]).last()
    assert (move.from_status, move.to_status, move.actor_label) == (
        B.WAITLISTED,
        B.CONFIRMED,
        "waiting list",
    )


def test_promotion_skips_a_student_who_meanwhile_booked_another_visit_at_that_time(db):
    slot = VisitSlotFactory(capacity=2)
    holder = book(slot, StudentFactory())[0]
    book(slot, StudentFactory())
    busy = StudentFactory()
    book(slot, busy, waitlist=True)
    free = StudentFactory()
    with time_machine.travel(datetime.timedelta(minutes=1)):
        book(slot, free, waitlist=True)
    # The slot is full, but the "busy" student's other visit is booked directly.
    other = VisitSlotFactory(starts_at=slot.starts_at + datetime.timedelta(minutes=30), capacity=2)
    Booking.objects.create(slot=other, student=busy, status=B.CONFIRMED)
    booking_cancel(booking=holder, actor=holder.student.user)
    assert Booking.objects.get(slot=slot, student=free).status == B.CONFIRMED
    assert Booking.objects.get(slot=slot, student=busy).status == B.WAITLISTED


def test_a_cancellation_without_a_waiting_list_frees_the_seat(slot, student):
    booking, _ = book(slot, student)
    booking_cancel(booking=booking, actor=student.user)
    slot.refresh_from_db()
    assert slot.seats_taken == 0


def test_cancelling_is_possible_until_the_configured_time_before_the_visit(settings, slot, db):
    settings.VISITS_CANCEL_HOURS_BEFORE = 24
    deadline = slot.starts_at - datetime.timedelta(hours=24)
    early, late = StudentFactory(), StudentFactory()
    early_booking, _ = book(slot, early)
    late_booking, _ = book(slot, late)
    with time_machine.travel(deadline, tick=False):
        booking_cancel(booking=early_booking, actor=early.user)
    with (
        time_machine.travel(deadline + datetime.timedelta(seconds=1), tick=False),
        pytest.raises(BookingRefused) as refused,
    ):
        booking_cancel(booking=late_booking, actor=late.user)
    assert refused.value.code == "too_late"
    late_booking.refresh_from_db()
    assert late_booking.status == B.CONFIRMED
    slot.refresh_from_db()
    assert slot.seats_taken == 1


def test_the_cancel_page_says_too_late_and_changes_nothing(client, settings, slot, student):
    settings.VISITS_CANCEL_HOURS_BEFORE = 24
    booking, _ = book(slot, student)
    client.force_login(student.user)
    with time_machine.travel(slot.starts_at - datetime.timedelta(hours=2), tick=False):
        response = client.post(reverse("volunteers:booking_cancel", args=[booking.pk]), follow=True)
    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == B.CONFIRMED
    messages = [str(m) for m in response.context["messages"]]
    assert any("24" in m for m in messages)


def test_a_waitlisted_student_may_leave_the_list_until_the_visit(db):
    slot = VisitSlotFactory(capacity=2)
    book(slot, StudentFactory())
    book(slot, StudentFactory())
    waiting, _ = book(slot, StudentFactory(), waitlist=True)
    with time_machine.travel(slot.starts_at - datetime.timedelta(minutes=5), tick=False):
        booking_cancel(booking=waiting, actor=waiting.student.user)
    waiting.refresh_from_db()
    assert waiting.status == B.CANCELLED
    slot.refresh_from_db()
    assert slot.seats_taken == 2


def test_a_move_outside_the_table_is_refused(slot, student):
    booking, _ = book(slot, student)
    with pytest.raises(BookingRefused):
        booking_transition(booking=booking, to_status=B.WAITLISTED, actor=None)
    booking.refresh_from_db()
    assert booking.status == B.CONFIRMED


def test_a_deleted_students_seat_goes_to_the_next_in_line_or_back_to_the_slot(db):
    """Deleting an account removes its bookings: their seats must not stay counted."""
    from accounts.services import account_delete

    slot = VisitSlotFactory(capacity=2)
    leaving, staying, waiting = StudentFactory(), StudentFactory(), StudentFactory()
    book(slot, leaving)
    book(slot, staying)
    book(slot, waiting, waitlist=True)

    account_delete(user=leaving.user)
    slot.refresh_from_db()
    assert slot.seats_taken == 2 == seats_in_use(slot)
    assert Booking.objects.get(student=waiting).status == B.CONFIRMED
    assert Notification.objects.filter(user=waiting.user, template="visit_promoted").exists()

    account_delete(user=staying.user)
    slot.refresh_from_db()
    assert slot.seats_taken == 1 == seats_in_use(slot)
