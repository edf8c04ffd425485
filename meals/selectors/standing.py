"""A warung's standing as the plans and the inspection pages read it: its latest inspection,
an open suspension, the portions a day it already cooks."""

from __future__ import annotations

import datetime

from django.db.models import Sum

from ..models import LIVE_PLAN_STATUSES, Inspection, MealPlan, Suspension, Warung


def latest_inspection(warung: Warung, *, on: datetime.date | None = None) -> Inspection | None:
    inspections = warung.inspections.all()
    if on is not None:
        inspections = inspections.filter(inspected_on__lte=on)
    return inspections.order_by("-inspected_on", "-id").first()


def warung_portions_taken(warung: Warung) -> int:
    """Portions a day the warung cooks for its live plans (paused ones keep their place)."""
    return (
        MealPlan.objects.filter(warung=warung, status__in=LIVE_PLAN_STATUSES).aggregate(
            n=Sum("portions_per_day")
        )["n"]
        or 0
    )


def warung_is_suspended(warung: Warung) -> bool:
    return Suspension.objects.filter(warung=warung, lifted_at__isnull=True).exists()
