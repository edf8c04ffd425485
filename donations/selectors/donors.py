"""Which donor records are a person's: the one tied to their account, and those of guest gifts
made with an address they proved to be theirs (matched by the address's keyed hash, since the
address itself is encrypted). An address they added but never confirmed ties nothing.

And what a sponsor is told of the reached person they sponsor."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.selectors import account_owner
from core.time import month_start
from meals.selectors.deliveries import delivered_days_in_month
from portal import registry
from portal.models import Recipient, Status

from ..models import Donor, Sponsorship, donor_key


def donors_of(*, user: User | None, emails: Iterable[str]) -> QuerySet[Donor]:
    """The donor records of an account (``user``) and of its verified ``emails``; erased
    records are nobody's any more."""
    keys = {donor_key(email) for email in emails if email.strip()}
    match = Q(key__in=keys)
    if user is not None and user.pk is not None:
        match |= Q(user=user)
    return Donor.objects.filter(match, erased_at__isnull=True).order_by("pk")


def donors_of_user(user: User) -> QuerySet[Donor]:
    # The addresses proved to be the account's are accounts' to say (the same ones the data
    # download and the erasure use).
    return donors_of(user=user, emails=account_owner(user).verified_emails)


@dataclass(frozen=True)
class ReachedMonth:
    """What happened to a reached person in one WIB month, as their sponsors are told it:
    two counts, never which warung, an address, a school, a day or a time."""

    month: datetime.date  # its first day
    meal_days: int  # days their meals were marked delivered
    visits: int  # student visits held


def reached_months(recipient_ids: Iterable[int], *, day: datetime.date) -> dict[int, ReachedMonth]:
    """The month of ``day`` of those of these people who are reached now, by recipient id;
    the others are left out. Three queries however many people."""
    ids = set(
        Recipient.objects.filter(pk__in=set(recipient_ids), status=Status.REACHED).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return {}
    meals = delivered_days_in_month(ids, day=day)
    visits = registry.visits_in_month(ids, day=day)
    first = month_start(day)
    return {
        pk: ReachedMonth(month=first, meal_days=meals.get(pk, 0), visits=visits.get(pk, 0))
        for pk in ids
    }


def sponsorships_news(
    sponsorships: Iterable[Sponsorship], *, day: datetime.date
) -> dict[int, ReachedMonth]:
    """For a donor's own page: the month so far of each person they sponsor now (active
    sponsorships of reached people only), by sponsorship id."""
    active = [
        s
        for s in sponsorships
        if s.status == Sponsorship.Status.ACTIVE and s.recipient_id is not None
    ]
    months = reached_months({s.recipient_id for s in active if s.recipient_id}, day=day)
    return {s.pk: months[s.recipient_id] for s in active if s.recipient_id in months}
