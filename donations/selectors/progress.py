"""Reads of donations for pages. Public figures never name a donor who did not choose so."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import (
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone

from core.time import month_start, next_month
from portal.models import Recipient
from portal.selectors.public import PublicProfile, monthly_meal_cost

from ..models import Donor, Entry, Gift, Sponsorship, Transaction, recipient_account

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def month_bounds(day: datetime.date | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """The start of a WIB month and of the next one, as aware datetimes."""
    day = day or timezone.localdate()
    start, after = month_start(day), next_month(day)
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
    # Everyone giving to the person this month, one-off and monthly alike: donors of a gift
    # received this WIB month, and monthly sponsors (whose month may not be charged yet).
    donors: int = 0

    @property
    def percent(self) -> int:
        return 0 if self.need <= 0 else min(100, self.raised * 100 // self.need)

    @property
    def still_needed(self) -> int:
        """What this month still needs ("Rp… lagi"), never below zero."""
        return max(self.need - self.raised, 0)

    @property
    def reached(self) -> bool:
        return self.need > 0 and self.raised >= self.need


_RAISING_KINDS = (
    Transaction.Kind.GIFT,
    Transaction.Kind.REFUND,
    Transaction.Kind.DISPUTE,
    Transaction.Kind.DISPUTE_WON,
)


class _Progress(TypedDict):
    raised: int
    sponsors: int
    donors: int


def _with_progress(
    recipients: QuerySet[Recipient], day: datetime.date | None
) -> QuerySet[WithAnnotations[Recipient, _Progress]]:
    """Each recipient row with ``raised`` (their pot's takings in the WIB month of ``day``),
    ``sponsors`` (active monthly sponsorships) and ``donors`` (see ``Progress.donors``), as
    correlated subqueries: one query for a whole page of listings, however many it shows."""
    start, end = month_bounds(day)
    raised = (
        Entry.objects.filter(
            recipient_id=OuterRef("pk"),
            transaction__kind__in=_RAISING_KINDS,
            transaction__occurred_at__gte=start,
            transaction__occurred_at__lt=end,
        )
        .order_by()
        .values("recipient_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    sponsors = (
        Sponsorship.objects.filter(recipient_id=OuterRef("pk"), status=Sponsorship.Status.ACTIVE)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    donors = (
        Gift.objects.filter(recipient_id=OuterRef("pk"), status=Gift.Status.PAID, disputed=False)
        # A gift given back in full no longer counts its giver.
        .filter(refunded__lt=Coalesce("received_amount", "amount"))
        .filter(
            Q(paid_at__gte=start, paid_at__lt=end)
            | Q(sponsorship__status=Sponsorship.Status.ACTIVE)
        )
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("donor_id", distinct=True))
        .values("n")
    )
    return recipients.order_by().annotate(
        raised=Coalesce(Subquery(raised), Value(0), output_field=IntegerField()),
        sponsors=Coalesce(Subquery(sponsors), Value(0), output_field=IntegerField()),
        donors=Coalesce(Subquery(donors), Value(0), output_field=IntegerField()),
    )


def least_funded_first(
    recipients: QuerySet[Recipient], *, day: datetime.date | None = None
) -> QuerySet[Recipient]:
    """``recipients`` least funded first: by the WIB month's raised ÷ need (docs/architecture.md,
    "Definitions used everywhere"), the same ``raised`` every progress figure reads; among
    equals, the most recently listed first. A person without a need of their own needs a
    month of meals."""
    ratio = Cast(F("raised"), FloatField()) / Cast(
        Coalesce(NullIf(F("monthly_need"), Value(0)), Value(monthly_meal_cost())),
        FloatField(),
    )
    ordered: QuerySet[Recipient] = (
        _with_progress(recipients, day)
        .annotate(funded_ratio=ratio)
        .order_by("funded_ratio", "-published_at", "-pk")
    )
    return ordered


def listing_progress(
    recipient_id: int, *, need: int | None = None, day: datetime.date | None = None
) -> Progress:
    return listings_progress([recipient_id], needs={recipient_id: need} if need else None, day=day)[
        recipient_id
    ]


def listings_progress(
    recipient_ids: Iterable[int],
    *,
    needs: dict[int, int | None] | None = None,
    day: datetime.date | None = None,
) -> dict[int, Progress]:
    """Progress of several listings in the WIB month of ``day`` (today), in one query."""
    ids = list(recipient_ids)
    rows = _with_progress(Recipient.objects.filter(pk__in=ids), day).values(
        "pk", "monthly_need", "raised", "sponsors", "donors"
    )
    found = {row["pk"]: row for row in rows}
    default_need = monthly_meal_cost()
    result = {}
    for pk in ids:
        row = found.get(pk)
        need = (needs or {}).get(pk) or (row["monthly_need"] if row else None) or default_need
        raised = row["raised"] if row else 0
        sponsors = row["sponsors"] if row else 0
        donors = row["donors"] if row else 0
        result[pk] = Progress(
            raised=max(raised or 0, 0), need=need, sponsors=sponsors or 0, donors=donors or 0
        )
    return result


def public_listings_progress(profiles: Iterable[PublicProfile]) -> dict[str, Progress]:
    """This month's progress of a page of public profiles, keyed by public id, in one query.

    Public pages know people by their public id only (portal.selectors.public): the row id
    never reaches them, and nothing but the two figures is read here."""
    profiles = list(profiles)
    if not profiles:
        return {}
    rows = _with_progress(
        Recipient.objects.filter(public_id__in=[p.public_id for p in profiles]), None
    ).values("public_id", "raised", "sponsors", "donors")
    found = {row["public_id"]: (row["raised"], row["sponsors"], row["donors"]) for row in rows}
    figures = {p.public_id: found.get(p.public_id, (0, 0, 0)) for p in profiles}
    return {
        profile.public_id: Progress(
            raised=max(figures[profile.public_id][0] or 0, 0),
            need=profile.monthly_need,
            sponsors=figures[profile.public_id][1] or 0,
            donors=figures[profile.public_id][2] or 0,
        )
        for profile in profiles
    }


def donor_gifts(donors: Iterable[Donor]) -> list[Gift]:
    """The gifts of these donor records (one person's), newest first; the person given to by
    pseudonym only (the recipient's row, with its encrypted identity, is not loaded)."""
    return list(
        Gift.objects.filter(donor__in=[donor.pk for donor in donors])
        .exclude(status__in=[Gift.Status.EXPIRED])
        .annotate(for_pseudonym=F("recipient__pseudonym"), for_public_id=F("recipient__public_id"))
        .order_by("-created_at")
    )


def donor_sponsorships(donors: Iterable[Donor]) -> list[Sponsorship]:
    return list(
        Sponsorship.objects.filter(donor__in=[donor.pk for donor in donors])
        .select_related("donor")
        .filter(Q(status=Sponsorship.Status.ACTIVE) | Q(status=Sponsorship.Status.ENDED))
        .annotate(for_pseudonym=F("recipient__pseudonym"), for_public_id=F("recipient__public_id"))
        .order_by("-created_at")
    )


def pot_balance(recipient_id: int) -> int:
    return (
        Entry.objects.filter(account=recipient_account(recipient_id)).aggregate(t=Sum("amount"))[
            "t"
        ]
        or 0
    )
