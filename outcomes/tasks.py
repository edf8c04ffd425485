"""Background work of the outcome figures. Thin tasks: they call a service."""

from celery import shared_task

from .services import outcomes_refresh_due


# The name predates this app: django_celery_beat's rows (and the beat schedule) call the task
# by it, so it stays.
@shared_task(name="meals.outcomes_refresh")
def outcomes_refresh_task() -> list[str]:
    return [month.isoformat() for month in outcomes_refresh_due()]
