"""Bank transfers: the donor's proof, a finance officer's match against the bank statement,
and a second, different officer's confirmation (the money enters the ledger then) or
rejection with a reason."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from accounts.services import audit_record
from core.uploads import proof_clean
from notifications.services import notification_enqueue

from ..models import CLEARING_BANK, Gift, MessageStatus
from ..permissions import may_check_transfer, may_work_on_finance
from .giving import amount_check, donor_get_or_create, gift_record_paid
from .transitions import DONOR, GIFTS

Status = Gift.Status
OPEN = (Status.AWAITING_TRANSFER, Status.PROOF_SUBMITTED)


def _finance_officer(actor: User) -> None:
    if not may_work_on_finance(actor):
        raise PermissionDenied


def _locked(gift: Gift) -> Gift:
    return Gift.objects.select_for_update().get(pk=gift.pk, gateway=Gift.Gateway.BANK)


def proof_attach(*, gift: Gift, upload: UploadedFile[bytes]) -> Gift:
    """The donor's proof, cleaned of metadata, in private storage (replacing an earlier one)."""
    content, content_type = proof_clean(upload, max_bytes=settings.DONATION_PROOF_MAX_BYTES)
    with transaction.atomic():
        gift = _locked(gift)
        if gift.status not in OPEN:
            raise ValidationError(_("This transfer has already been checked."))
        old = gift.proof.name if gift.proof else ""
        extension = "pdf" if content_type == "application/pdf" else "jpg"
        gift.proof.save(f"proof.{extension}", ContentFile(content), save=False)
        gift.proof_content_type = content_type
        gift.proof_uploaded_at = timezone.now()
        fields = ["proof", "proof_content_type", "proof_uploaded_at"]
        if gift.status == Status.PROOF_SUBMITTED:  # a clearer proof replacing the first
            gift.save(update_fields=fields)
        else:
            GIFTS.move(gift, Status.PROOF_SUBMITTED, actor_label=DONOR, fields=fields)
        if old:
            storage = gift.proof.storage
            transaction.on_commit(lambda: storage.delete(old))
    return gift


def transfer_match(
    *,
    gift: Gift,
    actor: User,
    received_amount: int,
    statement_date: datetime.date,
    statement_line: str,
) -> Gift:
    """First officer: this gift's money is on the bank statement (date, line, amount seen)."""
    _finance_officer(actor)
    if received_amount <= 0:
        raise ValidationError(_("The amount on the statement must be more than zero."))
    if statement_date > timezone.localdate():
        raise ValidationError(_("The statement date cannot be in the future."))
    with transaction.atomic():
        gift = _locked(gift)
        if gift.status not in OPEN:
            raise ValidationError(_("Only a transfer still waiting can be matched."))
        gift.received_amount = received_amount
        gift.statement_date = statement_date
        gift.statement_line = statement_line.strip()[:200]
        gift.matched_by_ref = actor.public_ref
        gift.matched_at = timezone.now()
        GIFTS.move(
            gift,
            Status.MATCHED,
            actor=actor,
            fields=[
                "received_amount",
                "statement_date",
                "statement_line",
                "matched_by_ref",
                "matched_at",
            ],
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.TRANSFER_MATCHED,
            target=f"donations.gift:{gift.pk}",
            details={"received": received_amount, "pledged": gift.amount},
        )
    return gift


def transfer_record(
    *,
    actor: User,
    amount: int,
    statement_date: datetime.date,
    statement_line: str,
    email: str = "",
    name: str = "",
    recipient_id: int | None = None,
) -> Gift:
    """First officer: a transfer found on the statement that no donor announced."""
    _finance_officer(actor)
    amount_check(amount)
    with transaction.atomic():
        donor = donor_get_or_create(email=email, name=name, language=settings.LANGUAGE_CODE)
        gift = Gift(
            donor=donor,
            recipient_id=recipient_id,
            amount=amount,
            gateway=Gift.Gateway.BANK,
            payment_method=Gift.Method.BANK_TRANSFER,
            donor_name=name.strip(),
            message_status=MessageStatus.NONE,
        )
        GIFTS.move(gift, Status.AWAITING_TRANSFER, actor=actor)
        return transfer_match(
            gift=gift,
            actor=actor,
            received_amount=amount,
            statement_date=statement_date,
            statement_line=statement_line,
        )


def transfer_confirm(*, gift: Gift, actor: User) -> Gift:
    """Second officer: the money enters the ledger, and the donor gets the receipt."""
    _finance_officer(actor)
    with transaction.atomic():
        gift = _locked(gift)
        # A matched transfer has its received amount: one without is not matched.
        if gift.status != Status.MATCHED or gift.received_amount is None:
            raise ValidationError(_("Only a matched transfer can be confirmed."))
        if not may_check_transfer(actor, gift):
            raise ValidationError(
                _("A second finance officer must confirm: you matched this transfer.")
            )
        gift.decided_by_ref = actor.public_ref
        gift.decided_at = timezone.now()
        gift.save(update_fields=["decided_by_ref", "decided_at"])
        occurred = timezone.now()
        gift_record_paid(
            gift=gift,
            amount=gift.received_amount,
            clearing=CLEARING_BANK,
            occurred_at=occurred,
            actor=actor,
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.TRANSFER_CONFIRMED,
            target=f"donations.gift:{gift.pk}",
            details={"received": gift.received_amount},
        )
    return gift


def transfer_reject(*, gift: Gift, actor: User, reason: str) -> Gift:
    """A transfer that is not on the statement, or a match the second officer disputes."""
    _finance_officer(actor)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the transfer is rejected: the donor is told."))
    with transaction.atomic():
        gift = _locked(gift)
        if gift.status not in (*OPEN, Status.MATCHED):
            raise ValidationError(_("This transfer has already been decided."))
        if gift.status == Status.MATCHED and not may_check_transfer(actor, gift):
            raise ValidationError(
                _("A second finance officer must decide: you matched this transfer.")
            )
        gift.reject_reason = reason[:300]
        gift.decided_by_ref = actor.public_ref
        gift.decided_at = timezone.now()
        GIFTS.move(
            gift,
            Status.REJECTED,
            actor=actor,
            reason=gift.reject_reason,
            fields=["reject_reason", "decided_by_ref", "decided_at"],
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.TRANSFER_REJECTED,
            target=f"donations.gift:{gift.pk}",
            reason=reason,
        )
        if gift.donor.email:
            notification_enqueue(
                template="transfer_rejected",
                dedup_key=f"transfer-rejected:{gift.pk}",
                to_address=gift.donor.email,
                language=gift.donor.language,
                context={
                    "reference": gift.bank_reference or "",
                    "amount": gift.amount,
                    "reason": gift.reject_reason,
                },
            )
    return gift
