"""Factories of the student visits, shared by their tests (and the permission matrix).

StudentFactory()                          # a confirmed adult student of a Genteng school
StudentFactory(minor=True)                # 15 years old, no guardian's consent yet
VisitSlotFactory()                        # a published person of Genteng, in three days
VisitSlotFactory(starts_at=..., capacity=2, school=some_school)
"""

import datetime

import factory
from django.utils import timezone

from accounts.models import Role, RoleGrant
from portal.models import Status
from tests.factories import SchoolFactory, UserFactory
from tests.factories.portal import RecipientFactory
from volunteers.models import Student, VisitSlot


def years_ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day - datetime.timedelta(days=days)


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student
        skip_postgeneration_save = True

    class Params:
        minor = factory.Trait(birth_date=factory.LazyFunction(lambda: years_ago(15)))

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    class_name = "XI IPA 2"
    birth_date = factory.LazyFunction(lambda: years_ago(19))
    status = Student.Status.CONFIRMED

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            RoleGrant.objects.get_or_create(user=self.user, role=Role.STUDENT)
            self.user.__dict__.pop("roles", None)


class VisitSlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitSlot

    recipient = factory.SubFactory(RecipientFactory, status=Status.PUBLISHED, publishable=True)
    kecamatan = factory.LazyAttribute(lambda o: o.recipient.kecamatan)
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + datetime.timedelta(days=3)).replace(
            minute=0, second=0, microsecond=0
        )
    )
    duration_minutes = 90
    capacity = 3
    meeting_point = "Balai Desa Kembiritan"
    what_to_bring = "Buah dan senyum"


SAMPLE_STUDENT_EMAIL = "sample.student@example.org"


def sample_student() -> Student:
    """The student whose own pages the permission matrix opens (one per test database)."""
    existing = Student.objects.filter(user__email=SAMPLE_STUDENT_EMAIL).first()
    return existing or StudentFactory(user=UserFactory(email=SAMPLE_STUDENT_EMAIL))


def sample_visit_kwargs() -> dict[str, dict]:
    """URL arguments of the visit pages for the permission matrix: a slot in Genteng (inside
    a Genteng reviewer's scope and a Genteng school's coordinator's), booked and attended by
    the sample student, with a report and a certificate."""
    from volunteers.models import Booking, Certificate, VisitReport

    student = sample_student()
    slot = VisitSlotFactory()
    booking = Booking.objects.create(slot=slot, student=student, status=Booking.Status.ATTENDED)
    VisitSlot.objects.filter(pk=slot.pk).update(seats_taken=1)
    report = VisitReport.objects.create(booking=booking, wellbeing="good")
    certificate = Certificate.objects.create(
        student=student, student_name="Sample", school_name="Sekolah", minutes=90, visits=1
    )
    by_booking = {"pk": booking.pk}
    return {
        "volunteers:slot_detail": {"pk": slot.pk},
        "volunteers:booking_detail": by_booking,
        "volunteers:booking_cancel": by_booking,
        "volunteers:booking_report": by_booking,
        "volunteers:booking_ics": by_booking,
        "volunteers:certificate_pdf": {"pk": certificate.pk},
        "volunteers:official_slot": {"pk": slot.pk},
        "volunteers:official_slot_cancel": {"pk": slot.pk},
        "volunteers:official_report": {"pk": report.pk},
    }
