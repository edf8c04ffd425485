"""Celery tasks of the outbox: thin, idempotent, by id."""

from celery import shared_task

from . import services


@shared_task(
    name="notifications.send",
    acks_late=True,
    # Only a database outage escapes notification_deliver: retried soon with backoff and
    # jitter, and in any case the row's lease expires and the minute beat sends it again.
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=3,
)
def send_notification(pk: int) -> str:
    return services.notification_deliver(pk)


@shared_task(name="notifications.dispatch_due")
def dispatch_due() -> int:
    """Every minute: send what is due and what a dead worker left leased."""
    due = services.notifications_due()
    for pk in due:
        services.dispatch(pk)
    return len(due)
