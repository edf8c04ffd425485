"""Hours, certificates and their public check, the coordinators' CSV, the outcome figures."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from core.time import WIB
from tests.factories import MUNCAR, UserFactory, make_official
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.documents import csv_safe
from volunteers.models import Booking, Certificate
from volunteers.selectors.outcomes import visit_outcomes
from volunteers.selectors.students import student_hours
from volunteers.services.bookings import booking_create
from volunteers.services.visits import certificate_issue


def attended(student, **slot_fields):
    slot = VisitSlotFactory(**slot_fields)
    booking, _ = booking_create(slot_id=slot.pk, student=student)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.ATTENDED)
    return slot


def test_only_attended_visits_count_hours(db):
    student = StudentFactory()
    attended(student, duration_minutes=90)
    attended(
        student,
        duration_minutes=60,
        starts_at=VisitSlotFactory().starts_at + datetime.timedelta(days=1),
    )
    absent = VisitSlotFactory(starts_at=VisitSlotFactory().starts_at + datetime.timedelta(days=2))
    booking, _ = booking_create(slot_id=absent.pk, student=student)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.ABSENT)
    assert student_hours(student) == (150, 2)


def test_a_certificate_pdf_with_a_code_anyone_can_check(client, db):
    student = StudentFactory(user=UserFactory(name="Dewi Lestari"))
    attended(student, duration_minutes=90)
    client.force_login(student.user)
    response = client.post(reverse("volunteers:certificates"))
    certificate = Certificate.objects.get()
    assert response["Location"] == reverse("volunteers:certificate_pdf", args=[certificate.pk])
    pdf = client.get(response["Location"])
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert certificate.code in pdf["Content-Disposition"]
    assert (certificate.minutes, certificate.visits) == (90, 1)
    # Asking again without new hours gives the same certificate.
    client.post(reverse("volunteers:certificates"))
    assert Certificate.objects.count() == 1

    client.logout()
    check = client.get(reverse("volunteers:certificate_verify"), {"code": certificate.code.lower()})
    assert check.status_code == 200
    html = check.content.decode()
    assert "Dewi Lestari" in html and student.school.name in html and "1,5" in html
    # Only the name, the school and the hours: nothing of the visits or the student's account.
    assert student.user.email not in html
    assert student.class_name not in html
    unknown = client.get(reverse("volunteers:certificate_verify"), {"code": "AAAA-BBBB-CCCC"})
    assert unknown.status_code == 404
    assert "Dewi" not in unknown.content.decode()


def test_no_certificate_without_an_attended_visit(client, db):
    student = StudentFactory()
    with translation.override("en"), pytest.raises(ValidationError, match="none yet"):
        certificate_issue(student=student)
    client.force_login(student.user)
    response = client.post(reverse("volunteers:certificates"), follow=True)
    assert response.status_code == 200
    assert not Certificate.objects.exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+62812", "'+62812"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tX", "'\tX"),
        ("\rX", "'\rX"),
        ("Dewi", "Dewi"),
        (3, "3"),
        (None, ""),
    ],
)
def test_csv_cells_are_neutralised(value, expected):
    assert csv_safe(value) == expected


def test_the_coordinators_export_is_formula_safe_and_logged(client, db):
    from accounts.models import AuditEvent

    student = StudentFactory(user=UserFactory(name="=cmd|' /C calc'!A0"), class_name="@XI")
    attended(student, duration_minutes=120)
    coordinator = make_official(Role.SCHOOL_COORDINATOR, school=student.school)
    client.force_login(coordinator)
    response = client.get(reverse("volunteers:school_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    (row,) = rows[1:]
    assert row[0] == "'=cmd|' /C calc'!A0"
    assert row[2] == "'@XI"
    assert row[-1] == "2.0"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.PII_VIEW, target=f"volunteers.school:{student.school.npsn}"
    ).exists()


def test_outcomes_count_attended_visits_per_kecamatan_per_wib_month(db):
    # 31 January 23:30 WIB is still January in Banyuwangi (16:30 UTC).
    january_night = datetime.datetime(2027, 1, 31, 23, 30, tzinfo=WIB)
    feb = datetime.datetime(2027, 2, 3, 9, tzinfo=WIB)
    a, b = StudentFactory(), StudentFactory()
    slot = VisitSlotFactory(starts_at=january_night)
    for student in (a, b):
        booking, _ = booking_create(slot_id=slot.pk, student=student)
    Booking.objects.filter(slot=slot).update(status=Booking.Status.ATTENDED)
    attended(a, starts_at=feb, recipient=slot.recipient)
    attended(a, starts_at=feb + datetime.timedelta(days=1))
    muncar = attended(b, starts_at=feb, recipient__kecamatan_code=MUNCAR)
    VisitSlotFactory(starts_at=feb)  # booked by nobody: not a visit
    cancelled = VisitSlotFactory(starts_at=feb)
    booking, _ = booking_create(slot_id=cancelled.pk, student=StudentFactory())
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)

    rows = {(r.kecamatan_code, r.month): r for r in visit_outcomes()}
    jan = rows[(slot.kecamatan.code, datetime.date(2027, 1, 1))]
    assert (jan.visits, jan.student_visits, jan.people) == (1, 2, 1)
    feb_genteng = rows[(slot.kecamatan.code, datetime.date(2027, 2, 1))]
    assert (feb_genteng.visits, feb_genteng.student_visits, feb_genteng.people) == (2, 2, 2)
    feb_muncar = rows[(MUNCAR, datetime.date(2027, 2, 1))]
    assert (feb_muncar.visits, feb_muncar.people) == (1, 1)
    assert muncar.kecamatan.code == MUNCAR
    assert len(rows) == 3
    only_feb = visit_outcomes(since=datetime.date(2027, 2, 1), until=datetime.date(2027, 2, 28))
    assert {r.month for r in only_feb} == {datetime.date(2027, 2, 1)}
