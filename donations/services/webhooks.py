"""Gateway events: verify (in the view) → record once → dispatch table → service.

Every event is written once, by its id, in the same database transaction as what it changes:
a repeat, even one arriving at the same moment, finds the row and changes nothing. An event
about something we do not know yet (out of order: a refund before its payment) is kept as
``deferred`` and replayed when its payment is recorded, and by reconciliation; an event about
nothing of ours is recorded as ``ignored``. Amounts and currencies are checked against our
records; a disagreement is refused and flagged for the finance officers. The webhook answers
200 to all of these: only a database that cannot record the event makes it fail (and Stripe
retry).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.pagecache import public_pages_changed
from notifications.services import notification_enqueue

from ..gateways import GatewayError, gateway
from ..models import (
    CLEARING_STRIPE,
    Gift,
    Sponsorship,
    Transaction,
    WebhookEvent,
    fund_account,
)
from . import ledger
from .giving import finance_alert, gift_settle
from .transitions import GATEWAY, GIFTS, SPONSORSHIPS

logger = logging.getLogger(__name__)

Outcome = WebhookEvent.Outcome
Result = tuple[str, str]  # (outcome, note)

# A deferred event is given up (and flagged) after this many replays AND this long a wait: a
# replay runs after every processed event, so a count alone gives up within seconds on a busy
# webhook (a refund overtaking its payment by a few events); Stripe retries for three days.
MAX_REPLAYS = 50
MAX_WAIT = datetime.timedelta(days=3)


def _created(event: dict[str, Any]) -> datetime.datetime:
    created = event.get("created")
    if created is None:
        return timezone.now()
    try:
        return datetime.datetime.fromtimestamp(int(created), tz=datetime.UTC)
    except (TypeError, ValueError):
        return timezone.now()


def _ref(obj: dict[str, Any], key: str) -> str | None:
    metadata = obj.get("metadata") or {}
    value = metadata.get(key) if isinstance(metadata, dict) else None
    return str(value) if value else None


def _gift_for_session(session: dict[str, Any]) -> Gift | None:
    ref = _ref(session, "gift") or session.get("client_reference_id")
    gift = Gift.objects.filter(checkout_session_id=session.get("id")).first()
    if gift is None and ref:
        try:
            gift = Gift.objects.filter(public_ref=ref).first()
        except Exception:  # not a UUID: not ours
            gift = None
    return gift


def _sponsorship_by_ref(ref: str | None) -> Sponsorship | None:
    if not ref:
        return None
    try:
        return Sponsorship.objects.filter(public_ref=ref).first()
    except Exception:
        return None


# --- Checkout sessions -------------------------------------------------------------------------


def session_completed(session: dict[str, Any], event: dict[str, Any]) -> Result:
    """``checkout.session.completed`` and ``…async_payment_succeeded``; also reconciliation."""
    if session.get("mode") == "subscription":
        return _sponsorship_session_completed(session)
    gift = _gift_for_session(session)
    if gift is None:
        return Outcome.IGNORED, "no gift of ours for this session"
    if session.get("payment_status") != "paid":
        # A delayed payment method: the money is not there yet; async_payment_* follows.
        return Outcome.PROCESSED, "completed, payment pending"
    result = gift_settle(
        gift=gift,
        amount_sen=session.get("amount_total"),
        currency=session.get("currency"),
        payment_intent_id=session.get("payment_intent"),
        occurred_at=_created(event),
    )
    if result == "flagged":
        return Outcome.FLAGGED, "amount or currency disagrees with our record"
    return Outcome.PROCESSED, result


def _sponsorship_session_completed(session: dict[str, Any]) -> Result:
    sponsorship = Sponsorship.objects.filter(checkout_session_id=session.get("id")).first()
    sponsorship = sponsorship or _sponsorship_by_ref(_ref(session, "sponsorship"))
    if sponsorship is None:
        return Outcome.IGNORED, "no sponsorship of ours for this session"
    sponsorship = Sponsorship.objects.select_for_update().get(pk=sponsorship.pk)
    if (session.get("currency") or "").lower() != "idr" or session.get(
        "amount_total"
    ) != sponsorship.amount * 100:
        finance_alert(
            subject="sponsorship_flagged",
            dedup_key=f"sponsorship-flagged:{sponsorship.pk}",
            detail=str(sponsorship.public_ref),
        )
        return Outcome.FLAGGED, "amount or currency disagrees with our record"
    _sponsorship_activate(
        sponsorship,
        subscription_id=session.get("subscription"),
        customer_id=session.get("customer"),
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
            _sponsors_changed()
    elif changed:
        sponsorship.save(update_fields=changed)


def session_async_failed(session: dict[str, Any], event: dict[str, Any]) -> Result:
    gift = _gift_for_session(session)
    if gift is None:
        return Outcome.IGNORED, "no gift of ours for this session"
    moved = GIFTS.move_if(
        gift, Gift.Status.FAILED, expected=Gift.Status.PENDING, actor_label=GATEWAY
    )
    return Outcome.PROCESSED, "failed" if moved else f"already {gift.status}"


def session_expired(session: dict[str, Any], event: dict[str, Any]) -> Result:
    gift = _gift_for_session(session)
    if gift is not None:
        GIFTS.move_if(gift, Gift.Status.EXPIRED, expected=Gift.Status.PENDING, actor_label=GATEWAY)
        return Outcome.PROCESSED, "expired"
    sponsorship = Sponsorship.objects.filter(checkout_session_id=session.get("id")).first()
    if sponsorship is not None:
        SPONSORSHIPS.move_if(
            sponsorship,
            Sponsorship.Status.ABANDONED,
            expected=Sponsorship.Status.PENDING,
            actor_label=GATEWAY,
        )
        return Outcome.PROCESSED, "abandoned"
    return Outcome.IGNORED, "no record of ours for this session"


# --- Subscriptions -----------------------------------------------------------------------------


def _invoice_subscription(invoice: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The subscription an invoice bills and its metadata, in today's API shape
    (``parent.subscription_details``) or the older one (``subscription``)."""
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or invoice.get("subscription_details") or {}
    subscription = details.get("subscription") or invoice.get("subscription")
    if isinstance(subscription, dict):
        subscription = subscription.get("id")
    return subscription, details.get("metadata") or {}


def _invoice_payment_intent(invoice: dict[str, Any]) -> str | None:
    payments = (invoice.get("payments") or {}).get("data") or []
    for payment in payments:
        intent = (payment.get("payment") or {}).get("payment_intent")
        if intent:
            return intent if isinstance(intent, str) else intent.get("id")
    intent = invoice.get("payment_intent")  # API versions before 2025-03
    if isinstance(intent, dict):
        intent = intent.get("id")
    return intent


def invoice_paid(invoice: dict[str, Any], event: dict[str, Any]) -> Result:
    """One month of a sponsorship was paid: a Gift of its own, with a receipt."""
    subscription_id, metadata = _invoice_subscription(invoice)
    sponsorship = None
    if subscription_id:
        sponsorship = Sponsorship.objects.filter(subscription_id=subscription_id).first()
    sponsorship = sponsorship or _sponsorship_by_ref(metadata.get("sponsorship"))
    if sponsorship is None:
        return Outcome.IGNORED, "no sponsorship of ours for this invoice"
    sponsorship = Sponsorship.objects.select_for_update().get(pk=sponsorship.pk)
    invoice_id = invoice.get("id")
    if Gift.objects.filter(invoice_id=invoice_id).exists():
        return Outcome.PROCESSED, "invoice already recorded"
    if sponsorship.status == Sponsorship.Status.ENDED:
        finance_alert(
            subject="invoice_after_end",
            dedup_key=f"invoice-after-end:{invoice_id}",
            detail=str(sponsorship.public_ref),
        )
    _sponsorship_activate(sponsorship, subscription_id=subscription_id, customer_id=None)
    gift = Gift(
        donor=sponsorship.donor,
        recipient=sponsorship.recipient,
        sponsorship=sponsorship,
        amount=sponsorship.amount,
        gateway=sponsorship.gateway,
        show_name=sponsorship.show_name,
        donor_name=sponsorship.donor_name,
        language=sponsorship.donor.language,
        invoice_id=invoice_id,
    )
    GIFTS.move(gift, Gift.Status.PENDING, actor_label=GATEWAY)
    payment_intent = _invoice_payment_intent(invoice)
    if payment_intent is None and invoice_id is not None:
        try:
            payment_intent = gateway().invoice_payment_intent(invoice_id)
        except GatewayError:
            payment_intent = None  # a refund later looks it up again
    result = gift_settle(
        gift=gift,
        amount_sen=invoice.get("amount_paid"),
        currency=invoice.get("currency"),
        payment_intent_id=payment_intent,
        occurred_at=_created(event),
    )
    if result == "flagged":
        return Outcome.FLAGGED, "amount or currency disagrees with our record"
    return Outcome.PROCESSED, "month recorded"


def subscription_deleted(subscription: dict[str, Any], event: dict[str, Any]) -> Result:
    sponsorship = Sponsorship.objects.filter(subscription_id=subscription.get("id")).first()
    sponsorship = sponsorship or _sponsorship_by_ref(_ref(subscription, "sponsorship"))
    if sponsorship is None:
        return Outcome.IGNORED, "no sponsorship of ours for this subscription"
    sponsorship = Sponsorship.objects.select_for_update().get(pk=sponsorship.pk)
    if sponsorship.status == Sponsorship.Status.ENDED:
        return Outcome.PROCESSED, "already ended"
    reason = (subscription.get("cancellation_details") or {}).get("reason") or ""
    sponsorship.ended_at = _created(event)
    sponsorship.end_reason = reason[:200]
    SPONSORSHIPS.move(
        sponsorship,
        Sponsorship.Status.ENDED,
        actor_label=GATEWAY,
        reason=sponsorship.end_reason,
        fields=["ended_at", "end_reason"],
    )
    if sponsorship.recipient_id is not None:
        _sponsors_changed()
    if sponsorship.donor.email:  # an erased donor has no address left to tell
        notification_enqueue(
            template="sponsorship_ended",
            dedup_key=f"sponsorship-ended:{sponsorship.pk}",
            to_address=sponsorship.donor.email,
            language=sponsorship.donor.language,
            context={
                "for_listing": sponsorship.recipient.pseudonym if sponsorship.recipient else "",
                "amount": sponsorship.amount,
                "payment_failed": reason == "payment_failed",
            },
        )
    return Outcome.PROCESSED, "sponsorship ended"


def _sponsors_changed() -> None:
    """A listing's sponsor count is on its public pages (cached for anonymous visitors)."""
    public_pages_changed()


# --- Refunds and disputes ----------------------------------------------------------------------


def _gift_for_payment_intent(payment_intent: str | None) -> Gift | None:
    if not payment_intent:
        return None
    return Gift.objects.filter(payment_intent_id=payment_intent).first()


def charge_refunded(charge: dict[str, Any], event: dict[str, Any]) -> Result:
    """``amount_refunded`` is the charge's running total: post what it adds to what we have,
    so repeats and reordered refund events add nothing twice."""
    gift = _gift_for_payment_intent(charge.get("payment_intent"))
    if gift is None:
        return Outcome.DEFERRED, "refund of a payment not recorded yet"
    gift = Gift.objects.select_for_update().get(pk=gift.pk)
    if gift.status != Gift.Status.PAID:
        return Outcome.DEFERRED, "refund of a payment not recorded yet"
    if (charge.get("currency") or "").lower() != "idr":
        finance_alert(subject="refund_flagged", dedup_key=f"refund-flag:{event.get('id')}")
        return Outcome.FLAGGED, "refund in another currency"
    total_sen = int(charge.get("amount_refunded") or 0)
    total = -(-total_sen // 100)
    if total > gift.amount:
        finance_alert(subject="refund_flagged", dedup_key=f"refund-flag:{event.get('id')}")
        return Outcome.FLAGGED, "refund larger than the gift"
    new = total - gift.refunded
    if new <= 0:
        return Outcome.PROCESSED, "refund already recorded"
    account = fund_account(gift.recipient_id)
    ledger.ledger_post(
        kind=Transaction.Kind.REFUND,
        external_id=f"refund:{charge.get('id')}:{total_sen}",
        lines=[(account, -new), (CLEARING_STRIPE, new)],
        occurred_at=_created(event),
        memo=gift.receipt_number or "",
        gift=gift,
    )
    gift.refunded = total
    gift.save(update_fields=["refunded"])
    if ledger.balance(account) < 0:
        finance_alert(
            subject="pot_negative",
            dedup_key=f"pot-negative:{account}:{event.get('id')}",
            detail=ledger.account_label(account),
        )
    _cap_after_reversal(gift)
    return Outcome.PROCESSED, f"refunded {new}"


def _cap_after_reversal(gift: Gift) -> None:
    period = ledger.period_for(timezone.now())
    if period is not None and ledger.period_totals(period).over_cap:
        finance_alert(
            subject="cap_exceeded",
            dedup_key=f"cap:{period.pk}:{timezone.localdate().isoformat()}",
            detail=str(period),
        )


def _dispute_gift(dispute: dict[str, Any]) -> Gift | None:
    gift = _gift_for_payment_intent(dispute.get("payment_intent"))
    return gift if gift is not None and gift.status == Gift.Status.PAID else None


def dispute_created(dispute: dict[str, Any], event: dict[str, Any]) -> Result:
    """The bank took the disputed amount back from us: it leaves the gift's pot now."""
    gift = _dispute_gift(dispute)
    if gift is None:
        return Outcome.DEFERRED, "dispute on a payment not recorded yet"
    gift = Gift.objects.select_for_update().get(pk=gift.pk)
    amount = -(-int(dispute.get("amount") or 0) // 100)
    if (dispute.get("currency") or "").lower() != "idr" or not 0 < amount <= gift.amount:
        finance_alert(subject="dispute", dedup_key=f"dispute-flag:{dispute.get('id')}")
        return Outcome.FLAGGED, "dispute amount or currency disagrees"
    account = fund_account(gift.recipient_id)
    ledger.ledger_post(
        kind=Transaction.Kind.DISPUTE,
        external_id=f"dispute:{dispute.get('id')}",
        lines=[(account, -amount), (CLEARING_STRIPE, amount)],
        occurred_at=_created(event),
        memo=gift.receipt_number or "",
        gift=gift,
    )
    if not gift.disputed:
        gift.disputed = True
        gift.save(update_fields=["disputed"])
    finance_alert(
        subject="dispute",
        dedup_key=f"dispute:{dispute.get('id')}",
        detail=gift.receipt_number or "",
    )
    _cap_after_reversal(gift)
    return Outcome.PROCESSED, "dispute recorded"


def dispute_closed(dispute: dict[str, Any], event: dict[str, Any]) -> Result:
    if dispute.get("status") != "won":
        return Outcome.PROCESSED, f"dispute closed: {dispute.get('status')}"
    if not Transaction.objects.filter(external_id=f"dispute:{dispute.get('id')}").exists():
        return Outcome.DEFERRED, "dispute closed before it was recorded"
    gift = _dispute_gift(dispute)
    if gift is None:
        return Outcome.DEFERRED, "dispute closed on a payment not recorded"
    amount = -(-int(dispute.get("amount") or 0) // 100)
    account = fund_account(gift.recipient_id)
    ledger.ledger_post(
        kind=Transaction.Kind.DISPUTE_WON,
        external_id=f"dispute-won:{dispute.get('id')}",
        lines=[(CLEARING_STRIPE, -amount), (account, amount)],
        occurred_at=_created(event),
        memo=gift.receipt_number or "",
        gift=gift,
    )
    return Outcome.PROCESSED, "dispute won: money back in its pot"


HANDLERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], Result]] = {
    "checkout.session.completed": session_completed,
    "checkout.session.async_payment_succeeded": session_completed,
    "checkout.session.async_payment_failed": session_async_failed,
    "checkout.session.expired": session_expired,
    "invoice.paid": invoice_paid,
    "customer.subscription.deleted": subscription_deleted,
    "charge.refunded": charge_refunded,
    "charge.dispute.created": dispute_created,
    "charge.dispute.closed": dispute_closed,
}


def _dispatch(event: dict[str, Any]) -> Result:
    handler = HANDLERS.get(str(event.get("type")))
    if handler is None:
        return Outcome.IGNORED, "event type not handled"
    obj = (event.get("data") or {}).get("object")
    if not isinstance(obj, dict):
        return Outcome.IGNORED, "event without an object"
    return handler(obj, event)


def _dispatch_safely(event: dict[str, Any]) -> Result:
    """A handler that fails leaves nothing half-done (its savepoint is rolled back) and the
    event waits to be replayed, instead of being lost or answered with a 500."""
    try:
        with transaction.atomic():
            return _dispatch(event)
    except DatabaseError:
        raise  # the event cannot be recorded either: the webhook answers 503, Stripe retries
    except Exception as error:
        logger.exception("gateway event %s could not be applied", event.get("id"))
        return Outcome.DEFERRED, f"failed: {type(error).__name__}"


def event_receive(*, event: dict[str, Any], gateway_name: str) -> tuple[WebhookEvent, bool]:
    """Record and apply a verified event. Returns the record and whether it was new."""
    event_id = str(event.get("id") or "")
    if not event_id:
        raise ValueError("an event without an id")
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.create(
                event_id=event_id,
                type=str(event.get("type"))[:80],
                gateway=gateway_name,
                payload=stored_event(event),
                outcome=Outcome.DEFERRED,
            )
            outcome, note = _dispatch_safely(event)
            record.outcome, record.note = outcome, note[:300]
            record.processed_at = timezone.now() if outcome != Outcome.DEFERRED else None
            record.save(update_fields=["outcome", "note", "processed_at"])
    except IntegrityError:
        existing = WebhookEvent.objects.filter(event_id=event_id).first()
        if existing is None:
            raise
        return existing, False
    if outcome == Outcome.PROCESSED:
        _replay_later(_subject_payment_intent(event))
    return record, True


# What of an event is kept: what the handlers read, to replay it. Donors' e-mail addresses,
# names and card details that Stripe puts in its objects are not stored.
_KEPT_EVENT_KEYS = ("id", "object", "type", "created", "livemode", "api_version")
_KEPT_OBJECT_KEYS = (
    "id",
    "object",
    "mode",
    "status",
    "payment_status",
    "amount",
    "amount_total",
    "amount_paid",
    "amount_refunded",
    "currency",
    "metadata",
    "client_reference_id",
    "payment_intent",
    "subscription",
    "customer",
    "charge",
    "refunded",
)


def stored_event(event: dict[str, Any]) -> dict[str, Any]:
    obj = (event.get("data") or {}).get("object")
    kept = {key: event[key] for key in _KEPT_EVENT_KEYS if key in event}
    if not isinstance(obj, dict):
        return {**kept, "data": {}}
    kept_obj = {key: obj[key] for key in _KEPT_OBJECT_KEYS if key in obj}
    subscription, metadata = _invoice_subscription(obj)
    if obj.get("object") == "invoice" or "parent" in obj:
        kept_obj["parent"] = {
            "subscription_details": {"subscription": subscription, "metadata": metadata}
        }
        intent = _invoice_payment_intent(obj)
        if intent:
            kept_obj["payments"] = {"data": [{"payment": {"payment_intent": intent}}]}
    reason = (obj.get("cancellation_details") or {}).get("reason")
    if reason:
        kept_obj["cancellation_details"] = {"reason": reason}
    return {**kept, "data": {"object": kept_obj}}


def _subject_payment_intent(event: dict[str, Any]) -> str | None:
    """The payment an event recorded something about: what deferred events may wait for."""
    obj = (event.get("data") or {}).get("object") or {}
    if not isinstance(obj, dict):
        return None
    intent = obj.get("payment_intent") or _invoice_payment_intent(obj)
    if not intent and obj.get("object") == "invoice":
        gift = Gift.objects.filter(invoice_id=obj.get("id")).only("payment_intent_id").first()
        intent = gift.payment_intent_id if gift else None
    return intent if isinstance(intent, str) else None


def _deferred(payment_intent: str | None = None) -> QuerySet[WebhookEvent]:
    waiting = WebhookEvent.objects.filter(outcome=Outcome.DEFERRED)
    if payment_intent is not None:
        waiting = waiting.filter(payload__data__object__payment_intent=payment_intent)
    return waiting


def _replay_later(payment_intent: str | None) -> None:
    """A payment was recorded: events that waited for it (a refund or dispute that overtook
    it) are applied after commit. Only those: the others wait for their own payment, or for
    reconciliation's replay of everything every ten minutes."""
    if payment_intent is None or not _deferred(payment_intent).exists():
        return
    from ..tasks import deferred_events_replay  # noqa: PLC0415 -- tasks import the services

    def queue() -> None:
        try:
            deferred_events_replay.delay(payment_intent=payment_intent)
        except Exception:  # broker down: reconciliation replays them
            logger.warning("could not queue the replay of deferred events")

    transaction.on_commit(queue)


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
            outcome, note = _dispatch_safely(record.payload)
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
