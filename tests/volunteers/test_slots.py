"""Organisers' slots: who may make them, for whom, how many a week, recurring ones."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from core.time import WIB
from portal.models import Status
from tests.factories import MUNCAR, SchoolFactory, make_official
from tests.factories.portal import RecipientFactory
from volunteers.models import VisitSlot
from volunteers.services.slots import slot_create


def next_saturday_9() -> datetime.datetime:
    today = datetime.datetime.now(WIB).date()
    saturday = today + datetime.timedelta(days=(5 - today.weekday()) % 7 or 7)
    return datetime.datetime.combine(saturday, datetime.time(9), WIB)


def make(actor, recipient, **kwargs):
    fields = {
        "starts_at": next_saturday_9(),
        "duration_minutes": 90,
        "capacity": 4,
        "meeting_point": "Balai Desa",
        **kwargs,
    }
    return slot_create(actor=actor, recipient=recipient, **fields)


@pytest.fixture
def person(db):
    return RecipientFactory(status=Status.PUBLISHED, publishable=True)


def test_every_saturday_for_a_month_in_one_step(reviewer, person):
    slots = make(reviewer, person, repeat_weeks=3)
    assert len(slots) == 4
    assert len({s.series for s in slots}) == 1 and slots[0].series is not None
    local = [s.starts_at.astimezone(WIB) for s in slots]
    assert all(t.weekday() == 5 and t.hour == 9 for t in local)
    assert [t.date() - local[0].date() for t in local] == [
        datetime.timedelta(weeks=n) for n in range(4)
    ]
    assert all(s.kecamatan_id == person.kecamatan_id for s in slots)


def test_the_weekly_maximum_per_person_refuses_the_whole_series(settings, reviewer, person):
    settings.VISITS_MAX_PER_PERSON_PER_WEEK = 2
    saturday = next_saturday_9()
    make(reviewer, person, starts_at=saturday + datetime.timedelta(weeks=2))
    make(reviewer, person, starts_at=saturday + datetime.timedelta(weeks=2, hours=-48))
    with translation.override("en"), pytest.raises(ValidationError, match="at most 2 a week"):
        make(reviewer, person, repeat_weeks=3)
    assert VisitSlot.objects.count() == 2
    # Another week is fine; a cancelled visit does not count.
    VisitSlot.objects.update(status=VisitSlot.Status.CANCELLED)
    assert len(make(reviewer, person, repeat_weeks=3)) == 4


@pytest.mark.parametrize(
    "status", [Status.CANDIDATE, Status.IN_REVIEW, Status.SUSPENDED, Status.WITHDRAWN]
)
def test_only_published_or_reached_people_get_visits(reviewer, db, status):
    person = RecipientFactory(status=status, publishable=True)
    with pytest.raises(ValidationError):
        make(reviewer, person)
    assert not VisitSlot.objects.exists()


def test_reached_people_get_visits(reviewer, db):
    assert make(reviewer, RecipientFactory(status=Status.REACHED, publishable=True))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"capacity": 1}, "between"),
        ({"capacity": 7}, "between"),
        ({"starts_at": datetime.datetime(2020, 1, 1, tzinfo=WIB)}, "future"),
        ({"meeting_point": "  "}, "meet"),
        ({"repeat_weeks": 9}, "repeats"),
    ],
)
def test_bad_slots_are_refused_with_a_message(reviewer, person, fields, message):
    with translation.override("en"), pytest.raises(ValidationError, match=message):
        make(reviewer, person, **fields)
    assert not VisitSlot.objects.exists()


def test_a_reviewer_of_another_kecamatan_cannot_make_a_slot(muncar_reviewer, person):
    with pytest.raises(PermissionDenied):
        make(muncar_reviewer, person)


def test_a_coordinator_makes_slots_in_their_schools_kecamatan_for_their_school_only(db, person):
    school = SchoolFactory()  # Genteng
    coordinator = make_official(Role.SCHOOL_COORDINATOR, school=school)
    (slot,) = make(coordinator, person, school=school)
    assert slot.school == school
    with translation.override("en"), pytest.raises(ValidationError, match="own school"):
        make(
            coordinator,
            person,
            school=SchoolFactory(),
            starts_at=next_saturday_9() + datetime.timedelta(days=1),
        )
    far = RecipientFactory(status=Status.PUBLISHED, publishable=True, kecamatan_code=MUNCAR)
    with pytest.raises(PermissionDenied):
        make(coordinator, far)


def test_the_form_offers_only_people_in_scope_and_creates_the_slot(client, reviewer, person, db):
    far = RecipientFactory(status=Status.PUBLISHED, publishable=True, kecamatan_code=MUNCAR)
    client.force_login(reviewer)
    page = client.get(reverse("volunteers:official_slot_new"))
    offered = list(page.context["form"].fields["person"].queryset)
    assert person in offered and far not in offered
    html = page.content.decode()
    assert person.name not in html and person.address not in html
    saturday = next_saturday_9()
    data = {
        "person": person.pk,
        "date": saturday.date().isoformat(),
        "time": "09:00",
        "duration_minutes": "90",
        "capacity": "4",
        "meeting_point": "Masjid Al-Ikhlas",
        "what_to_bring": "",
        "school": "",
        "repeat_weeks": "1",
    }
    response = client.post(reverse("volunteers:official_slot_new"), {**data, "person": far.pk})
    assert response.status_code == 200 and response.context["form"].errors["person"]
    response = client.post(reverse("volunteers:official_slot_new"), data)
    assert response.status_code == 302
    assert VisitSlot.objects.filter(recipient=person).count() == 2
    assert VisitSlot.objects.first().starts_at == saturday
