"""A school coordinator's reads: their own school only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, ExpressionWrapper, F, FloatField, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import AuditEvent, User
from accounts.registry import Waiting
from accounts.selectors import get_in_scope
from accounts.services import audit_record

from ..models import Booking, GuardianConsent, School, Student
from ..services.common import coordinator_school_id
from .common import RECIPIENT_SECRETS, B
from .students import GuardianLink, bookings_ahead, guardian_link_of

if TYPE_CHECKING:
    # Types only: django-stubs-ext is a development dependency.
    from django_stubs_ext import WithAnnotations


class _Tally(TypedDict):
    booked: int
    attended: int
    absent: int
    minutes: int


def coordinator_school(user: User) -> School | None:
    school_id = coordinator_school_id(user)
    if school_id is None:
        return None
    return School.objects.select_related("kecamatan").filter(pk=school_id).first()


def school_students(user: User, *, status: str = "") -> QuerySet[WithAnnotations[Student, _Tally]]:
    """The coordinator's school's students, with their bookings, attendance and hours."""
    school_id = coordinator_school_id(user)
    mine = (
        Student.objects.none() if school_id is None else Student.objects.filter(school_id=school_id)
    )
    students = (
        mine.select_related("user")
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


@dataclass(frozen=True)
class SchoolStudent:
    """A row of the coordinator's list: the student, their tallies, their guardian's consent."""

    student: WithAnnotations[Student, _Tally]
    guardian: GuardianLink


def school_roster(user: User) -> list[SchoolStudent]:
    """``school_students`` with each one's guardian's consent (two queries in all)."""
    consents = Prefetch(
        "consents", queryset=GuardianConsent.objects.order_by("-requested_at", "-pk")
    )
    return [
        SchoolStudent(
            student=student,
            guardian=guardian_link_of(student, consents=list(student.consents.all())),
        )
        for student in school_students(user).prefetch_related(consents)
    ]


def coordinator_waiting(user: User) -> list[Waiting]:
    """What waits on the coordinator's school page: students of their school (and only
    theirs) who signed up and wait for the school's confirmation."""
    school_id = coordinator_school_id(user)
    pending = (
        0
        if school_id is None
        else Student.objects.filter(school_id=school_id, status=Student.Status.PENDING).count()
    )
    return [
        Waiting(
            pending,
            ngettext("%(count)s student to confirm", "%(count)s students to confirm", pending)
            % {"count": pending},
        )
    ]


def school_student_for(user: User, pk: int) -> Student:
    school_id = coordinator_school_id(user)
    in_scope = (
        Student.objects.none()
        if school_id is None
        else Student.objects.filter(school_id=school_id).select_related("user", "school")
    )
    return get_in_scope(in_scope, user=user, target=f"volunteers.student:{pk}", pk=pk)


def school_export_rows(user: User) -> tuple[list[str], list[list[Any]]]:
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
        .defer(*RECIPIENT_SECRETS)
        .order_by("-slot__starts_at", "student__class_name", "pk")
    )


@dataclass(frozen=True)
class RemovalPreview:
    """What happens when a coordinator says a student is no longer the school's: what they
    give up (``services.bookings.student_bookings_release``) and what they keep."""

    booked: list[Booking]  # seats on visits still to come: cancelled, offered to the line
    waiting: list[Booking]  # places on waiting lists: cancelled
    unmarked: int  # visits that started, attendance not taken yet: kept for the organiser
    attended: int  # kept, with their reports
    minutes: int  # the hours of those, kept
    certificates: int  # issued certificates: kept, still checkable

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def removal_preview(student: Student) -> RemovalPreview:
    ahead = list(
        bookings_ahead(student)
        .select_related("slot__recipient", "slot__kecamatan")
        .defer(*RECIPIENT_SECRETS)
        .order_by("slot__starts_at", "pk")
    )
    done = Booking.objects.filter(student=student, status=B.ATTENDED).aggregate(
        visits=Count("pk"), minutes=Coalesce(Sum("slot__duration_minutes"), 0)
    )
    return RemovalPreview(
        booked=[b for b in ahead if b.status == B.CONFIRMED],
        waiting=[b for b in ahead if b.status == B.WAITLISTED],
        unmarked=Booking.objects.filter(student=student, status=B.CONFIRMED)
        .exclude(pk__in=[b.pk for b in ahead])
        .count(),
        attended=done["visits"],
        minutes=done["minutes"],
        certificates=student.certificates.count(),
    )
