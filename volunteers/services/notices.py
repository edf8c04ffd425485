"""The outbox messages of the student visits.

Each is written in the transaction of the event it reports, with a dedup key naming the event
(a booking's id, a slot's id), so a repeated event or a second run of a beat task writes
nothing. Reminders are rows with ``send_after`` (never a Celery ETA: docs/architecture.md);
cancelling a booking or a slot withdraws its reminders not sent yet.

The context carries the pseudonym, the kecamatan, the meeting point and the time: never the
person's address (docs/architecture.md, "What the public may see").
"""

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from accounts.selectors import reviewers_of_kecamatan
from attention.models import Item
from core.time import WIB, wib
from notifications.services import (
    Outgoing,
    notification_enqueue,
    notifications_enqueue,
    notifications_withdraw,
)

from ..models import Booking, GuardianConsent, Student, VisitReport, VisitSlot

REMINDERS = ("eve", "soon")


def slot_context(slot: VisitSlot) -> dict[str, Any]:
    start = wib(slot.starts_at)
    return {
        "slot_id": slot.pk,
        "pseudonym": slot.recipient.pseudonym,
        "kecamatan": slot.kecamatan.name,
        "meeting_point": slot.meeting_point,
        "what_to_bring": slot.what_to_bring,
        "date": start.date().isoformat(),
        "time": start.strftime("%H:%M"),
        "duration": slot.duration_minutes,
    }


def reminder_times(slot: VisitSlot) -> dict[str, datetime.datetime]:
    """The day before at VISITS_REMINDER_EVE_HOUR (WIB), and VISITS_REMINDER_HOURS_BEFORE
    hours before the start."""
    eve_day = wib(slot.starts_at).date() - datetime.timedelta(days=1)
    eve = datetime.datetime.combine(
        eve_day, datetime.time(settings.VISITS_REMINDER_EVE_HOUR), tzinfo=WIB
    )
    soon = slot.starts_at - datetime.timedelta(hours=settings.VISITS_REMINDER_HOURS_BEFORE)
    return {"eve": eve, "soon": soon}


def reminder_keys(booking: Booking) -> list[str]:
    return [f"visit_reminder:{booking.pk}:{which}" for which in REMINDERS]


def booking_confirmed_notify(*, booking: Booking, promoted: bool = False) -> None:
    """Tell the student their place is confirmed (booked, or moved up from the waiting list)
    and schedule the reminders still ahead."""
    if booking.student is None:
        return  # the student's account is gone: nobody to tell
    slot = booking.slot
    user = booking.student.user
    context = {**slot_context(slot), "booking_id": booking.pk}
    template = "visit_promoted" if promoted else "visit_booked"
    now = timezone.now()
    notifications_enqueue(
        user=user,
        notifications=[
            Outgoing(template=template, dedup_key=f"{template}:{booking.pk}", context=context),
            *(
                Outgoing(
                    template="visit_reminder",
                    dedup_key=f"visit_reminder:{booking.pk}:{which}",
                    context={**context, "which": which},
                    send_after=when,
                )
                for which, when in reminder_times(slot).items()
                # Booked after that reminder's time: the booking mail says it all.
                if when > now
            ),
        ],
    )


def booking_reminders_withdraw(*, bookings: list[Booking]) -> int:
    return notifications_withdraw(dedup_keys=[k for b in bookings for k in reminder_keys(b)])


def slot_cancelled_notify(*, slot: VisitSlot, bookings: list[Booking], reason: str) -> None:
    for booking in bookings:
        if booking.student is None:
            continue  # the student's account is gone: nobody to tell
        notification_enqueue(
            template="visit_slot_cancelled",
            dedup_key=f"visit_slot_cancelled:{slot.pk}:{booking.pk}",
            user=booking.student.user,
            context={**slot_context(slot), "booking_id": booking.pk, "reason": reason},
        )


def report_missing_notify(*, booking: Booking) -> None:
    if booking.student is None:
        return  # the student's account is gone: nobody to remind
    notification_enqueue(
        template="visit_report_missing",
        dedup_key=f"visit_report_missing:{booking.pk}",
        user=booking.student.user,
        context={**slot_context(booking.slot), "booking_id": booking.pk},
    )


def report_flagged_notify(*, report: VisitReport, item: Item | None = None) -> int:
    """Alert the reviewers of the person's kecamatan at once (the lead reviewers when the
    kecamatan has none), naming the flags, never the note."""
    slot = report.booking.slot
    reviewers = reviewers_of_kecamatan(slot.kecamatan_id)
    context = {**slot_context(slot), "report_id": report.pk, "flag_codes": list(report.flags)}
    if item is not None:
        context["item_id"] = item.pk
    written = 0
    for reviewer in reviewers:
        with translation.override(reviewer.language):
            flags = ", ".join(report.flag_labels)
        notification_enqueue(
            template="visit_report_flagged",
            dedup_key=f"visit_report_flagged:{report.pk}:{reviewer.pk}",
            user=reviewer,
            context={**context, "flags": flags},
        )
        written += 1
    return written


def guardian_consent_notify(*, consent: GuardianConsent, link: str) -> None:
    student = consent.student
    notification_enqueue(
        template="visit_guardian_consent",
        dedup_key=f"visit_guardian_consent:{consent.pk}",
        to_address=consent.guardian_email,
        language=student.user.language,
        context={
            "guardian_name": consent.guardian_name,
            "student_name": student.user.name or student.user.email,
            "school": student.school.name,
            "link": link,
            "days": settings.VISITS_GUARDIAN_LINK_DAYS,
        },
    )


def student_decision_notify(
    *, student: Student, decision: str, key: str, cancelled: int, consent_needed: bool
) -> None:
    """Tell the student what their school's coordinator decided and what it means for them.
    An answer to their own sign-up, so always sent, and by e-mail to their account's address
    (as allauth's account mail): the page telling the coordinator "we e-mailed them" is then
    true whatever channel the student chose for reminders."""
    user = student.user
    notification_enqueue(
        template="visit_school_decision",
        dedup_key=f"visit_school_decision:{key}",
        user=user,
        to_address=user.email,
        context={
            "decision": decision,
            "school": student.school.name,
            "cancelled": cancelled,
            "consent_needed": consent_needed,
        },
    )
