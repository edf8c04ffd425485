"""Reconciliation: what a lost webhook would have told us, asked of the gateway.

Every few minutes (beat): checkouts still open an hour after they were opened are looked up at
the gateway and settled or closed through the same services the webhook uses; fees not yet
known are fetched; events that arrived before what they refer to are replayed; monthly
sponsorships of people who left the programme are stopped.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from ..gateways import Gateway, GatewayError, gateway
from ..gateways.events import CheckoutExpired
from ..models import Gift, Sponsorship
from . import webhooks
from .giving import gift_fee_record
from .sponsorships import sponsorships_of_departed_end
from .transitions import GIFTS, RECONCILIATION, SPONSORSHIPS

logger = logging.getLogger(__name__)

# Stripe keeps a checkout open for 24 hours; past a week nothing more will come of it.
GIVE_UP_AFTER = datetime.timedelta(days=7)


@dataclass
class Reconciled:
    asked: int = 0
    settled: int = 0
    closed: int = 0
    fees: int = 0
    replayed: int = 0
    months: int = 0  # monthly payments whose invoice.paid event was lost
    sponsorships_stopped: int = 0
    errors: int = 0


# A month is billed about every 30 days; past this with no month recorded, the gateway is asked.
MONTH_OVERDUE = datetime.timedelta(days=33)


def _lost_invoices_recover(card: Gateway, *, now: datetime.datetime, limit: int) -> int:
    """Active sponsorships with no month recorded for over a month: ask the gateway for their
    paid invoices and record any the webhook never delivered (``invoice.paid``'s handler,
    which records an invoice once)."""
    recovered = 0
    overdue = (
        Sponsorship.objects.filter(
            status=Sponsorship.Status.ACTIVE,
            gateway=card.name,
            subscription_id__isnull=False,
            started_at__lt=now - MONTH_OVERDUE,
        )
        .annotate(last_paid=Max("gifts__paid_at"))
        .filter(Q(last_paid__isnull=True) | Q(last_paid__lt=now - MONTH_OVERDUE))
        .order_by("pk")[:limit]
    )
    for sponsorship in overdue:
        since = sponsorship.last_paid or sponsorship.started_at
        if sponsorship.subscription_id is None or since is None:
            continue  # not reached: the query keeps only subscriptions that started
        try:
            invoices = card.invoices_paid(sponsorship.subscription_id, since=int(since.timestamp()))
        except GatewayError:
            continue
        for invoice in invoices:
            if Gift.objects.filter(invoice_id=invoice.invoice_id).exists():
                continue
            with transaction.atomic():
                outcome, _note = webhooks.event_apply(invoice)
            recovered += outcome == webhooks.Outcome.PROCESSED
    return recovered


def payments_reconcile(*, now: datetime.datetime | None = None, limit: int = 200) -> Reconciled:
    now = now or timezone.now()
    older_than = now - datetime.timedelta(minutes=settings.PAYMENTS_RECONCILE_AFTER_MINUTES)
    result = Reconciled()
    card = gateway()
    open_gifts = Gift.objects.filter(
        status=Gift.Status.PENDING,
        gateway=card.name,
        checkout_session_id__isnull=False,
        created_at__lt=older_than,
        created_at__gte=now - GIVE_UP_AFTER,
    ).order_by("created_at")[:limit]
    open_sponsorships = Sponsorship.objects.filter(
        status=Sponsorship.Status.PENDING,
        gateway=card.name,
        checkout_session_id__isnull=False,
        created_at__lt=older_than,
        created_at__gte=now - GIVE_UP_AFTER,
    ).order_by("created_at")[:limit]
    records: list[Gift | Sponsorship] = [*open_gifts, *open_sponsorships]
    for record in records:
        if record.checkout_session_id is None:
            continue  # not reached: both queries keep only records with a session
        result.asked += 1
        try:
            event = card.checkout_event(record.checkout_session_id)
        except GatewayError:
            result.errors += 1
            continue
        if event is None:
            continue  # still open at the gateway
        with transaction.atomic():
            outcome, _note = webhooks.event_apply(event)
        if isinstance(event, CheckoutExpired):
            result.closed += 1
        else:
            result.settled += outcome == webhooks.Outcome.PROCESSED
    # Checkouts nobody finished within a week are closed for good.
    result.closed += GIFTS.move_many(
        Gift.objects.filter(created_at__lt=now - GIVE_UP_AFTER),
        Gift.Status.EXPIRED,
        origin=Gift.Status.PENDING,
        actor_label=RECONCILIATION,
    )
    result.closed += SPONSORSHIPS.move_many(
        Sponsorship.objects.filter(created_at__lt=now - GIVE_UP_AFTER),
        Sponsorship.Status.ABANDONED,
        origin=Sponsorship.Status.PENDING,
        actor_label=RECONCILIATION,
    )
    missing_fees = Gift.objects.filter(
        status=Gift.Status.PAID, fee_recorded_at__isnull=True
    ).exclude(gateway=Gift.Gateway.BANK)[:limit]
    for gift in missing_fees:
        result.fees += gift_fee_record(gift=gift)
    result.months += _lost_invoices_recover(card, now=now, limit=limit)
    result.replayed = webhooks.deferred_replay(limit=limit)
    result.sponsorships_stopped = sponsorships_of_departed_end()
    return result
