"""Which donor records are a person's: the one tied to their account, and those of guest gifts
made with an address they proved to be theirs (matched by the address's keyed hash, since the
address itself is encrypted). An address they added but never confirmed ties nothing."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.selectors import account_owner

from ..models import Donor, donor_key


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
