"""Celery tasks of the outbox: thin, idempotent, by id."""

from celery import shared_task

from . import services


@shared_task(
    name="notifications.send",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
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
