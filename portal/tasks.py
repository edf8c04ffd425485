"""The registry's background work. Tasks are thin: they call a service."""

from celery import shared_task

from .services.staging import staged_imports_purge


@shared_task(name="portal.staged_imports_purge")
def staged_imports_purge_task() -> int:
    return staged_imports_purge()
