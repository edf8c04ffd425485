"""A coordinator's decisions on their students: each says what it did and what the student
gets; removing a confirmed student asks first and says what happens to their bookings; the
list shows each student's guardian's consent."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from notifications.models import Notification
from notifications.services import render
from tests.factories import make_official
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking, GuardianConsent, Student, VisitSlot
from volunteers.services.bookings import booking_create, seats_in_use
from volunteers.services.students import guardian_consent_request, student_decide

SCHOOL = "/en/petugas/sekolah/"
B = Booking.Status


def remove_url(student, *, en: bool = True) -> str:
    with translation.override("en" if en else "id"):
        return reverse("volunteers:school_student_remove", args=[student.pk])


@pytest.fixture
def coordinator(student):
    return make_official(Role.SCHOOL_COORDINATOR, school=student.school)


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def ask_consent(student, email="ibu.sri@example.org") -> GuardianConsent:
    return guardian_consent_request(
        student=student, guardian_name="Ibu Sri", guardian_email=email, relationship="ibu"
    )


# --- Confirming ------------------------------------------------------------------------------


def test_confirming_an_adult_says_they_can_book_and_are_emailed(client, db):
    siti = StudentFactory(status=Student.Status.PENDING, user__name="Siti Rahma")
    client.force_login(make_official(Role.SCHOOL_COORDINATOR, school=siti.school))
    response = client.post(SCHOOL, {"student": siti.pk, "decision": "confirmed"}, follow=True)
    (said,) = flash(response)
    assert said == (
        f"Siti Rahma is confirmed as a student of {siti.school.name} and can book visits now. "
        "We e-mailed them to say so."
    )
    assert "Saved." not in said
    mail = Notification.objects.get(template="visit_school_decision", user=siti.user)
    assert mail.to_address == siti.user.email and mail.mandatory
    assert mail.context["decision"] == "confirmed" and not mail.context["consent_needed"]


def test_confirming_a_minor_says_when_the_guardians_link_went_and_that_it_waits(client, db):
    with time_machine.travel(datetime.datetime(2026, 5, 3, 3, 0, tzinfo=datetime.UTC)):
        dewi = StudentFactory(status=Student.Status.PENDING, minor=True, user__name="Dewi")
        ask_consent(dewi)
        client.force_login(make_official(Role.SCHOOL_COORDINATOR, school=dewi.school))
        response = client.post(SCHOOL, {"student": dewi.pk, "decision": "confirmed"}, follow=True)
    (said,) = flash(response)
    assert said.startswith(f"Dewi is confirmed as a student of {dewi.school.name}.")
    assert "once their parent or guardian consents" in said
    assert "on 3 May 2026 is not answered yet" in said
    mail = Notification.objects.get(template="visit_school_decision")
    assert mail.context["consent_needed"] is True


def test_confirming_a_minor_without_a_waiting_link_says_so(client, db):
    dewi = StudentFactory(status=Student.Status.PENDING, minor=True, user__name="Dewi")
    client.force_login(make_official(Role.SCHOOL_COORDINATOR, school=dewi.school))
    response = client.post(SCHOOL, {"student": dewi.pk, "decision": "confirmed"}, follow=True)
    (said,) = flash(response)
    assert "no consent link is waiting: Dewi can send one from their visits page" in said


def test_refusing_a_pending_student_says_how_to_undo_it(client, db):
    budi = StudentFactory(status=Student.Status.PENDING, user__name="Budi")
    client.force_login(make_official(Role.SCHOOL_COORDINATOR, school=budi.school))
    response = client.post(SCHOOL, {"student": budi.pk, "decision": "rejected"}, follow=True)
    (said,) = flash(response)
    assert said == (
        f"Budi is marked as not a student of {budi.school.name} and cannot book visits. We "
        "e-mailed them to say so. If this was a mistake, confirm them in the list below."
    )
    budi.refresh_from_db()
    assert budi.status == Student.Status.REJECTED


def test_a_refused_move_changes_nothing_and_says_why(client, coordinator, student):
    client.force_login(coordinator)
    response = client.post(SCHOOL, {"student": student.pk, "decision": "confirmed"}, follow=True)
    assert flash(response) == ["That change is not possible for this student."]
    assert not Notification.objects.filter(template="visit_school_decision").exists()


@pytest.mark.parametrize(
    ("start", "to", "subject", "words"),
    [
        ("pending", "confirmed", "confirmed you for student visits", ["You can book visits now."]),
        ("pending", "rejected", "did not confirm you", ["talk to your coordinator"]),
        (
            "confirmed",
            "rejected",
            "no longer on",
            ["2 bookings of visits still to come are cancelled", "certificates are kept"],
        ),
    ],
)
def test_the_students_email_says_what_the_school_decided(db, start, to, subject, words):
    student = StudentFactory(status=start, user__language="en")
    coordinator = make_official(Role.SCHOOL_COORDINATOR, school=student.school)
    if start == "confirmed":
        booking_create(slot_id=VisitSlotFactory().pk, student=student)
        full = VisitSlotFactory(capacity=1, starts_at=timezone.now() + datetime.timedelta(days=9))
        booking_create(slot_id=full.pk, student=StudentFactory())
        booking_create(slot_id=full.pk, student=student, waitlist=True)
    student_decide(student=student, actor=coordinator, to_status=to)
    message = render(Notification.objects.get(template="visit_school_decision"))
    assert subject in message.subject
    assert student.school.name in message.subject
    for word in words:
        assert word in message.text
        assert word in message.html


# --- Removing asks first ---------------------------------------------------------------------


def test_the_list_links_to_a_confirmation_instead_of_removing(client, coordinator, student):
    client.force_login(coordinator)
    page = client.get(SCHOOL).content.decode()
    assert f'href="{remove_url(student)}"' in page
    assert 'value="rejected" class="link-button"' not in page  # no one-tap removal left


def test_the_confirmation_page_changes_nothing_and_counts_what_is_cancelled(
    client, coordinator, student
):
    booked = VisitSlotFactory(starts_at=timezone.now() + datetime.timedelta(days=2))
    booking_create(slot_id=booked.pk, student=student)
    booking_create(slot_id=VisitSlotFactory().pk, student=student)
    full = VisitSlotFactory(capacity=1, starts_at=timezone.now() + datetime.timedelta(days=9))
    booking_create(slot_id=full.pk, student=StudentFactory())
    booking_create(slot_id=full.pk, student=student, waitlist=True)
    past = VisitSlotFactory()
    Booking.objects.create(slot=past, student=student, status=B.ATTENDED)
    VisitSlot.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=7), seats_taken=1
    )

    client.force_login(coordinator)
    for method in (client.get, client.head):
        response = method(remove_url(student))
        assert response.status_code == 200
    student.refresh_from_db()
    assert student.status == Student.Status.CONFIRMED
    assert Booking.objects.filter(student=student, status=B.CONFIRMED).count() == 2
    assert not Notification.objects.filter(template="visit_school_decision").exists()

    page = client.get(remove_url(student)).content.decode()
    assert 'id="cancelled-count" data-count="2"' in page
    assert "Their 2 booked visits still to come are cancelled" in page
    assert "They leave the waiting list of 1 visit." in page
    assert "Kept: 1.5 hours in 1 attended visit." in page
    assert booked.recipient.pseudonym in page
    assert 'method="post"' in page and 'id="confirm-remove"' in page


def test_removing_after_confirming_cancels_what_is_ahead_and_keeps_the_hours(
    client, coordinator, student
):
    slot = VisitSlotFactory(capacity=1)
    booking_create(slot_id=slot.pk, student=student)
    waiting = StudentFactory(school=student.school)
    booking_create(slot_id=slot.pk, student=waiting, waitlist=True)
    done = VisitSlotFactory()
    attended = Booking.objects.create(slot=done, student=student, status=B.ATTENDED)
    VisitSlot.objects.filter(pk=done.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=3), seats_taken=1
    )

    client.force_login(coordinator)
    response = client.post(remove_url(student), follow=True)
    assert response.redirect_chain[-1][0] == SCHOOL
    (said,) = flash(response)
    assert "is no longer a student of" in said
    assert "Their 1 booking of a visit still to come is cancelled" in said
    assert "the hours already earned are kept" in said

    student.refresh_from_db()
    assert student.status == Student.Status.REJECTED
    mine = Booking.objects.get(slot=slot, student=student)
    assert mine.status == B.CANCELLED
    last = mine.transitions.last()
    assert last.actor == coordinator and last.reason == "no longer a student of the school"
    # The seat went to the first in line, who is told.
    assert Booking.objects.get(student=waiting).status == B.CONFIRMED
    slot.refresh_from_db()
    assert slot.seats_taken == 1 == seats_in_use(slot)
    assert Notification.objects.filter(user=waiting.user, template="visit_promoted").exists()
    # Reminders of the cancelled visit are withdrawn; the visit made stays.
    assert not Notification.objects.filter(dedup_key__startswith=f"visit_reminder:{mine.pk}:")
    attended.refresh_from_db()
    assert attended.status == B.ATTENDED
    mail = Notification.objects.get(template="visit_school_decision", user=student.user)
    assert mail.context == {
        "decision": "removed",
        "school": student.school.name,
        "cancelled": 1,
        "consent_needed": False,
    }


def test_removal_is_post_only_behind_the_page_and_the_list_post_only_leads_there(
    client, coordinator, student
):
    client.force_login(coordinator)
    # The list's old one-tap form, replayed: it only leads to the confirmation.
    response = client.post(SCHOOL, {"student": student.pk, "decision": "rejected"})
    assert response.status_code == 302
    assert response["Location"] == remove_url(student)
    student.refresh_from_db()
    assert student.status == Student.Status.CONFIRMED
    assert client.put(remove_url(student)).status_code == 405
    student.refresh_from_db()
    assert student.status == Student.Status.CONFIRMED


def test_removal_needs_the_csrf_token(coordinator, student):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(coordinator)
    assert strict.post(remove_url(student)).status_code == 403
    student.refresh_from_db()
    assert student.status == Student.Status.CONFIRMED


def test_another_schools_student_cannot_be_removed(client, db):
    other = StudentFactory()
    client.force_login(make_official(Role.SCHOOL_COORDINATOR, school=StudentFactory().school))
    assert client.get(remove_url(other)).status_code == 404
    assert client.post(remove_url(other)).status_code == 404
    other.refresh_from_db()
    assert other.status == Student.Status.CONFIRMED


def test_a_student_not_confirmed_has_nothing_to_remove(client, db):
    pending = StudentFactory(status=Student.Status.PENDING, user__name="Rina")
    client.force_login(make_official(Role.SCHOOL_COORDINATOR, school=pending.school))
    response = client.post(remove_url(pending), follow=True)
    assert flash(response) == [
        "Rina is not a confirmed student of your school: there is nothing to remove."
    ]
    pending.refresh_from_db()
    assert pending.status == Student.Status.PENDING


def test_a_removed_student_can_no_longer_book(db, coordinator, student):
    student_decide(student=student, actor=coordinator, to_status=Student.Status.REJECTED)
    from volunteers.services.bookings import BookingRefused

    with pytest.raises(BookingRefused) as refused:
        booking_create(slot_id=VisitSlotFactory().pk, student=student)
    assert refused.value.code == "unconfirmed"


# --- The guardian's consent in the list ------------------------------------------------------


def test_the_list_shows_each_students_guardians_consent(client, db):
    adult = StudentFactory(user__name="Adult")
    school = adult.school
    given = StudentFactory(school=school, minor=True)
    consent = ask_consent(given)
    GuardianConsent.objects.filter(pk=consent.pk).update(
        given_at=datetime.datetime(2026, 4, 2, 3, tzinfo=datetime.UTC)
    )
    waiting = StudentFactory(school=school, minor=True, status=Student.Status.PENDING)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=2)):
        sent = ask_consent(waiting)
    expired = StudentFactory(school=school, minor=True)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=10)):
        ask_consent(expired)
    withdrawn = StudentFactory(school=school, minor=True)
    gone = ask_consent(withdrawn)
    GuardianConsent.objects.filter(pk=gone.pk).update(
        given_at=timezone.now(), withdrawn_at=datetime.datetime(2026, 4, 9, 3, tzinfo=datetime.UTC)
    )
    never = StudentFactory(school=school, minor=True)

    client.force_login(make_official(Role.SCHOOL_COORDINATOR, school=school))
    response = client.get(SCHOOL)
    states = {row.student.pk: row.guardian.state for row in response.context["roster"]}
    assert states == {
        adult.pk: "not_needed",
        given.pk: "given",
        waiting.pk: "waiting",
        expired.pk: "expired",
        withdrawn.pk: "withdrawn",
        never.pk: "not_sent",
    }
    page = response.content.decode()
    assert "Not needed (18 or older)" in page
    assert "Given on 2 Apr 2026" in page
    assert f"Link sent on {timezone.localtime(sent.requested_at):%-d %b %Y}, waiting" in page
    assert "expired unanswered" in page
    assert "Withdrawn on 9 Apr 2026" in page
    assert "Not sent" in page
    # The pending card shows it too, before the coordinator confirms.
    assert page.count("Link sent on") >= 2
    # The guardian's address is the student's business, not the list's.
    assert "ibu.sri@example.org" not in page


def test_the_list_reads_the_consents_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, db
):
    school = StudentFactory().school
    for _ in range(8):
        ask_consent(StudentFactory(school=school, minor=True))
    client.force_login(make_official(Role.SCHOOL_COORDINATOR, school=school))
    client.get(SCHOOL)
    with django_assert_max_num_queries(25):
        assert client.get(SCHOOL).status_code == 200
