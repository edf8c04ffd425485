"""Meals' part of an elderly person's access request: their meal plans, how each changed,
and the day-by-day deliveries with the couriers' notes."""

from __future__ import annotations

from typing import Any

from portal.models import Recipient

from ..models import Delivery, MealPlan


def meals_recipient_export(recipient: Recipient) -> dict[str, Any]:
    plans = list(
        MealPlan.objects.filter(recipient=recipient)
        .select_related("warung")
        .prefetch_related("transitions")
        .order_by("starts_on", "pk")
    )
    return {
        "meal_plans": [
            {
                "warung": plan.warung.name,
                "portions_per_day": plan.portions_per_day,
                "starts_on": plan.starts_on,
                "ends_on": plan.ends_on,
                "status": plan.get_status_display(),
                "changes": "; ".join(
                    f"{t.effective_on:%Y-%m-%d} {t.get_to_status_display()}"
                    + (f" ({t.get_reason_display()})" if t.reason else "")
                    for t in plan.transitions.all()
                ),
            }
            for plan in plans
        ],
        "deliveries": [
            {
                "day": d.day,
                "mark": d.get_mark_display(),
                "portions": d.portions,
                "note": d.concern,
            }
            for d in Delivery.objects.filter(plan__recipient=recipient).order_by("day", "pk")
        ],
    }
