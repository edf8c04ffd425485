"""The beat of the time-based kinds: unmarked warung-days (from 21:00 WIB), overdue
inspections, and escalations past their deadline. Aggregate queries only: the warung with
live plans and no mark for a day, the latest inspection of each warung; never a scan of
deliveries per person."""

from __future__ import annotations

import datetime

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from core.time import WIB, wib
from meals.models import Delivery, Inspection, MealPlan, PlanStatus, Warung

from .models import Item, Kind
from .services import item_open, items_escalate

# decisions.md: a warung-day with no mark by 21:00 WIB opens an item; its deadline is noon
# of the next day.
UNMARKED_AT = datetime.time(21, 0)
UNMARKED_DEADLINE = datetime.time(12, 0)
DAY = datetime.timedelta(days=1)


def unmarked_key(warung_id: int, day: datetime.date) -> str:
    return f"warung:{warung_id}:{day.isoformat()}"


def unmarked_days_open(*, day: datetime.date) -> int:
    """One item per warung with plans active on ``day`` and no mark at all for it."""
    with_plans = (
        MealPlan.objects.filter(status=PlanStatus.ACTIVE, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .values("warung_id")
    )
    marked = Delivery.objects.filter(day=day).values("plan__warung_id")
    unmarked = list(
        Warung.objects.filter(pk__in=with_plans)
        .exclude(pk__in=marked)
        .values_list("pk", "kecamatan_id")
    )
    known = set(
        Item.objects.filter(
            kind=Kind.UNMARKED_DAY, key__in=[unmarked_key(pk, day) for pk, _k in unmarked]
        ).values_list("key", flat=True)
    )
    deadline = datetime.datetime.combine(day + DAY, UNMARKED_DEADLINE, tzinfo=WIB)
    opened = 0
    for warung_id, kecamatan_id in unmarked:
        key = unmarked_key(warung_id, day)
        if key in known:
            continue
        opened += item_open(
            Kind.UNMARKED_DAY,
            key=key,
            kecamatan_id=kecamatan_id,
            warung=Warung.objects.select_related("kecamatan").get(pk=warung_id),
            deadline=deadline,
            source=f"meals.warung:{warung_id}:{day.isoformat()}",
        )[1]
    return opened


def inspection_overdue_key(warung_id: int, next_due: datetime.date) -> str:
    return f"warung:{warung_id}:{next_due.isoformat()}"


def inspections_overdue_open(*, today: datetime.date) -> int:
    """One item per warung under contract whose latest inspection's next date has passed."""
    latest = Inspection.objects.filter(warung=OuterRef("pk")).order_by("-inspected_on", "-id")
    overdue = list(
        Warung.objects.exclude(contract_status=Warung.Contract.ENDED)
        .annotate(next_due=Subquery(latest.values("next_due")[:1]))
        .filter(next_due__lt=today)
        .values_list("pk", "kecamatan_id", "next_due")
    )
    known = set(
        Item.objects.filter(
            kind=Kind.INSPECTION_OVERDUE,
            key__in=[inspection_overdue_key(pk, due) for pk, _k, due in overdue],
        ).values_list("key", flat=True)
    )
    opened = 0
    for warung_id, kecamatan_id, next_due in overdue:
        key = inspection_overdue_key(warung_id, next_due)
        if key in known:
            continue
        opened += item_open(
            Kind.INSPECTION_OVERDUE,
            key=key,
            kecamatan_id=kecamatan_id,
            warung=Warung.objects.select_related("kecamatan").get(pk=warung_id),
            source=f"meals.warung:{warung_id}",
        )[1]
    return opened


def attention_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The beat (every quarter hour): yesterday's unmarked warung-days (a beat that was down
    at 21:00 catches up), today's from 21:00 WIB, overdue inspections, then escalations."""
    now = now or timezone.now()
    local = wib(now)
    today = local.date()
    days = [today - DAY] + ([today] if local.time() >= UNMARKED_AT else [])
    unmarked = sum(unmarked_days_open(day=day) for day in days)
    overdue = inspections_overdue_open(today=today)
    escalated = items_escalate(now=now)
    return {"unmarked_days": unmarked, "inspections_overdue": overdue, "escalated": escalated}
