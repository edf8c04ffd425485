"""Reads for the finance officers' pages (/petugas/keuangan/).

Finance officers work regency-wide (docs/architecture.md, "Roles and scope") and administrators
may read: both see every gift, decision and pot; anybody else sees nothing, whatever a view
does. Elderly people appear
by pseudonym and public id only (their identity columns are never loaded here, so they are
never decrypted), and donors by nothing but what the money needs.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Count, F, Model, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import ngettext

from accounts.models import AuditEvent, User
from accounts.registry import Waiting
from accounts.services import audit_record
from meals.selectors.deliveries import delivered_portions
from portal.models import Recipient

from ..models import (
    GENERAL,
    CollectionPeriod,
    Decision,
    Disbursement,
    DisbursementLine,
    Entry,
    FundTransfer,
    Gift,
    MessageStatus,
    OperatingCost,
    Refund,
    TransferRefund,
    WebhookEvent,
    fund_account,
)
from ..permissions import may_read_finance, may_work_on_finance
from ..services import ledger

BANK_QUEUE_STATUSES = (
    Gift.Status.PROOF_SUBMITTED,
    Gift.Status.MATCHED,
    Gift.Status.AWAITING_TRANSFER,
    Gift.Status.PAID,
    Gift.Status.REJECTED,
)
ATTENTION_OUTCOMES = (WebhookEvent.Outcome.DEFERRED, WebhookEvent.Outcome.FLAGGED)


M = TypeVar("M", bound=Model)


def _scoped(user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    return queryset if may_read_finance(user) else queryset.none()


def _for(queryset: QuerySet[M], prefix: str = "recipient") -> QuerySet[M]:
    """The person a row is for, by its public names only (no Recipient instance is loaded)."""
    # django-stubs' plugin loses the TypeVar's model through annotate() (QuerySet[Model, M]).
    return queryset.annotate(  # type: ignore[return-value]
        for_pseudonym=F(f"{prefix}__pseudonym"), for_public_id=F(f"{prefix}__public_id")
    )


def wib_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    """From the start of ``start`` to the end of ``end``, both days in WIB."""
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=tz),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz),
    )


# --- The dashboard -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodFigures:
    period: CollectionPeriod
    totals: ledger.PeriodTotals

    @property
    def share_percent(self) -> float:
        """The number; templates write it with ``|percent`` (core.numbers)."""
        return self.totals.share_percent


@dataclass(frozen=True)
class Dashboard:
    proofs_to_match: int
    awaiting_transfer: int
    matches_to_confirm: int
    fund_transfers_to_decide: int
    disbursements_to_decide: int
    flagged_gifts: int
    fees_refused: int
    gateway_events: int
    messages_to_moderate: int
    general_balance: int
    current_period: PeriodFigures | None


def finance_dashboard(user: User) -> Dashboard:
    bank = _scoped(user, Gift.objects.filter(gateway=Gift.Gateway.BANK))
    counts = bank.aggregate(
        proofs=Count("pk", filter=Q(status=Gift.Status.PROOF_SUBMITTED)),
        awaiting=Count("pk", filter=Q(status=Gift.Status.AWAITING_TRANSFER)),
        matched=Count("pk", filter=Q(status=Gift.Status.MATCHED)),
    )
    period = ledger.period_for(timezone.now()) if may_read_finance(user) else None
    return Dashboard(
        proofs_to_match=counts["proofs"],
        awaiting_transfer=counts["awaiting"],
        matches_to_confirm=counts["matched"],
        fund_transfers_to_decide=_scoped(
            user, FundTransfer.objects.filter(status=Decision.PROPOSED)
        ).count(),
        disbursements_to_decide=_scoped(
            user, Disbursement.objects.filter(status=Decision.PROPOSED)
        ).count(),
        flagged_gifts=flagged_gifts(user).count(),
        fees_refused=fees_refused(user).count(),
        gateway_events=gateway_events_attention(user).count(),
        messages_to_moderate=messages_pending(user).count(),
        general_balance=ledger.balance(GENERAL) if may_read_finance(user) else 0,
        current_period=PeriodFigures(period, ledger.period_totals(period)) if period else None,
    )


# --- Gifts and bank transfers ------------------------------------------------------------------


def bank_gifts(user: User, *, status: str | None = None) -> QuerySet[Gift]:
    gifts = Gift.objects.filter(gateway=Gift.Gateway.BANK)
    if status:
        gifts = gifts.filter(status=status)
    else:
        gifts = gifts.filter(status__in=(Gift.Status.PROOF_SUBMITTED, Gift.Status.MATCHED))
    return _for(_scoped(user, gifts)).order_by("created_at", "pk")


def finance_officer_waiting(user: User) -> list[Waiting]:
    """What waits in the bank-transfer queue (``bank_gifts``): proofs sent by donors to
    match, and matches another officer made, for this one to confirm (their own wait for a
    second officer). One query."""
    counts = (
        bank_gifts(user)
        .order_by()
        .aggregate(
            proofs=Count("pk", filter=Q(status=Gift.Status.PROOF_SUBMITTED)),
            matched=Count(
                "pk",
                filter=Q(status=Gift.Status.MATCHED) & ~Q(matched_by_ref=user.public_ref),
            ),
        )
    )
    queue = reverse("donations:fin_transfers")
    return [
        Waiting(
            counts["proofs"],
            ngettext(
                "%(count)s transfer proof to match",
                "%(count)s transfer proofs to match",
                counts["proofs"],
            )
            % {"count": counts["proofs"]},
            f"{queue}?{urlencode({'status': Gift.Status.PROOF_SUBMITTED})}",
        ),
        Waiting(
            counts["matched"],
            ngettext(
                "%(count)s match for you to confirm",
                "%(count)s matches for you to confirm",
                counts["matched"],
            )
            % {"count": counts["matched"]},
            f"{queue}?{urlencode({'status': Gift.Status.MATCHED})}",
        ),
    ]


def gift_get(user: User, ref: uuid.UUID | str) -> Gift:
    gift = _for(_scoped(user, Gift.objects.all())).filter(public_ref=ref).first()
    if gift is None:
        raise Http404
    return gift


def gift_proof(user: User, ref: uuid.UUID | str) -> tuple[str, str]:
    """The stored proof of a bank transfer and its download name; the view is logged."""
    if not may_work_on_finance(user):
        raise Http404
    gift = gift_get(user, ref)
    name = gift.proof.name
    if not name:
        raise Http404
    audit_record(
        actor=user,
        action=AuditEvent.Action.PROOF_VIEWED,
        target=f"donations.gift:{gift.pk}",
        details={"shown": "download"},
    )
    extension = "pdf" if gift.proof_content_type == "application/pdf" else "jpg"
    return name, f"bukti-{gift.bank_reference or gift.pk}.{extension}"


def gift_receipt(user: User, ref: uuid.UUID | str) -> Gift:
    """A gift whose receipt a finance officer opens: any donor's, an erased donor's included
    (the receipt keeps the name it was issued under, and only they may read it). Logged."""
    if not may_work_on_finance(user):
        raise Http404
    gift = gift_get(user, ref)
    if not gift.receipt_number:
        raise Http404
    audit_record(
        actor=user,
        action=AuditEvent.Action.PII_VIEW,
        target=f"donations.gift:{gift.pk}",
        details={"page": "receipt"},
    )
    return gift


def gift_by_receipt(user: User, receipt_number: str) -> Gift | None:
    number = receipt_number.strip().upper()
    if not number:
        return None
    return _for(_scoped(user, Gift.objects.all())).filter(receipt_number=number).first()


def gift_refunds(gift: Gift) -> list[Refund]:
    return list(gift.refunds.order_by("-requested_at"))


def refund_get(user: User, pk: int) -> Refund:
    """A refund, for a finance officer (404 for anybody else)."""
    return get_object_or_404(_scoped(user, Refund.objects.select_related("gift")), pk=pk)


def transfer_refund_get(user: User, pk: int) -> TransferRefund:
    """A refund by transfer, for a finance officer (404 for anybody else)."""
    return get_object_or_404(_scoped(user, TransferRefund.objects.select_related("gift")), pk=pk)


def refunds_recent(user: User, *, limit: int = 50) -> QuerySet[Refund]:
    return (
        _scoped(user, Refund.objects.all())
        .annotate(
            receipt_number=F("gift__receipt_number"),
            gift_ref=F("gift__public_ref"),
            gift_refunded=F("gift__refunded"),
        )
        .order_by("-requested_at")[:limit]
    )


def flagged_gifts(user: User) -> QuerySet[Gift]:
    return _for(_scoped(user, Gift.objects.filter(status=Gift.Status.FLAGGED))).order_by(
        "created_at"
    )


def fees_refused(user: User) -> QuerySet[Gift]:
    """Paid gifts whose gateway fee was not booked, because the gateway reported it in another
    currency than rupiah (``Gift.fee_refused`` says what it reported): the ledger lacks that
    cost until an officer settles it against the gateway's payout report."""
    return _for(_scoped(user, Gift.objects.exclude(fee_refused=""))).order_by("paid_at", "pk")


def gateway_events_attention(user: User) -> QuerySet[WebhookEvent]:
    return (
        _scoped(user, WebhookEvent.objects.filter(outcome__in=ATTENTION_OUTCOMES))
        .defer("payload")
        .order_by("received_at")
    )


def messages_pending(user: User) -> QuerySet[Gift]:
    return _for(
        _scoped(
            user,
            Gift.objects.filter(message_status=MessageStatus.PENDING, status=Gift.Status.PAID),
        )
    ).order_by("paid_at", "pk")


def officer_labels(refs: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Who did a step, by the public_ref the records keep: their name, or their address."""
    known = {ref for ref in refs if ref is not None}
    return {
        user.public_ref: user.name or user.email
        for user in User.objects.filter(public_ref__in=known).only("public_ref", "name", "email")
    }


# --- People and pots ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A person as the finance pages name them: never their identity."""

    pk: int
    public_id: str
    pseudonym: str
    status: str

    @property
    def label(self) -> str:
        return f"{self.pseudonym or '—'} ({self.public_id}, #{self.pk})"


def person_find(identifier: str) -> Person | None:
    """A person by their public id, or by their registry number (``#12`` or ``12``)."""
    value = (identifier or "").strip()
    if not value:
        return None
    query = Q(public_id=value)
    number = value.lstrip("#")
    if number.isdigit():
        query |= Q(pk=int(number))
    row = (
        Recipient.objects.filter(query)
        .values("pk", "public_id", "pseudonym", "status")
        .order_by("pk")
        .first()
    )
    return Person(**row) if row else None


def persons_by_pk(pks: Iterable[int]) -> dict[int, Person]:
    rows = Recipient.objects.filter(pk__in=set(pks)).values(
        "pk", "public_id", "pseudonym", "status"
    )
    return {row["pk"]: Person(**row) for row in rows}


def pot_balance(recipient_id: int | None) -> int:
    """What a person's earmarked pot (or, for None, the general fund) holds now."""
    return ledger.balance(fund_account(recipient_id))


# --- Transfers between funds -------------------------------------------------------------------


def fund_transfers(user: User, *, status: str | None = None) -> QuerySet[FundTransfer]:
    transfers = FundTransfer.objects.all()
    if status:
        transfers = transfers.filter(status=status)
    return (
        _scoped(user, transfers)
        .annotate(
            source_pseudonym=F("source__pseudonym"),
            source_public_id=F("source__public_id"),
            target_pseudonym=F("target__pseudonym"),
            target_public_id=F("target__public_id"),
        )
        .order_by("-proposed_at", "-pk")
    )


def fund_transfer_get(user: User, pk: int) -> FundTransfer:
    transfer = fund_transfers(user).filter(pk=pk).first()
    if transfer is None:
        raise Http404
    return transfer


# --- Collection periods and operating costs ----------------------------------------------------


def collection_periods(user: User) -> list[PeriodFigures]:
    return [
        PeriodFigures(period, ledger.period_totals(period))
        for period in _scoped(user, CollectionPeriod.objects.order_by("-starts_on"))
    ]


def collection_period_get(user: User, pk: int) -> PeriodFigures:
    period = _scoped(user, CollectionPeriod.objects.filter(pk=pk)).first()
    if period is None:
        raise Http404
    return PeriodFigures(period, ledger.period_totals(period))


def operating_costs(period: CollectionPeriod) -> QuerySet[OperatingCost]:
    return period.costs.order_by("-incurred_on", "-pk")


# --- Disbursements -----------------------------------------------------------------------------


def disbursements(user: User, *, status: str | None = None) -> QuerySet[Disbursement]:
    rows = Disbursement.objects.all()
    if status:
        rows = rows.filter(status=status)
    return (
        _scoped(user, rows)
        .select_related("warung")
        .annotate(total=Sum("lines__amount"), line_count=Count("lines"))
        .order_by("-paid_on", "-pk")
    )


def disbursement_get(user: User, pk: int) -> Disbursement:
    disbursement = disbursements(user).filter(pk=pk).first()
    if disbursement is None:
        raise Http404
    return disbursement


@dataclass(frozen=True)
class LineView:
    line: DisbursementLine
    person: Person | None
    pot: str  # "general" or the person's pot
    pot_balance: int
    delivered: int = 0  # portions the warung confirmed delivered in the line's period


def disbursement_lines(disbursement: Disbursement) -> list[LineView]:
    """Each line with the pot it is paid from and what that pot holds now."""
    lines = list(disbursement.lines.order_by("pk"))
    people = persons_by_pk(line.recipient_id for line in lines)
    accounts = {fund_account(None if line.from_general else line.recipient_id) for line in lines}
    held = ledger.balances(accounts)
    delivered = delivered_portions(
        warung_id=disbursement.warung_id,
        lines=[(ln.pk, ln.recipient_id, ln.period_start, ln.period_end) for ln in lines],
    )
    return [
        LineView(
            line=line,
            person=people.get(line.recipient_id),
            pot="general" if line.from_general else "person",
            pot_balance=held[fund_account(None if line.from_general else line.recipient_id)],
            delivered=delivered.get(line.pk, 0),
        )
        for line in lines
    ]


def disbursement_proof(user: User, pk: int) -> tuple[str, str]:
    if not may_work_on_finance(user):
        raise Http404
    disbursement = disbursement_get(user, pk)
    name = disbursement.proof.name
    if not name:
        raise Http404  # not reached: a disbursement is saved with its proof
    audit_record(
        actor=user,
        action=AuditEvent.Action.PROOF_VIEWED,
        target=f"donations.disbursement:{disbursement.pk}",
        details={"shown": "download"},
    )
    extension = "pdf" if disbursement.proof_content_type == "application/pdf" else "jpg"
    return name, f"penyaluran-{disbursement.pk}.{extension}"


# --- Exports -----------------------------------------------------------------------------------


def gifts_for_export(
    user: User, *, start: datetime.date, end: datetime.date
) -> Iterator[Mapping[str, Any]]:
    """Gifts received (paid) between two WIB days, oldest first. No donor's address or name."""
    since, until = wib_bounds(start, end)
    rows = (
        _scoped(user, Gift.objects.filter(paid_at__gte=since, paid_at__lt=until))
        .order_by("paid_at", "pk")
        .values(
            "receipt_number",
            "paid_at",
            "amount",
            "received_amount",
            "fee",
            "refunded",
            "gateway",
            "payment_method",
            "status",
            "recipient__pseudonym",
            "recipient__public_id",
        )
    )
    yield from rows.iterator(chunk_size=500)


def disbursement_lines_for_export(
    user: User, *, start: datetime.date, end: datetime.date
) -> Iterator[Mapping[str, Any]]:
    rows = (
        _scoped(
            user,
            DisbursementLine.objects.filter(
                disbursement__paid_on__gte=start, disbursement__paid_on__lte=end
            ),
        )
        .order_by("disbursement__paid_on", "disbursement_id", "pk")
        .values(
            "disbursement_id",
            "disbursement__paid_on",
            "disbursement__warung__name",
            "disbursement__reference",
            "disbursement__status",
            "disbursement__proof_summary",
            "recipient__public_id",
            "recipient__pseudonym",
            "from_general",
            "period_start",
            "period_end",
            "portions",
            "amount",
        )
    )
    yield from rows.iterator(chunk_size=500)


def ledger_entries_for_export(
    user: User, *, start: datetime.date, end: datetime.date
) -> Iterator[Mapping[str, Any]]:
    since, until = wib_bounds(start, end)
    rows = (
        _scoped(
            user,
            Entry.objects.filter(
                transaction__occurred_at__gte=since, transaction__occurred_at__lt=until
            ),
        )
        .order_by("transaction__occurred_at", "transaction_id", "pk")
        .values(
            "transaction_id",
            "transaction__occurred_at",
            "transaction__kind",
            "transaction__external_id",
            "transaction__memo",
            "account",
            "amount",
        )
    )
    yield from rows.iterator(chunk_size=1000)
