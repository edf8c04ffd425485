"""The photo consent in force: the review page shows it, and the photo service refuses without
it."""

from __future__ import annotations

from ..models import PhotoConsent, Recipient


def photo_consent_current(recipient: Recipient) -> PhotoConsent | None:
    """The latest consent to a photo that has not been withdrawn."""
    return (
        recipient.photo_consents.filter(withdrawn_at__isnull=True)
        .order_by("-recorded_at", "-pk")
        .first()
    )
