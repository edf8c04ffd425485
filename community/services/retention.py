"""How long reports are kept (docs/data-protection.md).

A report whose contact was never verified is deleted with its photo after
``COMMUNITY_UNVERIFIED_RETENTION_HOURS``. Once a referral is decided or a concern answered, the
reporter's contact and what they wrote are wiped ``COMMUNITY_CLOSED_RETENTION_DAYS`` later;
the row stays (reference, kecamatan, village, status, dates) for the outcome figures.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.registry import AccountOwner
from accounts.storage import private_storage

from ..models import Concern, Referral
from ..selectors import reports_of_owner


def referral_wipe(referral: Referral) -> str:
    """Wipe the reporter's contact and what they wrote; the row stays for the figures.
    Returns the photo's storage name, for the caller to delete once it is safe to."""
    photo = referral.photo
    referral.contact = referral.contact_hash = referral.photo = ""
    referral.hamlet = referral.landmark = referral.situation = ""
    fields = ["contact", "contact_hash", "hamlet", "landmark", "situation", "photo"]
    referral.save(update_fields=fields)
    return photo


def concern_wipe(concern: Concern) -> None:
    concern.contact = concern.contact_hash = concern.message = concern.reply = ""
    concern.save(update_fields=["contact", "contact_hash", "message", "reply"])


def _delete_on_commit(name: str) -> None:
    transaction.on_commit(lambda: private_storage().delete(name))


def community_data_erase(owner: AccountOwner) -> None:
    """Community's part of a deletion: the reports the person confirmed from one of their
    proved addresses lose the contact and what they wrote, as the retention purge does."""
    referrals, concerns = reports_of_owner(owner)
    for referral in referrals:
        photo = referral_wipe(referral)
        if photo:
            _delete_on_commit(photo)
    for concern in concerns:
        concern_wipe(concern)


def retention_purge() -> dict[str, int]:
    now = timezone.now()
    unverified_before = now - datetime.timedelta(
        hours=settings.COMMUNITY_UNVERIFIED_RETENTION_HOURS
    )
    closed_before = now - datetime.timedelta(days=settings.COMMUNITY_CLOSED_RETENTION_DAYS)
    counts = {"deleted": 0, "wiped": 0}

    for model in (Referral, Concern):
        stale = model.objects.filter(
            status=model.Status.UNVERIFIED, created_at__lt=unverified_before
        )
        for report in stale.iterator():
            photo = getattr(report, "photo", "")
            with transaction.atomic():
                report.delete()
            if photo:
                private_storage().delete(photo)
            counts["deleted"] += 1

    referrals = Referral.objects.filter(decided_at__lt=closed_before).exclude(contact_hash="")
    for referral in referrals.iterator():
        photo = referral_wipe(referral)
        if photo:
            private_storage().delete(photo)
        counts["wiped"] += 1
    concerns = Concern.objects.filter(answered_at__lt=closed_before).exclude(contact_hash="")
    for concern in concerns.iterator():
        concern_wipe(concern)
        counts["wiped"] += 1
    return counts
