"""What officials read on the meals pages, by role and scope.

Two scopes (``accounts.scope``): warung and their inspections are read in the warung scope
(reviewers their kecamatan; lead reviewers, health inspectors and administrators the
regency), people's plans in the meals scope (reviewers their kecamatan, lead reviewers and
administrators the regency: a health inspector never sees who is fed). An object outside the
scope is a 404 with a ``scope.denied`` event (accounts.selectors.get_in_scope).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import ngettext

from accounts.models import AuditEvent, User
from accounts.registry import Waiting
from accounts.selectors import Purpose, get_in_scope, kecamatan_in_scope
from accounts.services import audit_record
from core.time import today_wib
from portal.models import PUBLISHED_OR_REACHED, Recipient

from ..models import (
    LIVE_PLAN_STATUSES,
    Inspection,
    InspectionPhoto,
    MealPlan,
    MealPlanTransition,
    Suspension,
    Warung,
)
from ..permissions import may_plan_meals, may_read_meals, may_see_inspection_photos
from .standing import latest_inspection, warung_portions_taken


def _open_suspension() -> Exists:
    return Exists(Suspension.objects.filter(warung=OuterRef("pk"), lifted_at__isnull=True))


def warung_in_scope(user: User) -> QuerySet[Warung]:
    if not may_read_meals(user):
        return Warung.objects.none()
    return (
        Warung.objects.filter(kecamatan__in=kecamatan_in_scope(user, purpose=Purpose.WARUNG))
        .select_related("kecamatan")
        .annotate(suspended=_open_suspension())
        .order_by("kecamatan__name", "name")
    )


def health_inspector_waiting(user: User) -> list[Waiting]:
    """What waits for an inspector among the warung of their scope (``warung_in_scope``)
    under contract: those whose latest inspection's next date has passed (WIB), as the
    attention sweep reads it, and those never inspected. One query."""
    latest = Inspection.objects.filter(warung=OuterRef("pk")).order_by("-inspected_on", "-id")
    counts = (
        warung_in_scope(user)
        .exclude(contract_status=Warung.Contract.ENDED)
        .annotate(next_due=Subquery(latest.values("next_due")[:1]))
        .order_by()
        .aggregate(
            overdue=Count("pk", filter=Q(next_due__lt=today_wib())),
            never=Count("pk", filter=Q(next_due__isnull=True)),
        )
    )
    return [
        Waiting(
            counts["overdue"],
            ngettext(
                "%(count)s inspection overdue", "%(count)s inspections overdue", counts["overdue"]
            )
            % {"count": counts["overdue"]},
        ),
        Waiting(
            counts["never"],
            ngettext(
                "%(count)s warung not inspected yet",
                "%(count)s warung not inspected yet",
                counts["never"],
            )
            % {"count": counts["never"]},
        ),
    ]


@dataclass
class WarungPage:
    warung: Warung
    suspension: Suspension | None
    latest: Inspection | None
    inspections: list[Inspection]
    plans: list[MealPlan]
    portions_taken: int
    # Whether the user may hand the warung its signed links: see ``may_hand_delivery_link``.
    may_hand_link: bool


def warung_page(user: User, pk: int) -> WarungPage:
    warung = get_in_scope(warung_in_scope(user), user=user, target=f"meals.warung:{pk}", pk=pk)
    plans = []
    if may_plan_meals(user):
        plans = list(
            MealPlan.objects.filter(warung=warung, status__in=LIVE_PLAN_STATUSES)
            .filter(kecamatan__in=kecamatan_in_scope(user, purpose=Purpose.MEALS))
            .select_related("recipient")
            .order_by("recipient__pseudonym", "pk")
        )
    return WarungPage(
        warung=warung,
        suspension=Suspension.objects.filter(warung=warung, lifted_at__isnull=True).first(),
        latest=latest_inspection(warung),
        inspections=list(warung.inspections.select_related("inspector")[:20]),
        plans=plans,
        portions_taken=warung_portions_taken(warung),
        may_hand_link=may_hand_delivery_link(user, warung),
    )


def may_hand_delivery_link(user: User, warung: Warung) -> bool:
    """A signed link opens the warung's whole day (every address on its list), so only an
    official whose meals scope covers the kecamatan of every live plan there may hand it
    out; a warung that also feeds people of another kecamatan gets it from a lead reviewer."""
    if not may_plan_meals(user):
        return False
    return not (
        MealPlan.objects.filter(warung=warung, status__in=LIVE_PLAN_STATUSES)
        .exclude(kecamatan__in=kecamatan_in_scope(user, purpose=Purpose.MEALS))
        .exists()
    )


def inspection_get(user: User, pk: int) -> Inspection:
    in_scope = Inspection.objects.filter(warung__in=warung_in_scope(user)).select_related(
        "warung", "warung__kecamatan", "inspector"
    )
    return get_in_scope(in_scope, user=user, target=f"meals.inspection:{pk}", pk=pk)


def inspection_photo(user: User, pk: int, photo_id: int) -> InspectionPhoto:
    """A photo of an inspection, for a role that may see it; each look is logged."""
    if not may_see_inspection_photos(user):
        raise Http404
    inspection = inspection_get(user, pk)
    photo = inspection.photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    audit_record(
        actor=user,
        action=AuditEvent.Action.INSPECTION_PHOTO_VIEWED,
        target=f"meals.inspection:{inspection.pk}",
        details={"photo": photo.pk},
    )
    return photo


def plans_in_scope(user: User) -> QuerySet[MealPlan]:
    if not may_plan_meals(user):
        return MealPlan.objects.none()
    return MealPlan.objects.filter(
        kecamatan__in=kecamatan_in_scope(user, purpose=Purpose.MEALS)
    ).select_related("recipient", "warung", "kecamatan")


def plan_get(user: User, pk: int) -> MealPlan:
    return get_in_scope(plans_in_scope(user), user=user, target=f"meals.plan:{pk}", pk=pk)


def plan_candidate_get(user: User, public_id: str) -> Recipient:
    """A person the reviewer may give a meal plan: in their scope, published or reached."""
    if not may_plan_meals(user):
        raise Http404
    in_scope = Recipient.objects.filter(
        kecamatan__in=kecamatan_in_scope(user, purpose=Purpose.MEALS),
        status__in=PUBLISHED_OR_REACHED,
    ).select_related("kecamatan", "village")
    return get_in_scope(
        in_scope, user=user, target=f"portal.recipient:{public_id}", public_id=public_id
    )


def warung_for_new_plans(recipient: Recipient) -> QuerySet[Warung]:
    """Warung that may take a new plan: an active contract, not suspended. Any kecamatan (a
    warung near a border may cook for the next one), the person's own kecamatan first."""
    return (
        Warung.objects.filter(contract_status=Warung.Contract.ACTIVE)
        .annotate(suspended=_open_suspension())
        .filter(suspended=False)
        .select_related("kecamatan")
        .annotate(elsewhere=~Q(kecamatan=recipient.kecamatan_id))
        .order_by("elsewhere", "name")
    )


def plan_history(plan: MealPlan) -> list[MealPlanTransition]:
    return list(plan.transitions.select_related("actor").order_by("effective_on", "id"))


def plans_of_person(recipient: Recipient) -> list[MealPlan]:
    return list(recipient.meal_plans.select_related("warung").order_by("-starts_on", "-pk"))


def today_link_days(today: datetime.date) -> list[datetime.date]:
    return [today, today + datetime.timedelta(days=1)]
