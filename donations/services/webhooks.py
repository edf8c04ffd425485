"""Gateway events: verify and parse (the gateway's package) → record once → handler table →
service.

Each gateway parses its own JSON into the typed events of ``donations.gateways.events``; the
handlers here read only those. Every event is written once, by its id, in the same database
transaction as what it changes: a repeat, even one arriving at the same moment, finds the row
and changes nothing. An event about something we do not know yet (out of order: a refund before
its payment) is kept as ``deferred`` and replayed when its payment is recorded, and by
reconciliation; an event about nothing of ours is recorded as ``ignored``. Amounts and
currencies are checked against our records; a disagreement is refused and flagged for the
finance officers. Nothing here calls a gateway: what an event does not say (the payment of an
invoice) is asked after commit (``tasks.gift_payment_lookup``). The webhook answers 200 to all
of these: only a database that cannot record the event makes it fail (and the gateway retry).

An event moves only records of its own gateway (``_same_money``): one from Midtrans's
notification endpoint, signed with Midtrans's key, never moves a card gift whatever reference
it names, and a Stripe event never moves a Midtrans gift; such an event changes nothing and is
flagged. A gateway whose notification only says that something happened (Midtrans) is asked
what happened, and that answer is what is recorded (``event_receive_confirmed``).

Disputes follow the money: the ledger moves when the gateway withdraws or reinstates funds
(with the dispute fee it took or gave back); opening and closing a dispute change its status
only. An inquiry, where nothing is withdrawn, never touches a pot.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.pagecache import PROGRESS, listing, public_pages_changed
from notifications.services import notification_enqueue
from portal.models import Recipient

from ..gateways.events import (
    CheckoutExpired,
    DisputeClosed,
    DisputeFundsReinstated,
    DisputeFundsWithdrawn,
    DisputeOpened,
    EventLoadError,
    GatewayEvent,
    InvoicePaid,
    PaymentDetails,
    PaymentFailed,
    PaymentPending,
    PaymentSettled,
    RefundTotalChanged,
    SubscriptionEnded,
    SubscriptionStarted,
    Unhandled,
    event_dump,
    event_load,
)
from ..models import (
    GATEWAY_CLEARING,
    OPERATING,
    Gift,
    Sponsorship,
    Transaction,
    WebhookEvent,
    clearing_account,
    fund_account,
)
from . import ledger
from .giving import finance_alert, gift_fee_book, gift_settle
from .transitions import GATEWAY, GIFTS, SPONSORSHIPS

logger = logging.getLogger(__name__)

Outcome = WebhookEvent.Outcome
Result = tuple[str, str]  # (outcome, note)
E = TypeVar("E", bound=GatewayEvent)

# A deferred event is given up (and flagged) after this many replays AND this long a wait: a
# replay runs after every processed event, so a count alone gives up within seconds on a busy
# webhook (a refund overtaking its payment by a few events); Stripe retries for three days.
MAX_REPLAYS = 50
MAX_WAIT = datetime.timedelta(days=3)


class _ForeignRecord(Exception):
    """The event names a record another gateway's money went through (see ``_mine``)."""

    def __init__(self, record: Gift | Sponsorship):
        super().__init__(record.gateway)
        self.record = record


def _same_money(gateway_name: str, record_gateway: str) -> bool:
    """Whether a record's money passes through the clearing account of the event's gateway
    (each sandbox stands in for its own gateway, and shares its clearing account)."""
    clearing = GATEWAY_CLEARING.get(gateway_name)
    return clearing is not None and GATEWAY_CLEARING.get(record_gateway) == clearing


R = TypeVar("R", Gift, Sponsorship)


def _mine(record: R | None, gateway_name: str) -> R | None:
    """``record`` when the event's gateway took its money; raises ``_ForeignRecord`` when
    another gateway did (``event_apply`` flags the event, nothing is changed)."""
    if record is not None and not _same_money(gateway_name, record.gateway):
        raise _ForeignRecord(record)
    return record


def _by_ref(model: type[Gift] | type[Sponsorship], ref: str | None) -> Any:
    if not ref:
        return None
    try:
        return model.objects.filter(public_ref=ref).first()
    except Exception:  # not a UUID: not ours
        return None


def _gift_for_checkout(
    checkout_id: str | None, reference: str | None, gateway_name: str
) -> Gift | None:
    gift = None
    if checkout_id:
        gift = Gift.objects.filter(checkout_session_id=checkout_id).first()
    return _mine(gift or _by_ref(Gift, reference), gateway_name)


# --- One-off payments --------------------------------------------------------------------------


def payment_settled(event: PaymentSettled, gateway_name: str) -> Result:
    gift = _gift_for_checkout(event.checkout_id, event.reference, gateway_name)
    if gift is None:
        return Outcome.IGNORED, "no gift of ours for this checkout"
    result = gift_settle(
        gift=gift,
        amount=event.amount,
        currency=event.currency,
        payment_id=event.payment,
        method=event.method,
        occurred_at=event.occurred_at,
    )
    if result == "flagged":
        return Outcome.FLAGGED, "amount or currency disagrees with our record"
    if result == "paid" and event.fee is not None:
        # The gateway said what it kept in the event itself: no need to ask it later.
        fee = PaymentDetails(fee=event.fee, currency=event.currency, method=event.method)
        gift_fee_book(gift=gift, details=fee)
    return Outcome.PROCESSED, result


def payment_pending(event: PaymentPending, gateway_name: str) -> Result:
    if _gift_for_checkout(event.checkout_id, event.reference, gateway_name) is None:
        return Outcome.IGNORED, "no gift of ours for this checkout"
    # A delayed payment method: the money is not there yet; its success or failure follows.
    return Outcome.PROCESSED, "completed, payment pending"


def payment_failed(event: PaymentFailed, gateway_name: str) -> Result:
    gift = _gift_for_checkout(event.checkout_id, event.reference, gateway_name)
    if gift is None:
        return Outcome.IGNORED, "no gift of ours for this checkout"
    moved = GIFTS.move_if(
        gift, Gift.Status.FAILED, expected=Gift.Status.PENDING, actor_label=GATEWAY
    )
    return Outcome.PROCESSED, "failed" if moved else f"already {gift.status}"


def checkout_expired(event: CheckoutExpired, gateway_name: str) -> Result:
    gift = _gift_for_checkout(event.checkout_id, event.reference, gateway_name)
    if gift is not None:
        GIFTS.move_if(gift, Gift.Status.EXPIRED, expected=Gift.Status.PENDING, actor_label=GATEWAY)
        return Outcome.PROCESSED, "expired"
    sponsorship = None
    if event.checkout_id:
        sponsorship = Sponsorship.objects.filter(checkout_session_id=event.checkout_id).first()
    sponsorship = _mine(sponsorship, gateway_name)
    if sponsorship is not None:
        SPONSORSHIPS.move_if(
            sponsorship,
            Sponsorship.Status.ABANDONED,
            expected=Sponsorship.Status.PENDING,
            actor_label=GATEWAY,
        )
        return Outcome.PROCESSED, "abandoned"
    return Outcome.IGNORED, "no record of ours for this checkout"


# --- Subscriptions -----------------------------------------------------------------------------


def subscription_started(event: SubscriptionStarted, gateway_name: str) -> Result:
    sponsorship = None
    if event.checkout_id:
        sponsorship = Sponsorship.objects.filter(checkout_session_id=event.checkout_id).first()
    sponsorship = _mine(sponsorship or _by_ref(Sponsorship, event.reference), gateway_name)
    if sponsorship is None:
        return Outcome.IGNORED, "no sponsorship of ours for this checkout"
    sponsorship = Sponsorship.objects.select_for_update().get(pk=sponsorship.pk)
    if event.currency != "idr" or event.amount != sponsorship.amount:
        finance_alert(
            subject="sponsorship_flagged",
            dedup_key=f"sponsorship-flagged:{sponsorship.pk}",
            detail=str(sponsorship.public_ref),
        )
        return Outcome.FLAGGED, "amount or currency disagrees with our record"
    _sponsorship_activate(
        sponsorship, subscription_id=event.subscription_id, customer_id=event.customer_id
    )
    return Outcome.PROCESSED, "sponsorship active"


def _sponsorship_activate(
    sponsorship: Sponsorship, *, subscription_id: str | None, customer_id: str | None
) -> None:
    changed = []
    if subscription_id and not sponsorship.subscription_id:
        sponsorship.subscription_id = subscription_id
        changed.append("subscription_id")
    if customer_id and not sponsorship.customer_id:
        sponsorship.customer_id = customer_id
        changed.append("customer_id")
    if sponsorship.status in (Sponsorship.Status.PENDING, Sponsorship.Status.ABANDONED):
        sponsorship.started_at = timezone.now()
        SPONSORSHIPS.move(
            sponsorship,
            Sponsorship.Status.ACTIVE,
            actor_label=GATEWAY,
            fields=[*changed, "started_at"],
        )
        if sponsorship.recipient_id is not None:
            _sponsors_changed(sponsorship.recipient_id)
    elif changed:
        sponsorship.save(update_fields=changed)


def invoice_paid(event: InvoicePaid, gateway_name: str) -> Result:
    """One month of a sponsorship was paid: a Gift of its own, with a receipt."""
    sponsorship = None
    if event.subscription_id:
        sponsorship = Sponsorship.objects.filter(subscription_id=event.subscription_id).first()
    sponsorship = _mine(sponsorship or _by_ref(Sponsorship, event.reference), gateway_name)
    if sponsorship is None or not event.invoice_id:
        return Outcome.IGNORED, "no sponsorship of ours for this invoice"
    sponsorship = Sponsorship.objects.select_for_update().get(pk=sponsorship.pk)
    if Gift.objects.filter(invoice_id=event.invoice_id).exists():
        return Outcome.PROCESSED, "invoice already recorded"
    if sponsorship.status == Sponsorship.Status.ENDED:
        finance_alert(
            subject="invoice_after_end",
            dedup_key=f"invoice-after-end:{event.invoice_id}",
            detail=str(sponsorship.public_ref),
        )
    _sponsorship_activate(sponsorship, subscription_id=event.subscription_id, customer_id=None)
    gift = Gift(
        donor=sponsorship.donor,
        recipient=sponsorship.recipient,
        sponsorship=sponsorship,
        amount=sponsorship.amount,
        gateway=sponsorship.gateway,
        show_name=sponsorship.show_name,
        donor_name=sponsorship.donor_name,
        language=sponsorship.donor.language,
        invoice_id=event.invoice_id,
    )
    GIFTS.move(gift, Gift.Status.PENDING, actor_label=GATEWAY)
    result = gift_settle(
        gift=gift,
        amount=event.amount,
        currency=event.currency,
        payment_id=event.payment,
        method=event.method,
        occurred_at=event.occurred_at,
    )
    if result == "flagged":
        return Outcome.FLAGGED, "amount or currency disagrees with our record"
    if event.payment is None:
        _payment_lookup_later(gift.pk)
    return Outcome.PROCESSED, "month recorded"


def _payment_lookup_later(pk: int) -> None:
    """The invoice did not name its payment: ask the gateway after commit, outside the
    webhook's transaction (a refund or fee needs it; reconciliation asks again if this fails)."""
    from ..tasks import gift_payment_lookup_task  # noqa: PLC0415 -- tasks import the services

    def queue() -> None:
        try:
            gift_payment_lookup_task.delay(pk)
        except Exception:  # broker down: reconciliation looks it up
            logger.warning("could not queue the payment lookup of gift %s", pk)

    transaction.on_commit(queue)


def subscription_ended(event: SubscriptionEnded, gateway_name: str) -> Result:
    sponsorship = None
    if event.subscription_id:
        sponsorship = Sponsorship.objects.filter(subscription_id=event.subscription_id).first()
    sponsorship = _mine(sponsorship or _by_ref(Sponsorship, event.reference), gateway_name)
    if sponsorship is None:
        return Outcome.IGNORED, "no sponsorship of ours for this subscription"
    sponsorship = Sponsorship.objects.select_for_update().get(pk=sponsorship.pk)
    if sponsorship.status == Sponsorship.Status.ENDED:
        return Outcome.PROCESSED, "already ended"
    sponsorship.ended_at = event.occurred_at
    sponsorship.end_reason = event.reason[:200]
    SPONSORSHIPS.move(
        sponsorship,
        Sponsorship.Status.ENDED,
        actor_label=GATEWAY,
        reason=sponsorship.end_reason,
        fields=["ended_at", "end_reason"],
    )
    if sponsorship.recipient_id is not None:
        _sponsors_changed(sponsorship.recipient_id)
    if sponsorship.donor.email:  # an erased donor has no address left to tell
        notification_enqueue(
            template="sponsorship_ended",
            dedup_key=f"sponsorship-ended:{sponsorship.pk}",
            to_address=sponsorship.donor.email,
            language=sponsorship.donor.language,
            context={
                "for_listing": sponsorship.recipient.pseudonym if sponsorship.recipient else "",
                "amount": sponsorship.amount,
                "payment_failed": event.reason == "payment_failed",
            },
        )
    return Outcome.PROCESSED, "sponsorship ended"


def _sponsors_changed(recipient_id: int) -> None:
    """A listing's sponsor count is on its public pages (cached for anonymous visitors): its
    own page and its row on the lists (the order goes by money, which a sponsorship alone does
    not move: core.pagecache, "Lists")."""
    public_ids = Recipient.objects.filter(pk=recipient_id).values_list("public_id", flat=True)
    public_pages_changed(PROGRESS, *(listing(pid) for pid in public_ids))


# --- Refunds -----------------------------------------------------------------------------------


def _paid_gift(payment_id: str | None, gateway_name: str) -> Gift | None:
    """The paid gift of a payment, its row locked; None while we have not recorded it."""
    if not payment_id:
        return None
    gift = _mine(Gift.objects.filter(payment_intent_id=payment_id).first(), gateway_name)
    if gift is None:
        return None
    gift = Gift.objects.select_for_update().get(pk=gift.pk)
    return gift if gift.status == Gift.Status.PAID else None


def refund_total_changed(event: RefundTotalChanged, gateway_name: str) -> Result:
    """``refunded`` is the payment's running total: post what it adds to what we have, so
    repeats and reordered refund events add nothing twice."""
    gift = _paid_gift(event.payment, gateway_name)
    if gift is None:
        return Outcome.DEFERRED, "refund of a payment not recorded yet"
    if event.currency != "idr":
        finance_alert(subject="refund_flagged", dedup_key=f"refund-flag:{event.event_id}")
        return Outcome.FLAGGED, "refund in another currency"
    if event.refunded > gift.amount:
        finance_alert(subject="refund_flagged", dedup_key=f"refund-flag:{event.event_id}")
        return Outcome.FLAGGED, "refund larger than the gift"
    new = event.refunded - gift.refunded
    if new <= 0:
        return Outcome.PROCESSED, "refund already recorded"
    account = fund_account(gift.recipient_id)
    ledger.ledger_post(
        kind=Transaction.Kind.REFUND,
        # The running total in sen, as the external ids posted before the events were typed.
        external_id=f"refund:{event.charge_id}:{event.refunded * 100}",
        lines=[(account, -new), (clearing_account(gift.gateway), new)],
        occurred_at=event.occurred_at,
        memo=gift.receipt_number or "",
        gift=gift,
    )
    gift.refunded = event.refunded
    gift.save(update_fields=["refunded"])
    _pot_watch(account, event.event_id)
    _cap_after_reversal()
    return Outcome.PROCESSED, f"refunded {new}"


def _pot_watch(account: str, event_id: str) -> None:
    if ledger.balance(account) < 0:
        finance_alert(
            subject="pot_negative",
            dedup_key=f"pot-negative:{account}:{event_id}",
            detail=ledger.account_label(account),
        )


def _cap_after_reversal() -> None:
    period = ledger.period_for(timezone.now())
    if period is not None and ledger.period_totals(period).over_cap:
        finance_alert(
            subject="cap_exceeded",
            dedup_key=f"cap:{period.pk}:{timezone.localdate().isoformat()}",
            detail=str(period),
        )


# --- Disputes ----------------------------------------------------------------------------------


def _dispute_mark(gift: Gift) -> None:
    if not gift.disputed:
        gift.disputed = True
        gift.save(update_fields=["disputed"])


def dispute_opened(event: DisputeOpened, gateway_name: str) -> Result:
    """A dispute or an inquiry: the finance officers are told; no money moves yet (an inquiry
    withdraws none, a dispute's withdrawal is its own event)."""
    gift = _paid_gift(event.payment, gateway_name)
    if gift is None:
        return Outcome.DEFERRED, "dispute on a payment not recorded yet"
    _dispute_mark(gift)
    finance_alert(
        subject="dispute",
        dedup_key=f"dispute:{event.dispute_id}",
        detail=gift.receipt_number or "",
    )
    return Outcome.PROCESSED, "inquiry opened" if event.inquiry else "dispute opened"


def dispute_closed(event: DisputeClosed, gateway_name: str) -> Result:
    gift = _paid_gift(event.payment, gateway_name)
    if gift is None:
        return Outcome.DEFERRED, "dispute closed on a payment not recorded yet"
    return Outcome.PROCESSED, f"dispute closed: {event.status}"


def dispute_funds(
    event: DisputeFundsWithdrawn | DisputeFundsReinstated, gateway_name: str
) -> Result:
    """Post each movement of the dispute's money not posted yet: the withdrawal (and its
    fee), then the reinstatement (and a fee given back). Each has its own external id, so a
    repeat, or the two events in either order, post each once."""
    gift = _paid_gift(event.payment, gateway_name)
    if gift is None:
        return Outcome.DEFERRED, "dispute funds on a payment not recorded yet"
    withdrawn, reinstated = event.withdrawn, event.reinstated
    amounts = [funds.amount for funds in (withdrawn, reinstated) if funds is not None]
    if (
        event.currency != "idr"
        or event.funds_currency != "idr"
        or not all(0 < amount <= gift.amount for amount in amounts)
    ):
        finance_alert(subject="dispute", dedup_key=f"dispute-flag:{event.dispute_id}")
        return Outcome.FLAGGED, "dispute amount or currency disagrees"
    _dispute_mark(gift)
    account = fund_account(gift.recipient_id)
    clearing = clearing_account(gift.gateway)
    posted = []

    def post(kind: str, key: str, source: str, target: str, amount: int) -> None:
        if amount == 0:
            return
        if amount < 0:
            source, target, amount = target, source, -amount
        created = ledger.ledger_post(
            kind=kind,
            external_id=f"{key}:{event.dispute_id}",
            lines=[(source, -amount), (target, amount)],
            occurred_at=event.occurred_at,
            memo=gift.receipt_number or "",
            gift=gift,
        ).created
        if created:
            posted.append(key)

    withdrawal_posted = Transaction.objects.filter(
        external_id=f"dispute:{event.dispute_id}"
    ).exists()
    if withdrawn is not None:
        post(Transaction.Kind.DISPUTE, "dispute", account, clearing, withdrawn.amount)
        post(Transaction.Kind.FEE, "dispute-fee", account, OPERATING, withdrawn.fee)
        withdrawal_posted = True
    if reinstated is not None:
        if not withdrawal_posted:
            return Outcome.DEFERRED, "reinstatement before its withdrawal"
        post(Transaction.Kind.DISPUTE_WON, "dispute-won", clearing, account, reinstated.amount)
        post(Transaction.Kind.FEE, "dispute-fee-reinstated", account, OPERATING, reinstated.fee)
    if "dispute" in posted:
        _pot_watch(account, event.event_id)
    if posted:
        _cap_after_reversal()
    return Outcome.PROCESSED, ("posted " + ", ".join(posted)) if posted else "already posted"


# --- The table ---------------------------------------------------------------------------------


def _ignored(event: GatewayEvent, gateway_name: str) -> Result:
    return Outcome.IGNORED, "event type not handled"


Handler = Callable[[Any, str], Result]

HANDLERS: dict[type[GatewayEvent], Handler] = {
    PaymentSettled: payment_settled,
    PaymentPending: payment_pending,
    PaymentFailed: payment_failed,
    CheckoutExpired: checkout_expired,
    SubscriptionStarted: subscription_started,
    InvoicePaid: invoice_paid,
    SubscriptionEnded: subscription_ended,
    RefundTotalChanged: refund_total_changed,
    DisputeOpened: dispute_opened,
    DisputeClosed: dispute_closed,
    DisputeFundsWithdrawn: dispute_funds,
    DisputeFundsReinstated: dispute_funds,
    Unhandled: _ignored,
}


def event_apply(event: GatewayEvent, *, gateway_name: str) -> Result:
    """Apply one event from the gateway ``gateway_name`` through its handler (the webhook,
    replays and reconciliation). An event naming a record another gateway took changes
    nothing: it is flagged, and the finance officers are told."""
    try:
        return HANDLERS.get(type(event), _ignored)(event, gateway_name)
    except _ForeignRecord as foreign:
        record = foreign.record
        logger.warning(
            "a %s event names a %s record (%s): not applied",
            gateway_name,
            record.gateway,
            event.event_id,
        )
        finance_alert(
            subject="event_foreign",
            dedup_key=f"event-foreign:{event.event_id}",
            detail=f"{event.event_id}: from {gateway_name}, names {record.public_ref}",
        )
        return Outcome.FLAGGED, f"from {gateway_name}, about a {record.gateway} record"


def _apply_safely(event: GatewayEvent, gateway_name: str) -> Result:
    """A handler that fails leaves nothing half-done (its savepoint is rolled back) and the
    event waits to be replayed, instead of being lost or answered with a 500."""
    try:
        with transaction.atomic():
            return event_apply(event, gateway_name=gateway_name)
    except DatabaseError:
        raise  # the event cannot be recorded either: the webhook answers 503, the gateway retries
    except Exception as error:
        logger.exception("gateway event %s could not be applied", event.event_id)
        return Outcome.DEFERRED, f"failed: {type(error).__name__}"


def event_receive(*, event: GatewayEvent, gateway_name: str) -> tuple[WebhookEvent, bool]:
    """Record and apply a verified event. Returns the record and whether it was new."""
    if not event.event_id:
        raise ValueError("an event without an id")
    gateway_type = event.gateway_type or event.type
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.create(
                event_id=event.event_id,
                type=gateway_type[:80],
                gateway=gateway_name,
                payload=event_dump(event),
                outcome=Outcome.DEFERRED,
            )
            outcome, note = _apply_safely(event, gateway_name)
            record.outcome, record.note = outcome, note[:300]
            record.processed_at = timezone.now() if outcome != Outcome.DEFERRED else None
            record.save(update_fields=["outcome", "note", "processed_at"])
    except IntegrityError:
        existing = WebhookEvent.objects.filter(event_id=event.event_id).first()
        if existing is None:
            raise
        return existing, False
    if outcome == Outcome.PROCESSED:
        _replay_later(_subject_payment(event))
    return record, True


def _disagreement(claimed: GatewayEvent, confirmed: GatewayEvent) -> str:
    """How a notification's claim differs from the gateway's answer ("" when it does not)."""

    def said(event: GatewayEvent) -> str:
        amount = getattr(event, "amount", None)
        return event.gateway_type + ("" if amount is None else f" {amount}")

    if (claimed.event_id, said(claimed)) == (confirmed.event_id, said(confirmed)):
        return ""
    return f"the notification said {said(claimed)}; the gateway says {said(confirmed)}"


def event_receive_confirmed(
    *, claimed: GatewayEvent, confirmed: GatewayEvent, gateway_name: str
) -> tuple[WebhookEvent, bool, str]:
    """Record a notification that only tells that something happened, as the gateway
    answered when asked (``confirmed``), never as the notification claims. A disagreement (a
    settlement the gateway does not know of, another amount; or only a status that moved on
    since) is logged and noted on the record. Returns the record, whether it was new, and the
    disagreement ("" when none)."""
    record, new = event_receive(event=confirmed, gateway_name=gateway_name)
    disagreement = _disagreement(claimed, confirmed)
    if disagreement:
        logger.warning("notification %s disagrees: %s", claimed.event_id, disagreement)
        if new:
            record.note = f"{record.note}; {disagreement}"[:300]
            WebhookEvent.objects.filter(pk=record.pk).update(note=record.note)
    return record, new, disagreement


def _subject_payment(event: GatewayEvent) -> str | None:
    """The payment an event recorded something about: what deferred events may wait for."""
    if event.payment_id:
        return event.payment_id
    if isinstance(event, InvoicePaid):
        gift = Gift.objects.filter(invoice_id=event.invoice_id).only("payment_intent_id").first()
        return gift.payment_intent_id if gift else None
    return None


def _deferred(payment_id: str | None = None) -> QuerySet[WebhookEvent]:
    waiting = WebhookEvent.objects.filter(outcome=Outcome.DEFERRED)
    if payment_id is not None:
        waiting = waiting.filter(payload__payment_id=payment_id)
    return waiting


def _replay_later(payment_id: str | None) -> None:
    """A payment was recorded: events that waited for it (a refund or dispute that overtook
    it) are applied after commit. Only those: the others wait for their own payment, or for
    reconciliation's replay of everything every ten minutes."""
    if payment_id is None or not _deferred(payment_id).exists():
        return
    from ..tasks import deferred_events_replay  # noqa: PLC0415 -- tasks import the services

    def queue() -> None:
        try:
            deferred_events_replay.delay(payment_intent=payment_id)
        except Exception:  # broker down: reconciliation replays them
            logger.warning("could not queue the replay of deferred events")

    transaction.on_commit(queue)


def payment_recorded_later(payment_id: str) -> None:
    """A payment's id became known after its gift was recorded (an invoice's, looked up):
    events that waited for it are replayed."""
    _replay_later(payment_id)


def deferred_replay(*, limit: int = 200, payment_intent: str | None = None) -> int:
    """Apply deferred events whose subject has arrived since (those about one payment, or
    all); returns how many applied."""
    applied = 0
    ids = list(
        _deferred(payment_intent).order_by("received_at").values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            record = WebhookEvent.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if record is None or record.outcome != Outcome.DEFERRED:
                continue
            try:
                outcome, note = _apply_safely(event_load(record.payload), record.gateway)
            except EventLoadError as error:
                outcome, note = Outcome.FLAGGED, f"unreadable: {error}"
                finance_alert(subject="event_unmatched", dedup_key=f"event:{record.event_id}")
            record.attempts = min(record.attempts + 1, 32_767)  # a PositiveSmallIntegerField
            if (
                outcome == Outcome.DEFERRED
                and record.attempts >= MAX_REPLAYS
                and record.received_at < timezone.now() - MAX_WAIT
            ):
                outcome, note = Outcome.FLAGGED, f"gave up waiting: {note}"
                finance_alert(subject="event_unmatched", dedup_key=f"event:{record.event_id}")
            record.outcome, record.note = outcome, note[:300]
            if outcome != Outcome.DEFERRED:
                record.processed_at = timezone.now()
                applied += 1
            record.save(update_fields=["outcome", "note", "attempts", "processed_at"])
    return applied
