"""The public impact page and its open data: stored monthly figures, counts only.

Public (PUBLIC_FIGURES): people listed, reached, funded; meals planned and delivered; warung
and warung with a valid inspection; student visits (and visits per reached person); referrals
verified; reached people visited in the month, people reached for the first time and (when
five or more) their median days from listing to reached. Officials only: people served
elsewhere (docs/architecture.md, the lifecycle: counted, never public), "not at home" and
"refused" marks (about persons' welfare).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from portal.registry import ImpactSummary
from regions.models import Kecamatan

from ..models import MonthlyOutcome
from .targets import PUBLIC_MIN_PEOPLE, compare

PUBLIC_FIGURES = (
    "listed",
    "reached",
    "funded",
    "meals_planned",
    "meals_delivered",
    "warung_active",
    "warung_valid",
    "visits",
    "referrals_verified",
    "reached_visited",
    "newly_reached",
)
STORED = (*PUBLIC_FIGURES, "days_to_reach_median")


@dataclass(frozen=True)
class PublicOutcome:
    month: datetime.date
    kecamatan: str  # "" for the regency
    kecamatan_code: str
    listed: int
    reached: int
    funded: int
    meals_planned: int
    meals_delivered: int
    warung_active: int
    warung_valid: int
    visits: int
    referrals_verified: int
    reached_visited: int
    newly_reached: int
    # Shown only when PUBLIC_MIN_PEOPLE people or more were newly reached (else None).
    days_to_reach_median: float | None
    kecamatan_id: int | None = None

    @property
    def visits_per_reached(self) -> float | None:
        return round(self.visits / self.reached, 2) if self.reached else None

    @property
    def delivered_percent(self) -> float | None:
        """A share, with one decimal as every share is written (core.numbers)."""
        if not self.meals_planned:
            return None
        return round(100 * self.meals_delivered / self.meals_planned, 1)

    def as_dict(self, targets: dict[Any, Any] | None = None) -> dict[str, Any]:
        """The open data's row; with ``targets`` (targets_in_force of the month), each
        indicator and its target in force then."""
        row = {
            "month": self.month.strftime("%Y-%m"),
            "kecamatan": self.kecamatan,
            "kecamatan_code": self.kecamatan_code,
            **{name: getattr(self, name) for name in PUBLIC_FIGURES},
            "visits_per_reached_person": self.visits_per_reached,
        }
        if targets is not None:
            for c in compare(self, targets, self.kecamatan_id, public=True):
                row[c.indicator] = c.value
                row[f"{c.indicator}_target"] = c.target
        return row


def _public(row: MonthlyOutcome, names: dict[int, tuple[str, str]]) -> PublicOutcome:
    name, code = names.get(row.kecamatan_id, ("", "")) if row.kecamatan_id else ("", "")
    median = row.days_to_reach_median if row.newly_reached >= PUBLIC_MIN_PEOPLE else None
    return PublicOutcome(
        month=row.month,
        kecamatan=name,
        kecamatan_code=code,
        kecamatan_id=row.kecamatan_id,
        days_to_reach_median=median,
        **{field: getattr(row, field) for field in PUBLIC_FIGURES},
    )


def stored_months() -> list[datetime.date]:
    return list(
        MonthlyOutcome.objects.filter(kecamatan__isnull=True)
        .order_by("-month")
        .values_list("month", flat=True)
    )


def public_outcomes(month: datetime.date) -> list[PublicOutcome]:
    """The regency first, then each kecamatan by name; empty when the month is not stored."""
    names = {
        pk: (name, code) for pk, name, code in Kecamatan.objects.values_list("pk", "name", "code")
    }
    rows = list(
        MonthlyOutcome.objects.filter(month=month.replace(day=1)).only(
            "month", "kecamatan_id", *STORED
        )
    )
    outcomes = [_public(row, names) for row in rows]
    return sorted(outcomes, key=lambda o: (o.kecamatan != "", o.kecamatan))


def public_regency_series(months: int = 12) -> list[PublicOutcome]:
    """The regency's figures of the last stored months, oldest first."""
    rows = list(
        MonthlyOutcome.objects.filter(kecamatan__isnull=True)
        .order_by("-month")
        .only("month", "kecamatan_id", *STORED)[:months]
    )
    return [_public(row, {}) for row in reversed(rows)]


def latest_impact_summary() -> ImpactSummary | None:
    """The regency's figures of the latest stored month, for the portal's home page (which
    links here for the rest): one query."""
    row = (
        MonthlyOutcome.objects.filter(kecamatan__isnull=True)
        .order_by("-month")
        .only("month", "reached", "meals_delivered", "visits", "warung_valid")
        .first()
    )
    if row is None:
        return None
    return ImpactSummary(
        month=row.month,
        reached=row.reached,
        meals_delivered=row.meals_delivered,
        visits=row.visits,
        warung_valid=row.warung_valid,
    )
