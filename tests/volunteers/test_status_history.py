"""A visit slot's and a student's statuses keep their history (who, when, from, to, why)."""

import pytest

from accounts.models import Role
from portal.models import Status
from tests.factories import UserFactory, make_official
from tests.factories.portal import RecipientFactory
from volunteers.models import Student, VisitSlot
from volunteers.services.slots import slot_cancel
from volunteers.services.students import student_decide

from .test_slots import make
from .test_students import signup

pytestmark = pytest.mark.django_db


def test_a_slot_series_starts_its_history_and_a_cancel_keeps_the_reason(reviewer):
    person = RecipientFactory(status=Status.PUBLISHED, publishable=True)
    first, second = make(reviewer, person, repeat_weeks=1)
    for slot in (first, second):
        assert list(slot.transitions.values_list("from_status", "to_status", "actor")) == [
            ("", VisitSlot.Status.OPEN, reviewer.pk)
        ]

    slot_cancel(slot=first, actor=reviewer, reason="Mbah dirawat di Jember")

    row = first.transitions.last()
    assert (row.from_status, row.to_status, row.actor, row.reason) == (
        VisitSlot.Status.OPEN,
        VisitSlot.Status.CANCELLED,
        reviewer,
        "Mbah dirawat di Jember",
    )
    assert second.transitions.count() == 1


def test_a_students_sign_up_and_the_schools_decisions_are_in_their_history(client):
    user = UserFactory()
    signup(client, user)
    student = Student.objects.get(user=user)
    coordinator = make_official(Role.SCHOOL_COORDINATOR, school=student.school)

    student_decide(student=student, actor=coordinator, to_status=Student.Status.CONFIRMED)
    student_decide(student=student, actor=coordinator, to_status=Student.Status.REJECTED)

    assert list(student.transitions.values_list("from_status", "to_status", "actor")) == [
        ("", Student.Status.PENDING, user.pk),
        (Student.Status.PENDING, Student.Status.CONFIRMED, coordinator.pk),
        (Student.Status.CONFIRMED, Student.Status.REJECTED, coordinator.pk),
    ]
