"""What a visitor sees of giving beside a listing's month (``progress``): the donors' messages
on a listing and the collection permit the home page cites.

docs/architecture.md, "What the public may see": a donor's message appears only once a
finance officer approved it, with the donor's name only when they chose to show it (the name
frozen on the gift); an erased donor's gifts carry neither any more.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from portal.services.lifecycle import PUBLIC_STATUSES

from ..models import CollectionPeriod, Gift, MessageStatus

LISTING_MESSAGES = 10


@dataclass(frozen=True)
class PublicMessage:
    day: datetime.date | None  # the WIB day the gift was received
    donor_name: str  # "" unless the donor chose to be named
    message: str


@dataclass(frozen=True)
class PublicPermit:
    name: str
    permit_number: str
    starts_on: datetime.date
    ends_on: datetime.date
    cap_percent: int


def public_listing_messages(
    public_id: str, *, limit: int = LISTING_MESSAGES
) -> list[PublicMessage]:
    """The newest approved messages of received gifts to a published person, in one query
    (and one more for the names of those who asked to be named)."""
    rows = list(
        Gift.objects.filter(
            recipient__public_id=public_id,
            recipient__status__in=PUBLIC_STATUSES,
            status=Gift.Status.PAID,
            message_status=MessageStatus.APPROVED,
        )
        .exclude(message="")
        .order_by("-paid_at", "-pk")
        .values("pk", "paid_at", "show_name", "message")[:limit]
    )
    # Names are decrypted only for the gifts whose donors asked to be named.
    named = [row["pk"] for row in rows if row["show_name"]]
    names = dict(Gift.objects.filter(pk__in=named).values_list("pk", "donor_name")) if named else {}
    return [
        PublicMessage(
            day=timezone.localdate(row["paid_at"]) if row["paid_at"] else None,
            donor_name=(names.get(row["pk"]) or "").strip() if row["show_name"] else "",
            message=row["message"],
        )
        for row in rows
    ]


def public_current_permit(day: datetime.date | None = None) -> PublicPermit | None:
    """The collection period running on ``day`` (today, WIB) with its permit, or None."""
    day = day or timezone.localdate()
    period = (
        CollectionPeriod.objects.filter(starts_on__lte=day, ends_on__gte=day)
        .filter(~Q(permit_number=""))
        .order_by("-starts_on")
        .values("name", "permit_number", "starts_on", "ends_on", "cap_percent")
        .first()
    )
    return PublicPermit(**period) if period else None
