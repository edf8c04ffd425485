"""Background work of donations: thin tasks that call a service, safe to run twice."""

from celery import shared_task


@shared_task(name="donations.gift_fee_fetch", acks_late=True)
def gift_fee_fetch(pk: int) -> bool:
    from .models import Gift
    from .services.giving import gift_fee_record

    gift = Gift.objects.filter(pk=pk).first()
    return gift is not None and gift_fee_record(gift=gift)


@shared_task(name="donations.deferred_events_replay", acks_late=True)
def deferred_events_replay(payment_intent: str | None = None) -> int:
    from .services.webhooks import deferred_replay

    return deferred_replay(payment_intent=payment_intent)


@shared_task(name="donations.reconcile", acks_late=True)
def payments_reconcile_task() -> dict:
    from .services.reconcile import payments_reconcile

    return vars(payments_reconcile())


@shared_task(name="donations.sponsor_updates", acks_late=True)
def sponsor_updates_task() -> int:
    from .services.updates import sponsor_updates_send

    return sponsor_updates_send()
