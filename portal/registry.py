"""What the apps above the portal give its public pages, and the sponsors' pages.

Imports run one way (docs/architecture.md): the portal may not import the outcome figures or
the student visits, yet the home page shows the programme's impact and a listing says how
often students visited; donations may not import the visits either, yet a reached person's
sponsors are told how often students came. Each of those apps fills its part here from its
``AppConfig.ready()`` by an explicit call, so that ``grep register_`` finds every hook. An
unfilled hook leaves its part of the page out, never breaks the page.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ImpactSummary:
    """The regency's public figures of one month, as the impact page (/dampak/) shows them."""

    month: datetime.date
    reached: int  # people fed by a meal plan
    meals_delivered: int  # portions delivered
    visits: int  # student visits held
    warung_valid: int  # partner warung with a valid inspection


ImpactSource = Callable[[], "ImpactSummary | None"]
VisitsSource = Callable[[str], int]

_impact: list[ImpactSource] = []
_visits: list[VisitsSource] = []


def register_impact_summary(source: ImpactSource) -> None:
    """``source()`` returns the latest month's summary, or None before any is stored."""
    _impact[:] = [source]


def register_listing_visits(source: VisitsSource) -> None:
    """``source(public_id)`` counts the visits to that person this WIB month."""
    _visits[:] = [source]


def impact_summary() -> ImpactSummary | None:
    return _impact[0]() if _impact else None


def listing_visits_this_month(public_id: str) -> int:
    return _visits[0](public_id) if _visits else 0


# --- For the sponsors of a reached person only, never a public page ---------------------------


class VisitsInMonth(Protocol):
    def __call__(self, recipient_ids: Iterable[int], *, day: datetime.date) -> dict[int, int]: ...


_visits_in_month: list[VisitsInMonth] = []


def register_visits_in_month(source: VisitsInMonth) -> None:
    """``source(ids, day=...)`` counts each person's visits in the WIB month of ``day``, in
    one query however many people."""
    _visits_in_month[:] = [source]


def visits_in_month(recipient_ids: Iterable[int], *, day: datetime.date) -> dict[int, int]:
    ids = set(recipient_ids)
    if not _visits_in_month:
        return dict.fromkeys(ids, 0)
    return _visits_in_month[0](ids, day=day)
