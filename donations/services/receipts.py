"""Receipts and the donor's signed link.

A guest has no account: the receipt e-mail carries a signed link naming the donor (their keyed
hash, never the address), which opens their gifts and sponsorships for
``DONOR_LINK_MAX_AGE_DAYS``. Signed-in donors reach the same page from their account.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from ..models import Donor, Gift

_SALT = "donations.donor-link"


def donor_token(donor: Donor) -> str:
    return signing.dumps({"d": donor.key}, salt=_SALT, compress=True)


def donor_from_token(token: str) -> Donor | None:
    """The donor a link names, or None for a forged, altered or expired link."""
    try:
        data = signing.loads(
            token, salt=_SALT, max_age=settings.DONOR_LINK_MAX_AGE_DAYS * 24 * 3600
        )
    except signing.BadSignature:
        return None
    key = data.get("d") if isinstance(data, dict) else None
    return Donor.objects.filter(key=key).first() if isinstance(key, str) else None


def receipt_link(gift: Gift) -> str:
    """The absolute address of the donor's gifts page, in the donor's language."""
    with translation.override(gift.donor.language or settings.LANGUAGE_CODE):
        path = reverse("donations:donor_link", args=[donor_token(gift.donor)])
    return settings.PORTAL_BASE_URL + path
