"""Capacity under real concurrency, against PostgreSQL: threads, each with its own database
connection, committing for real (``transaction=True``)."""

import threading
from collections import Counter

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking, VisitSlot
from volunteers.services.bookings import SlotFull, booking_create, seats_in_use

# serialized_rollback: the kecamatan and villages come from a data migration, which a
# transactional test would otherwise leave flushed behind it.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RACERS = 50


def race(target, arguments) -> list:
    """Run ``target`` once per argument, all released at the same moment."""
    barrier = threading.Barrier(len(arguments))
    results: list = [None] * len(arguments)

    def run(index, argument):
        try:
            barrier.wait(timeout=30)
            results[index] = target(argument)
        except Exception as error:  # reported by the test, never swallowed
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(arguments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a booking hung"
    return results


def slot_with_three_seats_left() -> VisitSlot:
    slot = VisitSlotFactory(capacity=6)
    for _ in range(3):
        booking_create(slot_id=slot.pk, student=StudentFactory())
    return slot


def test_fifty_students_book_the_last_three_seats_at_once_through_the_page(postgres):
    slot = slot_with_three_seats_left()
    clients = []
    for _ in range(RACERS):
        client = Client()
        client.force_login(StudentFactory().user)
        clients.append(client)
    url = reverse("volunteers:slot_detail", args=[slot.pk])

    responses = race(lambda client: client.post(url), clients)

    errors = [r for r in responses if isinstance(r, Exception)]
    assert not errors, errors
    codes = Counter(r.status_code for r in responses)
    # 302 to the new booking, or 409 with the offer of the waiting list; never a 500.
    assert codes == {302: 3, 409: RACERS - 3}, codes
    for response in responses:
        if response.status_code == 409:
            assert b'id="join-waitlist"' in response.content
    slot.refresh_from_db()
    assert slot.seats_taken == 6 == seats_in_use(slot)
    assert Booking.objects.filter(slot=slot, status=Booking.Status.CONFIRMED).count() == 6


def test_fifty_students_asking_for_the_waiting_list_fill_it_in_order(postgres):
    slot = slot_with_three_seats_left()
    students = [StudentFactory() for _ in range(RACERS)]

    results = race(
        lambda student: booking_create(slot_id=slot.pk, student=student, waitlist=True)[0],
        students,
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert Counter(b.status for b in results) == {
        Booking.Status.CONFIRMED: 3,
        Booking.Status.WAITLISTED: RACERS - 3,
    }
    slot.refresh_from_db()
    assert slot.seats_taken == 6 == seats_in_use(slot)


def test_one_student_submitting_fifty_times_at_once_gets_one_booking(postgres):
    slot = slot_with_three_seats_left()
    student = StudentFactory()

    results = race(lambda _n: booking_create(slot_id=slot.pk, student=student)[0], range(RACERS))

    assert not [r for r in results if isinstance(r, Exception)]
    assert len({booking.pk for booking in results}) == 1
    assert Booking.objects.filter(slot=slot, student=student).count() == 1
    slot.refresh_from_db()
    assert slot.seats_taken == 4


def test_the_full_answer_is_a_slot_full_refusal(postgres):
    slot = VisitSlotFactory(capacity=2)
    for _ in range(2):
        booking_create(slot_id=slot.pk, student=StudentFactory())
    results = race(
        lambda student: booking_create(slot_id=slot.pk, student=student),
        [StudentFactory() for _ in range(10)],
    )
    assert all(isinstance(r, SlotFull) for r in results)
