"""Reconciliation: what a lost webhook would have told us, asked of the gateway.

Every few minutes (beat): checkouts still open an hour after they were opened are looked up at
the gateway that opened them (cards' and Midtrans's) and settled or closed through the same
services the webhook uses; months whose
``invoice.paid`` was lost are listed and recorded; the payment of a month whose invoice did not
name it is looked up; fees not yet known are fetched; events that arrived before what they
refer to are replayed; monthly sponsorships of people who left the programme are stopped.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from .. import gateways
from ..gateways import Gateway, GatewayError, NotStarted
from ..gateways.events import CheckoutExpired
from ..models import Gift, Sponsorship
from . import webhooks
from .giving import gift_fee_record, gift_payment_lookup
from .sponsorships import sponsorships_of_departed_end
from .transitions import GIFTS, RECONCILIATION, SPONSORSHIPS

logger = logging.getLogger(__name__)

# Stripe keeps a checkout open for 24 hours; past a week nothing more will come of it.
GIVE_UP_AFTER = datetime.timedelta(days=7)
# Midtrans's gifts (QRIS, e-wallets, virtual accounts), asked through their own gateway.
MIDTRANS_GATEWAYS = (Gift.Gateway.MIDTRANS.value, Gift.Gateway.MIDTRANS_SANDBOX.value)


@dataclass
class Reconciled:
    asked: int = 0
    settled: int = 0
    closed: int = 0
    fees: int = 0
    replayed: int = 0
    months: int = 0  # monthly payments whose invoice.paid event was lost
    payments: int = 0  # paid months whose payment, not named by their invoice, was found
    sponsorships_stopped: int = 0
    errors: int = 0


# A month is billed about every 30 days; past this with no month recorded, the gateway is asked.
MONTH_OVERDUE = datetime.timedelta(days=33)
# Our sponsorship row is written before its checkout opens, so its first invoice was created
# after it: listed from then, less this much for a gateway clock a little behind ours.
CLOCK_SKEW = datetime.timedelta(hours=1)


def _lost_invoices_recover(card: Gateway, *, now: datetime.datetime, limit: int) -> int:
    """Ask the gateway for the paid invoices of active sponsorships whose months may be
    missing, and record any the webhook never delivered (``invoice.paid``'s handler, which
    records an invoice once).

    A sponsorship with no month yet is asked about as soon as a checkout would be (its first
    invoice is paid at checkout), listing invoices since our row was written: the webhook sets
    ``started_at`` only after Stripe has created that invoice. One with months is asked when
    its last month is overdue, listing invoices since that month."""
    recovered = 0
    older_than = now - datetime.timedelta(minutes=settings.PAYMENTS_RECONCILE_AFTER_MINUTES)
    # A month flagged for a disagreeing amount has no paid_at but is on record: its own
    # invoice is known, so it counts as the last month.
    candidates = (
        Sponsorship.objects.filter(
            status=Sponsorship.Status.ACTIVE,
            gateway=card.name,
            subscription_id__isnull=False,
        )
        .annotate(
            began=Coalesce("started_at", "created_at"),
            last_month=Max(Coalesce("gifts__paid_at", "gifts__created_at")),
        )
        .filter(
            Q(last_month__isnull=True, began__lt=older_than) | Q(last_month__lt=now - MONTH_OVERDUE)
        )
        .order_by("pk")[:limit]
    )
    for sponsorship in candidates:
        if sponsorship.subscription_id is None:
            continue  # not reached: the query keeps only sponsorships with a subscription
        last_month: datetime.datetime | None = sponsorship.last_month
        since = last_month or sponsorship.created_at - CLOCK_SKEW
        try:
            invoices = card.invoices_paid(sponsorship.subscription_id, since=int(since.timestamp()))
        except GatewayError:
            continue
        for invoice in invoices:
            if Gift.objects.filter(invoice_id=invoice.invoice_id).exists():
                continue
            with transaction.atomic():
                outcome, _note = webhooks.event_apply(invoice, gateway_name=card.name)
            recovered += outcome == webhooks.Outcome.PROCESSED
    return recovered


def _month_payments_look_up(card: Gateway, *, limit: int) -> int:
    """Paid months whose invoice did not name its payment, and whose lookup after commit did
    not happen (a broker down, the gateway unreachable): asked again. A refund, a dispute or
    the fee of a month needs its payment."""
    months = Gift.objects.filter(
        status=Gift.Status.PAID,
        gateway=card.name,
        invoice_id__isnull=False,
        payment_intent_id__isnull=True,
    ).order_by("pk")[:limit]
    return sum(gift_payment_lookup(gift=gift) for gift in months)


def payments_reconcile(*, now: datetime.datetime | None = None, limit: int = 200) -> Reconciled:
    now = now or timezone.now()
    older_than = now - datetime.timedelta(minutes=settings.PAYMENTS_RECONCILE_AFTER_MINUTES)
    result = Reconciled()
    card = gateways.gateway()
    open_gifts = Gift.objects.filter(
        status=Gift.Status.PENDING,
        gateway__in=[card.name, *MIDTRANS_GATEWAYS],
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
            asked = card if record.gateway == card.name else gateways.gateway_named(record.gateway)
            event = asked.checkout_event(record.checkout_session_id)
        except NotStarted:
            continue  # a Snap page nobody chose a way to pay on: nothing at the gateway yet
        except GatewayError:
            result.errors += 1
            continue
        if event is None:
            continue  # still open at the gateway
        with transaction.atomic():
            outcome, _note = webhooks.event_apply(event, gateway_name=asked.name)
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
    # Months first: a month found now has its payment and fee asked in the same run.
    result.months += _lost_invoices_recover(card, now=now, limit=limit)
    result.payments += _month_payments_look_up(card, limit=limit)
    # A fee refused (not in rupiah) is not asked again: the finance officers were told, and
    # such rows must not crowd out the fees still to fetch.
    missing_fees = (
        Gift.objects.filter(
            status=Gift.Status.PAID,
            fee_recorded_at__isnull=True,
            fee_refused="",
            payment_intent_id__isnull=False,
        )
        .exclude(gateway=Gift.Gateway.BANK)
        .order_by("pk")[:limit]
    )
    for gift in missing_fees:
        result.fees += gift_fee_record(gift=gift)
    result.replayed = webhooks.deferred_replay(limit=limit)
    result.sponsorships_stopped = sponsorships_of_departed_end()
    return result
