"""The day's delivery list of a warung, the deliveries a disbursement pays for, and the days a
person's meals reached them (for their sponsors).

What a courier sees (decided here, and only here): the person's pseudonym, the address, RT/RW
and village (they must find the house every day), the portions, and that day's mark. Never
the name, the NIK, the birth date, the phone, the conditions or the officials' notes. Every
opening of a list is logged (``pii.view``, the warung and the day).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.http import Http404

from accounts.models import AuditEvent, User
from accounts.selectors import Purpose, kecamatan_in_scope
from accounts.services import audit_record
from core.time import month_start, next_month

from ..models import Delivery, MealPlan, PlanStatus, Warung
from .plans import plan_status_on


@dataclass(frozen=True)
class DeliveryRow:
    plan_id: int
    pseudonym: str
    address: str
    rt_rw: str
    village: str
    portions: int
    mark: str  # "" when not marked yet
    concern: str


def _plans_on(warung: Warung, day: datetime.date) -> list[MealPlan]:
    """The warung's plans that are active on ``day``, by their history."""
    plans = (
        MealPlan.objects.filter(warung=warung, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .select_related("recipient", "recipient__village")
        .prefetch_related("transitions")
        .order_by("recipient__village__name", "recipient__pseudonym", "pk")
    )
    return [
        plan
        for plan in plans
        if plan_status_on(sorted(plan.transitions.all(), key=lambda t: (t.effective_on, t.pk)), day)
        == PlanStatus.ACTIVE
    ]


def delivery_plan_get(warung: Warung, day: datetime.date, plan_id: int) -> MealPlan:
    """One plan of the link's list, or 404: a link opens its own warung's day only."""
    for plan in _plans_on(warung, day):
        if plan.pk == plan_id:
            return plan
    raise Http404


def delivery_rows(
    warung: Warung,
    day: datetime.date,
    *,
    viewer: User | None = None,
    channel: str = "link",
) -> list[DeliveryRow]:
    """The day's list, logged as a look at personal data (the addresses).

    Through the signed link (no ``viewer``) the whole list: the link itself is the
    permission. An official reads only the people whose plan lies in their meals scope, as
    on the warung's page: a warung near a border may cook for another kecamatan's people."""
    plans = _plans_on(warung, day)
    if viewer is not None:
        scope = set(kecamatan_in_scope(viewer, purpose=Purpose.MEALS).values_list("pk", flat=True))
        plans = [plan for plan in plans if plan.kecamatan_id in scope]
    marks = {d.plan_id: d for d in Delivery.objects.filter(plan__in=[p.pk for p in plans], day=day)}
    rows = []
    for plan in plans:
        person = plan.recipient
        mark = marks.get(plan.pk)
        rows.append(
            DeliveryRow(
                plan_id=plan.pk,
                pseudonym=person.pseudonym or person.public_id,
                address=person.address,
                rt_rw="/".join(part for part in (person.rt, person.rw) if part),
                village=person.village.name,
                portions=plan.portions_per_day,
                mark=mark.mark if mark else "",
                concern=mark.concern if mark else "",
            )
        )
    audit_record(
        actor=viewer,
        actor_label="" if viewer else f"courier:{channel}",
        action=AuditEvent.Action.PII_VIEW,
        target=f"meals.warung:{warung.pk}",
        details={"page": f"delivery_list:{channel}", "day": day.isoformat(), "people": len(rows)},
    )
    return rows


@dataclass(frozen=True)
class LineDraft:
    """A disbursement line computed from confirmed deliveries."""

    public_id: str
    pseudonym: str
    period_start: datetime.date
    period_end: datetime.date
    portions: int
    amount: int


def disbursement_lines_from_deliveries(
    *, warung: Warung, start: datetime.date, end: datetime.date
) -> list[LineDraft]:
    """Per person, the portions confirmed delivered by ``warung`` between two days
    (inclusive) x ``PORTION_COST_RUPIAH``: what the warung is owed for the period. Each line's
    period is the first to the last day with a confirmed delivery."""
    rows = (
        Delivery.objects.filter(
            plan__warung=warung, day__gte=start, day__lte=end, mark=Delivery.Mark.DELIVERED
        )
        .values("plan__recipient__public_id", "plan__recipient__pseudonym", "day", "portions")
        .order_by("plan__recipient__public_id", "day")
    )
    people: dict[str, dict[str, Any]] = {}
    for row in rows:
        person = people.setdefault(
            row["plan__recipient__public_id"],
            {
                "pseudonym": row["plan__recipient__pseudonym"],
                "first": row["day"],
                "last": row["day"],
                "portions": 0,
            },
        )
        person["last"] = row["day"]
        person["portions"] += row["portions"]
    cost = settings.PORTION_COST_RUPIAH
    return [
        LineDraft(
            public_id=public_id,
            pseudonym=data["pseudonym"],
            period_start=data["first"],
            period_end=data["last"],
            portions=data["portions"],
            amount=data["portions"] * cost,
        )
        for public_id, data in sorted(people.items(), key=lambda item: item[1]["pseudonym"])
    ]


def delivered_portions(
    *, warung_id: int, lines: list[tuple[int, int, datetime.date, datetime.date]]
) -> dict[int, int]:
    """For disbursement lines given as (line id, recipient id, start, end): the portions
    ``warung_id`` confirmed delivered to that person in that period."""
    if not lines:
        return {}
    people = {recipient_id for _line, recipient_id, _s, _e in lines}
    first = min(start for *_x, start, _e in lines)
    last = max(end for *_x, end in lines)
    by_person_day: dict[int, dict[datetime.date, int]] = defaultdict(dict)
    for row in (
        Delivery.objects.filter(
            plan__warung_id=warung_id,
            plan__recipient_id__in=people,
            day__gte=first,
            day__lte=last,
            mark=Delivery.Mark.DELIVERED,
        )
        .values("plan__recipient_id", "day")
        .annotate(portions=Sum("portions"))
        .order_by()
    ):
        by_person_day[row["plan__recipient_id"]][row["day"]] = row["portions"]
    return {
        line_id: sum(
            portions for day, portions in by_person_day[recipient_id].items() if start <= day <= end
        )
        for line_id, recipient_id, start, end in lines
    }


def delivered_days_in_month(recipient_ids: Iterable[int], *, day: datetime.date) -> dict[int, int]:
    """On how many days of the WIB month of ``day`` each of these people was marked as
    having received their meals, from any plan: one query, a count per person (0 when none).

    A count only, for the person's sponsors (docs/architecture.md, "What the public may
    see"): nothing here says which warung cooked, on which days, or where the person lives.
    """
    ids = set(recipient_ids)
    if not ids:
        return {}
    rows = (
        Delivery.objects.filter(
            plan__recipient_id__in=ids,
            mark=Delivery.Mark.DELIVERED,
            day__gte=month_start(day),
            day__lt=next_month(day),
        )
        .values("plan__recipient_id")
        .annotate(days=Count("day", distinct=True))
        .order_by()
    )
    found = {row["plan__recipient_id"]: row["days"] for row in rows}
    return {pk: found.get(pk, 0) for pk in ids}
