"""Refunds paid by transfer from the programme's own bank account, where the gateway cannot give
a payment back (a virtual account; QRIS on some acquirers) or the gift came by bank transfer
and has no gateway (docs/operations.md, "Refunds").

Maker-checker, as bank transfers and disbursements: one finance officer records the refund
(amount, reason, the donor's account to pay it to), a second, different one confirms the
transfer was made (its reference and date), and only then the ledger moves: the gift's pot →
``clearing:bank``, since the money leaves the programme's own account. Never more than was
received less what was refunded (through the gateway or by transfer) and what other refunds
by transfer already wait for.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from accounts.services import audit_record
from core.money import rupiah
from notifications.services import notification_enqueue

from .. import gateways
from ..models import CLEARING_BANK, Gift, Transaction, TransferRefund, fund_account
from ..permissions import may_check_transfer_refund, may_work_on_finance
from . import ledger
from .giving import finance_alert
from .transitions import TRANSFER_REFUNDS

Status = TransferRefund.Status


def refund_by_transfer(gift: Gift) -> bool:
    """Whether a gift is refunded by transfer rather than through its gateway: it came by bank
    transfer (no gateway), or its gateway cannot give back a payment made that way."""
    if gift.gateway == Gift.Gateway.BANK:
        return True
    return not gateways.gateway_named(gift.gateway).refund_possible(gift.payment_method)


def refundable_left(gift: Gift) -> int:
    """What of a gift may still be refunded: what was received, less what was refunded and
    what refunds already asked (of the gateway) or recorded (by transfer) will take."""
    received = gift.received_amount or gift.amount
    asked = gift.refunds.aggregate(total=Sum("amount"))["total"] or 0
    waiting = (
        gift.transfer_refunds.filter(status=Status.RECORDED).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    paid = (
        gift.transfer_refunds.filter(status=Status.PAID).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    # ``refunded`` counts what the gateway confirmed and what was paid by transfer; the
    # gateway's requests not confirmed yet are counted by what was asked.
    return received - max(gift.refunded, asked + paid) - waiting


def _finance_officer(actor: User) -> None:
    if not may_work_on_finance(actor):
        raise PermissionDenied


def transfer_refund_record(
    *,
    gift: Gift,
    actor: User,
    amount: int,
    reason: str,
    payee_bank: str,
    payee_account: str,
    payee_name: str,
) -> TransferRefund:
    """First officer: this gift is to be refunded by transfer to the donor's account."""
    _finance_officer(actor)
    if not reason.strip():
        raise ValidationError(_("Say why the gift is refunded."))
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."))
    payee_account = "".join(payee_account.split())
    if not (payee_bank.strip() and payee_account and payee_name.strip()):
        raise ValidationError(
            _("The donor's bank, account number and account holder are needed to pay it.")
        )
    if not payee_account.isdigit() or not 5 <= len(payee_account) <= 20:
        raise ValidationError(_("An account number is 5 to 20 digits."))
    with transaction.atomic():
        gift = Gift.objects.select_for_update().get(pk=gift.pk)
        if gift.status != Gift.Status.PAID:
            raise ValidationError(_("Only a received gift can be refunded."))
        if not refund_by_transfer(gift):
            raise ValidationError(
                _("The payment service can give this payment back: refund it through the service.")
            )
        left = refundable_left(gift)
        if amount > left:
            raise ValidationError(
                _("At most %(left)s of this gift can still be refunded.")
                % {"left": rupiah(max(left, 0))}
            )
        refund = TransferRefund(
            gift=gift,
            amount=amount,
            reason=reason.strip()[:300],
            payee_bank=payee_bank.strip()[:80],
            payee_account=payee_account,
            payee_name=payee_name.strip()[:120],
            recorded_by_ref=actor.public_ref,
        )
        TRANSFER_REFUNDS.move(refund, Status.RECORDED, actor=actor, reason=refund.reason)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.TRANSFER_REFUND_RECORDED,
            target=f"donations.transferrefund:{refund.pk}",
            reason=refund.reason,
            details={"amount": amount, "gift": gift.pk},
        )
    return refund


def transfer_refund_confirm(
    *, refund: TransferRefund, actor: User, reference: str, paid_on: datetime.date
) -> TransferRefund:
    """Second officer: the transfer was made. The ledger moves, the gift's ``refunded``
    rises, the donor is told; the donor's account number is reduced to its last digits."""
    _finance_officer(actor)
    reference = reference.strip()
    if not reference:
        raise ValidationError(_("Write the reference of the transfer, from the bank."))
    if paid_on > timezone.localdate():
        raise ValidationError(_("The transfer date cannot be in the future."))
    with transaction.atomic():
        refund = TransferRefund.objects.select_for_update().get(pk=refund.pk)
        if refund.status != Status.RECORDED:
            raise ValidationError(_("This refund has already been decided."))
        if not may_check_transfer_refund(actor, refund):
            raise ValidationError(_("A second finance officer must confirm: you recorded it."))
        if paid_on < timezone.localtime(refund.recorded_at).date():
            raise ValidationError(_("The transfer cannot be older than the refund's record."))
        gift = Gift.objects.select_for_update().get(pk=refund.gift_id)
        received = gift.received_amount or gift.amount
        if gift.refunded + refund.amount > received:
            raise ValidationError(
                _("At most %(left)s of this gift can still be refunded.")
                % {"left": rupiah(max(received - gift.refunded, 0))}
            )
        account = fund_account(gift.recipient_id)
        occurred = datetime.datetime.combine(
            paid_on, datetime.time(12), tzinfo=timezone.get_current_timezone()
        )
        ledger.ledger_post(
            kind=Transaction.Kind.REFUND,
            external_id=f"transfer-refund:{refund.pk}",
            lines=[(account, -refund.amount), (CLEARING_BANK, refund.amount)],
            occurred_at=occurred,
            memo=(gift.receipt_number or "")[:200],
            gift=gift,
            actor=actor,
        )
        gift.refunded += refund.amount
        gift.save(update_fields=["refunded"])
        refund.transfer_reference = reference[:120]
        refund.paid_on = paid_on
        refund.decided_by_ref = actor.public_ref
        refund.decided_at = timezone.now()
        # Paid: the number is no longer needed, only enough of it to answer the donor.
        refund.payee_account = refund.payee_account[-4:]
        TRANSFER_REFUNDS.move(
            refund,
            Status.PAID,
            actor=actor,
            fields=[
                "transfer_reference",
                "paid_on",
                "decided_by_ref",
                "decided_at",
                "payee_account",
            ],
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.TRANSFER_REFUND_CONFIRMED,
            target=f"donations.transferrefund:{refund.pk}",
            details={"amount": refund.amount, "gift": gift.pk},
        )
        if gift.donor.email:  # an erased donor has no address left to tell
            notification_enqueue(
                template="donation_refunded_by_transfer",
                dedup_key=f"transfer-refund:{refund.pk}",
                to_address=gift.donor.email,
                language=gift.donor.language,
                context={
                    "receipt_number": gift.receipt_number,
                    "amount": refund.amount,
                    "paid_on": paid_on.isoformat(),
                    "account_end": refund.payee_account,
                },
            )
        if ledger.balance(account) < 0:
            finance_alert(
                subject="pot_negative",
                dedup_key=f"pot-negative:{account}:transfer-refund:{refund.pk}",
                detail=ledger.account_label(account),
            )
    return refund


def transfer_refund_cancel(*, refund: TransferRefund, actor: User, reason: str) -> TransferRefund:
    """A recorded refund that will not be paid (a wrong account, the donor withdrew): any
    finance officer may cancel it before it is confirmed; the account details are wiped."""
    _finance_officer(actor)
    if not reason.strip():
        raise ValidationError(_("Say why the refund is cancelled."))
    with transaction.atomic():
        refund = TransferRefund.objects.select_for_update().get(pk=refund.pk)
        if refund.status != Status.RECORDED:
            raise ValidationError(_("This refund has already been decided."))
        refund.decision_note = reason.strip()[:300]
        refund.decided_by_ref = actor.public_ref
        refund.decided_at = timezone.now()
        refund.payee_bank = refund.payee_account = refund.payee_name = ""
        TRANSFER_REFUNDS.move(
            refund,
            Status.CANCELLED,
            actor=actor,
            reason=refund.decision_note,
            fields=[
                "decision_note",
                "decided_by_ref",
                "decided_at",
                "payee_bank",
                "payee_account",
                "payee_name",
            ],
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.TRANSFER_REFUND_CANCELLED,
            target=f"donations.transferrefund:{refund.pk}",
            reason=refund.decision_note,
        )
    return refund


def refund_gateway_check(gift: Gift) -> None:
    """Refused before the gateway is asked: a payment it cannot give back is refunded by
    transfer (``transfer_refund_record``)."""
    if gift.gateway != Gift.Gateway.BANK and refund_by_transfer(gift):
        # Midtrans cannot give back a virtual account's payment: nothing is asked of it.
        raise ValidationError(
            _(
                "The payment service cannot give back a payment by %(method)s: "
                "refund this gift by bank transfer."
            )
            % {"method": gift.get_payment_method_display()}
        )
