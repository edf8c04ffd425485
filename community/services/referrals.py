"""Residents' referrals of elderly neighbours: submitted by anybody, accepted once the
reporter's contact is proven, decided by a data officer after a field visit.

A verified referral becomes a ``candidate`` through the manual-entry door of the import
pipeline (portal.services.manual_entry), so the NIK rules, the duplicate check and the refusal
of an erased person apply exactly as to any other entry; then the normal review follows.
"""

from __future__ import annotations

import secrets
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from accounts.services import audit_record
from accounts.storage import private_storage
from core.uploads import image_clean_jpeg, size_check
from portal.models import Need, Recipient, Source, Status
from portal.services.manual_entry import manual_entry_create
from regions.models import Village

from ..models import Referral
from ..permissions import may_work_referrals
from .contacts import (
    contact_check_allowed,
    contact_code_check,
    contact_code_send,
    contact_hash,
    contact_normalise,
    reporter_notify,
)
from .history import history_start, status_move

R = Referral.Status
# The outcomes a data officer records without entering the person (verified has its form).
CLOSING_OUTCOMES = (R.ALREADY_KNOWN, R.NOT_ELIGIBLE, R.NOT_FOUND)
# What the reporter hears after the referral is verified, read from the registry record.
# Keyed by the stored value, as a recipient's status reads.
PROGRESS_STEPS: dict[str, str] = {Status.PUBLISHED: "listed", Status.REACHED: "reached"}


# A photo from a phone is a few MB; the same limit as a listing's photo.
REFERRAL_PHOTO_MAX_BYTES = 5 * 1024 * 1024


def audit_target(referral: Referral) -> str:
    return f"community.referral:{referral.reference}"


def _require(actor: User) -> None:
    if not may_work_referrals(actor):
        raise PermissionDenied(_("Your role may not make this change."))


def referral_submit(
    *,
    village: Village,
    needs: list[str],
    situation: str = "",
    hamlet: str = "",
    landmark: str = "",
    photo: IO[bytes] | None = None,
    phone: str = "",
    email: str = "",
    consent: bool,
    language: str = settings.LANGUAGE_CODE,
) -> Referral:
    """Write a referral waiting for its reporter's code and send the code. Raises
    ValidationError (keyed by field where there is one) and writes nothing when the report is
    incomplete, the photo unreadable, or the contact has had too many codes today."""
    errors: dict[str, str] = {}
    needs = list(dict.fromkeys(needs))
    situation, hamlet, landmark = situation.strip(), hamlet.strip(), landmark.strip()
    if any(need not in Need.values for need in needs):
        errors["needs"] = _("Choose needs from the list only.")
    if not needs and not situation:
        errors["situation"] = _("Choose a need or describe the situation in a few words.")
    if not consent:
        errors["consent"] = _("We can only accept a report when we may contact you about it.")
    if len(situation) > 1000:
        errors["situation"] = _("Write at most 1000 characters.")
    if errors:
        raise ValidationError(errors)
    channel, address = contact_normalise(phone=phone, email=email)
    address_hash = contact_hash(address)
    contact_check_allowed(address_hash)

    photo_name = ""
    if photo is not None:
        # Metadata (a phone's GPS position above all) never reaches storage.
        size_check(photo, max_bytes=REFERRAL_PHOTO_MAX_BYTES, what=_("photo"))
        data = image_clean_jpeg(
            photo,
            max_side=1200,
            unreadable=_("This file is not a photo the portal can read: use JPEG, PNG or WebP."),
        )
        photo_name = private_storage().save(
            f"community/referrals/{secrets.token_urlsafe(12)}.jpg", ContentFile(data)
        )
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                kecamatan_id=village.kecamatan_id,
                village=village,
                hamlet=hamlet[:100],
                landmark=landmark[:200],
                needs=needs,
                situation=situation,
                photo=photo_name,
                contact_channel=channel,
                contact=address,
                contact_hash=address_hash,
                language=language,
                consent_notice_version=settings.PRIVACY_NOTICE_VERSION,
                consent_given_at=timezone.now(),
            )
            history_start(obj=referral, actor=None, actor_label="public")
            contact_code_send(report=referral)
    except Exception:
        if photo_name:
            private_storage().delete(photo_name)
        raise
    return referral


def referral_confirm(*, referral: Referral, code: str) -> Referral:
    """Accept the referral when ``code`` is right: it enters the data officers' queue and the
    reporter is told it was received. Raises CodeRefused otherwise."""

    def received(locked: Referral) -> None:
        status_move(obj=locked, to_status=R.OPEN, actor=None, actor_label="reporter")
        reporter_notify(report=locked, template="referral_update", step="received")

    contact_code_check(report=referral, code=code, on_verified=received)
    return referral


def referral_code_resend(*, referral: Referral) -> None:
    if referral.status != R.UNVERIFIED:
        raise ValidationError(_("This report is already confirmed."))
    contact_code_send(report=referral)


def _lock(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().get(pk=referral.pk)


@transaction.atomic
def referral_close(*, referral: Referral, actor: User, outcome: str, note: str) -> Referral:
    """Record that the person was already known, is not eligible, or was not found."""
    _require(actor)
    if outcome not in CLOSING_OUTCOMES:
        raise ValidationError(_("Choose an outcome from the list."))
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say in a few words what the field visit found.")})
    locked = _lock(referral)
    locked.decided_by, locked.decided_at = actor, timezone.now()
    status_move(
        obj=locked, to_status=outcome, actor=actor, note=note, fields=("decided_by", "decided_at")
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.REFERRAL_DECIDED,
        target=audit_target(locked),
        details={"outcome": outcome},
    )
    reporter_notify(report=locked, template="referral_update", step=outcome)
    referral.refresh_from_db()
    return referral


@transaction.atomic
def referral_verify(
    *, referral: Referral, actor: User, raw: dict[str, Any], note: str = ""
) -> tuple[Recipient, list[str]]:
    """The field visit found the person: enter their identity through the manual-entry door
    (source ``referral``). Returns the new candidate and its warnings; raises EntryRefused
    (nothing written, the referral still open) when the pipeline refuses the entry."""
    _require(actor)
    locked = _lock(referral)
    if locked.status != R.OPEN:
        raise ValidationError(
            _("This is no longer possible: the report is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    recipient, warnings = manual_entry_create(raw=raw, actor=actor, source=Source.REFERRAL)
    locked.recipient = recipient
    locked.decided_by, locked.decided_at = actor, timezone.now()
    status_move(
        obj=locked,
        to_status=R.VERIFIED,
        actor=actor,
        note=note.strip(),
        fields=("recipient", "decided_by", "decided_at"),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.REFERRAL_DECIDED,
        target=audit_target(locked),
        details={"outcome": R.VERIFIED, "recipient": recipient.public_id},
    )
    reporter_notify(report=locked, template="referral_update", step=R.VERIFIED)
    referral.refresh_from_db()
    return recipient, warnings


def referral_progress_notify() -> int:
    """Tell reporters of verified referrals when the person is listed, then reached (the
    beat runs this; a step is told once, and never with anything about the person)."""
    told = 0
    verified = (
        Referral.objects.filter(status=R.VERIFIED, recipient__status__in=list(PROGRESS_STEPS))
        .select_related("recipient")
        .only("pk", "last_step_told", "recipient__status")
    )
    order = ["", "listed", "reached"]
    for referral in verified.iterator():
        if referral.recipient is None:
            continue  # not reached: the recipient__status filter keeps only linked referrals
        step = PROGRESS_STEPS[referral.recipient.status]
        if order.index(step) <= order.index(referral.last_step_told or ""):
            continue
        with transaction.atomic():
            locked = _lock(referral)
            if order.index(step) <= order.index(locked.last_step_told or ""):
                continue
            locked.last_step_told = step
            locked.save(update_fields=["last_step_told"])
            reporter_notify(report=locked, template="referral_update", step=step)
        told += 1
    return told
