"""The public accounts of the collection (``/donasi/transparansi/``): what came in, what went
out and to whom, what costs took against the cap, per kecamatan and per WIB month.

Every figure is read from the ledger (the only record of what money did), so the page adds up
to the same sums the finance officers see. Nothing here names a person: listings appear by
pseudonym (and only while they are published), warung by their business name and kecamatan
(never the owner or the address), donors by name only when they chose so, messages only once
approved.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from portal.services.lifecycle import PUBLIC_STATUSES

from ..models import (
    GENERAL,
    OPERATING,
    CollectionPeriod,
    Decision,
    Disbursement,
    DisbursementLine,
    Entry,
    Gift,
    MessageStatus,
    Transaction,
)
from ..services import ledger

K = Transaction.Kind
RECENT_GIFTS = 20

_POTS = Q(account=GENERAL) | Q(account__startswith="recipient:")


def _share(part: int, whole: int) -> float | None:
    return None if whole <= 0 else round(100 * part / whole, 1)


@dataclass(frozen=True)
class Totals:
    received: int  # gifts into the pots
    refunded: int  # given back to donors
    disputed: int  # taken back by card disputes, less those won
    fees: int  # payment fees
    costs: int  # operating costs
    disbursed: int  # paid out for meals
    held: int  # what the pots hold now

    @property
    def net_received(self) -> int:
        return self.received - self.refunded - self.disputed

    @property
    def operating(self) -> int:
        return self.fees + self.costs

    @property
    def share_percent(self) -> float | None:
        return _share(self.operating, self.net_received)


@dataclass(frozen=True)
class PeriodRow:
    name: str
    permit_number: str
    starts_on: datetime.date
    ends_on: datetime.date
    received: int
    fees: int
    costs: int
    cap_percent: int
    cap: int
    over_cap: bool

    @property
    def operating(self) -> int:
        return self.fees + self.costs

    @property
    def share_percent(self) -> float | None:
        return _share(self.operating, self.received)


@dataclass
class KecamatanRow:
    name: str
    given: int = 0  # gifts to people listed there
    disbursed: int = 0  # meals paid for people there


@dataclass
class MonthRow:
    month: datetime.date
    received: int = 0
    refunded: int = 0  # refunds and disputes, less disputes won
    operating: int = 0  # fees and operating costs
    disbursed: int = 0


@dataclass(frozen=True)
class DisbursementRow:
    paid_on: datetime.date
    warung: str
    kecamatan: str
    total: int
    people: int
    period_start: datetime.date | None
    period_end: datetime.date | None
    proof_summary: str


@dataclass(frozen=True)
class RecentGift:
    day: datetime.date | None
    amount: int
    refunded: int
    pseudonym: str  # "" for the fund, or for a person no longer listed (see ``for_fund``)
    for_fund: bool
    donor_name: str  # "" unless the donor chose to be named
    message: str  # "" unless approved


@dataclass(frozen=True)
class Transparency:
    totals: Totals
    periods: list[PeriodRow]
    kecamatan: list[KecamatanRow]
    general_given: int  # gifts to the fund, not to one person
    months: list[MonthRow]
    disbursements: list[DisbursementRow]
    recent: list[RecentGift] = field(default_factory=list)


def transparency_totals() -> Totals:
    sums = Entry.objects.aggregate(
        received=Sum("amount", filter=_POTS & Q(transaction__kind=K.GIFT)),
        refunded=Sum("amount", filter=_POTS & Q(transaction__kind=K.REFUND)),
        disputed=Sum("amount", filter=_POTS & Q(transaction__kind__in=[K.DISPUTE, K.DISPUTE_WON])),
        fees=Sum("amount", filter=Q(account=OPERATING, transaction__kind=K.FEE)),
        costs=Sum("amount", filter=Q(account=OPERATING, transaction__kind=K.OPERATING_COST)),
        disbursed=Sum("amount", filter=_POTS & Q(transaction__kind=K.DISBURSEMENT)),
        held=Sum("amount", filter=_POTS),
    )
    value = {key: total or 0 for key, total in sums.items()}
    return Totals(
        received=value["received"],
        refunded=-value["refunded"],
        disputed=-value["disputed"],
        fees=value["fees"],
        costs=value["costs"],
        disbursed=-value["disbursed"],
        held=value["held"],
    )


def transparency_periods() -> list[PeriodRow]:
    """Each collection period against its cap, by the rule the cap is enforced with
    (``ledger.period_totals``): gifts received less refunds and disputes."""
    periods = list(CollectionPeriod.objects.order_by("-starts_on"))
    split = (
        Entry.objects.filter(account=OPERATING, transaction__period__in=periods)
        .order_by()
        .values("transaction__period", "transaction__kind")
        .annotate(total=Sum("amount"))
    )
    fees: dict[int, int] = {}
    costs: dict[int, int] = {}
    for row in split:
        target = fees if row["transaction__kind"] == K.FEE else costs
        target[row["transaction__period"]] = target.get(row["transaction__period"], 0) + (
            row["total"] or 0
        )
    rows = []
    for period in periods:
        totals = ledger.period_totals(period)
        rows.append(
            PeriodRow(
                name=period.name,
                permit_number=period.permit_number,
                starts_on=period.starts_on,
                ends_on=period.ends_on,
                received=totals.received,
                fees=fees.get(period.pk, 0),
                costs=costs.get(period.pk, 0),
                cap_percent=period.cap_percent,
                cap=totals.cap,
                over_cap=totals.over_cap,
            )
        )
    return rows


def transparency_kecamatan() -> tuple[list[KecamatanRow], int]:
    """Per kecamatan: gifts to people listed there and meals paid for people there; and what
    was given to the fund as a whole."""
    rows: dict[str, KecamatanRow] = {}
    given = (
        Entry.objects.filter(transaction__kind=K.GIFT, recipient__isnull=False)
        .order_by()
        .values(name=F("recipient__kecamatan__name"))
        .annotate(total=Sum("amount"))
    )
    for row in given:
        rows.setdefault(row["name"], KecamatanRow(row["name"])).given = row["total"] or 0
    paid = (
        DisbursementLine.objects.filter(disbursement__status=Decision.APPROVED)
        .order_by()
        .values(name=F("recipient__kecamatan__name"))
        .annotate(total=Sum("amount"))
    )
    for row in paid:
        rows.setdefault(row["name"], KecamatanRow(row["name"])).disbursed = row["total"] or 0
    general = (
        Entry.objects.filter(transaction__kind=K.GIFT, account=GENERAL).aggregate(
            total=Sum("amount")
        )["total"]
        or 0
    )
    return sorted(rows.values(), key=lambda row: row.name), general


def transparency_months() -> list[MonthRow]:
    """Per month in WIB, newest first."""
    grouped = (
        Entry.objects.filter(_POTS | Q(account=OPERATING))
        .annotate(
            month=TruncMonth("transaction__occurred_at", tzinfo=timezone.get_current_timezone())
        )
        .order_by()
        .values("month", "transaction__kind", "account")
        .annotate(total=Sum("amount"))
    )
    months: dict[datetime.date, MonthRow] = {}
    for row in grouped:
        month = row["month"]
        day = month.date() if isinstance(month, datetime.datetime) else month
        item = months.setdefault(day, MonthRow(day))
        kind, total, account = row["transaction__kind"], row["total"] or 0, row["account"]
        if account == OPERATING:
            if kind in (K.FEE, K.OPERATING_COST):
                item.operating += total
        elif kind == K.GIFT:
            item.received += total
        elif kind in (K.REFUND, K.DISPUTE, K.DISPUTE_WON):
            item.refunded -= total
        elif kind == K.DISBURSEMENT:
            item.disbursed -= total
    return [months[key] for key in sorted(months, reverse=True)]


def transparency_disbursements() -> list[DisbursementRow]:
    """Every approved disbursement, newest first: the warung by name and kecamatan only."""
    rows = (
        Disbursement.objects.filter(status=Decision.APPROVED)
        .order_by("-paid_on", "-pk")
        .values("pk", "paid_on", "proof_summary")
        .annotate(
            warung_name=F("warung__name"),
            kecamatan=F("warung__kecamatan__name"),
            total=Sum("lines__amount"),
            people=Count("lines__recipient", distinct=True),
            start=Min("lines__period_start"),
            end=Max("lines__period_end"),
        )
    )
    return [
        DisbursementRow(
            paid_on=row["paid_on"],
            warung=row["warung_name"],
            kecamatan=row["kecamatan"],
            total=row["total"] or 0,
            people=row["people"],
            period_start=row["start"],
            period_end=row["end"],
            proof_summary=row["proof_summary"],
        )
        for row in rows
    ]


def transparency_recent_gifts(*, limit: int = RECENT_GIFTS) -> list[RecentGift]:
    rows = list(
        Gift.objects.filter(status=Gift.Status.PAID)
        .order_by("-paid_at", "-pk")
        .values(
            "paid_at",
            "refunded",
            "pk",
            "show_name",
            "message",
            "message_status",
            "recipient_id",
            pseudonym=F("recipient__pseudonym"),
            listing_status=F("recipient__status"),
            received=Coalesce("received_amount", "amount"),
        )[:limit]
    )
    # Names are read (and decrypted) only for the gifts whose donors asked to be named, as
    # frozen when each gift was made; an erased donor's gifts no longer ask.
    named = [row["pk"] for row in rows if row["show_name"]]
    names = dict(Gift.objects.filter(pk__in=named).values_list("pk", "donor_name")) if named else {}
    result = []
    for row in rows:
        listed = row["recipient_id"] is not None and row["listing_status"] in PUBLIC_STATUSES
        result.append(
            RecentGift(
                day=timezone.localdate(row["paid_at"]) if row["paid_at"] else None,
                amount=row["received"],
                refunded=row["refunded"],
                pseudonym=row["pseudonym"] if listed else "",
                for_fund=row["recipient_id"] is None,
                donor_name=(names.get(row["pk"]) or "").strip() if row["show_name"] else "",
                message=row["message"] if row["message_status"] == MessageStatus.APPROVED else "",
            )
        )
    return result


def transparency_report() -> Transparency:
    kecamatan, general = transparency_kecamatan()
    return Transparency(
        totals=transparency_totals(),
        periods=transparency_periods(),
        kecamatan=kecamatan,
        general_given=general,
        months=transparency_months(),
        disbursements=transparency_disbursements(),
        recent=transparency_recent_gifts(),
    )
