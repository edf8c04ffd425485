"""Organisers' and reviewers' reads, by scope: a reviewer their kecamatan, a lead reviewer the
regency, a coordinator their school's kecamatan and students. Reports carry health data: reviewers
only, each opening logged."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.selectors import Purpose, get_in_scope, kecamatan_in_scope
from accounts.services import audit_record
from portal.models import PUBLISHED_OR_REACHED, Recipient
from regions.models import Kecamatan

from ..models import Booking, School, VisitReport, VisitSlot
from ..permissions import may_read_reports, may_serve_any_school, organises_regency_wide
from ..services.common import coordinator_school_id, reviewer_kecamatan_ids
from .common import RECIPIENT_SECRETS, B, slots_light


def slots_for_official(user: User) -> QuerySet[VisitSlot]:
    """Slots an official organises or follows: a lead reviewer all of them, a reviewer those
    of their kecamatan, a coordinator those of their school's kecamatan, reserved for their
    school, or booked by their students."""
    slots = slots_light()
    if organises_regency_wide(user):
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
    if organises_regency_wide(user) or slot.kecamatan_id in reviewer_kecamatan_ids(user):
        return bookings
    school_id = coordinator_school_id(user)
    return bookings.none() if school_id is None else bookings.filter(student__school_id=school_id)


def organiser_kecamatan(user: User) -> QuerySet[Kecamatan]:
    """Where ``user`` may make slots."""
    return kecamatan_in_scope(user, purpose=Purpose.VISITS)


def visitable_people(user: User) -> QuerySet[Recipient]:
    """Published or reached people in the organiser's kecamatan, by pseudonym only."""
    return (
        Recipient.objects.filter(
            kecamatan__in=organiser_kecamatan(user), status__in=PUBLISHED_OR_REACHED
        )
        .select_related("kecamatan")
        .only("pk", "public_id", "pseudonym", "status", "kecamatan__name")
        .order_by("kecamatan__name", "pseudonym", "pk")
    )


def schools_for_organiser(user: User) -> QuerySet[School]:
    if may_serve_any_school(user):
        return School.objects.select_related("kecamatan").all()
    school_id = coordinator_school_id(user)
    return School.objects.none() if school_id is None else School.objects.filter(pk=school_id)


# Reports: health data of the elderly person, for the reviewers of the kecamatan.


def _report_scope(user: User) -> QuerySet[VisitReport]:
    reports = VisitReport.objects.select_related(
        "booking__student__user", "booking__slot__recipient", "booking__slot__kecamatan"
    ).defer(*(f"booking__{name}" for name in RECIPIENT_SECRETS))
    if not may_read_reports(user):
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
    if not may_read_reports(user):
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
