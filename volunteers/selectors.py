"""Reads of the student visits, filtered by the acting user.

A student reads only their own bookings, reports and certificates; another's id is a 404 and
a ``scope.denied`` event (``accounts.selectors.get_in_scope``). Officials read by scope: a
reviewer their kecamatan, a lead reviewer the regency, a coordinator their school's students.
The elderly person appears by pseudonym; their address only through
``booking_address_for_student``, which logs each showing (``pii.view``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Role, User
from accounts.selectors import Purpose, get_in_scope, kecamatan_in_scope
from accounts.services import audit_record
from portal.models import Kecamatan, Recipient

from .models import Booking, Certificate, School, Student, VisitReport, VisitSlot
from .services.common import (
    REPORT_ROLES,
    WIB,
    coordinator_school_id,
    end_of_day_wib,
    reviewer_kecamatan_ids,
)
from .services.students import guardian_consent_standing, is_minor

B = Booking.Status

# What lists of slots load: clear columns, the person's pseudonym, nothing encrypted.
SLOT_COLUMNS = (
    "pk",
    "status",
    "starts_at",
    "duration_minutes",
    "capacity",
    "seats_taken",
    "meeting_point",
    "what_to_bring",
    "school_id",
    "kecamatan_id",
    "checkin_code",
    "cancel_reason",
    "recipient__public_id",
    "recipient__pseudonym",
    "kecamatan__name",
    "kecamatan__code",
    "school__name",
)


def _slots() -> QuerySet[VisitSlot]:
    return VisitSlot.objects.select_related("recipient", "kecamatan", "school").only(*SLOT_COLUMNS)


# --- Students ----------------------------------------------------------------------------------


def student_for_user(user: User) -> Student | None:
    if not user.is_authenticated:
        return None
    return Student.objects.select_related("school", "user").filter(user=user).first()


@dataclass(frozen=True)
class StudentStanding:
    confirmed: bool
    minor: bool
    consent_given: bool
    consent_requested: bool

    @property
    def may_book(self) -> bool:
        return self.confirmed and (not self.minor or self.consent_given)


def student_standing(student: Student) -> StudentStanding:
    minor = is_minor(student)
    return StudentStanding(
        confirmed=student.status == Student.Status.CONFIRMED,
        minor=minor,
        consent_given=guardian_consent_standing(student) is not None,
        consent_requested=student.consents.exists(),
    )


def open_slots_for_student(
    student: Student, *, kecamatan_code: str = "", day: datetime.date | None = None
) -> QuerySet[VisitSlot]:
    """Future open slots the student may book: for everyone, or for their school."""
    slots = (
        _slots()
        .filter(status=VisitSlot.Status.OPEN, starts_at__gt=timezone.now())
        .filter(Q(school__isnull=True) | Q(school=student.school_id))
        .annotate(
            mine=Exists(
                Booking.objects.filter(slot=OuterRef("pk"), student=student).exclude(
                    status=B.CANCELLED
                )
            )
        )
    )
    if kecamatan_code:
        slots = slots.filter(kecamatan__code=kecamatan_code)
    if day:
        start = datetime.datetime.combine(day, datetime.time.min, tzinfo=WIB)
        slots = slots.filter(starts_at__gte=start, starts_at__lt=end_of_day_wib(start))
    return slots.order_by("starts_at", "pk")


def kecamatan_with_open_slots() -> QuerySet[Kecamatan]:
    return Kecamatan.objects.filter(
        visit_slots__status=VisitSlot.Status.OPEN, visit_slots__starts_at__gt=timezone.now()
    ).distinct()


def slot_for_student(user: User, student: Student, pk: int) -> VisitSlot:
    visible = _slots().filter(Q(school__isnull=True) | Q(school=student.school_id))
    return get_in_scope(visible, user=user, target=f"volunteers.visitslot:{pk}", pk=pk)


def bookings_of_student(student: Student) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(student=student)
        .select_related("slot__recipient", "slot__kecamatan")
        .only(
            "pk",
            "status",
            "created_at",
            "slot__starts_at",
            "slot__duration_minutes",
            "slot__status",
            "slot__meeting_point",
            "slot__what_to_bring",
            "slot__recipient__pseudonym",
            "slot__kecamatan__name",
        )
        .order_by("-slot__starts_at", "-pk")
    )


def booking_for_student(user: User, pk: int) -> Booking:
    """One of the user's own bookings; someone else's is a 404 and a ``scope.denied``."""
    own = Booking.objects.filter(student__user=user).select_related(
        "slot__recipient", "slot__kecamatan", "slot__school", "student__user"
    )
    own = own.defer(*_RECIPIENT_SECRETS)
    return get_in_scope(own, user=user, target=f"volunteers.booking:{pk}", pk=pk)


# Encrypted identity fields of the person: a student's pages never load them, except the
# address inside its window (booking_address_for_student).
_RECIPIENT_SECRETS = tuple(
    f"slot__recipient__{name}"
    for name in (
        "nik",
        "name",
        "birth_date",
        "address",
        "rt",
        "rw",
        "family_phone",
        "conditions",
        "notes",
    )
)


def waitlist_position(booking: Booking) -> int | None:
    """1 for the first in line (the order promotion follows: joined first, then id)."""
    if booking.status != B.WAITLISTED:
        return None
    line = Booking.objects.filter(slot_id=booking.slot_id, status=B.WAITLISTED)
    joined = booking.waitlisted_at
    if joined is None:
        return line.filter(pk__lt=booking.pk).count() + 1
    ahead = line.filter(Q(waitlisted_at__lt=joined) | Q(waitlisted_at=joined, pk__lt=booking.pk))
    return ahead.count() + 1


def address_window(slot: VisitSlot) -> tuple[datetime.datetime, datetime.datetime]:
    """From VISITS_ADDRESS_HOURS_BEFORE hours before the visit to the end of its day (WIB)."""
    opens = slot.starts_at - datetime.timedelta(hours=settings.VISITS_ADDRESS_HOURS_BEFORE)
    return opens, end_of_day_wib(slot.starts_at)


def booking_address_for_student(user: User, booking: Booking) -> str | None:
    """The person's exact address, for the student holding a confirmed booking, inside the
    address window, on an open visit; ``None`` otherwise. Each showing is logged."""
    slot = booking.slot
    if booking.student.user_id != user.pk:
        return None
    if booking.status not in (B.CONFIRMED, B.ATTENDED) or slot.status != VisitSlot.Status.OPEN:
        return None
    opens, closes = address_window(slot)
    if not opens <= timezone.now() < closes:
        return None
    person = (
        Recipient.objects.select_related("village")
        .only("public_id", "address", "rt", "rw", "village", "village__name")
        .get(pk=slot.recipient_id)
    )
    audit_record(
        actor=user,
        action=AuditEvent.Action.PII_VIEW,
        target=f"portal.recipient:{person.public_id}",
        details={"fields": ["address"], "booking": booking.pk},
    )
    parts = [person.address]
    if person.rt or person.rw:
        parts.append(f"RT {person.rt or '-'}/RW {person.rw or '-'}")
    parts.append(person.village.name)
    return ", ".join(p for p in parts if p)


def report_of_booking(booking: Booking) -> VisitReport | None:
    return VisitReport.objects.filter(booking=booking).first()


def certificates_of_student(student: Student) -> QuerySet[Certificate]:
    return student.certificates.all()


def certificate_for_student(user: User, pk: int) -> Certificate:
    own = Certificate.objects.filter(student__user=user)
    return get_in_scope(own, user=user, target=f"volunteers.certificate:{pk}", pk=pk)


def certificate_verify(code: str) -> Certificate | None:
    """The certificate with this code, for the public check: it shows the student's name, the
    school and the hours, nothing else."""
    code = "".join(code.split()).upper()
    if len(code) == 12 and "-" not in code:
        code = f"{code[:4]}-{code[4:8]}-{code[8:]}"
    if not code:
        return None
    return (
        Certificate.objects.filter(code=code)
        .only("code", "student_name", "school_name", "minutes", "visits", "issued_at")
        .first()
    )


def student_by_feed_token(token: str) -> Student | None:
    if not token or len(token) < 20:
        return None
    return Student.objects.filter(feed_token=token).select_related("user").first()


def feed_bookings(student: Student) -> QuerySet[Booking]:
    """Bookings a calendar feed carries: booked or attended, the last 60 days and ahead."""
    since = timezone.now() - datetime.timedelta(days=60)
    return bookings_of_student(student).filter(
        status__in=[B.CONFIRMED, B.ATTENDED], slot__starts_at__gte=since
    )


# --- Officials ---------------------------------------------------------------------------------


def _regency_wide(user: User) -> bool:
    return user.has_role(Role.LEAD_REVIEWER)


def slots_for_official(user: User) -> QuerySet[VisitSlot]:
    """Slots an official organises or follows: a lead reviewer all of them, a reviewer those
    of their kecamatan, a coordinator those of their school's kecamatan, reserved for their
    school, or booked by their students."""
    slots = _slots()
    if _regency_wide(user):
        return slots
    scope = Q(kecamatan__in=kecamatan_in_scope(user, purpose=Purpose.VISITS))
    school_id = coordinator_school_id(user)
    if school_id:
        scope |= Q(school_id=school_id) | Q(
            pk__in=Booking.objects.filter(student__school_id=school_id)
            .exclude(status=B.CANCELLED)
            .values("slot")
        )
    return slots.filter(scope)


def slot_for_official(user: User, pk: int) -> VisitSlot:
    return get_in_scope(
        slots_for_official(user), user=user, target=f"volunteers.visitslot:{pk}", pk=pk
    )


def roster(user: User, slot: VisitSlot) -> QuerySet[Booking]:
    """The slot's bookings the official may see: all of them for a reviewer of the kecamatan
    or a lead reviewer, their own school's students for a coordinator."""
    bookings = (
        Booking.objects.filter(slot=slot)
        .exclude(status=B.CANCELLED)
        .select_related("student__user", "student__school")
        .annotate(has_report=Exists(VisitReport.objects.filter(booking=OuterRef("pk"))))
        .order_by("status", "waitlisted_at", "pk")
    )
    if _regency_wide(user) or slot.kecamatan_id in reviewer_kecamatan_ids(user):
        return bookings
    return bookings.filter(student__school_id=coordinator_school_id(user))


def organiser_kecamatan(user: User) -> QuerySet[Kecamatan]:
    """Where ``user`` may make slots."""
    return kecamatan_in_scope(user, purpose=Purpose.VISITS)


def visitable_people(user: User) -> QuerySet[Recipient]:
    """Published or reached people in the organiser's kecamatan, by pseudonym only."""
    return (
        Recipient.objects.filter(
            kecamatan__in=organiser_kecamatan(user), status__in=("published", "reached")
        )
        .select_related("kecamatan")
        .only("pk", "public_id", "pseudonym", "status", "kecamatan__name")
        .order_by("kecamatan__name", "pseudonym", "pk")
    )


def schools_for_organiser(user: User) -> QuerySet[School]:
    if user.has_role(Role.REVIEWER, Role.LEAD_REVIEWER):
        return School.objects.select_related("kecamatan").all()
    return School.objects.filter(pk=coordinator_school_id(user))


# Reports: health data of the elderly person, for the reviewers of the kecamatan.


def _report_scope(user: User) -> QuerySet[VisitReport]:
    reports = VisitReport.objects.select_related(
        "booking__student__user", "booking__slot__recipient", "booking__slot__kecamatan"
    ).defer(*(f"booking__{name}" for name in _RECIPIENT_SECRETS))
    if not user.has_role(*REPORT_ROLES):
        return reports.none()
    # Not the visits scope: a coordinator's school kecamatan opens no report.
    return reports.filter(
        booking__slot__kecamatan__in=kecamatan_in_scope(user, purpose=Purpose.VISIT_REPORTS)
    )


def reports_for_official(user: User, *, flagged_only: bool = False) -> QuerySet[VisitReport]:
    """Reports in scope, newest first; the list shows clear columns only (the pseudonym, the
    date, whether a flag was raised). Opening one is ``report_for_official``."""
    reports = _report_scope(user)
    if flagged_only:
        reports = reports.filter(flagged=True)
    return reports.order_by("-created_at", "-pk")


def report_for_official(user: User, pk: int) -> VisitReport:
    report = get_in_scope(
        _report_scope(user), user=user, target=f"volunteers.visitreport:{pk}", pk=pk
    )
    audit_record(
        actor=user,
        action=AuditEvent.Action.PII_VIEW,
        target=f"volunteers.visitreport:{pk}",
        details={"fields": ["wellbeing", "flags", "note"]},
    )
    return report


def visits_per_person(user: User) -> QuerySet[Recipient]:
    """Reviewers: each person of their kecamatan with visits, how many were held (at least
    one student attended), planned, and flagged reports."""
    if not user.has_role(*REPORT_ROLES):
        return Recipient.objects.none()
    people = Recipient.objects.filter(
        visit_slots__isnull=False,
        kecamatan__in=kecamatan_in_scope(user, purpose=Purpose.VISIT_REPORTS),
    )
    now = timezone.now()
    return (
        people.select_related("kecamatan")
        .only("pk", "public_id", "pseudonym", "status", "kecamatan__name")
        .annotate(
            held=Count(
                "visit_slots",
                filter=Q(visit_slots__bookings__status=B.ATTENDED),
                distinct=True,
            ),
            planned=Count(
                "visit_slots",
                filter=Q(visit_slots__status=VisitSlot.Status.OPEN, visit_slots__starts_at__gt=now),
                distinct=True,
            ),
            flagged=Count(
                "visit_slots__bookings__report",
                filter=Q(visit_slots__bookings__report__flagged=True),
                distinct=True,
            ),
        )
        .order_by("kecamatan__name", "pseudonym", "pk")
    )


# Coordinators: their own school only.


def coordinator_school(user: User) -> School | None:
    school_id = coordinator_school_id(user)
    return School.objects.select_related("kecamatan").filter(pk=school_id).first()


def school_students(user: User, *, status: str = "") -> QuerySet[Student]:
    """The coordinator's school's students, with their bookings, attendance and hours."""
    school_id = coordinator_school_id(user)
    if school_id is None:
        return Student.objects.none()
    students = (
        Student.objects.filter(school_id=school_id)
        .select_related("user")
        .annotate(
            booked=Count("bookings", filter=Q(bookings__status__in=[B.CONFIRMED, B.WAITLISTED])),
            attended=Count("bookings", filter=Q(bookings__status=B.ATTENDED)),
            absent=Count("bookings", filter=Q(bookings__status=B.ABSENT)),
            minutes=Coalesce(
                Sum("bookings__slot__duration_minutes", filter=Q(bookings__status=B.ATTENDED)), 0
            ),
        )
        .annotate(hours=ExpressionWrapper(F("minutes") / 60.0, output_field=FloatField()))
        .order_by("status", "class_name", "user__name", "pk")
    )
    if status:
        students = students.filter(status=status)
    return students


def school_student_for(user: User, pk: int) -> Student:
    school_id = coordinator_school_id(user)
    in_scope = Student.objects.filter(school_id=school_id).select_related("user", "school")
    return get_in_scope(in_scope, user=user, target=f"volunteers.student:{pk}", pk=pk)


def school_export_rows(user: User) -> tuple[list[str], list[list]]:
    """The coordinator's export of their students (names and e-mail addresses of minors:
    logged as a look at personal data)."""
    school = coordinator_school(user)
    header = [
        _("Name"),
        _("E-mail address"),
        _("Class"),
        _("Status"),
        _("Booked"),
        _("Attended"),
        _("Absent"),
        _("Hours"),
    ]
    rows = [
        [
            s.user.name,
            s.user.email,
            s.class_name,
            s.get_status_display(),
            s.booked,
            s.attended,
            s.absent,
            round(s.minutes / 60, 1),
        ]
        for s in school_students(user)
    ]
    if school is not None:
        audit_record(
            actor=user,
            action=AuditEvent.Action.PII_VIEW,
            target=f"volunteers.school:{school.npsn}",
            details={"export": "students", "rows": len(rows)},
        )
    return header, rows


def school_bookings(user: User) -> QuerySet[Booking]:
    school_id = coordinator_school_id(user)
    if school_id is None:
        return Booking.objects.none()
    return (
        Booking.objects.filter(student__school_id=school_id)
        .exclude(status=B.CANCELLED)
        .select_related("student__user", "slot__recipient", "slot__kecamatan")
        .defer(*_RECIPIENT_SECRETS)
        .order_by("-slot__starts_at", "student__class_name", "pk")
    )


# --- Outcome figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitOutcome:
    kecamatan_code: str
    kecamatan: str
    month: datetime.date  # the first day of the month, WIB
    visits: int  # visits held: slots at which at least one student attended
    student_visits: int  # attended bookings (a visit by three students counts three)
    people: int  # distinct elderly people visited


def visit_outcomes(
    *, since: datetime.date | None = None, until: datetime.date | None = None
) -> list[VisitOutcome]:
    """Attended visits per kecamatan per month (WIB) and the distinct people visited, for the
    outcome figures. Aggregates only: no person, student or report appears, so the result may
    be shown to anyone. ``since`` and ``until`` bound the visit's day (inclusive)."""
    attended = Booking.objects.filter(status=B.ATTENDED)
    if since:
        attended = attended.filter(
            slot__starts_at__gte=datetime.datetime.combine(since, datetime.time.min, tzinfo=WIB)
        )
    if until:
        end = datetime.datetime.combine(
            until + datetime.timedelta(days=1), datetime.time.min, tzinfo=WIB
        )
        attended = attended.filter(slot__starts_at__lt=end)
    rows = (
        attended.annotate(month=TruncMonth("slot__starts_at", tzinfo=WIB))
        .values("slot__kecamatan__code", "slot__kecamatan__name", "month")
        .annotate(
            visits=Count("slot", distinct=True),
            student_visits=Count("pk"),
            people=Count("slot__recipient", distinct=True),
        )
        .order_by("month", "slot__kecamatan__code")
    )
    return [
        VisitOutcome(
            kecamatan_code=row["slot__kecamatan__code"],
            kecamatan=row["slot__kecamatan__name"],
            month=row["month"].date()
            if isinstance(row["month"], datetime.datetime)
            else row["month"],
            visits=row["visits"],
            student_visits=row["student_visits"],
            people=row["people"],
        )
        for row in rows
    ]
