"""What the visit selectors share: the columns lists load, and the person's fields they never
load."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Booking, VisitSlot

B = Booking.Status

# What lists of slots load: clear columns, the person's pseudonym, nothing encrypted.
SLOT_COLUMNS = (
    "pk",
    "status",
    "starts_at",
    "duration_minutes",
    "capacity",
    "seats_taken",
    "meeting_point",
    "what_to_bring",
    "school_id",
    "kecamatan_id",
    "checkin_code",
    "cancel_reason",
    "recipient__public_id",
    "recipient__pseudonym",
    "kecamatan__name",
    "kecamatan__code",
    "school__name",
)


def slots_light() -> QuerySet[VisitSlot]:
    return VisitSlot.objects.select_related("recipient", "kecamatan", "school").only(*SLOT_COLUMNS)


# Encrypted identity fields of the person: a student's pages never load them, except the
# address inside its window (booking_address_for_student).
RECIPIENT_SECRETS = tuple(
    f"slot__recipient__{name}"
    for name in (
        "nik",
        "name",
        "birth_date",
        "address",
        "rt",
        "rw",
        "family_phone",
        "conditions",
        "notes",
    )
)
