"""The visit itself and after: check-in, attendance, reports, hours, certificates."""

import datetime
import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from attention.models import Item, Kind
from attention.services import item_open
from core.time import end_of_day_wib

from ..models import Booking, Certificate, Flag, Student, VisitReport, VisitSlot, Wellbeing
from ..permissions import organises_regency_wide
from ..selectors.students import student_hours
from .bookings import BookingRefused, booking_transition
from .common import coordinator_school_id, reviewer_kecamatan_ids
from .notices import report_flagged_notify, report_missing_notify

B = Booking.Status


def checkin_window(slot: VisitSlot) -> tuple[datetime.datetime, datetime.datetime]:
    opens = slot.starts_at - datetime.timedelta(
        minutes=settings.VISITS_CHECKIN_OPENS_MINUTES_BEFORE
    )
    return opens, end_of_day_wib(slot.starts_at)


def checkin_by_code(*, booking: Booking, code: str) -> Booking:
    """The student types the code the organiser gives at the visit. Wrong codes are counted
    (and kept even though the attempt fails); after VISITS_CHECKIN_MAX_ATTEMPTS the booking
    accepts no more, and an organiser marks the attendance instead."""
    wrong = False
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("slot")
            .get(pk=booking.pk)
        )
        slot = booking.slot
        if booking.status == B.ATTENDED:
            return booking
        if (
            booking.status != B.CONFIRMED
            or slot.status != VisitSlot.Status.OPEN
            or booking.student is None
        ):
            raise BookingRefused(_("Only a confirmed booking can be checked in."))
        opens, closes = checkin_window(slot)
        now = timezone.now()
        if not opens <= now < closes:
            raise BookingRefused(_("Check-in opens shortly before the visit, on its day."))
        if booking.checkin_failures >= settings.VISITS_CHECKIN_MAX_ATTEMPTS:
            raise BookingRefused(
                _("Too many wrong codes. Ask the organiser to mark your attendance."),
                code="locked",
            )
        typed = "".join(code.split()).upper()
        if hmac.compare_digest(typed.encode(), slot.checkin_code.encode()):
            return booking_transition(
                booking=booking,
                to_status=B.ATTENDED,
                actor=booking.student.user,
                actor_label="check-in code",
                fields={"attended_at": now},
            )
        Booking.objects.filter(pk=booking.pk).update(checkin_failures=booking.checkin_failures + 1)
        wrong = True
    if wrong:
        raise BookingRefused(_("That is not the code of this visit."), code="wrong")
    return booking


def runs_whole_slot(user: User, slot: VisitSlot) -> bool:
    """A lead reviewer or a reviewer of the slot's kecamatan runs the whole visit; a
    coordinator only their own students' part of it."""
    return organises_regency_wide(user) or slot.kecamatan_id in reviewer_kecamatan_ids(user)


@transaction.atomic
def attendance_mark(*, slot: VisitSlot, actor: User, attended: set[int], absent: set[int]) -> int:
    """An organiser (a reviewer of the kecamatan, a lead reviewer, or a coordinator for their
    own school's students) takes attendance, from the check-in window on. Returns how many
    bookings changed."""
    whole_slot = runs_whole_slot(actor, slot)
    school_id = coordinator_school_id(actor)
    if not whole_slot and school_id is None:
        raise PermissionDenied
    if slot.status != VisitSlot.Status.OPEN:
        raise ValidationError(_("This visit was cancelled."))
    opens, _closes = checkin_window(slot)
    if timezone.now() < opens:
        raise ValidationError(_("Attendance can be taken from shortly before the visit."))
    if attended & absent:
        raise ValidationError(_("A student cannot be both present and absent."))
    bookings = Booking.objects.select_for_update(of=("self",)).filter(
        slot=slot, pk__in=attended | absent, status__in=[B.CONFIRMED, B.ATTENDED, B.ABSENT]
    )
    if not whole_slot and school_id is not None:
        # A coordinator takes the attendance of their own school's students only.
        bookings = bookings.filter(student__school_id=school_id)
    changed = 0
    for booking in bookings:
        to_status = B.ATTENDED if booking.pk in attended else B.ABSENT
        if booking.status == to_status:
            continue
        if to_status == B.ABSENT and VisitReport.objects.filter(booking=booking).exists():
            raise ValidationError(_("A student who filed a report attended the visit."))
        booking_transition(
            booking=booking,
            to_status=to_status,
            actor=actor,
            fields={"attended_at": timezone.now() if to_status == B.ATTENDED else None},
        )
        changed += 1
    return changed


def report_file(
    *, booking: Booking, wellbeing: str, flags: list[str], note: str = ""
) -> tuple[VisitReport, bool]:
    """The attending student's report; one per booking (a second submit returns the first).
    A flag alerts the kecamatan's reviewers at once, in the same transaction."""
    if booking.status != B.ATTENDED:
        raise ValidationError(_("A report can be filed after attending the visit."))
    if wellbeing not in Wellbeing.values:
        raise ValidationError(_("Choose how the person is doing."))
    unknown = set(flags) - set(Flag.values)
    if unknown:
        raise ValidationError(_("Unknown flag: %(flags)s.") % {"flags": ", ".join(sorted(unknown))})
    ordered = [f for f in Flag.values if f in flags]
    try:
        with transaction.atomic():
            report = VisitReport.objects.create(
                booking=booking,
                wellbeing=wellbeing,
                flags=ordered,
                note=note.strip(),
                flagged=bool(ordered),
            )
            if ordered:
                report.booking = booking
                report_flagged_notify(report=report, item=_flag_item(report))
    except IntegrityError:
        return VisitReport.objects.get(booking=booking), False
    return report, True


# decisions.md: "wants more visits" opens no item; ill or unsafe a day to act, food three.
URGENT_FLAGS = frozenset({Flag.LOOKS_ILL, Flag.HOUSE_UNSAFE})
ITEM_FLAGS = URGENT_FLAGS | {Flag.NOT_ENOUGH_FOOD}


def _flag_item(report: VisitReport) -> Item | None:
    flags = set(report.flags)
    if not flags & ITEM_FLAGS:
        return None
    slot = report.booking.slot
    hours = 24 if flags & URGENT_FLAGS else 72
    item, _opened = item_open(
        Kind.REPORT_FLAG,
        key=f"report:{report.pk}",
        kecamatan_id=slot.kecamatan_id,
        recipient=slot.recipient,
        deadline=timezone.now() + datetime.timedelta(hours=hours),
        source=f"volunteers.visitreport:{report.pk}",
        announce=False,
    )
    return item


def report_reminders_send() -> int:
    """Beat: remind each student who attended a visit that ended at least
    VISITS_REPORT_REMINDER_HOURS_AFTER ago (and within two weeks) and has not reported. The
    dedup key makes a second run, or a second beat, write nothing."""
    now = timezone.now()
    latest_end = now - datetime.timedelta(hours=settings.VISITS_REPORT_REMINDER_HOURS_AFTER)
    due = (
        Booking.objects.filter(
            status=B.ATTENDED,
            report__isnull=True,
            slot__starts_at__lte=latest_end,
            slot__starts_at__gte=now - datetime.timedelta(days=14),
        )
        .select_related("slot__recipient", "slot__kecamatan", "student__user")
        .only(
            "pk",
            "student__user",
            "slot__starts_at",
            "slot__duration_minutes",
            "slot__meeting_point",
            "slot__what_to_bring",
            "slot__recipient__pseudonym",
            "slot__kecamatan__name",
        )
    )
    written = 0
    for booking in due:
        if booking.slot.ends_at > latest_end:
            continue
        with transaction.atomic():
            report_missing_notify(booking=booking)
        written += 1
    return written


@transaction.atomic
def certificate_issue(*, student: Student) -> Certificate:
    """A certificate of the hours attended so far. Asking again without new hours gives the
    same certificate (and code)."""
    student = (
        Student.objects.select_for_update(of=("self",))
        .select_related("user", "school")
        .get(pk=student.pk)
    )
    minutes, visits = student_hours(student)
    if not visits:
        raise ValidationError(_("A certificate lists attended visits: you have none yet."))
    latest = student.certificates.first()
    name = student.user.name or student.user.email
    if latest and (latest.minutes, latest.student_name, latest.school_name) == (
        minutes,
        name,
        student.school.name,
    ):
        return latest
    return Certificate.objects.create(
        student=student,
        student_name=name,
        school_name=student.school.name,
        minutes=minutes,
        visits=visits,
    )
