"""Visit slots: made by a reviewer of the person's kecamatan or a school's coordinator, for a
``published`` or ``reached`` person (the lifecycle); recurring ones in one step; cancelled by
an organiser, which cancels the bookings and their reminders and tells the students."""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.time import week_bounds_wib, wib
from core.transitions import Workflow
from portal.models import PUBLISHED_OR_REACHED, Recipient

from ..models import Booking, School, VisitSlot, VisitSlotTransition
from ..permissions import may_serve_any_school, organises_regency_wide
from .bookings import booking_transition
from .common import coordinator_school_id, reviewer_kecamatan_ids
from .notices import booking_reminders_withdraw, slot_cancelled_notify

SLOTS: Workflow[VisitSlot, VisitSlotTransition] = Workflow(
    model=VisitSlot,
    history=VisitSlotTransition,
    link="slot",
    moves={("", VisitSlot.Status.OPEN), (VisitSlot.Status.OPEN, VisitSlot.Status.CANCELLED)},
)


def may_organise(user: User, kecamatan_id: int) -> bool:
    """May ``user`` make or run visits in this kecamatan?"""
    if organises_regency_wide(user):
        return True
    if kecamatan_id in reviewer_kecamatan_ids(user):
        return True
    school_id = coordinator_school_id(user)
    return bool(
        school_id and School.objects.filter(pk=school_id, kecamatan_id=kecamatan_id).exists()
    )


def may_cancel(user: User, slot: VisitSlot) -> bool:
    """A lead reviewer or a reviewer of the kecamatan cancels any visit there; a coordinator
    only one they made or that is reserved for their school."""
    if organises_regency_wide(user) or slot.kecamatan_id in reviewer_kecamatan_ids(user):
        return True
    school_id = coordinator_school_id(user)
    return bool(school_id) and (slot.created_by_id == user.pk or slot.school_id == school_id)


@transaction.atomic
def slot_create(
    *,
    actor: User,
    recipient: Recipient,
    starts_at: datetime.datetime,
    duration_minutes: int,
    capacity: int,
    meeting_point: str,
    what_to_bring: str = "",
    school: School | None = None,
    repeat_weeks: int = 0,
) -> list[VisitSlot]:
    """One slot, or the same slot each week ``repeat_weeks`` more times, all or none.

    Refused: a person who is not published or reached, a time in the past, a capacity outside
    VISITS_SLOT_MIN/MAX_CAPACITY, more than VISITS_MAX_PER_PERSON_PER_WEEK visits to the
    person in a week (WIB), a school other than a coordinator's own.
    """
    # The person's row is locked while their week is counted: two organisers cannot both
    # take the last visit of a week.
    person = (
        Recipient.objects.select_for_update(of=("self",))
        .only("pk", "status", "kecamatan_id", "pseudonym")
        .get(pk=recipient.pk)
    )
    if not may_organise(actor, person.kecamatan_id):
        raise PermissionDenied
    if person.status not in PUBLISHED_OR_REACHED:
        raise ValidationError(_("Visits can be arranged only for published or reached people."))
    if (
        school is not None
        and not may_serve_any_school(actor)
        and school.pk != coordinator_school_id(actor)
    ):
        raise ValidationError(_("A coordinator can reserve visits for their own school only."))
    lowest, highest = settings.VISITS_SLOT_MIN_CAPACITY, settings.VISITS_SLOT_MAX_CAPACITY
    if not lowest <= capacity <= highest:
        raise ValidationError(
            _("A visit takes between %(lowest)s and %(highest)s students.")
            % {"lowest": lowest, "highest": highest}
        )
    if not 15 <= duration_minutes <= 480:
        raise ValidationError(_("A visit lasts between 15 minutes and 8 hours."))
    if not 0 <= repeat_weeks <= settings.VISITS_MAX_REPEAT_WEEKS:
        raise ValidationError(
            _("A visit repeats at most %(weeks)s times.")
            % {"weeks": settings.VISITS_MAX_REPEAT_WEEKS}
        )
    meeting_point = meeting_point.strip()
    if not meeting_point:
        raise ValidationError(_("Say where the students meet."))
    if starts_at <= timezone.now():
        raise ValidationError(_("The visit must be in the future."))
    # Weekly repeats keep the same WIB wall-clock time (Indonesia has no daylight saving, but
    # adding days in WIB says what is meant).
    start = wib(starts_at)
    times = [start + datetime.timedelta(weeks=n) for n in range(repeat_weeks + 1)]
    maximum = settings.VISITS_MAX_PER_PERSON_PER_WEEK
    for when in times:
        week_start, week_end = week_bounds_wib(when)
        booked = VisitSlot.objects.filter(
            recipient=person,
            status=VisitSlot.Status.OPEN,
            starts_at__gte=week_start,
            starts_at__lt=week_end,
        ).count()
        if booked >= maximum:
            raise ValidationError(
                _(
                    "%(pseudonym)s already has %(count)s visits in the week of %(date)s (at most "
                    "%(maximum)s a week): choose another week."
                )
                % {
                    "pseudonym": person.pseudonym,
                    "count": booked,
                    "date": week_start.date().isoformat(),
                    "maximum": maximum,
                }
            )
    series = uuid.uuid4() if repeat_weeks else None
    slots = [
        VisitSlot(
            recipient=person,
            kecamatan_id=person.kecamatan_id,
            starts_at=when,
            duration_minutes=duration_minutes,
            capacity=capacity,
            meeting_point=meeting_point,
            what_to_bring=what_to_bring.strip(),
            school=school,
            series=series,
            created_by=actor,
        )
        for when in times
    ]
    for slot in slots:
        SLOTS.move(slot, VisitSlot.Status.OPEN, actor=actor)
    return slots


@transaction.atomic
def slot_cancel(*, slot: VisitSlot, actor: User, reason: str) -> VisitSlot:
    """Cancel a visit that has not started: its bookings and waiting list are cancelled,
    their reminders withdrawn, and each student told why."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the visit is cancelled: the students will read it."))
    slot = (
        VisitSlot.objects.select_for_update(of=("self",))
        .select_related("recipient", "kecamatan")
        .only(
            "pk",
            "status",
            "starts_at",
            "duration_minutes",
            "kecamatan_id",
            "kecamatan__name",
            "school_id",
            "created_by_id",
            "meeting_point",
            "what_to_bring",
            "recipient__pseudonym",
        )
        .get(pk=slot.pk)
    )
    if not may_cancel(actor, slot):
        raise PermissionDenied
    if slot.status == VisitSlot.Status.CANCELLED:
        raise ValidationError(_("This visit is already cancelled."))
    if slot.starts_at <= timezone.now():
        raise ValidationError(_("A visit that has started cannot be cancelled."))
    live = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(slot=slot, status__in=[Booking.Status.CONFIRMED, Booking.Status.WAITLISTED])
        .select_related("student__user")
    )
    for booking in live:
        booking_transition(
            booking=booking, to_status=Booking.Status.CANCELLED, actor=actor, reason=reason
        )
    booking_reminders_withdraw(bookings=live)
    slot.cancelled_by = actor
    slot.cancelled_at = timezone.now()
    slot.cancel_reason = reason
    slot.seats_taken = 0
    SLOTS.move(
        slot,
        VisitSlot.Status.CANCELLED,
        actor=actor,
        reason=reason,
        fields=["cancelled_by", "cancelled_at", "cancel_reason", "seats_taken"],
    )
    slot_cancelled_notify(slot=slot, bookings=live, reason=reason)
    return slot
