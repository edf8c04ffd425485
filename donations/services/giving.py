"""Giving: a donor's attempt becomes a Gift or a Sponsorship, then a hosted checkout or a bank
transfer reference. The server decides every amount; the browser only says which.

Money is recorded when the gateway says it arrived (``gift_settle``, called from the signed
webhook or from reconciliation), and for bank transfers when a second finance officer confirms
(``donations.services.bank``), never from a success page.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from celery import Task
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import AuditEvent, Role, User
from accounts.selectors import users_with_role
from accounts.services import audit_record, role_grant
from core.money import format_rupiah
from core.pagecache import LEDGER, listing, public_pages_changed
from notifications.services import notification_enqueue
from portal.models import Recipient

from .. import gateways
from ..gateways import CheckoutRequest, GatewayError
from ..gateways.events import PaymentDetails
from ..models import (
    Donor,
    Gift,
    MessageStatus,
    ReceiptCounter,
    Sponsorship,
    Transaction,
    clearing_account,
    donor_key,
    fund_account,
)
from ..permissions import may_work_on_finance
from . import ledger
from .receipts import receipt_link
from .transfer_codes import transfer_code_choose
from .transitions import DONOR, GATEWAY, GIFTS, SPONSORSHIPS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

# Bank references are read aloud and typed into banking apps: no 0/O, 1/I/L.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


# A method's name inside a sentence ("Payment by card takes …"); a method not listed here is
# named by its label, as a proper name (QRIS, GoPay).
_IN_A_SENTENCE = "payment method in a sentence"
_METHOD_IN_A_SENTENCE: dict[str, StrOrPromise] = {
    Gift.Method.CARD.value: gettext_lazy("card"),
    Gift.Method.BANK_TRANSFER.value: gettext_lazy("bank transfer"),
    Gift.Method.VA_BCA.value: pgettext_lazy(_IN_A_SENTENCE, "BCA virtual account"),
    Gift.Method.VA_BNI.value: pgettext_lazy(_IN_A_SENTENCE, "BNI virtual account"),
    Gift.Method.VA_BRI.value: pgettext_lazy(_IN_A_SENTENCE, "BRI virtual account"),
    Gift.Method.VA_PERMATA.value: pgettext_lazy(_IN_A_SENTENCE, "Permata virtual account"),
}


def method_in_a_sentence(method: str) -> StrOrPromise:
    """A payment method's name as it reads inside a sentence ("Payment by card takes …")."""
    labels: dict[str, StrOrPromise] = dict(Gift.Method.choices)
    return _METHOD_IN_A_SENTENCE.get(method) or labels.get(method, method)


def method_limits(method: str) -> tuple[int, int]:
    """The smallest and largest gift a payment method takes (``PAYMENT_METHOD_LIMITS``), never
    beyond the overall ``DONATION_MIN_RUPIAH``/``DONATION_MAX_RUPIAH``."""
    low, high = settings.DONATION_MIN_RUPIAH, settings.DONATION_MAX_RUPIAH
    method_low, method_high = settings.PAYMENT_METHOD_LIMITS.get(method, (low, high))
    return max(low, method_low), min(high, method_high)


def amount_check(amount: int, *, method: str | None = None) -> None:
    """The server's own check of an amount, whatever the form did: the overall bounds, then
    those of the payment method (a ``Gift.Method`` value) when one is given."""
    low, high = settings.DONATION_MIN_RUPIAH, settings.DONATION_MAX_RUPIAH
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < low:
        raise ValidationError(
            _("The smallest gift is Rp%(min)s.") % {"min": format_rupiah(low)},
            "min",
        )
    if amount > high:
        raise ValidationError(
            _("The largest gift through the portal is Rp%(max)s; for more, contact us.")
            % {"max": format_rupiah(high)},
            "max",
        )
    if method is None:
        return
    method_low, method_high = method_limits(method)
    if not method_low <= amount <= method_high:
        name = method_in_a_sentence(method)
        raise ValidationError(
            _("Payment by %(method)s takes Rp%(min)s to Rp%(max)s.")
            % {
                "method": name,
                "min": format_rupiah(method_low),
                "max": format_rupiah(method_high),
            },
            "method_limits",
        )


def donor_get_or_create(
    *, email: str, name: str = "", user: User | None = None, language: str
) -> Donor:
    """The donor an address (or an account's address) belongs to. ``name`` becomes the
    name last given; the gift being made keeps its own copy."""
    if user is not None:
        email = user.email
    key = donor_key(email)
    donor = Donor.objects.filter(key=key).first()
    if donor is None:
        try:
            with transaction.atomic():
                donor = Donor.objects.create(
                    key=key, email=email.strip(), name=name.strip(), user=user, language=language
                )
        except IntegrityError:
            donor = Donor.objects.get(key=key)
    changed = []
    if user is not None and donor.user_id is None:
        donor.user = user
        changed.append("user")
    if name.strip() and donor.name != name.strip():
        donor.name = name.strip()
        changed.append("name")
    if donor.language != language:
        donor.language = language
        changed.append("language")
    if changed:
        donor.save(update_fields=changed)
    if user is not None and not user.role_grants.filter(role=Role.DONOR).exists():
        role_grant(user=user, role=Role.DONOR, actor_label="system:first_gift")
    return donor


@dataclass(frozen=True)
class GiftIntent:
    """What the donor asked for, after the form checked it."""

    amount: int
    monthly: bool
    bank_transfer: bool  # a transfer to the programme's own account (method "bank_transfer")
    recipient_id: int | None  # None: the general fund
    description: str  # never personal data: "Rantang Kasih: <pseudonym>" or the fund's name
    email: str
    name: str
    show_name: bool
    message: str
    language: str
    attempt: uuid.UUID  # from the form: a double submit is the same attempt
    # The method the donor chose (a ``Gift.Method`` value); "" with ``bank_transfer`` false
    # is a card, as before methods were chosen.
    method: str = ""

    def __post_init__(self) -> None:
        if self.bank_transfer and self.method not in ("", Gift.Method.BANK_TRANSFER):
            raise ValueError(f"a bank transfer paid by {self.method!r}")
        if self.method and self.method not in Gift.Method.values:
            raise ValueError(f"no payment method is {self.method!r}")

    @property
    def payment_method(self) -> str:
        """The method the donor chose (a ``Gift.Method`` value)."""
        if self.bank_transfer:
            return Gift.Method.BANK_TRANSFER
        return self.method or Gift.Method.CARD

    @property
    def by_transfer(self) -> bool:
        return self.payment_method == Gift.Method.BANK_TRANSFER


def _bank_reference() -> str:
    return "RK-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def giving_start(*, intent: GiftIntent, user: User | None) -> Gift | Sponsorship:
    """Write the gift or sponsorship for this attempt, or return the one already written."""
    amount_check(intent.amount, method=intent.payment_method)
    if intent.monthly and intent.payment_method != Gift.Method.CARD:
        raise ValidationError(
            _("Monthly gifts are by card; give once by %(method)s.")
            % {"method": method_in_a_sentence(intent.payment_method)},
            "monthly",
        )
    existing = (
        Sponsorship.objects.filter(idempotency_key=intent.attempt).first()
        or Gift.objects.filter(idempotency_key=intent.attempt).first()
    )
    if existing is not None:
        return existing
    try:
        return _giving_create(intent=intent, user=user)
    except IntegrityError:
        # The same attempt submitted twice at the same moment: the first one's row stands.
        existing = (
            Sponsorship.objects.filter(idempotency_key=intent.attempt).first()
            or Gift.objects.filter(idempotency_key=intent.attempt).first()
        )
        if existing is None:
            raise
        return existing


def _giving_create(*, intent: GiftIntent, user: User | None) -> Gift | Sponsorship:
    with transaction.atomic():
        donor = donor_get_or_create(
            email=intent.email, name=intent.name, user=user, language=intent.language
        )
        actor_label = "" if user else DONOR
        if intent.monthly:
            sponsorship = Sponsorship(
                donor=donor,
                recipient_id=intent.recipient_id,
                amount=intent.amount,
                show_name=intent.show_name,
                donor_name=intent.name.strip(),
                gateway=gateways.gateway().name,
                idempotency_key=intent.attempt,
            )
            SPONSORSHIPS.move(
                sponsorship, Sponsorship.Status.PENDING, actor=user, actor_label=actor_label
            )
            return sponsorship
        fields = {
            "donor": donor,
            "recipient_id": intent.recipient_id,
            "amount": intent.amount,
            "show_name": intent.show_name,
            "donor_name": intent.name.strip(),
            "message": intent.message.strip()[:280],
            "message_status": MessageStatus.PENDING if intent.message.strip() else "none",
            "language": intent.language,
            "idempotency_key": intent.attempt,
        }
        if not intent.by_transfer:
            method = intent.payment_method
            gift = Gift(
                gateway=gateways.gateway_for_method(method).name,
                # The donor chose QRIS, an e-wallet or a virtual account, and that checkout
                # offers only it; a card checkout may be paid another way where Stripe's
                # account enables one, so its payment's details say (gift_settle).
                payment_method="" if method == Gift.Method.CARD else method,
                **fields,
            )
            GIFTS.move(gift, Gift.Status.PENDING, actor=user, actor_label=actor_label)
            return gift
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    code = transfer_code_choose(
                        base=intent.amount, highest=method_limits(Gift.Method.BANK_TRANSFER)[1]
                    )
                    gift = Gift(
                        gateway=Gift.Gateway.BANK,
                        payment_method=Gift.Method.BANK_TRANSFER,
                        bank_reference=_bank_reference(),
                        transfer_code=code,
                        **{**fields, "amount": intent.amount + (code or 0)},
                    )
                    GIFTS.move(
                        gift, Gift.Status.AWAITING_TRANSFER, actor=user, actor_label=actor_label
                    )
            except IntegrityError:
                if Gift.objects.filter(idempotency_key=intent.attempt).exists():
                    return Gift.objects.get(idempotency_key=intent.attempt)
                continue
            transfer_instructions_send(gift)
            return gift
        raise RuntimeError("no free bank reference after five tries")


def transfer_instructions_send(gift: Gift) -> None:
    """The account, the amount and the reference by e-mail, with the link to send the proof:
    the donor may close the page before transferring."""
    with translation.override(gift.donor.language or settings.LANGUAGE_CODE):
        link = settings.PORTAL_BASE_URL + reverse("donations:transfer", args=[gift.public_ref])
    notification_enqueue(
        template="transfer_instructions",
        dedup_key=f"transfer-instructions:{gift.pk}",
        to_address=gift.donor.email,
        language=gift.donor.language,
        context={
            "amount": gift.amount,
            "code": gift.transfer_code or 0,
            "reference": gift.bank_reference,
            "bank": settings.BANK_TRANSFER_BANK,
            "account_number": settings.BANK_TRANSFER_ACCOUNT_NUMBER,
            "account_name": settings.BANK_TRANSFER_ACCOUNT_NAME,
            "link": link,
        },
    )


def checkout_open(
    *, record: Gift | Sponsorship, description: str, success_url: str, cancel_url: str
) -> str:
    """The hosted checkout's address for a gift or sponsorship (opened once per attempt)."""
    if record.checkout_url:
        return record.checkout_url
    monthly = isinstance(record, Sponsorship)
    ref_key = "sponsorship" if monthly else "gift"
    checkout = gateways.gateway_named(record.gateway).checkout_create(
        CheckoutRequest(
            mode="subscription" if monthly else "payment",
            amount=record.amount,
            description=description,
            email=record.donor.email,
            locale="en" if record.donor.language == "en" else "id",
            metadata={ref_key: str(record.public_ref)},
            idempotency_key=f"{ref_key}-{record.idempotency_key}",
            success_url=success_url,
            cancel_url=cancel_url,
            method="card" if isinstance(record, Sponsorship) else record.payment_method,
        )
    )
    type(record).objects.filter(pk=record.pk).update(
        checkout_session_id=checkout.session_id, checkout_url=checkout.url
    )
    record.checkout_session_id, record.checkout_url = checkout.session_id, checkout.url
    return checkout.url


def _receipt_number(moment: datetime.datetime) -> str:
    year = timezone.localtime(moment).year
    ReceiptCounter.objects.get_or_create(year=year)
    counter = ReceiptCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"RK-{year}-{counter.last:06d}"


def finance_alert(*, subject: str, dedup_key: str, detail: str = "") -> None:
    """Tell every finance officer about something that needs a person (outbox)."""
    for officer in users_with_role(Role.FINANCE_OFFICER):
        notification_enqueue(
            template="finance_alert",
            dedup_key=f"{dedup_key}:{officer.pk}",
            user=officer,
            context={"subject": subject, "detail": detail},
        )


def gift_flag(*, gift: Gift, reason: str) -> None:
    if gift.status == Gift.Status.FLAGGED:
        return
    gift.flag_reason = reason[:300]
    GIFTS.move(
        gift,
        Gift.Status.FLAGGED,
        actor_label=GATEWAY,
        reason=gift.flag_reason,
        fields=["flag_reason"],
    )
    finance_alert(
        subject="gift_flagged",
        dedup_key=f"gift-flagged:{gift.pk}",
        detail=f"{gift.public_ref}: {reason}",
    )


def gift_record_paid(
    *,
    gift: Gift,
    amount: int,
    clearing: str,
    occurred_at: datetime.datetime,
    actor: User | None = None,
) -> None:
    """Money for this gift arrived: the ledger, the receipt number, the receipt. Call with the
    gift's row locked; does nothing the second time."""
    if gift.status == Gift.Status.PAID:
        return
    gift.paid_at = occurred_at
    gift.receipt_number = _receipt_number(occurred_at)
    GIFTS.move(
        gift,
        Gift.Status.PAID,
        actor=actor,
        actor_label="" if actor else GATEWAY,
        # The method gift_settle read from the event is saved with the payment it describes.
        fields=["paid_at", "receipt_number", "payment_intent_id", "payment_method"],
    )
    ledger.ledger_post(
        kind=Transaction.Kind.GIFT,
        external_id=f"gift:{gift.pk}",
        lines=[(clearing, -amount), (fund_account(gift.recipient_id), amount)],
        occurred_at=occurred_at,
        memo=gift.receipt_number,
        gift=gift,
        actor=actor,
    )
    if gift.donor.email:  # a transfer an officer found on the statement may have no address
        notification_enqueue(
            template="donation_receipt",
            dedup_key=f"receipt:{gift.pk}",
            to_address=gift.donor.email,
            language=gift.donor.language,
            context=receipt_context(gift),
        )
    if gift.gateway != Gift.Gateway.BANK:
        from ..tasks import gift_fee_fetch  # noqa: PLC0415 -- tasks import the services

        pk = gift.pk
        transaction.on_commit(lambda: _fee_fetch_later(gift_fee_fetch, pk))


def _fee_fetch_later(task: Task[[int], Any], pk: int) -> None:
    try:
        task.delay(pk)
    except Exception:  # broker down: reconciliation fetches fees still missing
        logger.warning("could not queue the fee of gift %s; reconciliation will", pk)


def receipt_context(gift: Gift) -> dict[str, Any]:
    return {
        "receipt_number": gift.receipt_number,
        "amount": gift.received_amount or gift.amount,
        "transfer_code": gift.transfer_code or 0,
        "paid_on": timezone.localtime(gift.paid_at).date().isoformat(),
        "for_listing": gift.recipient.pseudonym if gift.recipient else "",
        "monthly": gift.sponsorship_id is not None,
        "sandbox": gift.sandbox,
        # Codes, not words: the e-mail is rendered later, in the donor's language.
        "payment_method": gift.payment_method,
        "gateway": gift.gateway,
        "link": receipt_link(gift),
    }


def gift_settle(
    *,
    gift: Gift,
    amount: int | None,
    currency: str,
    payment_id: str | None,
    occurred_at: datetime.datetime,
    method: str = "",
) -> str:
    """A payment succeeded at the gateway (``amount`` in whole units of ``currency``, as its
    event says). Checks it against our record: an amount or currency that disagrees is
    refused (not in the ledger) and flagged. Returns "paid", "already" or "flagged"."""
    gift = Gift.objects.select_for_update().get(pk=gift.pk)
    if gift.status == Gift.Status.PAID:
        return "already"
    if gift.status == Gift.Status.FLAGGED:
        return "flagged"
    if currency != "idr" or amount != gift.amount:
        gift_flag(
            gift=gift,
            reason=(
                f"gateway says {'a fraction of a unit' if amount is None else amount} "
                f"{currency or '?'}, our record {gift.amount} idr"
            ),
        )
        return "flagged"
    if payment_id:
        gift.payment_intent_id = payment_id
    if method and not gift.payment_method:
        gift.payment_method = method
    gift_record_paid(
        gift=gift,
        amount=gift.amount,
        clearing=clearing_account(gift.gateway),
        occurred_at=occurred_at,
    )
    return "paid"


def gift_payment_lookup(*, gift: Gift) -> bool:
    """Ask the gateway which payment paid a month whose invoice event did not say (outside
    any transaction), then fetch its fee and replay the events that waited for it. True once
    known."""
    if gift.payment_intent_id:
        return True
    if not gift.invoice_id:
        return False
    try:
        payment_id = gateways.gateway_named(gift.gateway).invoice_payment(gift.invoice_id)
    except GatewayError:
        return False  # reconciliation asks again
    if not payment_id:
        return False
    updated = Gift.objects.filter(pk=gift.pk, payment_intent_id__isnull=True).update(
        payment_intent_id=payment_id
    )
    gift.refresh_from_db()
    if updated:
        from .webhooks import payment_recorded_later  # noqa: PLC0415 -- webhooks import giving

        with transaction.atomic():
            payment_recorded_later(payment_id)
    gift_fee_record(gift=gift)
    return True


def gift_fee_record(*, gift: Gift) -> bool:
    """Ask the gateway what it kept of a payment, and how it was paid, and post the fee as an
    operating cost of the gift's own pot. True once recorded (now or before). A fee in another
    currency than rupiah is refused and the finance officers are told: converting it would
    hide that the gateway's payouts no longer reconcile with the ledger."""
    if gift.fee_recorded_at is not None or gift.status != Gift.Status.PAID:
        return gift.fee_recorded_at is not None
    if not gift.payment_intent_id or gift.fee_refused:
        return False
    try:
        details = gateways.gateway_named(gift.gateway).payment_details(gift.payment_intent_id)
    except GatewayError:
        return False
    if details is None or details.fee is None:
        return False
    return gift_fee_book(gift=gift, details=details)


def gift_fee_book(*, gift: Gift, details: PaymentDetails) -> bool:
    """Post what the gateway says it kept of a paid gift (from its event, or asked later),
    once. True once recorded (now or before); False when refused (not in rupiah) or not
    known yet."""
    if details.fee is None:
        return False
    with transaction.atomic():
        gift = Gift.objects.select_for_update().get(pk=gift.pk)
        if gift.fee_recorded_at is not None:
            return True
        changed = []
        if details.method and not gift.payment_method:
            gift.payment_method = details.method
            changed.append("payment_method")
        if details.currency != "idr":
            gift.fee_refused = f"fee of {details.fee} {details.currency or '?'} is not in rupiah"
            gift.save(update_fields=[*changed, "fee_refused"])
            finance_alert(
                subject="fee_currency",
                dedup_key=f"fee-currency:{gift.pk}",
                detail=f"{gift.receipt_number}: {gift.fee_refused}",
            )
            return False
        if details.fee > 0:
            account = fund_account(gift.recipient_id)
            ledger.ledger_post(
                kind=Transaction.Kind.FEE,
                external_id=f"fee:{gift.pk}",
                lines=[(account, -details.fee), ("operating", details.fee)],
                occurred_at=gift.paid_at,
                memo=gift.receipt_number or "",
                gift=gift,
            )
            _cap_watch(gift)
        gift.fee = details.fee
        gift.fee_recorded_at = timezone.now()
        gift.save(update_fields=[*changed, "fee", "fee_recorded_at"])
    return True


def _cap_watch(gift: Gift) -> None:
    """A fee is a fact: it is recorded even when it pushes costs over the cap, and the finance
    officers are told (docs/architecture.md, "Money")."""
    if gift.paid_at is None:
        return  # an unpaid gift falls in no period
    period = ledger.period_for(gift.paid_at)
    if period is not None and ledger.period_totals(period).over_cap:
        finance_alert(
            subject="cap_exceeded",
            dedup_key=f"cap:{period.pk}:{timezone.localdate().isoformat()}",
            detail=str(period),
        )


def gift_message_moderate(*, gift: Gift, actor: User, approve: bool, note: str = "") -> Gift:
    """A finance officer decides whether a donor's public message is shown. Only a message
    waiting for moderation is decided; the decision is on record."""
    if not may_work_on_finance(actor):
        raise PermissionDenied
    with transaction.atomic():
        gift = Gift.objects.select_for_update().get(pk=gift.pk)
        if gift.message_status != MessageStatus.PENDING:
            raise ValidationError(_("This message has already been moderated."))
        gift.message_status = MessageStatus.APPROVED if approve else MessageStatus.REJECTED
        gift.save(update_fields=["message_status"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.MESSAGE_MODERATED,
            target=f"donations.gift:{gift.pk}",
            reason=note.strip(),
            details={"approved": approve},
        )
    if approve:  # shown on the transparency page (and its listing's), both cached
        public_ids = Recipient.objects.filter(pk=gift.recipient_id).values_list(
            "public_id", flat=True
        )
        public_pages_changed(LEDGER, *(listing(pid) for pid in public_ids))
    return gift
