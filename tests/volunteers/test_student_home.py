"""A student's visits page as their home, the booking button only for those who may book (one
rule for the page and the service), and the guardian's link: its state, and sending it
again."""

import datetime
import re

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Role
from notifications.models import Notification
from tests.factories import SchoolFactory, make_official
from tests.factories.volunteers import StudentFactory, VisitSlotFactory, years_ago
from volunteers.models import Booking, GuardianConsent, Student, VisitReport, VisitSlot
from volunteers.permissions import booking_refusal
from volunteers.selectors.students import student_standing
from volunteers.services.bookings import BookingRefused, booking_create
from volunteers.services.students import (
    GUARDIAN_RESEND_MINUTES,
    guardian_consent_give,
    guardian_consent_request,
    guardian_link,
    student_decide,
)

HOME = "/en/kunjungan/"
RESEND = "/en/kunjungan/izin-wali/kirim-ulang/"
B = Booking.Status


def slot_url(slot) -> str:
    return f"/en/kunjungan/jadwal/{slot.pk}/"


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def ask(student, email="ibu.sri@example.org") -> GuardianConsent:
    return guardian_consent_request(
        student=student, guardian_name="Ibu Sri", guardian_email=email, relationship="ibu"
    )


def give(consent: GuardianConsent) -> None:
    token = guardian_link(consent, language="id").rstrip("/").rsplit("/", 1)[-1]
    guardian_consent_give(token=token)


def withdraw(consent: GuardianConsent) -> None:
    GuardianConsent.objects.filter(pk=consent.pk).update(withdrawn_at=timezone.now())


@pytest.fixture
def minor(db):
    student = StudentFactory(minor=True, user__language="en")
    ask(student)
    return student


# --- One rule for the button and the service ------------------------------------------------


def test_a_minor_without_consent_sees_the_reason_instead_of_the_button(client, minor):
    slot = VisitSlotFactory()
    client.force_login(minor.user)
    page = client.get(slot_url(slot)).content.decode()
    assert 'id="book"' not in page
    assert 'id="join-waitlist"' not in page
    assert 'data-code="guardian_consent"' in page
    assert "Your parent or guardian has not given their consent yet." in page
    assert 'href="/en/kunjungan/#guardian"' in page


def test_the_server_still_refuses_a_minor_without_consent(client, minor):
    slot = VisitSlotFactory()
    client.force_login(minor.user)
    response = client.post(slot_url(slot), follow=True)
    assert not Booking.objects.exists()
    slot.refresh_from_db()
    assert slot.seats_taken == 0
    assert flash(response) == [
        "Your parent or guardian has not given their consent yet. You can book once they open "
        "the link we e-mailed them; you can send it again from your visits page."
    ]
    with pytest.raises(BookingRefused) as refused:
        booking_create(slot_id=slot.pk, student=minor)
    assert refused.value.code == "guardian_consent"


def test_with_consent_the_button_is_there_and_books(client, minor):
    give(minor.consents.get())
    slot = VisitSlotFactory()
    client.force_login(minor.user)
    page = client.get(slot_url(slot)).content.decode()
    assert 'id="book"' in page and 'id="booking-refusal"' not in page
    response = client.post(slot_url(slot))
    booking = Booking.objects.get(student=minor)
    assert response["Location"] == f"/en/kunjungan/pemesanan/{booking.pk}/"
    assert booking.status == B.CONFIRMED


def standings():
    """(label, make the student, make the slot): the cases of the rule."""
    other_school = SchoolFactory

    def minor_in(state):
        def make():
            student = StudentFactory(minor=True)
            if state == "not_sent":
                return student
            if state == "expired":
                with time_machine.travel(timezone.now() - datetime.timedelta(days=8)):
                    ask(student)
                return student
            consent = ask(student)
            if state in ("given", "withdrawn"):
                give(consent)
            if state == "withdrawn":
                withdraw(consent)
            return student

        return make

    return {
        "adult": (StudentFactory, VisitSlotFactory),
        "pending": (lambda: StudentFactory(status=Student.Status.PENDING), VisitSlotFactory),
        "rejected": (lambda: StudentFactory(status=Student.Status.REJECTED), VisitSlotFactory),
        **{
            f"minor {state}": (minor_in(state), VisitSlotFactory)
            for state in ("not_sent", "waiting", "expired", "withdrawn", "given")
        },
        "18 before the visit": (
            lambda: StudentFactory(birth_date=years_ago(18, days=-3)),
            lambda: VisitSlotFactory(starts_at=timezone.now() + datetime.timedelta(days=5)),
        ),
        "18 only after the visit": (
            lambda: StudentFactory(birth_date=years_ago(18, days=-6)),
            lambda: VisitSlotFactory(starts_at=timezone.now() + datetime.timedelta(days=5)),
        ),
        "another school's visit": (
            StudentFactory,
            lambda: VisitSlotFactory(school=other_school()),
        ),
        "cancelled visit": (
            StudentFactory,
            lambda: VisitSlotFactory(status=VisitSlot.Status.CANCELLED),
        ),
    }


EXPECTED_CODES = {
    "adult": None,
    "pending": "unconfirmed",
    "rejected": "unconfirmed",
    "minor not_sent": "guardian_consent",
    "minor waiting": "guardian_consent",
    "minor expired": "guardian_consent",
    "minor withdrawn": "guardian_consent",
    "minor given": None,
    "18 before the visit": None,
    "18 only after the visit": "guardian_consent",
    "another school's visit": "school",
    "cancelled visit": "cancelled",
}


@pytest.mark.parametrize("case", list(EXPECTED_CODES))
def test_the_page_shows_the_button_exactly_when_the_service_books(client, db, case):
    make_student, make_slot = standings()[case]
    student, slot = make_student(), make_slot()
    client.force_login(student.user)
    response = client.get(slot_url(slot))
    page = response.content.decode()
    try:
        with transaction.atomic():
            booking_create(slot_id=slot.pk, student=student)
            transaction.set_rollback(True)
        service = None
    except BookingRefused as refused:
        service = refused.code
    assert service == EXPECTED_CODES[case]
    refusal = booking_refusal(student_standing(student), slot)
    assert (refusal.code if refusal else None) == service
    assert ('id="book"' in page) is (service is None)
    if service == "school":
        assert response.status_code == 404  # another school's visits are not shown at all
    elif service is not None:
        assert f'data-code="{service}"' in page
        assert escape(refusal.message) in page


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("expired", "the link we e-mailed them has expired"),
        ("withdrawn", "withdrew their consent"),
        ("not_sent", "You are under 18: a parent or guardian must consent"),
    ],
)
def test_the_reason_says_where_the_guardians_consent_stands(client, db, state, words):
    make_student, _slot = standings()[f"minor {state}"]
    student = make_student()
    client.force_login(student.user)
    page = client.get("/en/kunjungan/jadwal/").content.decode()
    assert words in page
    assert 'data-code="guardian_consent"' in page


# --- The visits page as home -----------------------------------------------------------------


def test_the_home_shows_what_is_coming_what_to_do_and_visits_to_book(client, student):
    soon = VisitSlotFactory(starts_at=timezone.now() + datetime.timedelta(days=1))
    booking_create(slot_id=soon.pk, student=student)
    open_one = VisitSlotFactory(starts_at=timezone.now() + datetime.timedelta(days=4))
    done = VisitSlotFactory()
    attended = Booking.objects.create(slot=done, student=student, status=B.ATTENDED)
    VisitSlot.objects.filter(pk=done.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=2)
    )
    client.force_login(student.user)
    response = client.get(HOME)
    assert [b.slot_id for b in response.context["coming"]] == [soon.pk]
    assert [s.pk for s in response.context["open_slots"]] == [open_one.pk]
    assert [b.pk for b in response.context["reports_due"]] == [attended.pk]
    page = response.content.decode()
    assert f'href="/en/kunjungan/pemesanan/{attended.pk}/laporan/"' in page
    assert f'href="/en/kunjungan/jadwal/{open_one.pk}/"' in page
    assert 'id="guardian"' not in page  # an adult: no consent to ask
    VisitReport.objects.create(booking=attended, wellbeing="good")
    assert client.get(HOME).context["reports_due"] == []


def test_a_student_waiting_for_the_school_is_told_so_and_offered_no_booking(client, db):
    student = StudentFactory(status=Student.Status.PENDING)
    VisitSlotFactory()
    client.force_login(student.user)
    response = client.get(HOME)
    page = response.content.decode()
    assert 'data-step="school"' in page
    assert f"Wait for the coordinator of {student.school.name} to confirm you" in page
    assert response.context["open_slots"] == []
    assert "Your school has not confirmed you yet: ask your coordinator." in page


# --- The guardian's link: its state and sending it again ------------------------------------


def test_the_home_says_when_and_to_whom_the_link_went_and_that_it_waits(client, db):
    with time_machine.travel(datetime.datetime(2026, 5, 3, 3, 2, tzinfo=datetime.UTC)):
        student = StudentFactory(minor=True)
        ask(student, email="sri.wahyuni@example.org")
    with time_machine.travel(datetime.datetime(2026, 5, 4, 3, 0, tzinfo=datetime.UTC)):
        client.force_login(student.user)
        page = client.get(HOME).content.decode()
    assert 'id="guardian" data-state="waiting"' in page
    assert "We e-mailed a link to your ibu (sr…@example.org) on 3 May 2026, 10:02 WIB." in page
    assert "sri.wahyuni@example.org" not in page
    assert "The link works until 10 May 2026, 10:02 WIB." in page
    assert "Not answered yet." in page
    assert "The e-mail is on its way." in page
    assert 'action="/en/kunjungan/izin-wali/kirim-ulang/"' in page
    assert 'data-step="guardian"' in page


def test_a_link_that_could_not_be_delivered_is_said_so(client, minor):
    Notification.objects.filter(template="visit_guardian_consent").update(status="failed")
    client.force_login(minor.user)
    assert "The e-mail could not be delivered." in client.get(HOME).content.decode()


def test_consent_given_is_shown_and_nothing_more_is_asked(client, minor):
    give(minor.consents.get())
    client.force_login(minor.user)
    page = client.get(HOME).content.decode()
    assert 'data-state="given"' in page
    assert "Given by your ibu (ib…@example.org) on" in page
    assert 'id="guardian-resend"' not in page
    assert 'data-step="guardian"' not in page


def test_sending_the_link_again_writes_a_new_link_through_the_outbox(client, minor):
    client.force_login(minor.user)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=GUARDIAN_RESEND_MINUTES)):
        response = client.post(RESEND, follow=True)
    assert response.redirect_chain[-1][0] == "/en/kunjungan/"
    assert flash(response) == [
        "We e-mailed a new link to ib…@example.org. It works for 7 days: ask them to open it "
        "and give their consent. You can book once they have."
    ]
    first, second = GuardianConsent.objects.order_by("pk")
    assert (second.guardian_email, second.guardian_name, second.relationship) == (
        first.guardian_email,
        first.guardian_name,
        first.relationship,
    )
    mail = Notification.objects.get(dedup_key=f"visit_guardian_consent:{second.pk}")
    assert mail.to_address == "ibu.sri@example.org"
    assert re.search(r"/kunjungan/izin-wali/\S+/", mail.context["link"])


def test_a_second_tap_right_away_sends_nothing_and_says_when_it_can(client, minor):
    client.force_login(minor.user)
    response = client.post(RESEND, follow=True)
    (said,) = flash(response)
    assert said.startswith("We sent a link to ib…@example.org at ")
    assert "You can send it again from " in said
    assert minor.consents.count() == 1
    assert Notification.objects.filter(template="visit_guardian_consent").count() == 1


def test_at_most_three_links_a_day(client, minor):
    client.force_login(minor.user)
    start = timezone.now()
    for step in (1, 2):
        with time_machine.travel(start + datetime.timedelta(minutes=11 * step)):
            flash(client.post(RESEND, follow=True))
    assert minor.consents.count() == 3
    with time_machine.travel(start + datetime.timedelta(hours=3)):
        response = client.post(RESEND, follow=True)
    (said,) = flash(response)
    assert said.startswith("A link was sent 3 times in the last 24 hours.")
    assert minor.consents.count() == 3


@pytest.mark.parametrize(
    ("setup", "said"),
    [
        ("adult", "You are 18 or older: you need no guardian's consent."),
        ("given", "Your parent or guardian has already given their consent."),
        ("withdrawn", "Your parent or guardian withdrew their consent"),
        ("none", "No link was sent yet"),
    ],
)
def test_sending_again_is_refused_where_it_makes_no_sense(client, db, setup, said):
    student = StudentFactory(minor=setup != "adult")
    if setup in ("given", "withdrawn"):
        consent = ask(student)
        give(consent)
        if setup == "withdrawn":
            withdraw(consent)
    before = GuardianConsent.objects.count()
    client.force_login(student.user)
    response = client.post(RESEND, follow=True)
    (message,) = flash(response)
    assert message.startswith(said)
    assert GuardianConsent.objects.count() == before


def test_sending_again_is_post_only_and_for_students(client, minor):
    client.force_login(minor.user)
    assert client.get(RESEND).status_code == 405
    assert minor.consents.count() == 1
    client.force_login(make_official(Role.SCHOOL_COORDINATOR, school=minor.school))
    assert client.post(RESEND).status_code == 403


def test_a_confirmed_minor_with_consent_may_book_from_home(client, db):
    student = StudentFactory(minor=True, status=Student.Status.PENDING)
    give(ask(student))
    student_decide(
        student=student,
        actor=make_official(Role.SCHOOL_COORDINATOR, school=student.school),
        to_status=Student.Status.CONFIRMED,
    )
    slot = VisitSlotFactory()
    client.force_login(student.user)
    response = client.get(HOME)
    assert [s.pk for s in response.context["open_slots"]] == [slot.pk]
    assert 'id="booking-refusal"' not in response.content.decode()
