"""Celery tasks of the outbox: thin, idempotent, by id."""

from celery import shared_task

from . import services


@shared_task(
    name="notifications.send_batch",
    acks_late=True,
    # Only a database outage escapes notifications_deliver: retried soon with backoff and
    # jitter, and in any case the claimed rows' lease expires and the minute beat sends them.
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=3,
)
def send_notifications(pks: list[int]) -> list[str]:
    """Up to ``NOTIFICATION_BATCH_SIZE`` rows: claimed together, each sent and marked on its
    own (``services.notifications_deliver``)."""
    return services.notifications_deliver(pks)


@shared_task(
    name="notifications.send",
    acks_late=True,
    autoretry_for=(Exception,),  # as notifications.send_batch
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=3,
)
def send_notification(pk: int) -> str:
    """One row: what the portal queued before it queued batches, kept so that such tasks,
    still in Redis at a deploy, run."""
    return services.notification_deliver(pk)


@shared_task(name="notifications.dispatch_due")
def dispatch_due() -> int:
    """Every minute: send what is due and what a dead worker left leased, in batches."""
    due = services.notifications_due()
    services.dispatch_many(due)
    return len(due)
