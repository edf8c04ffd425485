"""A student's own reads: standing, open slots, bookings, the address inside its window,
certificates, the calendar feed. Another student's id is a 404 and a ``scope.denied``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import AuditEvent, User
from accounts.registry import Waiting
from accounts.selectors import get_in_scope
from accounts.services import audit_record
from core.time import WIB, end_of_day_wib
from notifications.models import Channel, Notification
from notifications.selectors import mask_address
from portal.models import Recipient
from regions.models import Kecamatan

from ..models import (
    Booking,
    Certificate,
    GuardianConsent,
    GuardianState,
    Student,
    VisitReport,
    VisitSlot,
)
from ..permissions import BookingRefusal, booking_refusal
from .common import RECIPIENT_SECRETS, B, slots_light


def student_for_user(user: User) -> Student | None:
    if not user.is_authenticated:
        return None
    student = Student.objects.select_related("school").filter(user=user).first()
    if student is not None:
        student.user = user  # the request's own, read already: not a second time in a join
    return student


def student_waiting(user: User) -> list[Waiting]:
    """What waits on a student's own visits page: their booked visits still to come, and the
    visits they attended without a report yet. One query."""
    counts = Booking.objects.filter(student__user=user).aggregate(
        coming=Count("pk", filter=Q(status=B.CONFIRMED, slot__starts_at__gte=timezone.now())),
        reports=Count("pk", filter=Q(status=B.ATTENDED, report__isnull=True)),
    )
    return [
        Waiting(
            counts["coming"],
            ngettext(
                "%(count)s booked visit coming up",
                "%(count)s booked visits coming up",
                counts["coming"],
            )
            % {"count": counts["coming"]},
        ),
        Waiting(
            counts["reports"],
            ngettext(
                "%(count)s visit report to write",
                "%(count)s visit reports to write",
                counts["reports"],
            )
            % {"count": counts["reports"]},
        ),
    ]


@dataclass(frozen=True)
class GuardianLink:
    """The guardian's consent as the student's and the coordinator's pages show it: the
    standing consent when there is one, otherwise the latest request and its link's fate."""

    state: str
    consent: GuardianConsent | None = None
    expires_at: datetime.datetime | None = None
    # The outbox row of the latest link ("pending", "sent", "failed"…), when read.
    delivery: str = ""

    @property
    def masked_email(self) -> str:
        if self.consent is None:
            return ""
        return mask_address(self.consent.guardian_email, Channel.EMAIL)

    @property
    def needs_consent(self) -> bool:
        return self.state not in (GuardianState.NOT_NEEDED, GuardianState.GIVEN)


def guardian_link_of(
    student: Student,
    *,
    consents: list[GuardianConsent] | None = None,
    with_delivery: bool = False,
) -> GuardianLink:
    """The guardian's consent of ``student`` (their consents newest first may be given, as a
    coordinator's list prefetches them). ``with_delivery`` also reads whether the latest link's
    e-mail went out."""
    if not is_minor(student):
        return GuardianLink(state=GuardianState.NOT_NEEDED)
    if consents is None:
        consents = list(student.consents.all())
    standing = next((c for c in consents if c.standing), None)
    if standing is not None:
        return GuardianLink(state=GuardianState.GIVEN, consent=standing)
    if not consents:
        return GuardianLink(state=GuardianState.NOT_SENT)
    latest = consents[0]
    expires = latest.requested_at + datetime.timedelta(days=settings.VISITS_GUARDIAN_LINK_DAYS)
    if latest.withdrawn_at is not None:
        state = GuardianState.WITHDRAWN
    elif expires <= timezone.now():
        state = GuardianState.EXPIRED
    else:
        state = GuardianState.WAITING
    delivery = ""
    if with_delivery:
        delivery = (
            Notification.objects.filter(dedup_key=f"visit_guardian_consent:{latest.pk}")
            .values_list("status", flat=True)
            .first()
            or ""
        )
    return GuardianLink(state=state, consent=latest, expires_at=expires, delivery=delivery)


@dataclass(frozen=True)
class StudentStanding:
    """What decides whether a student may book, read once:
    ``volunteers.permissions.booking_refusal`` is the rule, for the pages and the service."""

    status: str
    school_id: int
    birth_date: datetime.date
    guardian: GuardianLink

    @property
    def confirmed(self) -> bool:
        return self.status == Student.Status.CONFIRMED

    def minor_on(self, day: datetime.date) -> bool:
        born = self.birth_date
        age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        return age < settings.VISITS_GUARDIAN_CONSENT_UNDER_AGE

    @property
    def minor(self) -> bool:
        return self.minor_on(timezone.localdate())

    @property
    def consent_given(self) -> bool:
        return self.guardian.state == GuardianState.GIVEN

    @property
    def refusal(self) -> BookingRefusal | None:
        """Why the student may not book today, whatever the visit (``None``: they may)."""
        return booking_refusal(self)

    @property
    def may_book(self) -> bool:
        return self.refusal is None


def student_standing(student: Student, *, with_delivery: bool = False) -> StudentStanding:
    return StudentStanding(
        status=student.status,
        school_id=student.school_id,
        birth_date=student.birth_date,
        guardian=guardian_link_of(student, with_delivery=with_delivery),
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


def bookings_ahead(student: Student) -> QuerySet[Booking]:
    """The student's places on visits still to come: booked or waiting, not started yet.
    What a student leaving gives up (``services.bookings.student_bookings_release``)."""
    return Booking.objects.filter(
        student=student, status__in=[B.CONFIRMED, B.WAITLISTED], slot__starts_at__gt=timezone.now()
    )


def bookings_coming(student: Student) -> QuerySet[Booking]:
    """The student's visits of today and ahead, booked or waiting, soonest first: the top of
    their visits page (today's stay there until the day ends, for the check-in)."""
    today = datetime.datetime.combine(timezone.localdate(), datetime.time.min, tzinfo=WIB)
    return (
        bookings_of_student(student)
        .filter(
            status__in=[B.CONFIRMED, B.WAITLISTED],
            slot__status=VisitSlot.Status.OPEN,
            slot__starts_at__gte=today,
        )
        .order_by("slot__starts_at", "pk")
    )


def reports_due(student: Student) -> QuerySet[Booking]:
    """Visits the student attended without telling us yet how the person is doing."""
    return (
        bookings_of_student(student)
        .filter(status=B.ATTENDED, report__isnull=True)
        .order_by("-slot__starts_at", "-pk")
    )


def live_booking_of(student: Student, slot: VisitSlot) -> Booking | None:
    return Booking.objects.filter(student=student, slot=slot).exclude(status=B.CANCELLED).first()


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
