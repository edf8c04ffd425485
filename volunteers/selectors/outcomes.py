"""Visit figures: the outcome reports' aggregates, and the counts of one person's visits a
listing and a sponsor are told."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth

from core.time import WIB, month_start, next_month, today_wib

from ..models import Booking, VisitSlot
from .common import B


@dataclass(frozen=True)
class VisitOutcome:
    kecamatan_code: str
    kecamatan: str
    month: datetime.date  # the first day of the month, WIB
    visits: int  # visits held: slots at which at least one student attended
    student_visits: int  # attended bookings (a visit by three students counts three)
    people: int  # distinct elderly people visited


def visit_outcomes(
    *, since: datetime.date | None = None, until: datetime.date | None = None
) -> list[VisitOutcome]:
    """Attended visits per kecamatan per month (WIB) and the distinct people visited, for the
    outcome figures. Aggregates only: no person, student or report appears, so the result may
    be shown to anyone. ``since`` and ``until`` bound the visit's day (inclusive)."""
    attended = Booking.objects.filter(status=B.ATTENDED)
    if since:
        attended = attended.filter(
            slot__starts_at__gte=datetime.datetime.combine(since, datetime.time.min, tzinfo=WIB)
        )
    if until:
        end = datetime.datetime.combine(
            until + datetime.timedelta(days=1), datetime.time.min, tzinfo=WIB
        )
        attended = attended.filter(slot__starts_at__lt=end)
    rows = (
        attended.annotate(month=TruncMonth("slot__starts_at", tzinfo=WIB))
        .values("slot__kecamatan__code", "slot__kecamatan__name", "month")
        .annotate(
            visits=Count("slot", distinct=True),
            student_visits=Count("pk"),
            people=Count("slot__recipient", distinct=True),
        )
        .order_by("month", "slot__kecamatan__code")
    )
    return [
        VisitOutcome(
            kecamatan_code=row["slot__kecamatan__code"],
            kecamatan=row["slot__kecamatan__name"],
            month=row["month"].date()
            if isinstance(row["month"], datetime.datetime)
            else row["month"],
            visits=row["visits"],
            student_visits=row["student_visits"],
            people=row["people"],
        )
        for row in rows
    ]


def _visits_held_in_month(day: datetime.date) -> QuerySet[VisitSlot]:
    """The slots of the WIB month of ``day`` that were held: not cancelled, and attended by at
    least one student. What "a visit" means wherever a person's visits are counted."""
    first = month_start(day)
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=WIB)
    end = datetime.datetime.combine(next_month(first), datetime.time.min, tzinfo=WIB)
    return VisitSlot.objects.filter(
        starts_at__gte=start, starts_at__lt=end, bookings__status=B.ATTENDED
    ).exclude(status=VisitSlot.Status.CANCELLED)


def listing_visits_in_month(public_id: str, *, day: datetime.date | None = None) -> int:
    """How many times students visited this person in the WIB month of ``day`` (today): the
    slots held there that a student attended. A count only: a listing says "visited N times
    this month" and never which school, which day or what time (docs/architecture.md, "What
    the public may see"), since that would tell anyone when minors are at the house."""
    return (
        _visits_held_in_month(day or today_wib())
        .filter(recipient__public_id=public_id)
        .values("pk")
        .distinct()
        .count()
    )


def visits_in_month(recipient_ids: Iterable[int], *, day: datetime.date) -> dict[int, int]:
    """The same count for several people at once, by recipient id (0 when none), in one
    query: what the sponsors of a reached person are told on their page and in the monthly
    update. Never the school, the day or the time."""
    ids = set(recipient_ids)
    if not ids:
        return {}
    rows = (
        _visits_held_in_month(day)
        .filter(recipient_id__in=ids)
        .values("recipient_id")
        .annotate(visits=Count("pk", distinct=True))
        .order_by()
    )
    found = {row["recipient_id"]: row["visits"] for row in rows}
    return {pk: found.get(pk, 0) for pk in ids}
