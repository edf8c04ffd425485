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
- reached visited: reached people (at the month's end, where they lived then) whom students
  visited at least once in the month (volunteers.selectors.outcomes.visits_in_month: a slot
  held and attended).
- newly reached, days to reach: the people reached for the first time in the month (their
  first move to ``reached`` in the lifecycle's history), counted where they lived at the
  month's end, and the median of their whole days from their first move to ``published``
  (listing) to that first move to ``reached``, in WIB dates. A median does not add up: the
  regency's is the median over all its people, not of the kecamatan's medians.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterator
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
from volunteers.selectors.outcomes import visit_outcomes, visits_in_month

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
    reached_visited: int = 0
    newly_reached: int = 0
    # Not a count: computed per area from the people's days, never summed.
    days_to_reach_median: float | None = None

    def add(self, other: Figures) -> None:
        for name in COUNT_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


FIGURE_NAMES = tuple(f.name for f in fields(Figures))
COUNT_NAMES = tuple(name for name in FIGURE_NAMES if name != "days_to_reach_median")


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

    days = _people(result, first=first, last=last, cutoff=cutoff)
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
    everyone: list[int] = []
    for where, values in days.items():
        result[where].days_to_reach_median = _median(values)
        everyone.extend(values)
    regency.days_to_reach_median = _median(everyone)
    result[None] = regency
    return result


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _people(
    result: dict[int | None, Figures],
    *,
    first: datetime.date,
    last: datetime.date,
    cutoff: datetime.datetime,
) -> dict[int, list[int]]:
    """Count the people; return the days to reach of those first reached in the month, by
    the kecamatan they are counted in."""
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
    reached: dict[int, int] = {}
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
                reached[pk] = where
        elif status == Status.SERVED_ELSEWHERE:
            figures.served_elsewhere += 1
    if listed:
        progress = listings_progress(list(listed), needs=needs, day=first)
        for pk, where in listed.items():
            if progress[pk].reached:
                result[where].funded += 1
    if reached:
        for pk, count in visits_in_month(list(reached), day=first).items():
            if count:
                result[reached[pk]].reached_visited += 1
    days: dict[int, list[int]] = {}
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=WIB)
    for pk, where, listed_on, reached_on in _days_to_reach(start=start, cutoff=cutoff):
        where = lived.get(pk, where)
        result.setdefault(where, Figures()).newly_reached += 1
        days.setdefault(where, []).append(reached_on - listed_on)
    return days


def _days_to_reach(
    *, start: datetime.datetime, cutoff: datetime.datetime
) -> Iterator[tuple[int, int, int, int]]:
    """(recipient id, registry kecamatan, listed date, reached date as day numbers) of the
    people whose first move to ``reached`` falls in [start, cutoff) and who were listed."""
    first_reached = (
        RecipientTransition.objects.filter(recipient=OuterRef("pk"), to_status=Status.REACHED)
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    first_listed = (
        RecipientTransition.objects.filter(recipient=OuterRef("pk"), to_status=Status.PUBLISHED)
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    rows = (
        Recipient.objects.annotate(
            reached_at=Subquery(first_reached), listed_at=Subquery(first_listed)
        )
        .filter(reached_at__gte=start, reached_at__lt=cutoff, listed_at__isnull=False)
        .values_list("pk", "kecamatan_id", "listed_at", "reached_at")
    )
    for pk, kecamatan_id, listed_at, reached_at in rows:
        yield (
            pk,
            kecamatan_id,
            listed_at.astimezone(WIB).date().toordinal(),
            reached_at.astimezone(WIB).date().toordinal(),
        )


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
