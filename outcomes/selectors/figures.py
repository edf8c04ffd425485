"""The outcome indicators per kecamatan and for the regency, per WIB month. Counts only.

How a person is counted (docs/architecture.md, "Outcome figures"):

- People (listed, reached, funded, served elsewhere) are counted once a month, by their
  status and their kecamatan **at the end of the month** (or now, for the month running):
  the status from the lifecycle's history, the kecamatan from the meal plan they had last by
  then (a plan records where the person lived when it started; a move ends the plan and
  starts one in the new kecamatan), else the registry's kecamatan. A person who moved in the
  middle of the month is counted once, where they lived at its end.
- Meals (planned, delivered, not at home, refused) are counted **by the day**, in the
  kecamatan of the plan of that day: the first half of the month where the person lived then,
  the second half where they moved.
- listed: published, suspended or reached at the month's end (on the programme's list and
  not withdrawn); reached: reached; funded: listed people whose pot received at least their
  monthly need in that month; served elsewhere: found already served.
- meals planned: portions a day x the days each plan was active (not paused, not ended),
  up to today for the month running; delivered: portions marked delivered.
- warung: with an active contract; valid: whose latest inspection by the month's last day
  passed and was not overdue on that day.
- visits: attended student visits (volunteers.selectors.outcomes.visit_outcomes); referrals
  verified: community.selectors.referral_figures.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields

from django.db.models import Count, OuterRef, Subquery, Sum
from django.utils import timezone

from community.selectors import referral_figures
from core.time import WIB, next_month, today_wib
from donations.selectors.progress import listings_progress
from meals.models import Delivery, Inspection, MealPlan, Warung
from meals.selectors.plans import active_days
from portal.models import Recipient, RecipientTransition, Status
from regions.models import Kecamatan
from volunteers.selectors.outcomes import visit_outcomes

LISTED = frozenset({Status.PUBLISHED, Status.SUSPENDED, Status.REACHED})


@dataclass
class Figures:
    listed: int = 0
    reached: int = 0
    funded: int = 0
    served_elsewhere: int = 0
    meals_planned: int = 0
    meals_delivered: int = 0
    not_home: int = 0
    refused: int = 0
    warung_active: int = 0
    warung_valid: int = 0
    visits: int = 0
    referrals_verified: int = 0

    def add(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


FIGURE_NAMES = tuple(f.name for f in fields(Figures))


def outcome_figures(
    *, month: datetime.date, now: datetime.datetime | None = None
) -> dict[int | None, Figures]:
    """The figures of the WIB month of ``month`` for every kecamatan (by id) and the regency
    (key None). A month that has not begun is all zeros."""
    now = now or timezone.now()
    today = now.astimezone(WIB).date() if now else today_wib()
    first = month.replace(day=1)
    after = next_month(first)
    last = min(after - datetime.timedelta(days=1), today)
    result: dict[int | None, Figures] = {
        k: Figures() for k in Kecamatan.objects.values_list("pk", flat=True)
    }
    if last < first:
        result[None] = Figures()
        return result
    cutoff = min(datetime.datetime.combine(after, datetime.time.min, tzinfo=WIB), now)

    _people(result, first=first, last=last, cutoff=cutoff)
    _meals(result, first=first, last=last)
    _warung(result, last=last, cutoff=cutoff)
    codes = dict(Kecamatan.objects.values_list("code", "pk"))
    for visit in visit_outcomes(since=first, until=last):
        if visit.kecamatan_code in codes:
            result[codes[visit.kecamatan_code]].visits += visit.visits
    for referral in referral_figures(since=first, until=last):
        if referral.kecamatan_code in codes:
            result[codes[referral.kecamatan_code]].referrals_verified += referral.verified

    regency = Figures()
    for figures in result.values():
        regency.add(figures)
    result[None] = regency
    return result


def _people(
    result: dict[int | None, Figures],
    *,
    first: datetime.date,
    last: datetime.date,
    cutoff: datetime.datetime,
) -> None:
    status_then = (
        RecipientTransition.objects.filter(recipient=OuterRef("pk"), created_at__lt=cutoff)
        .order_by("-created_at", "-id")
        .values("to_status")[:1]
    )
    people = (
        Recipient.objects.filter(created_at__lt=cutoff)
        .annotate(status_then=Subquery(status_then))
        .values_list("pk", "kecamatan_id", "status_then", "status", "monthly_need")
    )
    # Where each person lived at the end of the month: their latest plan started by then.
    lived: dict[int, int] = {}
    for recipient_id, kecamatan_id in (
        MealPlan.objects.filter(starts_on__lte=last)
        .order_by("recipient_id", "starts_on", "pk")
        .values_list("recipient_id", "kecamatan_id")
    ):
        lived[recipient_id] = kecamatan_id
    listed: dict[int, int] = {}
    needs: dict[int, int | None] = {}
    for pk, kecamatan_id, then, current, need in people:
        status = then or current  # records without history (bulk-loaded) count as they are
        where = lived.get(pk, kecamatan_id)
        figures = result.setdefault(where, Figures())
        if status in LISTED:
            figures.listed += 1
            listed[pk] = where
            needs[pk] = need
            if status == Status.REACHED:
                figures.reached += 1
        elif status == Status.SERVED_ELSEWHERE:
            figures.served_elsewhere += 1
    if listed:
        progress = listings_progress(list(listed), needs=needs, day=first)
        for pk, where in listed.items():
            if progress[pk].reached:
                result[where].funded += 1


def _meals(result: dict[int | None, Figures], *, first: datetime.date, last: datetime.date) -> None:
    plans = (
        MealPlan.objects.filter(starts_on__lte=last)
        .exclude(ends_on__lt=first)
        .prefetch_related("transitions")
        .only("pk", "kecamatan_id", "portions_per_day", "starts_on", "ends_on")
    )
    for plan in plans:
        history = sorted(plan.transitions.all(), key=lambda t: (t.effective_on, t.pk))
        days = active_days(history, first, last)
        if days:
            result.setdefault(plan.kecamatan_id, Figures()).meals_planned += (
                days * plan.portions_per_day
            )
    for row in (
        Delivery.objects.filter(day__gte=first, day__lte=last)
        .values("plan__kecamatan_id", "mark")
        .annotate(portions=Sum("portions"), marks=Count("pk"))
        .order_by()
    ):
        figures = result.setdefault(row["plan__kecamatan_id"], Figures())
        if row["mark"] == Delivery.Mark.DELIVERED:
            figures.meals_delivered += row["portions"]
        elif row["mark"] == Delivery.Mark.NOT_HOME:
            figures.not_home += row["marks"]
        else:
            figures.refused += row["marks"]


def _warung(
    result: dict[int | None, Figures], *, last: datetime.date, cutoff: datetime.datetime
) -> None:
    latest = Inspection.objects.filter(warung=OuterRef("pk"), inspected_on__lte=last).order_by(
        "-inspected_on", "-id"
    )
    for kecamatan_id, result_then, due in (
        Warung.objects.filter(contract_status=Warung.Contract.ACTIVE, created_at__lt=cutoff)
        .annotate(
            result_then=Subquery(latest.values("result")[:1]),
            due=Subquery(latest.values("next_due")[:1]),
        )
        .values_list("kecamatan_id", "result_then", "due")
    ):
        figures = result.setdefault(kecamatan_id, Figures())
        figures.warung_active += 1
        if result_then and result_then != Inspection.Result.FAIL and due >= last:
            figures.warung_valid += 1


def months_back(today: datetime.date, count: int) -> list[datetime.date]:
    """The first days of the last ``count`` months, oldest first, ending with this one."""
    months = [today.replace(day=1)]
    while len(months) < count:
        months.append((months[-1] - datetime.timedelta(days=1)).replace(day=1))
    return months[::-1]
