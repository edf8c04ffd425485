"""When a visit opens, many students book it at once and most find it full: that answer reads
little, takes no lock, and still offers the waiting list; a worker has done its one-off work
(URL patterns, every view imported) before its first request."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import Notification
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking, VisitSlot
from volunteers.selectors.students import slot_for_student, student_for_user
from volunteers.services.bookings import BookingRefused, SlotFull, booking_create

B = Booking.Status
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def full_slot(db):
    slot = VisitSlotFactory(capacity=2)
    for _ in range(2):
        booking_create(slot_id=slot.pk, student=StudentFactory())
    return slot


def test_a_full_answer_reads_six_queries_and_offers_the_waiting_list(
    client, full_slot, django_assert_max_num_queries
):
    late = StudentFactory()
    client.force_login(late.user)
    url = reverse("volunteers:slot_detail", args=[full_slot.pk])
    client.get(url)  # the session is written; what follows reads it
    # Session, user, roles, student, slot, the student's bookings around the visit.
    with django_assert_max_num_queries(6):
        response = client.post(url)
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="join-waitlist"' in page and 'name="waitlist" value="1"' in page
    assert f'action="{url}"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    with translation.override("id"):
        assert translation.gettext("This visit is full.") in page
    assert 'class="site-nav"' not in page  # the small page, not the whole site's frame
    response = client.post(url, {"waitlist": "1"})
    assert response.status_code == 302
    assert Booking.objects.get(student=late).status == B.WAITLISTED


def test_the_full_answer_in_english(client, full_slot):
    late = StudentFactory()
    client.force_login(late.user)
    url = f"/en/kunjungan/jadwal/{full_slot.pk}/"
    response = client.post(url)
    assert response.status_code == 409
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "This visit is full." in page and "Join the waiting list" in page
    assert f'action="{url}"' in page


def test_a_slot_seen_full_is_answered_full_without_a_transaction(
    full_slot, django_assert_num_queries
):
    late = StudentFactory()
    seen = VisitSlot.objects.get(pk=full_slot.pk)
    with django_assert_num_queries(1), pytest.raises(SlotFull):
        booking_create(slot_id=full_slot.pk, student=late, seen=seen)
    assert not Booking.objects.filter(student=late).exists()


def test_a_slot_seen_full_still_gives_a_double_submit_its_booking(full_slot):
    holder = Booking.objects.filter(slot=full_slot).first()
    seen = VisitSlot.objects.get(pk=full_slot.pk)
    booking, created = booking_create(slot_id=full_slot.pk, student=holder.student, seen=seen)
    assert (booking.pk, created) == (holder.pk, False)


def test_a_slot_seen_full_still_refuses_an_overlap_first(full_slot):
    busy = StudentFactory()
    other = VisitSlotFactory(starts_at=full_slot.starts_at + datetime.timedelta(minutes=30))
    booking_create(slot_id=other.pk, student=busy)
    seen = VisitSlot.objects.get(pk=full_slot.pk)
    with pytest.raises(BookingRefused) as refused:
        booking_create(slot_id=full_slot.pk, student=busy, seen=seen)
    assert refused.value.code == "overlap"
    # A cancelled booking of the slot is no double submit: the answer is "full".
    Booking.objects.filter(student=busy).update(status=B.CANCELLED)
    Booking.objects.create(slot=full_slot, student=busy, status=B.CANCELLED)
    with pytest.raises(SlotFull):
        booking_create(slot_id=full_slot.pk, student=busy, seen=seen)


def test_a_slot_seen_with_a_seat_is_booked_under_the_lock(db):
    slot = VisitSlotFactory(capacity=1)
    student = StudentFactory()
    seen = slot_for_student(student.user, student, slot.pk)
    booking, created = booking_create(slot_id=slot.pk, student=student, seen=seen)
    assert created and booking.status == B.CONFIRMED
    slot.refresh_from_db()
    assert slot.seats_taken == 1
    # Seen with a seat, found full under the lock: "full", nothing written.
    with pytest.raises(SlotFull):
        booking_create(slot_id=slot.pk, student=StudentFactory(), seen=seen)
    slot.refresh_from_db()
    assert slot.seats_taken == 1


def test_a_web_worker_imports_the_views_while_it_boots():
    """Without it, each worker's first request imported every view and compiled every URL
    pattern (about 0.7 s of CPU) while the students of a burst waited behind it."""
    probe = "import sys, config.wsgi; print('volunteers.views.students' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True"]


def test_a_booking_writes_its_mail_and_reminders_in_one_insert(db):
    slot = VisitSlotFactory(starts_at=timezone.now() + datetime.timedelta(days=3))
    student = StudentFactory()
    with CaptureQueriesContext(connection) as queries:
        booking_create(slot_id=slot.pk, student=student)
    inserts = [q for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    assert len(inserts) == 1
    preferences = [q for q in queries.captured_queries if "notifications_preference" in q["sql"]]
    assert len(preferences) == 1
    templates = Notification.objects.filter(user=student.user).values_list("template", flat=True)
    assert sorted(templates) == ["visit_booked", "visit_reminder", "visit_reminder"]


def test_a_students_page_reads_the_student_without_the_user_again(db):
    student = StudentFactory()
    user = type(student.user).objects.get(pk=student.user.pk)
    with CaptureQueriesContext(connection) as queries:
        found = student_for_user(user)
    assert found == student and found.user is user
    (query,) = queries.captured_queries
    assert "accounts_user" not in query["sql"]
