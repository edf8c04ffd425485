"""A reporter's contact: normalised, proven by a code sent through the outbox, and limited
per contact.

A report (a referral or a concern) is written first as ``unverified`` and a six-digit code
goes to the phone (WhatsApp) or e-mail address given; only the code typed back, before it
expires and within a few attempts, accepts the report. The code is kept as a keyed hash.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.pii import keyed_hash
from core.phones import phone_normalise
from notifications.models import Channel
from notifications.services import notification_enqueue

from ..models import Concern, ContactChannel, Referral, ReporterContact
from .status import status_url


class ContactRefused(ValidationError):
    """No code can be sent to this contact now (too many today)."""


class CodeRefused(ValidationError):
    """The code typed back does not accept the report."""


def contact_normalise(*, phone: str = "", email: str = "") -> tuple[str, str]:
    """(channel, address) from what a reporter typed: the phone first (+62…), else the
    e-mail address. Raises ValidationError keyed by the field at fault."""
    phone, email = (phone or "").strip(), (email or "").strip()
    if phone:
        normalised = phone_normalise(phone)
        if normalised is None:
            raise ValidationError(
                {"phone": _("This is not a valid phone number, e.g. 0812 3456 7890.")}
            )
        return ContactChannel.PHONE, normalised
    if email:
        email = email.lower()
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": _("This is not a valid e-mail address.")}) from None
        return ContactChannel.EMAIL, email
    raise ValidationError(
        _("Give a phone number or an e-mail address so that we can send you a code.")
    )


def contact_hash(address: str) -> str:
    return keyed_hash(f"community-contact:{address}")


def codes_sent_recently(address_hash: str) -> int:
    """Codes sent to one contact in the last 24 hours, over referrals and concerns."""
    since = timezone.now() - datetime.timedelta(hours=24)
    total = 0
    for model in (Referral, Concern):
        total += (
            model.objects.filter(contact_hash=address_hash, created_at__gte=since).aggregate(
                n=Sum("codes_sent")
            )["n"]
            or 0
        )
    return total


def contact_check_allowed(address_hash: str) -> None:
    """Refuse a new code for a contact that has had its day's share (spam to a stranger's
    phone through the portal is what this stops)."""
    if codes_sent_recently(address_hash) >= settings.COMMUNITY_CODES_PER_CONTACT_PER_DAY:
        raise ContactRefused(
            _(
                "This phone number or e-mail address has received too many codes today. "
                "Please try again tomorrow."
            )
        )


def _code_hash(report: ReporterContact, code: str) -> str:
    return keyed_hash(f"community-code:{report._meta.label_lower}:{report.pk}:{code}")


def contact_code_send(*, report: ReporterContact) -> None:
    """Send a new code for ``report`` (the first, or again on request); the previous code
    stops working. Raises ContactRefused when the contact has had too many today."""
    model = type(report)
    with transaction.atomic():
        locked = model._default_manager.select_for_update().get(pk=report.pk)
        if locked.is_verified:
            return
        contact_check_allowed(locked.contact_hash)
        code = f"{secrets.randbelow(1_000_000):06d}"
        locked.code_hash = _code_hash(locked, code)
        locked.code_expires_at = timezone.now() + datetime.timedelta(
            minutes=settings.COMMUNITY_CODE_TTL_MINUTES
        )
        locked.code_attempts = 0
        locked.codes_sent += 1
        locked.save(update_fields=["code_hash", "code_expires_at", "code_attempts", "codes_sent"])
        _enqueue_code(locked, code)
    for name in ("code_hash", "code_expires_at", "code_attempts", "codes_sent"):
        setattr(report, name, getattr(locked, name))


def _enqueue_code(report: ReporterContact, code: str) -> None:
    notification_enqueue(
        template="community_code",
        dedup_key=f"community_code:{report._meta.label_lower}:{report.pk}:{report.codes_sent}",
        to_address=report.contact,
        channel=reporter_channel(report),
        language=report.language,
        context={
            "code": code,
            "minutes": settings.COMMUNITY_CODE_TTL_MINUTES,
            "reference": report.reference,
        },
    )


R = TypeVar("R", bound=ReporterContact)


def contact_code_check(*, report: R, code: str, on_verified: Callable[[R], None]) -> None:
    """Accept ``report`` when ``code`` is its current code: marks the contact verified and
    calls ``on_verified`` in the same transaction. Otherwise raises CodeRefused, and the wrong
    attempt is counted (saved, whatever the caller does next)."""
    model = type(report)
    error = None
    with transaction.atomic():
        locked = model._default_manager.select_for_update().get(pk=report.pk)
        if locked.is_verified:
            error = _("This report is already confirmed.")
        elif locked.code_attempts >= settings.COMMUNITY_CODE_MAX_ATTEMPTS:
            error = _("Too many wrong codes: ask for a new code.")
        elif (
            not locked.code_hash
            or locked.code_expires_at is None
            or locked.code_expires_at <= timezone.now()
        ):
            error = _("This code has expired: ask for a new code.")
        else:
            locked.code_attempts += 1
            typed = "".join((code or "").split())
            if hmac.compare_digest(_code_hash(locked, typed), locked.code_hash):
                locked.contact_verified_at = timezone.now()
                locked.code_hash = ""
                locked.save(update_fields=["code_attempts", "code_hash", "contact_verified_at"])
                on_verified(locked)
            else:
                locked.save(update_fields=["code_attempts"])
                left = settings.COMMUNITY_CODE_MAX_ATTEMPTS - locked.code_attempts
                error = (
                    _("This code is not right. You may try %(left)d more time(s).") % {"left": left}
                    if left
                    else _("Too many wrong codes: ask for a new code.")
                )
    if error:
        raise CodeRefused(error)
    report.refresh_from_db()


def reporter_channel(report: ReporterContact) -> str:
    return Channel.WHATSAPP if report.contact_channel == ContactChannel.PHONE else Channel.EMAIL


def reporter_notify(*, report: ReporterContact, template: str, step: str, **context: Any) -> None:
    """Tell a reporter about a step of their report (nothing about the person reported), with
    its number and a freshly signed link to its status page."""
    if not report.contact:  # wiped after its retention
        return
    notification_enqueue(
        template=template,
        dedup_key=f"{template}:{report.pk}:{step}",
        to_address=report.contact,
        channel=reporter_channel(report),
        language=report.language,
        context={
            "reference": report.reference,
            "step": step,
            "status_url": status_url(report),
            **context,
        },
    )
