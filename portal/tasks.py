"""The registry's background work. Tasks are thin: they call a service."""

from celery import shared_task

from .services.digest import review_digest_send
from .services.staging import staged_imports_purge


@shared_task(name="portal.staged_imports_purge")
def staged_imports_purge_task() -> int:
    return staged_imports_purge()


@shared_task(name="portal.review_digest")
def review_digest_task() -> int:
    return review_digest_send()
