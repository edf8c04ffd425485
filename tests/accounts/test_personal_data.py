"""Every app's personal data reaches a person's download and goes with their account (UU PDP),
through the registry each app fills (accounts.registry)."""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.pii import EncryptedTextField, decrypt
from accounts.registry import PersonalData, Subject, personal_data
from community.models import Referral
from notifications.models import Notification, Preference
from tests.factories import PASSWORD, UserFactory
from tests.factories.community import confirm, post_referral, sent_to
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking, Certificate, VisitReport, VisitSlot

# --- Completeness ------------------------------------------------------------------------------

# Django's own apps and the libraries without accounts of people (the beat schedule) are not
# ours to describe; allauth's and knox's hold the account's addresses, authenticators and
# tokens, so they are checked like ours.
LIBRARY_APPS_CHECKED = {"account", "mfa", "socialaccount", "usersessions", "knox"}
PERSONAL_NAME = re.compile(r"(^|_)(e?mail|phone|name|contact|address)($|_)")


def checked_apps() -> list[str]:
    base = Path(settings.BASE_DIR).resolve()
    labels = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        # The virtualenv may sit inside the project (make's .venv): installed apps are not ours.
        ours = (
            path.is_relative_to(base)
            and "site-packages" not in path.parts
            and not config.name.startswith("tests.")
        )
        if ours or config.label in LIBRARY_APPS_CHECKED:
            labels.append(config.label)
    return sorted(labels)


def personal_fields(model: type[models.Model]) -> list[str]:
    """The fields that make a model hold personal data: a link to an account, an e-mail
    address, an encrypted value, or text named like a name, phone, contact or address."""
    found = []
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is not None:
            if field.related_model._meta.label == settings.AUTH_USER_MODEL:
                found.append(field.name)
        elif isinstance(field, models.EmailField | EncryptedTextField) or (
            isinstance(field, models.CharField | models.TextField)
            and PERSONAL_NAME.search(field.name)
        ):
            found.append(field.name)
    return found


def uncovered(app_label: str, entries: tuple[PersonalData, ...]) -> dict[str, list[str]]:
    covered = {label for e in entries for label in e.models}
    covered |= {label for e in entries for label, reason in e.exempt if reason.strip()}
    return {
        model._meta.label: fields
        for model in apps.get_app_config(app_label).get_models()
        if (fields := personal_fields(model)) and model._meta.label not in covered
    }


def registered(app_label: str) -> bool:
    return any(e.app_label == app_label for e in personal_data())


@pytest.mark.parametrize("app_label", checked_apps())
def test_every_model_holding_personal_data_is_covered_or_exempt_with_a_reason(app_label):
    assert uncovered(app_label, personal_data()) == {}


def test_a_missing_entry_is_found():
    without_students = tuple(
        e
        for e in personal_data()
        if not (e.app_label == "volunteers" and e.subject == Subject.ACCOUNT)
    )
    missing = uncovered("volunteers", without_students)
    assert {"volunteers.Student", "volunteers.GuardianConsent", "volunteers.Certificate"} <= set(
        missing
    )
    assert "user" in missing["volunteers.Student"]


def test_every_label_an_entry_names_is_an_installed_model():
    installed = {m._meta.label for m in apps.get_models()}
    named = {label for e in personal_data() for label in e.models}
    named |= {label for e in personal_data() for label, _reason in e.exempt}
    assert named - installed == set()


# --- One person, many roles --------------------------------------------------------------------

EMAIL = "dewi.lestari@example.org"
NAME = "Dewi Lestari"
PHONE_TYPED = "0812 9876 5432"
PHONE = "+6281298765432"
REPORT_NOTE = "Mbah Sumi bercerita panjang tentang sawahnya"
EMAIL_SITUATION = "Mbah Karto di ujung gang belum pernah didata"
PHONE_SITUATION = "Nenek Warsih sering terlihat sendirian di pos ronda"


@dataclass
class Person:
    user: User
    gifts: list
    bookings: list[Booking]
    report: VisitReport
    certificate: Certificate
    by_email: Referral
    by_phone: Referral


def a_donor_student_and_reporter() -> Person:
    from tests.factories.donations import paid_gift

    # Given before the account existed, from the address the account later proves.
    guest_gift = paid_gift(email=EMAIL, name=NAME)
    user = UserFactory(email=EMAIL, name=NAME)
    Preference.objects.create(user=user, whatsapp=False, whatsapp_number=PHONE)
    signed_in_gift = paid_gift(email=EMAIL, name=NAME, user=user)

    student = StudentFactory(user=user)
    past = VisitSlotFactory(starts_at=timezone.now() - datetime.timedelta(days=7))
    coming = VisitSlotFactory()
    attended = Booking.objects.create(
        slot=past, student=student, status=Booking.Status.ATTENDED, attended_at=past.starts_at
    )
    booked = Booking.objects.create(slot=coming, student=student, status=Booking.Status.CONFIRMED)
    VisitSlot.objects.filter(pk__in=[past.pk, coming.pk]).update(seats_taken=1)
    report = VisitReport.objects.create(booking=attended, wellbeing="good", note=REPORT_NOTE)
    certificate = Certificate.objects.create(
        student=student, student_name=NAME, school_name=student.school.name, minutes=90, visits=1
    )

    reporter = Client()
    post_referral(reporter, phone="", email=EMAIL, situation=EMAIL_SITUATION)
    by_email = Referral.objects.latest("pk")
    confirm(reporter, by_email)
    post_referral(reporter, phone=PHONE_TYPED, situation=PHONE_SITUATION)
    by_phone = Referral.objects.latest("pk")
    confirm(reporter, by_phone)
    by_email.refresh_from_db()
    by_phone.refresh_from_db()
    assert by_email.is_verified and by_phone.is_verified
    return Person(
        user=user,
        gifts=[guest_gift, signed_in_gift],
        bookings=[attended, booked],
        report=report,
        certificate=certificate,
        by_email=by_email,
        by_phone=by_phone,
    )


def test_one_download_holds_every_row_of_the_person_from_every_app(client, db):
    person = a_donor_student_and_reporter()
    client.force_login(person.user)
    response = client.get(reverse("accounts:data_export"))
    assert response.status_code == 200
    body = response.content.decode()
    data = json.loads(body)

    assert data["account"]["email"] == EMAIL
    assert [a["email"] for a in data["email_addresses"]] == [EMAIL]

    # Every message the outbox wrote to the address, before the account and since.
    sent = {(n.template, n.created_at.isoformat()) for n in sent_to(EMAIL)}
    got = {(m["kind"], m["written_at"]) for m in data["notifications"]["messages"]}
    assert sent and sent <= got
    assert "community_code" in {m["kind"] for m in data["notifications"]["messages"]}
    assert data["notifications"]["preferences"]["whatsapp_number"] == PHONE
    # A code is a secret: the download names the message, never its body.
    messages = data["notifications"]["messages"]
    assert all(
        set(m) == {"kind", "channel", "to", "subject", "status", "written_at", "sent_at"}
        for m in messages
    )

    volunteers = data["volunteers"]
    assert volunteers["student"]["class"] == "XI IPA 2"
    assert {b["booking"] for b in volunteers["bookings"]} == {b.pk for b in person.bookings}
    assert [r["note"] for r in volunteers["visit_reports"]] == [REPORT_NOTE]
    assert volunteers["hours"] == {"minutes": 90, "visits": 1}
    assert [c["code"] for c in volunteers["certificates"]] == [person.certificate.code]

    # The report confirmed by e-mail is theirs; the one confirmed by phone is nobody's account's.
    referrals = data["community"]["referrals"]
    assert [r["reference"] for r in referrals] == [person.by_email.reference]
    assert referrals[0]["situation"] == EMAIL_SITUATION
    assert person.by_phone.reference not in body
    assert PHONE_SITUATION not in body

    gifts = {g["reference"] for g in data["donations"]["gifts"]}
    assert {str(g.public_ref) for g in person.gifts} <= gifts


# --- After the deletion ------------------------------------------------------------------------


def where_found(*needles: str) -> dict[str, set[str]]:
    """For each needle, the "table.column"s holding it anywhere in the database (every row of
    every table, encrypted columns decrypted), compared case-insensitively."""
    encrypted = {
        model._meta.db_table: {model._meta.get_field(name).column for name in names}
        for model, names in (
            (m, [f.attname for f in m._meta.concrete_fields if isinstance(f, EncryptedTextField)])
            for m in apps.get_models()
        )
        if names
    }
    found: dict[str, set[str]] = {needle: set() for needle in needles}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is None or value == "":
                        continue
                    text = str(value)
                    if column in encrypted.get(table, ()) and text.startswith("gAAAA"):
                        text = decrypt(text)
                    for needle in needles:
                        if needle.lower() in text.lower():
                            found[needle].add(f"{table}.{column}")
    return found


def test_after_deletion_nothing_of_the_person_remains_but_what_is_kept_by_decision(client, db):
    person = a_donor_student_and_reporter()
    client.force_login(person.user)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=person.user.pk).exists()

    found = where_found(EMAIL, NAME, "Lestari", PHONE, REPORT_NOTE, EMAIL_SITUATION)
    outside_donations = {
        needle: {c for c in columns if not c.startswith("donations_")}
        for needle, columns in found.items()
    }
    assert outside_donations == {
        EMAIL: set(),
        NAME: set(),
        "Lestari": set(),
        # A phone number is never proven to be the account's: the report made with it and the
        # code sent to it are not the account's data (the retention purge wipes them).
        PHONE: {"community_referral.contact", "notifications_notification.to_address"},
        # Reports stay, pseudonymised: the person visited was served.
        REPORT_NOTE: {"volunteers_visitreport.note"},
        EMAIL_SITUATION: set(),
    }
    # The bookings stay, detached from anyone; the seat of the visit to come is given back.
    kept = Booking.objects.filter(pk__in=[b.pk for b in person.bookings])
    assert set(kept.values_list("student", "status")) == {
        (None, Booking.Status.ATTENDED),
        (None, Booking.Status.CANCELLED),
    }
    by_email = Referral.objects.get(pk=person.by_email.pk)
    assert by_email.contact == by_email.contact_hash == by_email.situation == ""
    by_phone = Referral.objects.get(pk=person.by_phone.pk)
    assert by_phone.situation == PHONE_SITUATION
    assert not Notification.objects.filter(user_id=person.user.pk).exists()

    # An issued receipt keeps the name it was issued with; the e-mail address goes.
    assert found[EMAIL] == set()
    assert found[NAME] <= {"donations_gift.donor_name", "donations_sponsorship.donor_name"}
