"""A warung's own disbursements, for its daily link (``meals.registry``): totals per
disbursement and their state, never the lines' people, the proof or an officer's note."""

from __future__ import annotations

import datetime

from django.db.models import Max, Min, Sum

from meals.registry import PayoutState, WarungPayout

from ..models import Decision, Disbursement

STATES: dict[str, PayoutState] = {
    Decision.PROPOSED: PayoutState.CHECKING,
    Decision.APPROVED: PayoutState.PAID,
    Decision.REJECTED: PayoutState.NOT_CONFIRMED,
}


def warung_payouts(warung_id: int, since: datetime.date) -> list[WarungPayout]:
    """The warung's disbursements paid on or after ``since``, newest first: one query."""
    rows = (
        Disbursement.objects.filter(warung_id=warung_id, paid_on__gte=since)
        .order_by("-paid_on", "-pk")
        .values("pk", "paid_on", "status", "reference")
        .annotate(
            amount=Sum("lines__amount"),
            portions=Sum("lines__portions"),
            start=Min("lines__period_start"),
            end=Max("lines__period_end"),
        )
    )
    return [
        WarungPayout(
            paid_on=row["paid_on"],
            state=STATES[row["status"]],
            amount=row["amount"] or 0,
            portions=row["portions"] or 0,
            period_start=row["start"],
            period_end=row["end"],
            reference=row["reference"],
        )
        for row in rows
    ]
