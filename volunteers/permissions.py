"""Who may do what with student visits (docs/architecture.md: reviewers organise visit slots
in their kecamatan, lead reviewers in the regency, coordinators for their school; students
book, when ``booking_refusal`` finds no reason against it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.permissions import has_any_role

from .models import GuardianState, Student, VisitSlot

if TYPE_CHECKING:
    from .selectors.students import StudentStanding

# Who organises visits (makes slots, cancels them, takes attendance), each in their own reach.
ORGANISER_ROLES = frozenset({Role.REVIEWER, Role.LEAD_REVIEWER, Role.SCHOOL_COORDINATOR})
# Dinas Sosial's reviewers: they read visit reports (the elderly person's wellbeing: health
# data) and arrange visits for any school, not only one of their own.
REVIEWER_ROLES = frozenset({Role.REVIEWER, Role.LEAD_REVIEWER})
# A lead reviewer runs any visit of the regency.
REGENCY_ORGANISER_ROLES = frozenset({Role.LEAD_REVIEWER})
COORDINATOR_ROLES = frozenset({Role.SCHOOL_COORDINATOR})
STUDENT_ROLES = frozenset({Role.STUDENT})


def may_organise_visits(user: Any) -> bool:
    return has_any_role(user, ORGANISER_ROLES)


def may_read_reports(user: Any) -> bool:
    return has_any_role(user, REVIEWER_ROLES)


def may_serve_any_school(user: Any) -> bool:
    return has_any_role(user, REVIEWER_ROLES)


def organises_regency_wide(user: Any) -> bool:
    return has_any_role(user, REGENCY_ORGANISER_ROLES)


def may_coordinate_school(user: Any) -> bool:
    return has_any_role(user, COORDINATOR_ROLES)


@dataclass(frozen=True)
class BookingRefusal:
    """Why a student may not book: ``code`` for the code, ``message`` for the student."""

    code: str
    message: str


def booking_refusal(
    standing: StudentStanding, slot: VisitSlot | None = None
) -> BookingRefusal | None:
    """The one rule of who may book which visit: ``None`` when the student may book ``slot``
    (or, without a slot, may book at all today), otherwise the reason. The booking service
    applies it under its locks; the pages show its message where the button would be, so the
    two cannot disagree. A full visit is not a refusal (its waiting list is open), nor is an
    overlap with another of the student's visits (the service checks it under the lock)."""
    if standing.status == Student.Status.PENDING:
        return BookingRefusal(
            "unconfirmed", _("Your school has not confirmed you yet: ask your coordinator.")
        )
    if standing.status != Student.Status.CONFIRMED:
        return BookingRefusal(
            "unconfirmed",
            _(
                "Your school's coordinator marked you as not a student of the school, so you "
                "cannot book visits. Ask them if this is a mistake."
            ),
        )
    day = timezone.localdate(slot.starts_at) if slot is not None else timezone.localdate()
    if standing.minor_on(day) and standing.guardian.state != GuardianState.GIVEN:
        return BookingRefusal("guardian_consent", _guardian_message(standing.guardian.state))
    if slot is None:
        return None
    if slot.status != VisitSlot.Status.OPEN:
        return BookingRefusal("cancelled", _("This visit was cancelled."))
    if slot.starts_at <= timezone.now():
        return BookingRefusal("past", _("This visit has already started."))
    if slot.school_id is not None and slot.school_id != standing.school_id:
        return BookingRefusal("school", _("This visit is for another school's students."))
    return None


def _guardian_message(state: str) -> str:
    age = settings.VISITS_GUARDIAN_CONSENT_UNDER_AGE
    if state == GuardianState.WAITING:
        return _(
            "Your parent or guardian has not given their consent yet. You can book once they "
            "open the link we e-mailed them; you can send it again from your visits page."
        )
    if state == GuardianState.EXPIRED:
        return _(
            "Your parent or guardian has not given their consent, and the link we e-mailed "
            "them has expired. Send them a new one from your visits page."
        )
    if state == GuardianState.WITHDRAWN:
        return _(
            "Your parent or guardian withdrew their consent: you cannot book visits until a "
            "parent or guardian consents again. You can ask one from your visits page."
        )
    return _(
        "You are under %(age)s: a parent or guardian must consent before you book a visit. "
        "Ask one from your visits page."
    ) % {"age": age}
