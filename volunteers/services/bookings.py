"""Booking a visit: seats, the waiting list, overlap, cancelling, and the one transition
service of a booking's status.

Concurrency: every write that changes a slot's seats first locks the slot's row (SELECT … FOR
UPDATE), then at most one student's row. Always in that order, so two writers never wait for
each other in a circle. ``VisitSlot.seats_taken`` changes only under that lock and a check
constraint refuses more than the capacity whatever the code does; a partial unique constraint
refuses a second live booking of one student on one slot (a double submit).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.registry import AccountOwner
from core.pagecache import listing, public_pages_changed
from core.transitions import TransitionRefused, Workflow
from portal.models import Recipient

from ..models import SEATED, Booking, BookingTransition, Student, VisitSlot
from ..permissions import booking_refusal
from ..selectors.students import bookings_ahead, student_standing
from .notices import booking_confirmed_notify, booking_reminders_withdraw

B = Booking.Status


@dataclass(frozen=True)
class Move:
    by_student: bool = False  # the student may make it on their own booking
    by_organiser: bool = False  # an organiser of the slot may make it
    by_system: bool = False  # the portal makes it (promotion, slot cancelled)


# (from, to) → who may make that move. A move not in this table is refused.
TRANSITIONS: dict[tuple[str, str], Move] = {
    ("", B.CONFIRMED): Move(by_student=True),
    ("", B.WAITLISTED): Move(by_student=True),
    (B.WAITLISTED, B.CONFIRMED): Move(by_system=True),
    # By the student, or with the whole slot by its organiser.
    (B.WAITLISTED, B.CANCELLED): Move(by_student=True, by_organiser=True),
    (B.CONFIRMED, B.CANCELLED): Move(by_student=True, by_organiser=True),
    (B.CONFIRMED, B.ATTENDED): Move(by_student=True, by_organiser=True),
    (B.CONFIRMED, B.ABSENT): Move(by_organiser=True),
    # An organiser's correction of the attendance they took.
    (B.ABSENT, B.ATTENDED): Move(by_organiser=True),
    (B.ATTENDED, B.ABSENT): Move(by_organiser=True),
}


class BookingRefused(TransitionRefused):
    pass


BOOKINGS: Workflow[Booking, BookingTransition] = Workflow(
    model=Booking,
    history=BookingTransition,
    link="booking",
    moves=set(TRANSITIONS),
    refused=BookingRefused,
    refused_message=lambda workflow, origin, to: (
        _("A booking cannot go from %(origin)s to %(to)s.") % {"origin": origin or "—", "to": to}
    ),
)


class SlotFull(BookingRefused):
    """No seat left: the student may join the waiting list instead."""


def booking_transition(
    *,
    booking: Booking,
    to_status: str,
    actor: User | None,
    actor_label: str = "",
    reason: str = "",
    fields: dict[str, Any] | None = None,
) -> Booking:
    """Move ``booking`` to ``to_status`` if the table allows it, saving only the fields that
    change, and write the history row. Who may ask is the caller's check (the table says
    which kind of actor); seats are the callers' business, under the slot's lock."""
    origin = booking.status if booking.pk else ""
    if (origin, to_status) not in TRANSITIONS:
        raise BookingRefused(
            _("A booking cannot go from %(origin)s to %(to)s.")
            % {"origin": origin or "—", "to": to_status}
        )
    for name, value in (fields or {}).items():
        setattr(booking, name, value)
    BOOKINGS.move(
        booking,
        to_status,
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        fields=list(fields or {}),
    )
    if B.ATTENDED in (origin, to_status):
        # The person's public page counts the visits students attended this month (cached).
        public_ids = Recipient.objects.filter(visit_slots=booking.slot_id).values_list(
            "public_id", flat=True
        )
        public_pages_changed(*(listing(public_id) for public_id in public_ids))
    return booking


def _around(slot: VisitSlot) -> Q:
    """Live bookings of other open visits that start close enough to overlap ``slot``."""
    window_start = slot.starts_at - datetime.timedelta(minutes=480)  # the longest visit
    return Q(
        status__in=[B.CONFIRMED, B.WAITLISTED],
        slot__status=VisitSlot.Status.OPEN,
        slot__starts_at__lt=slot.ends_at,
        slot__starts_at__gt=window_start,
    ) & ~Q(slot=slot)


def _overlaps(others: Iterable[Booking], slot: VisitSlot) -> bool:
    return any(other.slot.ends_at > slot.starts_at for other in others)


def _overlapping(student: Student, slot: VisitSlot, *, exclude: int | None = None) -> bool:
    """Does the student hold another live booking whose visit overlaps ``slot``?"""
    others = (
        Booking.objects.filter(_around(slot), student=student)
        .select_related("slot")
        .only("slot__starts_at", "slot__duration_minutes")
    )
    if exclude is not None:
        others = others.exclude(pk=exclude)
    return _overlaps(others, slot)


def _live_and_overlapping(student: Student, slot: VisitSlot) -> tuple[Booking | None, bool]:
    """The student's live booking of ``slot`` and whether another one overlaps it, in one
    read of their bookings of visits around it (``slot`` is one of them); sorted here, as
    ``_around`` says, for the price of a plain query."""
    window_start = slot.starts_at - datetime.timedelta(minutes=480)  # the longest visit
    rows = list(
        Booking.objects.filter(
            student=student, slot__starts_at__lt=slot.ends_at, slot__starts_at__gt=window_start
        )
        .exclude(status=B.CANCELLED)
        .select_related("slot")
        .order_by("pk")
    )
    live = next((row for row in rows if row.slot_id == slot.pk), None)
    others = [
        row
        for row in rows
        if row.slot_id != slot.pk
        and row.status in (B.CONFIRMED, B.WAITLISTED)
        and row.slot.status == VisitSlot.Status.OPEN
    ]
    return live, _overlaps(others, slot)


def _check(student: Student, slot: VisitSlot) -> None:
    """The one rule of the pages and of this service (``permissions.booking_refusal``), asked
    here of the student's row as locked."""
    refusal = booking_refusal(student_standing(student), slot)
    if refusal is not None:
        raise BookingRefused(refusal.message, code=refusal.code)


def _refuse(student: Student, slot: VisitSlot, *, overlapping: bool | None = None) -> None:
    """Raise the refusal of the booking, if any: the rule of the pages, then an overlap
    (``overlapping`` when the caller has read it already)."""
    _check(student, slot)
    if overlapping is None:
        overlapping = _overlapping(student, slot)
    if overlapping:
        raise BookingRefused(
            _("You already have a visit at that time. Cancel it first to book this one."),
            code="overlap",
        )


def booking_create(
    *, slot_id: int, student: Student, waitlist: bool = False, seen: VisitSlot | None = None
) -> tuple[Booking, bool]:
    """Book a seat on the slot, or join its waiting list when ``waitlist`` and it is full.

    Returns ``(booking, created)``: a student who already holds a live booking of the slot
    (a double submit) gets that booking back. Raises ``SlotFull`` when no seat is left and
    ``waitlist`` is false, ``BookingRefused`` for every other reason (nothing is written).

    ``seen`` is the slot as the caller has just read it (its seats). When it was full, a
    booking without the waiting list is answered without a transaction or a lock: a seat
    frees up only under the slot's lock, and is first offered to the waiting list, so that
    answer is the one the lock would have given a moment earlier.
    """
    if seen is not None and seen.pk == slot_id and not waitlist and _no_seat(seen):
        return _answer_without_seat(student, seen)
    return _booking_create(slot_id=slot_id, student=student, waitlist=waitlist)


def _no_seat(slot: VisitSlot) -> bool:
    return slot.seats_taken >= slot.capacity


def _live_or_refused(student: Student, slot: VisitSlot) -> Booking | None:
    """The student's live booking of the slot (a double submit), or None when they may book
    it; raises the refusal when they may not."""
    live, overlapping = _live_and_overlapping(student, slot)
    if live is None:
        _refuse(student, slot, overlapping=overlapping)
    return live


def _answer_without_seat(student: Student, slot: VisitSlot) -> tuple[Booking, bool]:
    """No seat and no waiting list asked for: nothing will be written, so the student's row
    is not locked (when a visit opens, most of its students get this answer at once)."""
    if live := _live_or_refused(student, slot):
        return live, False
    raise SlotFull(_("This visit is full. You can join its waiting list."), code="full")


@transaction.atomic
def _booking_create(*, slot_id: int, student: Student, waitlist: bool) -> tuple[Booking, bool]:
    slot = _locked_slot(slot_id)
    if _no_seat(slot) and not waitlist:
        return _answer_without_seat(student, slot)
    student = (
        Student.objects.select_for_update(of=("self",)).select_related("user").get(pk=student.pk)
    )
    if live := _live_or_refused(student, slot):
        return live, False
    if slot.seats_taken < slot.capacity:
        VisitSlot.objects.filter(pk=slot.pk).update(seats_taken=F("seats_taken") + 1)
        booking = booking_transition(
            booking=Booking(slot=slot, student=student),
            to_status=B.CONFIRMED,
            actor=student.user,
        )
        booking_confirmed_notify(booking=booking)
        return booking, True
    if not waitlist:
        raise SlotFull(_("This visit is full. You can join its waiting list."), code="full")
    booking = booking_transition(
        booking=Booking(slot=slot, student=student, waitlisted_at=timezone.now()),
        to_status=B.WAITLISTED,
        actor=student.user,
    )
    return booking, True


def _locked_slot(pk: int) -> VisitSlot:
    """The slot, its row locked until the transaction ends; with what messages need of the
    person (the pseudonym) and nothing of their encrypted identity."""
    return (
        VisitSlot.objects.select_for_update(of=("self",))
        .select_related("recipient", "kecamatan")
        .only(
            "pk",
            "status",
            "starts_at",
            "duration_minutes",
            "capacity",
            "seats_taken",
            "school_id",
            "meeting_point",
            "what_to_bring",
            "recipient__pseudonym",
            "kecamatan__name",
        )
        .get(pk=pk)
    )


def cancel_deadline(slot: VisitSlot) -> datetime.datetime:
    return slot.starts_at - datetime.timedelta(hours=settings.VISITS_CANCEL_HOURS_BEFORE)


@transaction.atomic
def booking_cancel(*, booking: Booking, actor: User) -> Booking:
    """The student gives up their place (until VISITS_CANCEL_HOURS_BEFORE before the visit)
    or leaves the waiting list (until the visit starts). A freed seat goes to the first in
    line, who is told."""
    slot = _locked_slot(booking.slot_id)
    booking = Booking.objects.select_for_update(of=("self",)).get(pk=booking.pk)
    booking.slot = slot
    now = timezone.now()
    if booking.status == B.CONFIRMED and now > cancel_deadline(slot):
        raise BookingRefused(
            _(
                "Bookings can be cancelled until %(hours)s hours before the visit. Tell your "
                "coordinator if you cannot come."
            )
            % {"hours": settings.VISITS_CANCEL_HOURS_BEFORE},
            code="too_late",
        )
    if booking.status == B.WAITLISTED and now >= slot.starts_at:
        raise BookingRefused(_("This visit has already started."), code="past")
    freed = booking.status == B.CONFIRMED
    booking_transition(booking=booking, to_status=B.CANCELLED, actor=actor)
    booking_reminders_withdraw(bookings=[booking])
    if freed and not _promote_next(slot):
        VisitSlot.objects.filter(pk=slot.pk).update(seats_taken=F("seats_taken") - 1)
    return booking


def volunteers_data_erase(owner: AccountOwner) -> None:
    """Volunteers' part of a deletion: a student's seats on visits to come go to the next in
    line; the bookings and the reports they wrote stay (the person visited was served),
    detached from the student. The student's record, guardian consents and certificates go
    with the account (their foreign keys cascade)."""
    student = Student.objects.filter(user=owner.user).first()
    if student is None:
        return
    student_bookings_release(student=student)
    Booking.objects.filter(student=student).update(student=None)


def student_bookings_release(
    *,
    student: Student,
    actor: User | None = None,
    actor_label: str = "account deleted",
    reason: str = "",
) -> int:
    """A student leaves (their account is deleted, or their school says they are no longer its
    student): each of their visits still to come (``selectors.students.bookings_ahead``) gives
    its seat to the first in line (or back to the slot), whatever the cancellation window, and
    its reminders are withdrawn. Visits that took place, their reports and hours stay. Returns
    how many bookings were released. Each booking in its own transaction, the slot locked
    first: a release stopped half-way is finished by calling it again."""
    released = 0
    for pk, slot_id in list(bookings_ahead(student).values_list("pk", "slot_id")):
        with transaction.atomic():
            slot = _locked_slot(slot_id)
            booking = Booking.objects.select_for_update(of=("self",)).get(pk=pk)
            if booking.status not in (B.CONFIRMED, B.WAITLISTED):
                continue
            freed = booking.status == B.CONFIRMED
            booking_transition(
                booking=booking,
                to_status=B.CANCELLED,
                actor=actor,
                actor_label="" if actor is not None else actor_label,
                reason=reason,
            )
            booking_reminders_withdraw(bookings=[booking])
            if freed and not _promote_next(slot):
                VisitSlot.objects.filter(pk=slot.pk).update(seats_taken=F("seats_taken") - 1)
            released += 1
    return released


def _promote_next(slot: VisitSlot) -> Booking | None:
    """Give a freed seat to the first in the waiting list who holds no overlapping visit.
    Runs under the slot's lock; the seat stays taken when someone moves up."""
    if slot.status != VisitSlot.Status.OPEN or slot.starts_at <= timezone.now():
        return None
    waiting = Booking.objects.filter(slot=slot, status=B.WAITLISTED).order_by("waitlisted_at", "pk")
    for candidate in waiting:
        if candidate.student_id is None:
            continue  # the student's account is gone: nobody to give the seat to
        student = (
            Student.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=candidate.student_id)
        )
        if _overlapping(student, slot, exclude=candidate.pk):
            continue  # they booked another visit at that time meanwhile; the next one moves up
        booking = booking_transition(
            booking=candidate,
            to_status=B.CONFIRMED,
            actor=None,
            actor_label="waiting list",
        )
        booking.slot, booking.student = slot, student
        booking_confirmed_notify(booking=booking, promoted=True)
        return booking
    return None


def seats_in_use(slot: VisitSlot) -> int:
    """Seats held, counted from the bookings (the counter's check in tests and repairs)."""
    return Booking.objects.filter(slot=slot, status__in=SEATED).count()
