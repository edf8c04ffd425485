"""The only writer of the ledger: ``ledger_post`` and the locks and checks around spending.

Every posting is balanced (its entries sum to zero) and named by a unique ``external_id`` (the
event or decision that caused it): posting the same thing twice returns the first transaction
and changes nothing. Money leaves a pot only if the pot holds it (checked under a lock on the
pot), and operating costs only within the cap of their collection period (checked under a row
lock on the period).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.money import format_rupiah
from core.pagecache import LEDGER, LISTS, PROGRESS, listing, public_pages_changed
from portal.models import Recipient

from ..models import (
    CLEARING_BANK,
    GATEWAY_CLEARING,
    GENERAL,
    OPERATING,
    CollectionPeriod,
    Entry,
    Transaction,
)

logger = logging.getLogger(__name__)

_FIXED_ACCOUNTS = {GENERAL, OPERATING, CLEARING_BANK, *GATEWAY_CLEARING.values()}
# Pots: accounts that hold money for a purpose. Only these can be spent from.
_POT_PREFIXES = ("recipient:",)
# Gifts received, for the cap: what came into the pots through gifts, less what went back.
_INCOME_KINDS = (Transaction.Kind.GIFT,)
_INCOME_REVERSAL_KINDS = (Transaction.Kind.REFUND, Transaction.Kind.DISPUTE)
_INCOME_RESTORING_KINDS = (Transaction.Kind.DISPUTE_WON,)


class LedgerError(Exception):
    """A posting that would break a rule of the ledger; the message is for people."""


class InsufficientFunds(LedgerError):
    pass


class CapExceeded(LedgerError):
    pass


def _valid_account(account: str) -> bool:
    if account in _FIXED_ACCOUNTS:
        return True
    prefix, _sep, number = account.rpartition(":")
    return prefix in ("recipient", "payable:warung") and number.isdigit() and int(number) > 0


def _recipient_id(account: str) -> int | None:
    return int(account.split(":", 1)[1]) if account.startswith("recipient:") else None


def is_pot(account: str) -> bool:
    return account == GENERAL or account.startswith(_POT_PREFIXES)


def period_for(moment: datetime.datetime) -> CollectionPeriod | None:
    """The collection period a moment falls in, by its date in WIB."""
    day = timezone.localtime(moment).date()
    return CollectionPeriod.objects.filter(starts_on__lte=day, ends_on__gte=day).first()


@dataclass(frozen=True)
class Posted:
    transaction: Transaction
    created: bool  # False: this external_id was posted before, nothing changed


def ledger_post(
    *,
    kind: str,
    external_id: str,
    lines: Sequence[tuple[str, int]],
    occurred_at: datetime.datetime | None = None,
    memo: str = "",
    actor: User | None = None,
    **links: Any,
) -> Posted:
    """Write one balanced transaction, or return the one already written for ``external_id``.

    ``lines`` are (account, amount) pairs in whole rupiah; ``links`` name what caused it
    (``gift=``, ``transfer=``, ``disbursement=``, ``operating_cost=``).
    """
    if len(lines) < 2:
        raise LedgerError("a transaction needs at least two entries")
    for account, amount in lines:
        if not _valid_account(account):
            raise LedgerError(f"unknown ledger account {account!r}")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
            raise LedgerError(f"entry amounts are non-zero whole rupiah, not {amount!r}")
    if sum(amount for _account, amount in lines) != 0:
        raise LedgerError("a transaction's entries must sum to zero")
    occurred_at = occurred_at or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                posted = Transaction.objects.create(
                    kind=kind,
                    external_id=external_id,
                    occurred_at=occurred_at,
                    memo=memo[:200],
                    period=period_for(occurred_at),
                    actor_ref=actor.public_ref if actor else None,
                    **links,
                )
        except IntegrityError:
            existing = Transaction.objects.filter(external_id=external_id).first()
            if existing is None:
                raise
            return Posted(existing, created=False)
        Entry.objects.bulk_create(
            Entry(
                transaction=posted,
                account=account,
                amount=amount,
                recipient_id=_recipient_id(account),
            )
            for account, amount in lines
        )
        # Every posting moves a public figure: the public accounts, and for a person's money
        # their page and their row on the lists (core.pagecache, "Lists").
        _public_pages_moved(
            [(pk, amount) for account, amount in lines if (pk := _recipient_id(account))]
        )
    return Posted(posted, created=True)


def _public_pages_moved(person_lines: list[tuple[int, int]]) -> None:
    """Raise the versions of the public pages a posting changes. Money to a person moves them
    back in "least funded first" and nobody forward: their own scope (their page, and every
    list page showing them or anyone after them) and PROGRESS (the deep list pages). Money
    taken from a person (a refund, a dispute) can move them forward, past any page: LISTS."""
    recipient_ids = {pk for pk, _amount in person_lines}
    if not recipient_ids:
        public_pages_changed(LEDGER)
        return
    public_ids = Recipient.objects.filter(pk__in=recipient_ids).values_list("public_id", flat=True)
    lowered = any(amount < 0 for _pk, amount in person_lines)
    public_pages_changed(
        LEDGER,
        PROGRESS,
        *([LISTS] if lowered else []),
        *(listing(public_id) for public_id in public_ids),
    )


def balance(account: str) -> int:
    return Entry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"] or 0


def balances(accounts: Iterable[str]) -> dict[str, int]:
    accounts = list(accounts)
    rows = (
        Entry.objects.filter(account__in=accounts)
        .order_by()
        .values("account")
        .annotate(total=Sum("amount"))
    )
    found = {row["account"]: row["total"] for row in rows}
    return {account: found.get(account, 0) for account in accounts}


def pots_lock(accounts: Iterable[str]) -> None:
    """Serialise spending from these pots until the caller's transaction ends.

    PostgreSQL: transaction-scoped advisory locks, taken in a fixed order so two postings
    never wait on each other crosswise. SQLite serialises every write anyway.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for account in sorted(set(accounts)):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"ledger:{account}"])


def spend_check(needed: dict[str, int]) -> None:
    """Refuse when a pot does not hold what is to be taken from it. Call under ``pots_lock``."""
    held = balances(needed)
    for account, amount in needed.items():
        if held[account] < amount:
            raise InsufficientFunds(
                _("The fund %(account)s holds Rp%(held)s; Rp%(amount)s cannot be taken from it.")
                % {
                    "account": account_label(account),
                    "held": format_rupiah(held[account]),
                    "amount": format_rupiah(amount),
                }
            )


def account_label(account: str) -> str:
    if account == GENERAL:
        return _("general fund")
    if account == OPERATING:
        return _("operating costs")
    if account.startswith("recipient:"):
        return _("earmarked for listing #%(id)s") % {"id": account.split(":", 1)[1]}
    if account.startswith("payable:warung:"):
        return _("owed to warung #%(id)s") % {"id": account.rsplit(":", 1)[1]}
    return account


@dataclass(frozen=True)
class PeriodTotals:
    received: int  # gifts into the pots, less refunds and disputes, in the period
    operating: int  # fees and operating costs in the period
    cap_percent: int

    @property
    def cap(self) -> int:
        """The most operating costs may take: cap_percent of what was received, rounded down."""
        return max(self.received, 0) * self.cap_percent // 100

    @property
    def share_percent(self) -> float:
        return 0.0 if self.received <= 0 else 100 * self.operating / self.received

    @property
    def over_cap(self) -> bool:
        return self.operating > self.cap


def period_totals(period: CollectionPeriod) -> PeriodTotals:
    entries = Entry.objects.filter(transaction__period=period)
    pots = Q(account=GENERAL) | Q(account__startswith="recipient:")
    sums = entries.aggregate(
        gifts=Sum("amount", filter=pots & Q(transaction__kind__in=_INCOME_KINDS)),
        reversals=Sum("amount", filter=pots & Q(transaction__kind__in=_INCOME_REVERSAL_KINDS)),
        restored=Sum("amount", filter=pots & Q(transaction__kind__in=_INCOME_RESTORING_KINDS)),
        operating=Sum("amount", filter=Q(account=OPERATING)),
    )
    received = (sums["gifts"] or 0) + (sums["reversals"] or 0) + (sums["restored"] or 0)
    return PeriodTotals(
        received=received, operating=sums["operating"] or 0, cap_percent=period.cap_percent
    )


def period_lock(period: CollectionPeriod) -> CollectionPeriod:
    """The period's row, locked until the caller's transaction ends: costs are checked
    against the cap one at a time."""
    return CollectionPeriod.objects.select_for_update().get(pk=period.pk)
