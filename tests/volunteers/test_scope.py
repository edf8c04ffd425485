"""Who sees what: a student only their own, a coordinator only their school, a reviewer their
kecamatan. Another's id in a URL is a 404 and a ``scope.denied`` event."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from tests.factories import MUNCAR, make_official
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking, Certificate
from volunteers.services.bookings import booking_create
from volunteers.services.visits import certificate_issue


def denied(user, target: str) -> bool:
    return AuditEvent.objects.filter(
        action=AuditEvent.Action.SCOPE_DENIED, actor_ref=user.public_ref, target=target
    ).exists()


@pytest.fixture
def owner_and_intruder(db):
    owner, intruder = StudentFactory(), StudentFactory()
    slot = VisitSlotFactory()
    booking, _ = booking_create(slot_id=slot.pk, student=owner)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.ATTENDED)
    certificate = certificate_issue(student=owner)
    return owner, intruder, booking, certificate


@pytest.mark.parametrize(
    "name", ["booking_detail", "booking_cancel", "booking_report", "booking_ics"]
)
def test_another_students_booking_is_404_and_logged(client, owner_and_intruder, name):
    _owner, intruder, booking, _certificate = owner_and_intruder
    client.force_login(intruder.user)
    for method in (client.get, client.post):
        assert method(reverse(f"volunteers:{name}", args=[booking.pk])).status_code in (404, 405)
    assert denied(intruder.user, f"volunteers.booking:{booking.pk}")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED


def test_another_students_certificate_is_404_and_logged(client, owner_and_intruder):
    owner, intruder, _booking, certificate = owner_and_intruder
    client.force_login(intruder.user)
    url = reverse("volunteers:certificate_pdf", args=[certificate.pk])
    assert client.get(url).status_code == 404
    assert denied(intruder.user, f"volunteers.certificate:{certificate.pk}")
    client.force_login(owner.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_an_id_that_does_not_exist_is_404_without_a_scope_event(client, owner_and_intruder):
    _owner, intruder, _booking, _certificate = owner_and_intruder
    client.force_login(intruder.user)
    assert client.get(reverse("volunteers:booking_detail", args=[999999])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SCOPE_DENIED).exists()


def test_a_student_sees_only_their_own_bookings_on_their_page(client, owner_and_intruder):
    owner, intruder, booking, _certificate = owner_and_intruder
    client.force_login(intruder.user)
    assert list(client.get(reverse("volunteers:home")).context["bookings"]) == []
    client.force_login(owner.user)
    assert [b.pk for b in client.get(reverse("volunteers:home")).context["bookings"]] == [
        booking.pk
    ]


def test_a_slot_reserved_for_another_school_is_404_to_a_student(client, db):
    from tests.factories import SchoolFactory

    slot = VisitSlotFactory(school=SchoolFactory())
    student = StudentFactory()
    client.force_login(student.user)
    assert client.get(reverse("volunteers:slot_detail", args=[slot.pk])).status_code == 404
    assert slot not in client.get(reverse("volunteers:slot_list")).context["slots"]
    assert denied(student.user, f"volunteers.visitslot:{slot.pk}")


def test_a_coordinator_never_sees_another_schools_students(client, db):
    mine, theirs = StudentFactory(), StudentFactory()
    slot = VisitSlotFactory()
    for student in (mine, theirs):
        booking_create(slot_id=slot.pk, student=student)
    coordinator = make_official(Role.SCHOOL_COORDINATOR, school=mine.school)
    client.force_login(coordinator)

    school = client.get(reverse("volunteers:school"))
    html = school.content.decode()
    assert mine.user.email in html
    assert theirs.user.email not in html
    assert {b.student for b in school.context["bookings"]} == {mine}

    roster = client.get(reverse("volunteers:official_slot", args=[slot.pk]))
    assert [b.student for b in roster.context["bookings"]] == [mine]
    assert theirs.user.email not in roster.content.decode()

    export = client.get(reverse("volunteers:school_export")).content.decode("utf-8-sig")
    assert mine.user.email in export and theirs.user.email not in export


def test_a_coordinator_does_not_see_slots_of_other_kecamatan_without_their_students(client, db):
    coordinator = make_official(Role.SCHOOL_COORDINATOR)  # a Genteng school
    far = VisitSlotFactory(recipient__kecamatan_code=MUNCAR)
    client.force_login(coordinator)
    assert client.get(reverse("volunteers:official_slot", args=[far.pk])).status_code == 404
    assert denied(coordinator, f"volunteers.visitslot:{far.pk}")
    # Once one of their students books it, they follow it.
    student = StudentFactory(school=coordinator.role_grants.get().school_link.school)
    booking_create(slot_id=far.pk, student=student)
    assert client.get(reverse("volunteers:official_slot", args=[far.pk])).status_code == 200


def test_a_reviewer_sees_visits_of_their_kecamatan_only(client, reviewer, db):
    mine = VisitSlotFactory()
    far = VisitSlotFactory(recipient__kecamatan_code=MUNCAR)
    client.force_login(reviewer)
    listing = client.get(reverse("volunteers:official_slots"))
    assert list(listing.context["upcoming"]) == [mine]
    assert client.get(reverse("volunteers:official_slot", args=[far.pk])).status_code == 404
    people = client.get(reverse("volunteers:official_people")).context["people"]
    assert [p.pk for p in people] == [mine.recipient_id]
    assert client.get(reverse("volunteers:official_slot_cancel", args=[far.pk])).status_code == 404


def test_visits_per_person_counts_held_and_planned_visits(client, reviewer, db):
    slot = VisitSlotFactory()
    later = VisitSlotFactory(
        recipient=slot.recipient, starts_at=slot.starts_at + datetime.timedelta(days=7)
    )
    booking, _ = booking_create(slot_id=slot.pk, student=StudentFactory())
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.ATTENDED)
    client.force_login(reviewer)
    (person,) = client.get(reverse("volunteers:official_people")).context["people"]
    assert (person.held, person.planned, person.flagged) == (1, 2, 0)
    assert later.pk


def test_certificates_list_only_their_owners(client, owner_and_intruder):
    owner, intruder, _booking, _certificate = owner_and_intruder
    client.force_login(intruder.user)
    assert list(client.get(reverse("volunteers:certificates")).context["certificates"]) == []
    assert Certificate.objects.get().student == owner
