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
from tests.portal.factories import RecipientFactory
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
