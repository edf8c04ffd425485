"""The outcome indicators against the regency's targets.

Each indicator is read off a month's figures (stored ``MonthlyOutcome`` rows for the public
page, freshly computed ``Figures`` for the officials'), never counted again here:

- reached share: reached / listed; delivered share: meals delivered / meals planned;
  visited share: reached people visited in the month / reached; funded share: funded /
  listed (decisions.md, "Funded": the one selector donations.selectors.progress computes);
- days to reach: the median days from listing to reached of the people first reached in the
  month (outcomes.selectors.figures).

The target in force for a month is the latest one set before the month's end (or before now,
for the month running): a kecamatan's own target, else the regency's. Targets are only ever
added (outcomes.models.OutcomeTarget), so a month's comparison never changes afterwards.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core.time import WIB, next_month

from ..models import Indicator, OutcomeTarget

# Higher is better for the shares; fewer days is better.
LOWER_IS_BETTER = frozenset({Indicator.DAYS})
# A median over fewer people than this tells about single persons: the public sees none
# (decisions.md: days from listing to reached are for officials only; as for villages, five).
PUBLIC_MIN_PEOPLE = 5


def indicator_values(figures: Any) -> dict[str, float | None]:
    """The five indicators of one area's month (a ``Figures`` or a ``MonthlyOutcome``), in
    percent (one decimal) or days; None when the denominator is zero."""

    def share(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    return {
        Indicator.REACHED: share(figures.reached, figures.listed),
        Indicator.DELIVERED: share(figures.meals_delivered, figures.meals_planned),
        Indicator.VISITED: share(figures.reached_visited, figures.reached),
        Indicator.FUNDED: share(figures.funded, figures.listed),
        Indicator.DAYS: figures.days_to_reach_median,
    }


Key = tuple[int | None, str]


def targets_in_force(
    month: datetime.date, *, now: datetime.datetime | None = None
) -> dict[Key, Decimal]:
    """(kecamatan id or None, indicator) -> the target in force at the end of ``month`` (of
    its year), as set; a kecamatan without its own target is absent (see ``target_for``)."""
    found: dict[Key, Decimal] = {}
    now = now or timezone.now()
    end = datetime.datetime.combine(next_month(month.replace(day=1)), datetime.time.min, tzinfo=WIB)
    # A month that has ended: what was set before its end; the month running: up to now.
    before = {"set_at__lt": end} if end <= now else {"set_at__lte": now}
    rows = (
        OutcomeTarget.objects.filter(year=month.year, **before)
        .order_by("set_at", "id")
        .values_list("kecamatan_id", "indicator", "value")
    )
    for kecamatan_id, indicator, value in rows:
        found[(kecamatan_id, indicator)] = value  # later rows win
    return found


def target_for(
    targets: dict[Key, Decimal], kecamatan_id: int | None, indicator: str
) -> Decimal | None:
    return targets.get((kecamatan_id, indicator), targets.get((None, indicator)))


@dataclass(frozen=True)
class Comparison:
    indicator: str
    label: str
    value: float | None
    target: float | None
    unit: str  # "%" or "days"

    @property
    def gap(self) -> float | None:
        """How far short of the target (positive) or beyond it (negative or zero), in the
        indicator's unit; None when either is missing."""
        if self.value is None or self.target is None:
            return None
        if self.indicator in LOWER_IS_BETTER:
            return round(self.value - self.target, 1)
        return round(self.target - self.value, 1)

    @property
    def met(self) -> bool | None:
        return None if self.gap is None else self.gap <= 0

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "target": self.target, "met": self.met}


def compare(
    figures: Any, targets: dict[Key, Decimal], kecamatan_id: int | None, *, public: bool = False
) -> list[Comparison]:
    """Each indicator of one area's month with its target. ``public``: the median days are
    left out (None) when fewer than PUBLIC_MIN_PEOPLE people make it."""
    values = indicator_values(figures)
    if public and figures.newly_reached < PUBLIC_MIN_PEOPLE:
        values[Indicator.DAYS] = None
    rows = []
    for indicator in Indicator:
        target = target_for(targets, kecamatan_id, indicator)
        rows.append(
            Comparison(
                indicator=indicator.value,
                label=str(indicator.label),
                value=values[indicator],
                target=float(target) if target is not None else None,
                unit="days" if indicator in LOWER_IS_BETTER else "%",
            )
        )
    return rows


@dataclass(frozen=True)
class TargetChange:
    year: int
    kecamatan: str  # "" for the regency
    indicator: str
    value: Decimal
    unit: str  # "%" or "days", as in Comparison
    set_at: datetime.datetime
    set_by: str  # the official's name as officials see it
    reason: str


def target_history(year: int) -> list[TargetChange]:
    """Every target set for ``year``, newest first, with who set it: officials' pages only."""
    rows = (
        OutcomeTarget.objects.filter(year=year)
        .select_related("kecamatan", "set_by")
        .order_by("-set_at", "-id")
    )
    return [
        TargetChange(
            year=row.year,
            kecamatan=row.kecamatan.name if row.kecamatan else "",
            indicator=str(Indicator(row.indicator).label),
            value=row.value,
            unit="days" if row.indicator in LOWER_IS_BETTER else "%",
            set_at=row.set_at,
            set_by=row.set_by.name if row.set_by else "",
            reason=row.reason,
        )
        for row in rows
    ]
