"""What donations holds about a person, for their data download (docs/data-protection.md,
"Donations"): their donor records, gifts, sponsorships, refunds and receipts; and, for an
elderly person's access request, what was given for them, without any donor's identity."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.registry import AccountOwner

from ..models import (
    Entry,
    Gift,
    Refund,
    Sponsorship,
    Transaction,
    TransferRefund,
    recipient_account,
)
from .donors import donors_of


def _when(moment: datetime.datetime | datetime.date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime.datetime):
        return timezone.localtime(moment).isoformat()
    return moment.isoformat()


def _history(rows: Any) -> list[dict[str, Any]]:
    # Who moved a status is an official's or the gateway's business, not the donor's data.
    return [
        {"from": row.from_status, "to": row.to_status, "at": _when(row.created_at)} for row in rows
    ]


def donations_export(owner: AccountOwner) -> dict[str, Any]:
    """The personal-data export step for an account holder."""
    donors = list(donors_of(user=owner.user, emails=owner.verified_emails))
    gifts = list(
        Gift.objects.filter(donor__in=donors)
        .annotate(for_pseudonym=F("recipient__pseudonym"))
        .select_related("sponsorship")
        .prefetch_related("transitions")
        .order_by("created_at", "pk")
    )
    sponsorships = list(
        Sponsorship.objects.filter(donor__in=donors)
        .annotate(for_pseudonym=F("recipient__pseudonym"))
        .prefetch_related("transitions")
        .order_by("created_at", "pk")
    )
    refunds = list(
        Refund.objects.filter(gift__in=gifts)
        .select_related("gift")
        .prefetch_related("transitions")
        .order_by("requested_at", "pk")
    )
    transfer_refunds = list(
        TransferRefund.objects.filter(gift__in=gifts)
        .select_related("gift")
        .prefetch_related("transitions")
        .order_by("recorded_at", "pk")
    )
    return {
        "donors": [
            {
                "email": donor.email,
                "name": donor.name,
                "language": donor.language,
                "tied_to_this_account": donor.user_id == owner.user.pk,
                "created_at": _when(donor.created_at),
            }
            for donor in donors
        ],
        "gifts": [
            {
                "reference": str(gift.public_ref),
                "donor_email": next(d.email for d in donors if d.pk == gift.donor_id),
                "for": gift.for_pseudonym or "Rantang Kasih fund",
                "monthly_sponsorship": str(gift.sponsorship.public_ref)
                if gift.sponsorship is not None
                else None,
                "amount": gift.amount,
                "amount_received": gift.received_amount,
                "refunded": gift.refunded,
                "disputed": gift.disputed,
                # How the donor paid (a Gift.Method value, None while not known yet) and
                # the service that took the payment.
                "paid_by": gift.payment_method or None,
                "payment_service": gift.gateway,
                "status": gift.status,
                "name_on_receipt": gift.donor_name,
                "name_shown_publicly": gift.show_name,
                "message": gift.message,
                "message_status": gift.message_status,
                "receipt_number": gift.receipt_number,
                "bank_reference": gift.bank_reference,
                "statement_date": _when(gift.statement_date),
                "statement_line": gift.statement_line,
                "proof_of_transfer_sent": bool(gift.proof),
                "proof_sent_at": _when(gift.proof_uploaded_at),
                "created_at": _when(gift.created_at),
                "paid_at": _when(gift.paid_at),
                "history": _history(gift.transitions.all()),
            }
            for gift in gifts
        ],
        "sponsorships": [
            {
                "reference": str(sponsorship.public_ref),
                "for": sponsorship.for_pseudonym or "Rantang Kasih fund",
                "monthly_amount": sponsorship.amount,
                "status": sponsorship.status,
                "name_on_receipts": sponsorship.donor_name,
                "name_shown_publicly": sponsorship.show_name,
                "monthly_updates": sponsorship.updates,
                "created_at": _when(sponsorship.created_at),
                "started_at": _when(sponsorship.started_at),
                "ended_at": _when(sponsorship.ended_at),
                "end_reason": sponsorship.end_reason,
                "history": _history(sponsorship.transitions.all()),
            }
            for sponsorship in sponsorships
        ],
        "refunds": [
            {
                "gift": str(refund.gift.public_ref),
                "receipt_number": refund.gift.receipt_number,
                "amount": refund.amount,
                "status": refund.status,
                "reason": refund.reason,
                "requested_at": _when(refund.requested_at),
                "history": _history(refund.transitions.all()),
            }
            for refund in refunds
        ],
        # Refunds paid by transfer: the account the donor gave for it (cut to its last
        # digits once paid, wiped when cancelled).
        "refunds_by_transfer": [
            {
                "gift": str(refund.gift.public_ref),
                "receipt_number": refund.gift.receipt_number,
                "amount": refund.amount,
                "status": refund.status,
                "reason": refund.reason,
                "bank": refund.payee_bank,
                "account": refund.payee_account,
                "account_holder": refund.payee_name,
                "paid_on": refund.paid_on.isoformat() if refund.paid_on else None,
                "recorded_at": _when(refund.recorded_at),
                "history": _history(refund.transitions.all()),
            }
            for refund in transfer_refunds
        ],
    }


def recipient_donations_export(recipient: Any) -> dict[str, Any]:
    """For an elderly person's access request: what was given for them and paid out for their
    meals, per WIB month. No donor is named: who gave is the donors' personal data."""
    account = recipient_account(recipient.pk)
    rows = (
        Entry.objects.filter(
            account=account,
            transaction__kind__in=(Transaction.Kind.GIFT, Transaction.Kind.DISBURSEMENT),
        )
        .annotate(
            month=TruncMonth("transaction__occurred_at", tzinfo=timezone.get_current_timezone())
        )
        .order_by("month")
        .values("month", "transaction__kind")
        .annotate(total=Sum("amount"))
    )
    months: dict[str, dict[str, Any]] = {}
    for row in rows:
        month = row["month"]
        key = (month.date() if isinstance(month, datetime.datetime) else month).strftime("%Y-%m")
        item = months.setdefault(key, {"month": key, "given": 0, "paid_for_meals": 0})
        if row["transaction__kind"] == Transaction.Kind.GIFT:
            item["given"] += row["total"] or 0
        else:
            item["paid_for_meals"] -= row["total"] or 0
    return {"donations_per_month": list(months.values())}
