"""Volunteers' part of a person's data: a student's own rows for their download, and the
visits to an elderly person for an access request made on their behalf."""

from __future__ import annotations

from typing import Any

from accounts.registry import AccountOwner
from portal.models import Recipient

from ..models import Booking, Certificate, GuardianConsent, Student, VisitReport
from .students import student_hours


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def volunteers_data_export(owner: AccountOwner) -> dict[str, Any]:
    """The student's record, their guardian's consent, bookings, the reports they wrote, their
    hours and certificates. The calendar feed's token is a credential: only whether it is
    on."""
    student = Student.objects.select_related("school").filter(user=owner.user).first()
    if student is None:
        return {}
    bookings = list(
        Booking.objects.filter(student=student)
        .select_related("slot__recipient", "slot__kecamatan")
        .order_by("slot__starts_at", "pk")
    )
    reports = VisitReport.objects.filter(booking__student=student).order_by("created_at", "pk")
    minutes, visits = student_hours(student)
    return {
        "student": {
            "school": {"npsn": student.school.npsn, "name": student.school.name},
            "class": student.class_name,
            "birth_date": _iso(student.birth_date),
            "status": student.status,
            "registered_at": _iso(student.created_at),
            "decided_at": _iso(student.decided_at),
            "calendar_feed": bool(student.feed_token),
        },
        "guardian_consents": [
            {
                "guardian_name": c.guardian_name,
                "guardian_email": c.guardian_email,
                "relationship": c.relationship,
                "notice_version": c.notice_version,
                "requested_at": _iso(c.requested_at),
                "given_at": _iso(c.given_at),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in GuardianConsent.objects.filter(student=student).order_by("requested_at")
        ],
        "bookings": [
            {
                "booking": b.pk,
                "visit_starts_at": _iso(b.slot.starts_at),
                "duration_minutes": b.slot.duration_minutes,
                "person": b.slot.recipient.pseudonym,
                "kecamatan": b.slot.kecamatan.name,
                "meeting_point": b.slot.meeting_point,
                "status": b.status,
                "booked_at": _iso(b.created_at),
                "attended_at": _iso(b.attended_at),
            }
            for b in bookings
        ],
        "visit_reports": [
            {
                "booking": r.booking_id,
                "wellbeing": r.wellbeing,
                "flags": list(r.flags or []),
                "note": r.note,
                "written_at": _iso(r.created_at),
            }
            for r in reports
        ],
        "hours": {"minutes": minutes, "visits": visits},
        "certificates": [
            {
                "code": c.code,
                "name": c.student_name,
                "school": c.school_name,
                "minutes": c.minutes,
                "visits": c.visits,
                "issued_at": _iso(c.issued_at),
            }
            for c in Certificate.objects.filter(student=student).order_by("issued_at")
        ],
    }


def volunteers_recipient_export(recipient: Recipient) -> dict[str, Any]:
    """The student visits to the person and the reports written after them. Which student
    came is the student's data, not the person's: visits are shown without them."""
    reports = VisitReport.objects.filter(booking__slot__recipient=recipient).order_by(
        "created_at", "pk"
    )
    return {
        "visits": [
            {
                "starts_at": slot.starts_at,
                "status": slot.get_status_display(),
                "meeting_point": slot.meeting_point,
                "attended": slot.bookings.filter(status=Booking.Status.ATTENDED).count(),
            }
            for slot in recipient.visit_slots.order_by("starts_at", "pk")
        ],
        "visit_reports": [
            {
                "written_at": r.created_at,
                "wellbeing": r.wellbeing_label,
                "flags": ", ".join(str(label) for label in r.flag_labels),
                "note": r.note,
            }
            for r in reports
        ],
    }
