"""Meal plans: one table of allowed moves, one service that makes them, a history row each.

A plan starts ``active`` (meals every day from its first day), may be ``paused`` (in
hospital, travelling) and resumed, and is ``ended`` (moved away, died). Each move takes
effect on a day (``effective_on``): the outcome figures read the plan's history by day.

Starting a plan is how a listed person becomes ``reached``: ``meal_plan_start`` makes the
plan and the lifecycle move in one transaction, through ``portal``'s one transition service
(its table still decides whether the move is allowed).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from attention.models import Kind
from attention.services import items_close
from core.time import today_wib
from core.transitions import Workflow
from portal.models import PUBLISHED_OR_REACHED, Recipient, Status
from portal.services.lifecycle import recipient_transition

from ..models import (
    LIVE_PLAN_STATUSES,
    Inspection,
    MealPlan,
    MealPlanTransition,
    PlanReason,
    PlanStatus,
    Warung,
)
from ..permissions import may_plan_meals
from ..selectors.standing import warung_is_suspended, warung_portions_taken

P, Why = PlanStatus, PlanReason


@dataclass(frozen=True)
class PlanMove:
    reasons: frozenset[str]


_END = frozenset({Why.MOVED, Why.DIED, Why.OTHER})
# (from, to) → the reasons that may be given. A move not in this table is refused.
TRANSITIONS: dict[tuple[str, str], PlanMove] = {
    (P.ACTIVE, P.PAUSED): PlanMove(frozenset({Why.HOSPITAL, Why.TRAVELLING, Why.OTHER})),
    (P.PAUSED, P.ACTIVE): PlanMove(frozenset({Why.BACK, Why.OTHER})),
    (P.ACTIVE, P.ENDED): PlanMove(_END),
    (P.PAUSED, P.ENDED): PlanMove(_END),
}

PLANS: Workflow[MealPlan, MealPlanTransition] = Workflow(
    model=MealPlan,
    history=MealPlanTransition,
    link="plan",
    moves={("", P.ACTIVE), *TRANSITIONS},
)

# How far a plan may start before today (the register lags the kitchen a few days) or after.
START_PAST_DAYS = 7
START_FUTURE_DAYS = 90


class PlanRefused(ValidationError):
    pass


def _require(actor: User) -> None:
    if not may_plan_meals(actor):
        raise PermissionDenied(_("Your role may not change meal plans."))


def meal_plan_start(
    *,
    actor: User,
    recipient: Recipient,
    warung: Warung,
    starts_on: datetime.date,
    portions_per_day: int | None = None,
    note: str = "",
) -> MealPlan:
    """Assign ``recipient`` to ``warung`` from ``starts_on``; a ``published`` person moves to
    ``reached`` in the same transaction. Refused, changing nothing: a role that may not, a
    person neither published nor reached, a person with a live plan already, a warung
    suspended or never passed by a health inspector, without an active contract or without
    room, a date out of range."""
    _require(actor)
    portions = portions_per_day or settings.MEALS_PER_DAY
    if not 1 <= portions <= 3:
        raise PlanRefused(_("A plan has one to three portions a day."))
    today = today_wib()
    if not (
        today - datetime.timedelta(days=START_PAST_DAYS)
        <= starts_on
        <= today + datetime.timedelta(days=START_FUTURE_DAYS)
    ):
        raise PlanRefused(
            _("A plan starts between %(past)d days ago and %(future)d days from today.")
            % {"past": START_PAST_DAYS, "future": START_FUTURE_DAYS}
        )
    with transaction.atomic():
        # Lock order, always: the person, then the warung (capacity is counted under its lock).
        person = Recipient.objects.select_for_update().get(pk=recipient.pk)
        kitchen = Warung.objects.select_for_update().get(pk=warung.pk)
        if person.status not in PUBLISHED_OR_REACHED:
            raise PlanRefused(_("Only a listed or reached person can get a meal plan."))
        if MealPlan.objects.filter(recipient=person, status__in=LIVE_PLAN_STATUSES).exists():
            raise PlanRefused(
                _("This person has a meal plan already: end it first (for example, moved).")
            )
        if kitchen.contract_status != Warung.Contract.ACTIVE:
            raise PlanRefused(_("This warung has no active contract."))
        if warung_is_suspended(kitchen):
            raise PlanRefused(
                _("This warung is suspended after a health inspection: no new meal plans.")
            )
        passed = Inspection.objects.filter(warung=kitchen).exclude(result=Inspection.Result.FAIL)
        if not passed.exists():
            # Food for frail people: Dinas Kesehatan looks at the kitchen before it cooks for
            # the programme, not only after a complaint (a failed or overdue one suspends).
            raise PlanRefused(
                _(
                    "This warung has not passed a health inspection yet: a health inspector "
                    "must inspect it before it cooks for the programme."
                )
            )
        taken = warung_portions_taken(kitchen)
        if taken + portions > kitchen.daily_capacity:
            raise PlanRefused(
                _("%(warung)s has room for %(free)d more portions a day, not %(asked)d.")
                % {
                    "warung": kitchen.name,
                    "free": max(kitchen.daily_capacity - taken, 0),
                    "asked": portions,
                }
            )
        plan = MealPlan(
            recipient=person,
            warung=kitchen,
            kecamatan_id=person.kecamatan_id,
            portions_per_day=portions,
            starts_on=starts_on,
            created_by=actor,
        )
        PLANS.move(
            plan,
            P.ACTIVE,
            actor=actor,
            reason=Why.STARTED,
            history={"note": note.strip()[:300], "effective_on": starts_on},
        )
        if person.status == Status.PUBLISHED:
            recipient_transition(
                recipient=person,
                to_status=Status.REACHED,
                actor=actor,
                reason=_("Meals from %(warung)s from %(date)s.")
                % {"warung": kitchen.name, "date": starts_on.isoformat()},
            )
            recipient.refresh_from_db(fields=["status"])
    return plan


def plan_moves(plan: MealPlan) -> list[tuple[str, list[str]]]:
    """The moves allowed from the plan's status now, with their reasons (for the buttons)."""
    return [
        (to, sorted(move.reasons))
        for (origin, to), move in TRANSITIONS.items()
        if origin == plan.status
    ]


def meal_plan_transition(
    *,
    plan: MealPlan,
    actor: User,
    to_status: str,
    reason: str,
    note: str = "",
    effective_on: datetime.date | None = None,
) -> MealPlanTransition:
    """Pause, resume or end a plan from ``effective_on`` (today by default)."""
    _require(actor)
    today = today_wib()
    effective_on = effective_on or today
    note = note.strip()
    with transaction.atomic():
        locked = MealPlan.objects.select_for_update().get(pk=plan.pk)
        origin = locked.status
        move = TRANSITIONS.get((origin, to_status))
        if move is None:
            raise PlanRefused(
                _("A meal plan cannot move from “%(origin)s” to “%(to)s”.")
                % {
                    "origin": PlanStatus(origin).label,
                    "to": PlanStatus(to_status).label
                    if to_status in PlanStatus.values
                    else to_status,
                }
            )
        if reason not in move.reasons:
            raise PlanRefused(_("Choose one of the reasons offered."))
        if reason == Why.OTHER and not note:
            raise PlanRefused(_("Say why in a note."))
        last = locked.transitions.order_by("-effective_on", "-id").first()
        earliest = max(locked.starts_on, last.effective_on if last else locked.starts_on)
        if effective_on < earliest:
            raise PlanRefused(
                _("The change cannot take effect before %(date)s.") % {"date": earliest.isoformat()}
            )
        if effective_on > today + datetime.timedelta(days=START_FUTURE_DAYS):
            raise PlanRefused(_("The change is too far in the future."))
        fields = ["updated_at"]
        if to_status == P.ENDED:
            locked.ends_on = max(locked.starts_on, effective_on - datetime.timedelta(days=1))
            fields.append("ends_on")
        row = PLANS.move(
            locked,
            to_status,
            actor=actor,
            reason=reason,
            fields=fields,
            history={"note": note[:300], "effective_on": effective_on},
        )
        if to_status in (P.PAUSED, P.ENDED):
            items_close(
                Kind.MISSED_DELIVERIES,
                note=_("The meal plan is “%(status)s”.") % {"status": PlanStatus(to_status).label},
                key__startswith=f"plan:{locked.pk}:",
            )
        if to_status == P.ENDED and not (
            MealPlan.objects.filter(warung_id=locked.warung_id, status__in=LIVE_PLAN_STATUSES)
            .exclude(pk=locked.pk)
            .exists()
        ):
            items_close(
                Kind.WARUNG_SUSPENDED,
                note=_("No live meal plan remains at the warung."),
                warung_id=locked.warung_id,
            )
        plan.refresh_from_db(fields=["status", "ends_on"])
        return row
