"""Background work of donations: thin tasks that call a service, safe to run twice."""

from celery import shared_task

from .models import Gift
from .services.giving import gift_fee_record, gift_payment_lookup
from .services.reconcile import payments_reconcile
from .services.statements import statement_lines_purge
from .services.updates import sponsor_updates_send
from .services.webhooks import deferred_replay


@shared_task(name="donations.gift_fee_fetch", acks_late=True)
def gift_fee_fetch(pk: int) -> bool:
    gift = Gift.objects.filter(pk=pk).first()
    return gift is not None and gift_fee_record(gift=gift)


@shared_task(name="donations.gift_payment_lookup", acks_late=True)
def gift_payment_lookup_task(pk: int) -> bool:
    gift = Gift.objects.filter(pk=pk).first()
    return gift is not None and gift_payment_lookup(gift=gift)


@shared_task(name="donations.deferred_events_replay", acks_late=True)
def deferred_events_replay(payment_intent: str | None = None) -> int:
    return deferred_replay(payment_intent=payment_intent)


@shared_task(name="donations.reconcile", acks_late=True)
def payments_reconcile_task() -> dict:
    return vars(payments_reconcile())


@shared_task(name="donations.sponsor_updates", acks_late=True)
def sponsor_updates_task() -> int:
    return sponsor_updates_send()


@shared_task(name="donations.statement_lines_purge", acks_late=True)
def statement_lines_purge_task() -> int:
    return statement_lines_purge()
