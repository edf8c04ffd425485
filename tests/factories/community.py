"""Shared steps of the community tests: a resident's report through the public pages, the
code read from the outbox, and what a reporter was sent."""

from __future__ import annotations

import io
import re

from django.urls import reverse
from PIL import Image

from community.models import Concern, Referral
from notifications.models import Notification
from notifications.services import render
from regions.models import Village
from tests.factories import GENTENG

PHONE = "0812 3456 7890"
PHONE_E164 = "+6281234567890"
HAMLET = "Dusun Krajan RT 002/RW 001"
LANDMARK = "Belakang masjid Al-Ikhlas"
SITUATION = "Mbah Painem tinggal sendiri, tidak bisa memasak lagi"


def village_of(kecamatan: str = GENTENG, index: int = 0) -> Village:
    return Village.objects.filter(kecamatan__code=kecamatan).order_by("code")[index]


def referral_data(**overrides) -> dict:
    data = {
        "village": village_of().code,
        "hamlet": HAMLET,
        "landmark": LANDMARK,
        "needs": ["daily_meals", "companionship"],
        "situation": SITUATION,
        "phone": PHONE,
        "email": "",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_referral(client, **overrides):
    return client.post(reverse("community:referral_create"), referral_data(**overrides))


def concern_data(**overrides) -> dict:
    data = {
        "kind": "privacy",
        "message": "Foto rumah beliau terlalu jelas",
        "phone": PHONE,
        "email": "",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_concern(client, public_id: str, **overrides):
    return client.post(
        reverse("community:concern_create", args=[public_id]), concern_data(**overrides)
    )


def code_for(report: Referral | Concern) -> str:
    """The last code sent for ``report``, as the reporter reads it in the message."""
    note = (
        Notification.objects.filter(template="community_code", dedup_key__contains=f":{report.pk}:")
        .filter(dedup_key__startswith=f"community_code:{report._meta.label_lower}:")
        .order_by("-pk")
        .first()
    )
    assert note is not None, "no code was sent"
    message = render(note)
    text = message.text or " ".join(message.parameters)
    return re.search(r"\b(\d{6})\b", text).group(1)


def confirm(client, report, code: str | None = None):
    from community.views.public import code_token

    return client.post(
        reverse("community:report_code", args=[code_token(report)]),
        {"action": "confirm", "code": code or code_for(report)},
    )


def sent_to(address: str, *templates: str) -> list[Notification]:
    """The notifications written to ``address`` (decrypted here: the column is encrypted)."""
    found = Notification.objects.filter(template__in=templates) if templates else None
    found = found if found is not None else Notification.objects.all()
    return [n for n in found.order_by("pk") if n.to_address == address]


def rendered(notification: Notification) -> str:
    """Everything a person could read of one notification, in both languages."""
    parts = []
    for language in ("id", "en"):
        notification.language = language
        message = render(notification)
        parts += [message.subject, message.text, message.html, " ".join(message.parameters)]
    return "\n".join(parts)


def jpeg_with_exif() -> io.BytesIO:
    """A small JPEG carrying EXIF (a GPS-looking comment and a camera make)."""
    image = Image.new("RGB", (40, 30), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "KameraRahasia"  # Make
    exif[0x9286] = "GPS -8.2192 114.3691"  # UserComment
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    buffer.seek(0)
    buffer.name = "rumah.jpg"
    return buffer
