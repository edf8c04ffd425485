"""Reads of donations for pages. Public figures never name a donor who did not choose so."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone

from portal.selectors.public import monthly_meal_cost

from ..models import Entry, Gift, Sponsorship, Transaction, recipient_account


def month_bounds(day: datetime.date | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """The start of a WIB month and of the next one, as aware datetimes."""
    day = day or timezone.localdate()
    start = day.replace(day=1)
    after = (start + datetime.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(after, datetime.time.min, tzinfo=tz),
    )


@dataclass(frozen=True)
class Progress:
    raised: int  # this WIB month: gifts into the person's pot, less refunds and disputes
    need: int
    sponsors: int  # active monthly sponsorships

    @property
    def percent(self) -> int:
        return 0 if self.need <= 0 else min(100, self.raised * 100 // self.need)


_RAISING_KINDS = (
    Transaction.Kind.GIFT,
    Transaction.Kind.REFUND,
    Transaction.Kind.DISPUTE,
    Transaction.Kind.DISPUTE_WON,
)


def listing_progress(recipient_id: int, *, need: int | None = None) -> Progress:
    return listings_progress([recipient_id], needs={recipient_id: need} if need else None)[
        recipient_id
    ]


def listings_progress(
    recipient_ids, *, needs: dict[int, int | None] | None = None
) -> dict[int, Progress]:
    """Progress of several listings this month in two aggregate queries."""
    ids = list(recipient_ids)
    start, end = month_bounds()
    raised_rows = (
        Entry.objects.filter(
            recipient_id__in=ids,
            transaction__kind__in=_RAISING_KINDS,
            transaction__occurred_at__gte=start,
            transaction__occurred_at__lt=end,
        )
        .order_by()
        .values("recipient_id")
        .annotate(total=Sum("amount"))
    )
    raised = {row["recipient_id"]: row["total"] for row in raised_rows}
    sponsor_rows = (
        Sponsorship.objects.filter(recipient_id__in=ids, status=Sponsorship.Status.ACTIVE)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"))
    )
    sponsors = {row["recipient_id"]: row["n"] for row in sponsor_rows}
    if needs is None:
        from portal.models import Recipient

        needs = dict(Recipient.objects.filter(pk__in=ids).values_list("pk", "monthly_need"))
    default_need = monthly_meal_cost()
    return {
        pk: Progress(
            raised=max(raised.get(pk, 0), 0),
            need=(needs or {}).get(pk) or default_need,
            sponsors=sponsors.get(pk, 0),
        )
        for pk in ids
    }


def donor_gifts(donor) -> list[Gift]:
    return list(
        Gift.objects.filter(donor=donor)
        .exclude(status__in=[Gift.Status.EXPIRED])
        .select_related("recipient", "sponsorship")
        .order_by("-created_at")
    )


def donor_sponsorships(donor) -> list[Sponsorship]:
    return list(
        Sponsorship.objects.filter(donor=donor)
        .filter(Q(status=Sponsorship.Status.ACTIVE) | Q(status=Sponsorship.Status.ENDED))
        .select_related("recipient")
        .order_by("-created_at")
    )


def pot_balance(recipient_id: int) -> int:
    return (
        Entry.objects.filter(account=recipient_account(recipient_id)).aggregate(t=Sum("amount"))[
            "t"
        ]
        or 0
    )
