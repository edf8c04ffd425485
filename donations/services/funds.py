"""Money out of the pots, each step on record: transfers between funds and disbursements are
proposed by one finance officer and approved by a second; operating costs are recorded within
the cap of their collection period; refunds go through the gateway.

The ledger moves only at approval, with the pots it takes from locked and checked: earmarked
money leaves a person's pot only for that person's meals, or by a recorded transfer decision.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from accounts.services import audit_record
from core.money import rupiah
from core.uploads import proof_clean
from notifications.services import notification_enqueue
from portal.models import Recipient

from .. import gateways
from ..gateways import GatewayError
from ..models import (
    CLEARING_BANK,
    GENERAL,
    OPERATING,
    CollectionPeriod,
    Decision,
    Disbursement,
    DisbursementLine,
    FundTransfer,
    Gift,
    OperatingCost,
    Refund,
    Transaction,
    fund_account,
    warung_account,
)
from ..permissions import may_check_disbursement, may_check_fund_transfer, may_work_on_finance
from . import ledger
from .transfer_refunds import refund_gateway_check, refundable_left
from .transitions import DISBURSEMENTS, FUND_TRANSFERS, REFUNDS

# People whose meals may be paid for: listed now, or reached (fed) already.
if TYPE_CHECKING:
    from meals.models import Warung


PAYABLE_STATUSES = ("published", "reached", "suspended")


def _finance_officer(actor: User) -> None:
    if not may_work_on_finance(actor):
        raise PermissionDenied


def _noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def _decision_record(
    record: FundTransfer | Disbursement, *, actor: User, approve: bool, note: str, action: str
) -> None:
    """The second officer's decision on a proposal, saved and on the audit record."""
    record.decided_by_ref = actor.public_ref
    record.decided_at = timezone.now()
    record.decision_note = note.strip()[:300]
    to = Decision.APPROVED if approve else Decision.REJECTED
    fields = ["decided_by_ref", "decided_at", "decision_note"]
    if isinstance(record, FundTransfer):
        FUND_TRANSFERS.move(record, to, actor=actor, reason=record.decision_note, fields=fields)
    else:
        DISBURSEMENTS.move(record, to, actor=actor, reason=record.decision_note, fields=fields)
    audit_record(
        actor=actor,
        action=action,
        target=f"{record._meta.label_lower}:{record.pk}",
        reason=record.decision_note,
        details={"approved": approve},
    )


# --- Transfers between funds -------------------------------------------------------------------


def fund_transfer_propose(
    *, actor: User, source_id: int | None, target_id: int | None, amount: int, reason: str
) -> FundTransfer:
    _finance_officer(actor)
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."))
    if source_id == target_id:
        raise ValidationError(_("A transfer moves money between two different funds."))
    if not reason.strip():
        raise ValidationError(_("Record the decision and its reason."))
    with transaction.atomic():
        held = ledger.balance(fund_account(source_id))
        if held < amount:
            raise ValidationError(
                _("The fund holds %(held)s; %(amount)s cannot be moved from it.")
                % {"held": rupiah(held), "amount": rupiah(amount)}
            )
        proposal = FundTransfer(
            source_id=source_id,
            target_id=target_id,
            amount=amount,
            reason=reason.strip(),
            proposed_by_ref=actor.public_ref,
        )
        FUND_TRANSFERS.move(proposal, Decision.PROPOSED, actor=actor, reason=proposal.reason)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.FUND_TRANSFER_PROPOSED,
            target=f"donations.fundtransfer:{proposal.pk}",
            reason=proposal.reason,
            details={"amount": amount},
        )
    return proposal


def fund_transfer_decide(
    *, proposal: FundTransfer, actor: User, approve: bool, note: str = ""
) -> FundTransfer:
    _finance_officer(actor)
    if not approve and not note.strip():
        raise ValidationError(_("Say why the transfer is rejected."))
    with transaction.atomic():
        proposal = FundTransfer.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != Decision.PROPOSED:
            raise ValidationError(_("This transfer has already been decided."))
        if not may_check_fund_transfer(actor, proposal):
            raise ValidationError(_("A second finance officer must decide: you proposed it."))
        if approve:
            source = fund_account(proposal.source_id)
            ledger.pots_lock([source])
            try:
                ledger.spend_check({source: proposal.amount})
            except ledger.InsufficientFunds as error:
                raise ValidationError(str(error)) from None
            ledger.ledger_post(
                kind=Transaction.Kind.TRANSFER,
                external_id=f"transfer:{proposal.pk}",
                lines=[
                    (source, -proposal.amount),
                    (fund_account(proposal.target_id), proposal.amount),
                ],
                memo=proposal.reason[:200],
                transfer=proposal,
                actor=actor,
            )
        _decision_record(
            proposal,
            actor=actor,
            approve=approve,
            note=note,
            action=AuditEvent.Action.FUND_TRANSFER_DECIDED,
        )
    return proposal


# --- Operating costs ---------------------------------------------------------------------------


def collection_period_create(
    *,
    actor: User,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    permit_number: str = "",
    cap_percent: int | None = None,
) -> CollectionPeriod:
    """A permitted collection. Periods never overlap: a day's gifts and costs must belong to
    one period only, or the cap would be counted twice (checked with the table locked
    against a concurrent creation on PostgreSQL)."""
    _finance_officer(actor)
    cap = settings.OPERATING_COST_CAP_PERCENT if cap_percent is None else cap_percent
    if not name.strip():
        raise ValidationError(_("Give the collection period a name."))
    if ends_on < starts_on:
        raise ValidationError(_("The period must end on or after the day it starts."))
    if not 0 <= cap <= 100:
        raise ValidationError(_("The cap is a percentage between 0 and 100."))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('donations:periods'))")
        overlapping = CollectionPeriod.objects.filter(
            starts_on__lte=ends_on, ends_on__gte=starts_on
        ).first()
        if overlapping is not None:
            raise ValidationError(
                _("These dates overlap the collection period “%(period)s”.")
                % {"period": str(overlapping)}
            )
        tz = timezone.get_current_timezone()
        first = datetime.datetime.combine(starts_on, datetime.time.min, tzinfo=tz)
        after = datetime.datetime.combine(
            ends_on + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
        )
        if Transaction.objects.filter(occurred_at__gte=first, occurred_at__lt=after).exists():
            # Each transaction is tied to its period when it is posted, and the ledger is
            # never rewritten: a period must exist before the money it covers.
            raise ValidationError(
                _(
                    "Money was already recorded on these dates. A collection period starts "
                    "before its first gift: choose a start after the last recorded day."
                )
            )
        period = CollectionPeriod.objects.create(
            name=name.strip()[:120],
            permit_number=permit_number.strip()[:120],
            starts_on=starts_on,
            ends_on=ends_on,
            cap_percent=cap,
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.PERIOD_CREATED,
            target=f"donations.collectionperiod:{period.pk}",
            details={"cap_percent": cap},
        )
    return period


def operating_cost_record(
    *,
    actor: User,
    period: CollectionPeriod,
    description: str,
    amount: int,
    incurred_on: datetime.date,
    proof: UploadedFile[bytes] | None = None,
) -> OperatingCost:
    """A cost paid from the general fund, refused when it would take the period's operating
    costs over its cap (checked with the period's row locked, so two officers recording at
    the same moment cannot both slip under it)."""
    _finance_officer(actor)
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."))
    if not description.strip():
        raise ValidationError(_("Say what the cost was for."))
    if not period.starts_on <= incurred_on <= period.ends_on:
        raise ValidationError(_("The date must fall within the collection period."))
    content = proof_clean(proof, max_bytes=5 * 1024 * 1024) if proof else None
    with transaction.atomic():
        period = ledger.period_lock(period)
        totals = ledger.period_totals(period)
        if totals.operating + amount > totals.cap:
            raise ValidationError(
                _(
                    "Operating costs of this period would reach %(total)s, over the cap of "
                    "%(percent)d%% of %(received)s received (%(cap)s). The cost is not recorded."
                )
                % {
                    "total": rupiah(totals.operating + amount),
                    "percent": period.cap_percent,
                    "received": rupiah(totals.received),
                    "cap": rupiah(totals.cap),
                }
            )
        ledger.pots_lock([GENERAL])
        try:
            ledger.spend_check({GENERAL: amount})
        except ledger.InsufficientFunds as error:
            raise ValidationError(str(error)) from None
        cost = OperatingCost(
            period=period,
            description=description.strip()[:200],
            amount=amount,
            incurred_on=incurred_on,
            recorded_by_ref=actor.public_ref,
        )
        if content:
            cost.proof.save("proof", ContentFile(content[0]), save=False)
        cost.save()
        ledger.ledger_post(
            kind=Transaction.Kind.OPERATING_COST,
            external_id=f"cost:{cost.pk}",
            lines=[(GENERAL, -amount), (OPERATING, amount)],
            occurred_at=_noon(incurred_on),
            memo=cost.description,
            operating_cost=cost,
            actor=actor,
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.COST_RECORDED,
            target=f"donations.operatingcost:{cost.pk}",
            details={"amount": amount},
        )
    return cost


# --- Disbursements -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    recipient_id: int
    period_start: datetime.date
    period_end: datetime.date
    portions: int
    amount: int
    from_general: bool = False


def _line_account(line: DisbursementLine | LineInput) -> str:
    return GENERAL if line.from_general else fund_account(line.recipient_id)


def disbursement_record(
    *,
    actor: User,
    warung: Warung,
    reference: str,
    paid_on: datetime.date,
    proof: UploadedFile[bytes],
    proof_summary: str,
    lines: list[LineInput],
) -> Disbursement:
    _finance_officer(actor)
    if not lines:
        raise ValidationError(_("A disbursement needs at least one line."))
    if not proof_summary.strip():
        raise ValidationError(_("Summarise what the proof shows (it is public)."))
    if paid_on > timezone.localdate():
        raise ValidationError(_("The payment date cannot be in the future."))
    for line in lines:
        if line.amount <= 0 or line.portions <= 0:
            raise ValidationError(_("Each line needs portions and an amount above zero."))
        if line.period_end < line.period_start:
            raise ValidationError(_("A line's period must end after it starts."))
    ids = {line.recipient_id for line in lines}
    payable = set(
        Recipient.objects.filter(pk__in=ids, status__in=PAYABLE_STATUSES).values_list(
            "pk", flat=True
        )
    )
    if payable != ids:
        raise ValidationError(_("Meals can be paid only for people listed or reached."))
    content, content_type = proof_clean(proof, max_bytes=5 * 1024 * 1024)
    with transaction.atomic():
        disbursement = Disbursement(
            warung=warung,
            reference=reference.strip()[:120],
            proof_summary=proof_summary.strip()[:200],
            paid_on=paid_on,
            proof_content_type=content_type,
            recorded_by_ref=actor.public_ref,
        )
        disbursement.proof.save("proof", ContentFile(content), save=False)
        DISBURSEMENTS.move(disbursement, Decision.PROPOSED, actor=actor)
        DisbursementLine.objects.bulk_create(
            DisbursementLine(disbursement=disbursement, **vars(line)) for line in lines
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.DISBURSEMENT_RECORDED,
            target=f"donations.disbursement:{disbursement.pk}",
            details={"total": sum(line.amount for line in lines)},
        )
    return disbursement


def disbursement_decide(
    *, disbursement: Disbursement, actor: User, approve: bool, note: str = ""
) -> Disbursement:
    """Second officer: approve (each line's pot pays, and the warung is paid from the bank
    account) or reject with a reason."""
    _finance_officer(actor)
    if not approve and not note.strip():
        raise ValidationError(_("Say why the disbursement is rejected."))
    with transaction.atomic():
        disbursement = Disbursement.objects.select_for_update().get(pk=disbursement.pk)
        if disbursement.status != Decision.PROPOSED:
            raise ValidationError(_("This disbursement has already been decided."))
        if not may_check_disbursement(actor, disbursement):
            raise ValidationError(_("A second finance officer must decide: you recorded it."))
        if approve:
            lines = list(disbursement.lines.all())
            needed: dict[str, int] = defaultdict(int)
            for line in lines:
                needed[_line_account(line)] += line.amount
            ledger.pots_lock(needed)
            try:
                ledger.spend_check(dict(needed))
            except ledger.InsufficientFunds as error:
                raise ValidationError(str(error)) from None
            total = sum(needed.values())
            payee = warung_account(disbursement.warung_id)
            occurred = _noon(disbursement.paid_on)
            ledger.ledger_post(
                kind=Transaction.Kind.DISBURSEMENT,
                external_id=f"disbursement:{disbursement.pk}",
                lines=[*((account, -amount) for account, amount in needed.items()), (payee, total)],
                occurred_at=occurred,
                memo=disbursement.reference,
                disbursement=disbursement,
                actor=actor,
            )
            ledger.ledger_post(
                kind=Transaction.Kind.PAYMENT,
                external_id=f"payment:{disbursement.pk}",
                lines=[(payee, -total), (CLEARING_BANK, total)],
                occurred_at=occurred,
                memo=disbursement.reference,
                disbursement=disbursement,
                actor=actor,
            )
        _decision_record(
            disbursement,
            actor=actor,
            approve=approve,
            note=note,
            action=AuditEvent.Action.DISBURSEMENT_DECIDED,
        )
    return disbursement


# --- Refunds -----------------------------------------------------------------------------------


def refund_request(*, gift: Gift, actor: User, amount: int, reason: str) -> Refund:
    """Ask the gateway to give (part of) a gift back, where it can for the gift's method (a
    virtual account's payment it cannot: refused, nothing recorded). The request is on record
    first (so a lost answer cannot lead to a second refund: sending it again reuses its key),
    then sent; the ledger moves when the gateway's refund event arrives."""
    _finance_officer(actor)
    if not reason.strip():
        raise ValidationError(_("Say why the gift is refunded."))
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."))
    with transaction.atomic():
        gift = Gift.objects.select_for_update().get(pk=gift.pk)
        if gift.status != Gift.Status.PAID or gift.gateway == Gift.Gateway.BANK:
            raise ValidationError(
                _("Only a gift received through a payment service can be refunded here.")
            )
        refund_gateway_check(gift)
        if not gift.payment_intent_id:
            raise ValidationError(_("The gateway's payment for this gift is not known yet."))
        left = refundable_left(gift)
        if amount > left:
            raise ValidationError(
                _("At most %(left)s of this gift can still be refunded.")
                % {"left": rupiah(max(left, 0))}
            )
        refund = Refund(
            gift=gift, amount=amount, reason=reason.strip()[:300], requested_by_ref=actor.public_ref
        )
        REFUNDS.move(refund, Refund.Status.UNCONFIRMED, actor=actor, reason=refund.reason)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.REFUND_REQUESTED,
            target=f"donations.gift:{gift.pk}",
            reason=refund.reason,
            details={"amount": amount},
        )
    return refund_send(refund=refund, actor=actor)


def refund_send(*, refund: Refund, actor: User) -> Refund:
    """Send a recorded refund to the gateway (again, after a lost or failed answer)."""
    _finance_officer(actor)
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("gift").get(pk=refund.pk)
        if refund.status == Refund.Status.SENT:
            return refund
        gift = refund.gift
        try:
            if gift.payment_intent_id is None:
                # What the gateway answers for a payment it does not know.
                raise GatewayError("No such payment_intent")
            refund.gateway_refund_id = gateways.gateway_named(refund.gift.gateway).refund_create(
                payment_intent_id=gift.payment_intent_id,
                amount=refund.amount,
                idempotency_key=f"refund-{refund.idempotency_key}",
                metadata={"gift": str(gift.public_ref), "refund": str(refund.idempotency_key)},
            )
        except GatewayError:
            raise RefundNotConfirmed(
                _(
                    "The payment service did not confirm the refund. It is on record: send it "
                    "again from the gift's page (the same request, so it cannot be paid twice)."
                )
            ) from None
        REFUNDS.move(refund, Refund.Status.SENT, actor=actor, fields=["gateway_refund_id"])
        if gift.donor.email:  # an erased donor has no address left to tell
            notification_enqueue(
                template="donation_refunded",
                dedup_key=f"refund:{refund.pk}",
                to_address=gift.donor.email,
                language=gift.donor.language,
                context={"receipt_number": gift.receipt_number, "amount": refund.amount},
            )
    return refund


class RefundNotConfirmed(ValidationError):
    """The refund is recorded but the gateway did not confirm it."""
