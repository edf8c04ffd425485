"""Visit figures for the outcome reports: aggregates only."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count
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


def listing_visits_in_month(public_id: str, *, day: datetime.date | None = None) -> int:
    """How many times students visited this person in the WIB month of ``day`` (today): the
    slots held there that a student attended. A count only: a listing says "visited N times
    this month" and never which school, which day or what time (docs/architecture.md, "What
    the public may see"), since that would tell anyone when minors are at the house."""
    first = month_start(day or today_wib())
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=WIB)
    end = datetime.datetime.combine(next_month(first), datetime.time.min, tzinfo=WIB)
    return (
        VisitSlot.objects.filter(
            recipient__public_id=public_id,
            starts_at__gte=start,
            starts_at__lt=end,
            bookings__status=B.ATTENDED,
        )
        .exclude(status=VisitSlot.Status.CANCELLED)
        .values("pk")
        .distinct()
        .count()
    )
