"""Money for the finance officers' tests, made through the real services: a bank gift with its
proof, a pot funded by a confirmed transfer, a paid card gift, a warung, a disbursement."""

from __future__ import annotations

import datetime
import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.models import Role
from donations.models import Gift
from donations.services import bank
from donations.services.funds import LineInput, disbursement_record
from donations.services.giving import GiftIntent, gift_settle, giving_start
from portal.models import Status
from tests.factories import make_official
from tests.factories.meals import warung_in
from tests.factories.portal import RecipientFactory


def officer(**fields):
    return make_official(Role.FINANCE_OFFICER, **fields)


def png_upload(name: str = "bukti.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def listed_person(**fields):
    fields.setdefault("status", Status.PUBLISHED)
    return RecipientFactory(publishable=True, **fields)


def intent(*, amount: int = 50_000, recipient_id: int | None = None, bank_transfer=True, **kw):
    values = {
        "amount": amount,
        "monthly": False,
        "bank_transfer": bank_transfer,
        "recipient_id": recipient_id,
        "description": "Rantang Kasih",
        "email": "donor@example.org",
        "name": "",
        "show_name": False,
        "message": "",
        "language": "id",
        "attempt": uuid.uuid4(),
    }
    values.update(kw)
    return GiftIntent(**values)


def bank_gift(*, amount: int = 50_000, recipient=None, proof: bool = True, **kw) -> Gift:
    gift = giving_start(
        intent=intent(amount=amount, recipient_id=recipient.pk if recipient else None, **kw),
        user=None,
    )
    if proof:
        gift = bank.proof_attach(gift=gift, upload=png_upload())
    return gift


def matched_gift(first, **kw) -> Gift:
    gift = bank_gift(**kw)
    return bank.transfer_match(
        gift=gift,
        actor=first,
        received_amount=gift.amount,
        statement_date=timezone.localdate(),
        statement_line="TRF DARI DONATUR " + (gift.bank_reference or ""),
    )


def fund(first, second, *, amount: int, recipient=None) -> Gift:
    """Money into a pot (a person's, or the general fund) the way it really arrives: a
    transfer found on the statement, matched by one officer and confirmed by another."""
    gift = bank.transfer_record(
        actor=first,
        amount=amount,
        statement_date=timezone.localdate(),
        statement_line="SETORAN",
        email="donor@example.org",
        recipient_id=recipient.pk if recipient else None,
    )
    return bank.transfer_confirm(gift=gift, actor=second)


def paid_card_gift(*, amount: int = 100_000, recipient=None, message: str = "") -> Gift:
    gift = giving_start(
        intent=intent(
            amount=amount,
            recipient_id=recipient.pk if recipient else None,
            bank_transfer=False,
            message=message,
        ),
        user=None,
    )
    with transaction.atomic():
        gift_settle(
            gift=gift,
            amount=amount,
            currency="idr",
            method="card",
            payment_id=f"pi_sandbox_{uuid.uuid4().hex[:16]}",
            occurred_at=timezone.now(),
        )
    gift.refresh_from_db()
    return gift


def line(person, *, amount: int = 120_000, from_general: bool = False) -> LineInput:
    today = timezone.localdate()
    return LineInput(
        recipient_id=person.pk,
        period_start=today - datetime.timedelta(days=4),
        period_end=today,
        portions=10,
        amount=amount,
        from_general=from_general,
    )


def disbursement(first, lines: list[LineInput], **kw):
    return disbursement_record(
        actor=first,
        warung=kw.pop("warung", None) or warung_in(),
        reference=kw.pop("reference", "TRF-001"),
        paid_on=kw.pop("paid_on", timezone.localdate()),
        proof=png_upload(),
        proof_summary=kw.pop("proof_summary", "Transfer Bank Jatim ke rekening warung"),
        lines=lines,
    )
