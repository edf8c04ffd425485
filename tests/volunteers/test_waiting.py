"""What waits for a school coordinator and a student on their pages
(tests/accounts/test_landing.py: where they land)."""

import datetime

from django.utils import timezone, translation

from accounts.models import Role
from tests.factories import SchoolFactory, make_official
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking, Student, VisitReport
from volunteers.selectors.schools import coordinator_waiting
from volunteers.selectors.students import student_waiting

B = Booking.Status


def test_a_coordinator_counts_the_students_of_their_school_waiting_to_be_confirmed(db):
    school, other = SchoolFactory(), SchoolFactory()
    coordinator = make_official(Role.SCHOOL_COORDINATOR, school=school)
    for _ in range(2):
        StudentFactory(school=school, status=Student.Status.PENDING)
    StudentFactory(school=school)  # confirmed already
    StudentFactory(school=school, status=Student.Status.REJECTED)
    StudentFactory(school=other, status=Student.Status.PENDING)  # another school's
    (line,) = coordinator_waiting(coordinator)
    assert line.count == 2
    with translation.override("en"):
        assert coordinator_waiting(coordinator)[0].text == "2 students to confirm"


def test_a_coordinator_without_a_school_counts_nobody(db):
    StudentFactory(status=Student.Status.PENDING)
    assert coordinator_waiting(make_official(Role.REVIEWER))[0].count == 0


def test_a_student_counts_their_own_visits_to_come_and_reports_to_write(db):
    student, classmate = StudentFactory(), StudentFactory()
    soon, later = VisitSlotFactory(), VisitSlotFactory()
    past = VisitSlotFactory(starts_at=timezone.now() - datetime.timedelta(days=2))
    Booking.objects.create(slot=soon, student=student, status=B.CONFIRMED)
    Booking.objects.create(slot=later, student=student, status=B.WAITLISTED)  # not booked yet
    Booking.objects.create(slot=later, student=classmate, status=B.CONFIRMED)
    Booking.objects.create(slot=past, student=student, status=B.ATTENDED)
    reported = VisitSlotFactory(starts_at=timezone.now() - datetime.timedelta(days=9))
    done = Booking.objects.create(slot=reported, student=student, status=B.ATTENDED)
    VisitReport.objects.create(booking=done, wellbeing="good")
    Booking.objects.create(slot=past, student=classmate, status=B.ATTENDED)
    assert [line.count for line in student_waiting(student.user)] == [1, 1]
    with translation.override("en"):
        assert [line.text for line in student_waiting(student.user)] == [
            "1 booked visit coming up",
            "1 visit report to write",
        ]
