"""Background work of community reports and data rights. Thin tasks: they call a service."""

from celery import shared_task

from .services.referrals import referral_progress_notify
from .services.retention import retention_purge
from .services.rights import rights_overdue_alert


@shared_task(name="community.rights_overdue_alert")
def rights_overdue_alert_task() -> int:
    return rights_overdue_alert()


@shared_task(name="community.referral_progress")
def referral_progress_task() -> int:
    return referral_progress_notify()


@shared_task(name="community.retention_purge")
def retention_purge_task() -> dict[str, int]:
    return retention_purge()
