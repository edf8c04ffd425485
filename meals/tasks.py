"""Background work of the meals part. Thin tasks: they call a service."""

from celery import shared_task


@shared_task(name="meals.inspections_overdue")
def inspections_overdue_task() -> int:
    from .services.inspections import inspections_overdue_check

    return inspections_overdue_check()
