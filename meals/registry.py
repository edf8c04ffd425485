"""What the donations part gives the warung's own pages.

Imports run one way (docs/architecture.md): ``donations`` may import ``meals`` (warung are
the payees of disbursements), never the reverse; yet the warung's daily link shows the
warung what it was paid. ``donations`` fills this hook from its ``AppConfig.ready()`` by an
explicit call, so that ``grep register_`` finds it. Unfilled, the part is left out of the
page, never breaks it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class PayoutState(StrEnum):
    """A disbursement as its payee sees it."""

    CHECKING = "checking"  # recorded with its proof, a second finance officer has not decided
    PAID = "paid"  # approved: in the ledger
    NOT_CONFIRMED = "not_confirmed"  # rejected by the second officer


@dataclass(frozen=True)
class WarungPayout:
    """One disbursement to a warung, in totals: never who the meals were for."""

    paid_on: datetime.date  # the transfer's date, as recorded with its proof
    state: PayoutState
    amount: int  # whole rupiah
    portions: int
    period_start: datetime.date | None
    period_end: datetime.date | None
    reference: str  # the transfer reference, to find it on the warung's bank statement


PayoutsSource = Callable[[int, datetime.date], list[WarungPayout]]

_payouts: list[PayoutsSource] = []


def register_warung_payouts(source: PayoutsSource) -> None:
    """``source(warung_id, since)`` lists that warung's disbursements paid on or after
    ``since``, newest first, in one query."""
    _payouts[:] = [source]


def warung_payouts(warung_id: int, *, since: datetime.date) -> list[WarungPayout] | None:
    """None while no app has filled the hook: the page leaves the part out."""
    return _payouts[0](warung_id, since) if _payouts else None
