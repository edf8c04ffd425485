"""A student's own reads: standing, open slots, bookings, the address inside its window,
certificates, the calendar feed. Another student's id is a 404 and a ``scope.denied``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.selectors import get_in_scope
from accounts.services import audit_record
from core.time import WIB, end_of_day_wib
from portal.models import Recipient
from regions.models import Kecamatan

from ..models import Booking, Certificate, GuardianConsent, Student, VisitReport, VisitSlot
from .common import RECIPIENT_SECRETS, B, slots_light


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
        slots_light()
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
    visible = slots_light().filter(Q(school__isnull=True) | Q(school=student.school_id))
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
    own = own.defer(*RECIPIENT_SECRETS)
    return get_in_scope(own, user=user, target=f"volunteers.booking:{pk}", pk=pk)


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
    if booking.student is None or booking.student.user_id != user.pk:
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


def is_minor(student: Student, on: datetime.date | None = None) -> bool:
    day = on or timezone.localdate()
    return student.age_on(day) < settings.VISITS_GUARDIAN_CONSENT_UNDER_AGE


def guardian_consent_standing(student: Student) -> GuardianConsent | None:
    return student.consents.filter(given_at__isnull=False, withdrawn_at__isnull=True).first()


def student_hours(student: Student) -> tuple[int, int]:
    """(minutes, visits) of the visits the student attended."""
    totals = Booking.objects.filter(student=student, status=B.ATTENDED).aggregate(
        minutes=Sum("slot__duration_minutes")
    )
    visits = Booking.objects.filter(student=student, status=B.ATTENDED).count()
    return totals["minutes"] or 0, visits
