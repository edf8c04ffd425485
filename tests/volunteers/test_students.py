"""Signing up as a student, the school's confirmation, and a guardian's consent for a minor
(UU PDP Pasal 25) through a signed, expiring link."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEvent, Role
from tests.conftest import deliver_notifications
from tests.factories import SchoolFactory, UserFactory, make_official
from tests.factories.volunteers import StudentFactory, VisitSlotFactory, years_ago
from volunteers.models import Booking, GuardianConsent, Student
from volunteers.services.bookings import BookingRefused, booking_create
from volunteers.services.students import (
    guardian_consent_give,
    guardian_consent_request,
    guardian_link,
    student_decide,
)


def signup(client, user, **fields):
    client.force_login(user)
    data = {
        "school": SchoolFactory().pk,
        "class_name": "X-3",
        "birth_date": years_ago(19).isoformat(),
        "guardian_name": "",
        "guardian_email": "",
        "relationship": "",
        **fields,
    }
    return client.post(reverse("volunteers:signup"), data)


def local(url: str) -> str:
    assert url.startswith(django_settings.PORTAL_BASE_URL)
    return url.removeprefix(django_settings.PORTAL_BASE_URL)


def guardian_link_from(message) -> str:
    return re.search(r"http\S+/kunjungan/izin-wali/\S+/", message.body).group(0)


def test_an_adult_signs_up_waits_for_the_school_and_the_birth_date_is_encrypted(client, db):
    user = UserFactory()
    response = signup(client, user, birth_date="2005-03-04")
    assert response.status_code == 302
    student = Student.objects.get(user=user)
    assert student.status == Student.Status.PENDING
    assert user.role_grants.filter(role=Role.STUDENT).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT birth_date FROM volunteers_student WHERE id = %s", [student.pk])
        (stored,) = cursor.fetchone()
    assert "2005" not in stored
    assert not GuardianConsent.objects.exists()


def test_a_minor_must_name_a_guardian_and_nothing_is_written_otherwise(client, db):
    user = UserFactory()
    response = signup(client, user, birth_date=years_ago(16).isoformat())
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Student.objects.filter(user=user).exists()
    assert not user.role_grants.exists()


@pytest.mark.parametrize("birth", [years_ago(-1), years_ago(5), years_ago(40)])
def test_an_impossible_birth_date_is_refused(client, db, birth):
    user = UserFactory()
    assert signup(client, user, birth_date=birth.isoformat()).status_code == 200
    assert not Student.objects.filter(user=user).exists()


def test_a_minor_cannot_book_without_the_guardians_consent_and_can_with_it(client, db, mailoutbox):
    user = UserFactory(language="id")
    response = signup(
        client,
        user,
        birth_date=years_ago(15).isoformat(),
        guardian_name="Ibu Sri",
        guardian_email="ibu.sri@example.org",
        relationship="ibu",
    )
    assert response.status_code == 302
    student = Student.objects.get(user=user)
    coordinator = make_official(Role.SCHOOL_COORDINATOR, school=student.school)
    student_decide(student=student, actor=coordinator, to_status=Student.Status.CONFIRMED)
    slot = VisitSlotFactory()

    with pytest.raises(BookingRefused) as refused:
        booking_create(slot_id=slot.pk, student=student)
    assert refused.value.code == "guardian_consent"
    assert not Booking.objects.exists()

    deliver_notifications()
    (message,) = [m for m in mail.outbox if m.to == ["ibu.sri@example.org"]]
    path = local(guardian_link_from(message))
    page = client.get(path)
    assert page.status_code == 200
    # Not ticking the box gives nothing.
    assert client.post(path, {}).status_code == 400
    assert not GuardianConsent.objects.get().given_at
    assert client.post(path, {"agree": "on"}).status_code == 200
    consent = GuardianConsent.objects.get()
    assert consent.given_at is not None
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.CONSENT_GIVEN, actor_label="guardian link"
    )
    assert event.target == f"volunteers.guardianconsent:{consent.pk}"

    booking, created = booking_create(slot_id=slot.pk, student=student)
    assert created and booking.status == Booking.Status.CONFIRMED


def test_a_student_who_turns_18_before_the_visit_needs_no_consent(db):
    student = StudentFactory(birth_date=years_ago(18, days=-3))  # 18 in three days
    slot = VisitSlotFactory(starts_at=timezone.now() + datetime.timedelta(days=5))
    booking, _ = booking_create(slot_id=slot.pk, student=student)
    assert booking.status == Booking.Status.CONFIRMED


def test_a_withdrawn_consent_stops_new_bookings(client, db):
    student = StudentFactory(minor=True)
    consent = guardian_consent_request(
        student=student,
        guardian_name="Pak Budi",
        guardian_email="budi@example.org",
        relationship="ayah",
    )
    path = local(guardian_link(consent, language="id"))
    guardian_consent_give(token=path.rstrip("/").rsplit("/", 1)[-1])
    assert client.post(path, {"action": "withdraw"}).status_code == 200
    with pytest.raises(BookingRefused):
        booking_create(slot_id=VisitSlotFactory().pk, student=student)


def test_a_forged_or_expired_guardian_link_gives_nothing(client, settings, db):
    student = StudentFactory(minor=True)
    consent = guardian_consent_request(
        student=student,
        guardian_name="Pak Budi",
        guardian_email="budi@example.org",
        relationship="ayah",
    )
    path = local(guardian_link(consent, language="id"))
    forged = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    assert client.post(forged, {"agree": "on"}).status_code == 400
    with time_machine.travel(datetime.timedelta(days=settings.VISITS_GUARDIAN_LINK_DAYS, hours=1)):
        response = client.post(path, {"agree": "on"})
    assert response.status_code == 400
    consent.refresh_from_db()
    assert consent.given_at is None


def test_guardian_links_are_limited_per_day(db):
    student = StudentFactory(minor=True)
    start = timezone.now()
    for step in range(3):  # spaced past the pause between two links to one address
        with time_machine.travel(start + datetime.timedelta(minutes=11 * step), tick=False):
            guardian_consent_request(
                student=student,
                guardian_name="A",
                guardian_email="a@example.org",
                relationship="ibu",
            )
    later = start + datetime.timedelta(hours=2)
    with (
        time_machine.travel(later, tick=False),
        translation.override("en"),
        pytest.raises(ValidationError, match="3 times in the last 24 hours") as refused,
    ):
        guardian_consent_request(
            student=student, guardian_name="B", guardian_email="b@example.org", relationship="ayah"
        )
    assert refused.value.code == "too_many"
    assert GuardianConsent.objects.count() == 3
    # The first of the three leaves the 24 hours first: from then on, one more.
    with time_machine.travel(start + datetime.timedelta(days=1, minutes=1), tick=False):
        guardian_consent_request(
            student=student, guardian_name="B", guardian_email="b@example.org", relationship="ayah"
        )
    assert GuardianConsent.objects.count() == 4


def test_the_guardian_mail_carries_no_elderly_data_and_cannot_be_unsubscribed(db, mailoutbox):
    student = StudentFactory(minor=True)
    guardian_consent_request(
        student=student,
        guardian_name="Ibu Sri",
        guardian_email="sri@example.org",
        relationship="ibu",
    )
    assert deliver_notifications() == ["sent"]
    (message,) = mailoutbox
    assert "List-Unsubscribe" not in message.extra_headers
    assert "/kunjungan/izin-wali/" in message.body


def test_only_the_schools_coordinator_confirms_and_the_page_shows_only_its_students(client, db):
    mine = StudentFactory(status=Student.Status.PENDING)
    other = StudentFactory(status=Student.Status.PENDING)
    coordinator = make_official(Role.SCHOOL_COORDINATOR, school=mine.school)
    client.force_login(coordinator)
    page = client.get(reverse("volunteers:school"))
    assert [s.pk for s in page.context["students"]] == [mine.pk]
    assert other.user.email not in page.content.decode()

    response = client.post(
        reverse("volunteers:school"), {"student": other.pk, "decision": "confirmed"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Student.Status.PENDING
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.SCOPE_DENIED, target=f"volunteers.student:{other.pk}"
    ).exists()

    client.post(reverse("volunteers:school"), {"student": mine.pk, "decision": "confirmed"})
    mine.refresh_from_db()
    assert mine.status == Student.Status.CONFIRMED
    assert mine.decided_by == coordinator
