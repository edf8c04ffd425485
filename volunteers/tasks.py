"""Background work of the student visits. Thin: each calls a service. Reminders before a visit
are outbox rows with ``send_after`` (sent by the notifications beat), not tasks."""

from celery import shared_task

from .services.visits import report_reminders_send


@shared_task(name="volunteers.report_reminders")
def report_reminders_task() -> int:
    return report_reminders_send()
