"""The public impact page and its open data: stored monthly figures, counts only.

Public (PUBLIC_FIGURES): people listed, reached, funded; meals planned and delivered; warung
and warung with a valid inspection; student visits (and visits per reached person); referrals
verified. Officials only: people served elsewhere (docs/architecture.md, the lifecycle:
counted, never public), "not at home" and "refused" marks (about persons' welfare).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from portal.registry import ImpactSummary
from regions.models import Kecamatan

from ..models import MonthlyOutcome

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
)


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

    @property
    def visits_per_reached(self) -> float | None:
        return round(self.visits / self.reached, 2) if self.reached else None

    @property
    def delivered_percent(self) -> int | None:
        if not self.meals_planned:
            return None
        return round(100 * self.meals_delivered / self.meals_planned)

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month.strftime("%Y-%m"),
            "kecamatan": self.kecamatan,
            "kecamatan_code": self.kecamatan_code,
            **{name: getattr(self, name) for name in PUBLIC_FIGURES},
            "visits_per_reached_person": self.visits_per_reached,
        }


def _public(row: MonthlyOutcome, names: dict[int, tuple[str, str]]) -> PublicOutcome:
    name, code = names.get(row.kecamatan_id, ("", "")) if row.kecamatan_id else ("", "")
    return PublicOutcome(
        month=row.month,
        kecamatan=name,
        kecamatan_code=code,
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
            "month", "kecamatan_id", *PUBLIC_FIGURES
        )
    )
    outcomes = [_public(row, names) for row in rows]
    return sorted(outcomes, key=lambda o: (o.kecamatan != "", o.kecamatan))


def public_regency_series(months: int = 12) -> list[PublicOutcome]:
    """The regency's figures of the last stored months, oldest first."""
    rows = list(
        MonthlyOutcome.objects.filter(kecamatan__isnull=True)
        .order_by("-month")
        .only("month", "kecamatan_id", *PUBLIC_FIGURES)[:months]
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
