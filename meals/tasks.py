"""Background work of the meals part. Thin tasks: they call a service."""

from celery import shared_task

from .services.inspections import inspections_overdue_check


@shared_task(name="meals.inspections_overdue")
def inspections_overdue_task() -> int:
    return inspections_overdue_check()
