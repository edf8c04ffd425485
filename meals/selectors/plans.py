"""A meal plan's status by day, read from its history: the delivery lists and the outcome
figures count from it."""

from __future__ import annotations

import datetime

from ..models import MealPlanTransition, PlanStatus

P = PlanStatus


def plan_status_on(transitions: list[MealPlanTransition], day: datetime.date) -> str | None:
    """The plan's status on ``day`` from its history (None before it starts). ``transitions``
    ordered by (effective_on, id)."""
    status = None
    for move in transitions:
        if move.effective_on > day:
            break
        status = move.to_status
    return status


def active_days(
    transitions: list[MealPlanTransition], first: datetime.date, last: datetime.date
) -> int:
    """How many days of [first, last] the plan was active, from its history."""
    if last < first:
        return 0
    days = 0
    status, since = None, first
    for move in transitions:
        if move.effective_on > last:
            break
        if move.effective_on > first:
            if status == P.ACTIVE:
                days += (move.effective_on - since).days
            since = move.effective_on
        status = move.to_status
    if status == P.ACTIVE:
        days += (last - since).days + 1
    return days
