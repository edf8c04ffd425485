"""Background work of the meals part. Thin tasks: they call a service."""

from celery import shared_task


@shared_task(name="meals.inspections_overdue")
def inspections_overdue_task() -> int:
    from .services.inspections import inspections_overdue_check

    return inspections_overdue_check()


@shared_task(name="meals.outcomes_refresh")
def outcomes_refresh_task() -> list[str]:
    from .services.outcomes import outcomes_refresh_due

    return [month.isoformat() for month in outcomes_refresh_due()]
