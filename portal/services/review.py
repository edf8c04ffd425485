"""The officials' review of a recipient: identity corrections, the public profile, the photo,
the full NIK, warnings, and the moves the review page makes.

Scope (which kecamatan) is checked by the caller's selector (``portal.selectors.review``);
roles and the record's own rules are checked here, so that every door gets the same answer.
"""

from __future__ import annotations

import io
import secrets
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from accounts.pii import keyed_hash
from accounts.services import audit_record
from core import uploads
from core.pagecache import public_pages_changed
from regions.models import Village

from ..models import (
    IDENTITY_FIELDS,
    AgeBand,
    FormerNik,
    Need,
    PhotoConsent,
    Recipient,
    RecipientTransition,
    Status,
    profile_missing,
)
from ..permissions import RECORD_WORK_ROLES, REVIEW_ROLES
from ..selectors.photos import photo_consent_current
from .imports.rows import Villages, validate_row
from .imports.rows import age_band as age_band_on
from .lifecycle import PROFILE_KEPT_STATUSES, PUBLIC_STATUSES, recipient_transition

ACTION_IDENTITY_CORRECTED = AuditEvent.Action.RECIPIENT_CORRECTED
ACTION_WARNINGS_CLEARED = AuditEvent.Action.RECIPIENT_WARNINGS_CLEARED

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 1200

# Warnings an import may leave on a row, which for an official's own correction are errors:
# the import drops the bad value and warns; an official is told to fix what they typed.
_STRICT_WARNINGS = {
    "phone_invalid": "family_phone",
    "collection_date_invalid": "data_collected_on",
    "unknown_condition": "conditions",
}
# Warnings that follow from the NIK, the sex and the birth date together.
_NIK_WARNINGS = frozenset({"nik_outside_banyuwangi", "nik_sex_mismatch", "nik_birth_date_mismatch"})
_NULLABLE = frozenset({"birth_date", "data_collected_on"})


def default_monthly_need() -> int:
    """Two portions a day for a month: Rp720.000 with the default settings."""
    return settings.PORTION_COST_RUPIAH * settings.MEALS_PER_DAY * settings.DAYS_PER_MONTH


def audit_target(recipient: Recipient) -> str:
    return f"portal.recipient:{recipient.public_id}"


def _require(actor: User, roles: frozenset[str]) -> None:
    if not actor.has_role(*roles):
        raise PermissionDenied(_("Your role may not make this change."))


def _refuse_erased(recipient: Recipient) -> None:
    if recipient.status == Status.ERASED:
        raise ValidationError(
            _("This person's data was erased at their request: the record cannot be changed.")
        )


def _lock(recipient: Recipient) -> Recipient:
    return Recipient.objects.select_for_update().get(pk=recipient.pk)


# --- Public profile ----------------------------------------------------------------------------


@transaction.atomic
def recipient_profile_update(
    *,
    recipient: Recipient,
    actor: User,
    pseudonym: str,
    public_needs: list[str],
    story: str,
    monthly_need: int | None = None,
    age_band: str | None = None,
) -> Recipient:
    """Write the public profile a reviewer composes. ``monthly_need=None`` means the default
    (``default_monthly_need``); ``age_band=None`` keeps the band the import worked out.

    The editor becomes ``last_edited_by``, so another reviewer must approve the record.
    Raises ValidationError keyed by field.
    """
    _require(actor, REVIEW_ROLES)
    locked = _lock(recipient)
    _refuse_erased(locked)
    errors: dict[str, str] = {}
    pseudonym = " ".join(pseudonym.split())
    story = story.strip()
    needs = list(dict.fromkeys(public_needs))
    if len(pseudonym) > 40:
        errors["pseudonym"] = _("A pseudonym has at most 40 characters.")
    name = " ".join((locked.name or "").split()).casefold()
    if len(name) >= 4 and (name in pseudonym.casefold() or name in story.casefold()):
        errors["pseudonym" if name in pseudonym.casefold() else "story"] = _(
            "Do not use the person's full name on the public profile."
        )
    if any(need not in Need.values for need in needs):
        errors["public_needs"] = _("Choose needs from the list only.")
    if len(story) > 600:
        errors["story"] = _("The story has at most 600 characters.")
    if monthly_need is None:
        monthly_need = default_monthly_need()
    if isinstance(monthly_need, bool) or not isinstance(monthly_need, int) or monthly_need < 0:
        errors["monthly_need"] = _("The monthly need is a whole number of rupiah, 0 or more.")
    if age_band is not None and age_band not in AgeBand.values:
        errors["age_band"] = _("Choose an age band from the list.")
    if locked.status in PROFILE_KEPT_STATUSES:
        profile = {
            "pseudonym": pseudonym,
            "story": story,
            "public_needs": needs,
            "monthly_need": monthly_need,
        }
        for name in profile_missing(profile):
            errors.setdefault(
                name,
                _("Required while the record is “%(status)s”.")
                % {"status": Status(locked.status).label},
            )
    if errors:
        raise ValidationError(errors)

    locked.pseudonym = pseudonym
    locked.public_needs = needs
    locked.story = story
    locked.monthly_need = monthly_need
    if age_band is not None:
        locked.age_band = age_band
    locked.last_edited_by = actor
    fields = ["pseudonym", "public_needs", "story", "monthly_need", "age_band", "last_edited_by"]
    locked.save(update_fields=[*fields, "updated_at"])
    if locked.status in PUBLIC_STATUSES:
        public_pages_changed()
    for name in [*fields, "updated_at"]:
        setattr(recipient, name, getattr(locked, name))
    return recipient


# --- Identity ----------------------------------------------------------------------------------


def _raw_row(identity: dict[str, Any]) -> dict[str, Any]:
    """An identity as the import's raw row, so that ``validate_row`` applies its own rules."""
    raw = dict(identity)
    village = raw.pop("village", None)
    if village is not None:
        raw["village_code"] = village.code if isinstance(village, Village) else str(village)
    conditions = raw.get("conditions")
    if isinstance(conditions, list | tuple | set):
        raw["conditions"] = ",".join(conditions)
    return {key: value for key, value in raw.items() if value not in (None, "")}


def _same(name: str, old: Any, new: Any) -> bool:
    if name == "conditions":
        return set(filter(None, (old or "").split(","))) == set(filter(None, new.split(",")))
    return bool(old == new)


@transaction.atomic
def recipient_identity_update(
    *, recipient: Recipient, actor: User, changes: dict[str, Any], reason: str = ""
) -> list[str]:
    """Apply an official's correction of identity fields; return the names that changed.

    ``changes`` maps names of ``IDENTITY_FIELDS`` to new values (raw text, dates, a Village or
    its code; conditions as a list or comma-separated). The record as it would become is
    checked by the import's own row rules (``imports.validate_row``): what the import refuses
    is refused here with its reason, and what it would merely drop (a bad phone number) is an
    error too. Every changed field is locked against later imports, the NIK's keyed hash is
    recomputed, and one audit event names the fields (never their values).
    """
    _require(actor, RECORD_WORK_ROLES)
    unknown = set(changes) - set(IDENTITY_FIELDS)
    if unknown:
        raise ValueError(f"Not identity fields: {sorted(unknown)}")
    locked = _lock(recipient)
    _refuse_erased(locked)
    today = timezone.localdate()
    merged = {name: getattr(locked, name) for name in IDENTITY_FIELDS}
    merged.update(changes)
    row = validate_row(0, _raw_row(merged), villages=Villages.load(), today=today)
    if row.rejected:
        raise ValidationError(row.reason)
    for code in row.warnings:
        field_name = _STRICT_WARNINGS.get(code.partition(":")[0])
        if field_name in changes:
            raise ValidationError({field_name: _strict_message(field_name)})

    changed = []
    for name, supplied in changes.items():
        empty = supplied in (None, "", [], ())
        new = (None if name in _NULLABLE else "") if empty else row.data[name]
        if _same(name, getattr(locked, name), new):
            continue
        setattr(locked, name, new)
        changed.append(name)
    if not changed:
        return []

    fields = list(changed)
    if "nik" in changed:
        former = locked.nik_hash
        locked.nik_hash = keyed_hash(locked.nik)
        if Recipient.objects.filter(nik_hash=locked.nik_hash).exclude(pk=locked.pk).exists():
            raise ValidationError({"nik": _("Another record already has this NIK.")})
        fields.append("nik_hash")
        # Diskominfo's next export may still carry the old NIK: it must find this person.
        FormerNik.objects.get_or_create(nik_hash=former, defaults={"recipient": locked})
        FormerNik.objects.filter(nik_hash=locked.nik_hash).delete()
    if "village" in changed:
        locked.kecamatan_id = locked.village.kecamatan_id
        fields.append("kecamatan")
    # validate_row refused a missing birth date above: a changed one is a date.
    if "birth_date" in changed and locked.birth_date is not None:
        locked.age_band = age_band_on(locked.birth_date, today)
        fields.append("age_band")
    if {"nik", "sex", "birth_date"} & set(changed):
        warnings = {w for w in locked.warnings if w not in _NIK_WARNINGS}
        warnings |= set(row.warnings) & _NIK_WARNINGS
        if warnings != set(locked.warnings):
            locked.warnings = sorted(warnings)
            fields.append("warnings")
    locked.locked_fields = sorted(set(locked.locked_fields) | set(changed))
    locked.last_edited_by = actor
    fields += ["locked_fields", "last_edited_by"]
    locked.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=actor,
        action=ACTION_IDENTITY_CORRECTED,
        target=audit_target(locked),
        reason=reason.strip(),
        details={"fields": changed},
    )
    for name in [*fields, "updated_at"]:
        setattr(recipient, name, getattr(locked, name))
    return changed


def _strict_message(field_name: str) -> str:
    return {
        "family_phone": _("This is not a valid phone number, e.g. 0812 3456 7890."),
        "data_collected_on": _("The data-collection date is invalid or in the future."),
        "conditions": _("Choose conditions from the list only."),
    }[field_name]


def nik_reveal(*, recipient: Recipient, actor: User, reason: str) -> str:
    """The full NIK, for an official who gives a reason; the reveal is written to the audit
    log with that reason. The caller shows it once and keeps it nowhere."""
    _require(actor, RECORD_WORK_ROLES)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason to see the full NIK.")})
    if recipient.status == Status.ERASED or not recipient.nik:
        raise ValidationError(_("This record holds no NIK: its identity data was erased."))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.PII_REVEAL,
        target=audit_target(recipient),
        reason=reason,
        details={"field": "nik"},
    )
    return recipient.nik


@transaction.atomic
def warnings_clear(*, recipient: Recipient, actor: User) -> list[str]:
    """Mark the record's warnings as dealt with; return the codes cleared."""
    _require(actor, RECORD_WORK_ROLES)
    locked = _lock(recipient)
    cleared = list(locked.warnings)
    if not cleared:
        return []
    locked.warnings = []
    locked.save(update_fields=["warnings", "updated_at"])
    audit_record(
        actor=actor,
        action=ACTION_WARNINGS_CLEARED,
        target=audit_target(locked),
        # Only the kinds: the detail after ":" may be a file's text (an unknown condition).
        details={"warnings": sorted({code.partition(":")[0] for code in cleared})},
    )
    recipient.warnings, recipient.updated_at = locked.warnings, locked.updated_at
    return cleared


# --- Photo -------------------------------------------------------------------------------------


@transaction.atomic
def photo_consent_record(
    *,
    recipient: Recipient,
    actor: User,
    given_by: str,
    relationship: str,
    given_on: Any,
) -> PhotoConsent:
    """Record consent to publish a photo, given by the person or a family member for them."""
    _require(actor, REVIEW_ROLES)
    locked = _lock(recipient)
    _refuse_erased(locked)
    given_by, relationship = given_by.strip(), relationship.strip()
    errors = {}
    if not given_by:
        errors["given_by"] = _("Say who gave the consent.")
    if not relationship:
        errors["relationship"] = _("Say how they are related to the person.")
    if given_on is None or given_on > timezone.localdate():
        errors["given_on"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    consent = PhotoConsent.objects.create(
        recipient=locked,
        given_by=given_by[:200],
        relationship=relationship[:60],
        given_on=given_on,
        recorded_by=actor,
    )
    locked.photo_consent = consent
    locked.save(update_fields=["photo_consent", "updated_at"])
    recipient.photo_consent, recipient.updated_at = consent, locked.updated_at
    return consent


def _reencoded_jpeg(image_file: IO[bytes]) -> bytes:
    """The picture's pixels alone, at most PHOTO_MAX_SIDE on the longer side, as a JPEG
    (core.uploads: nothing of the original file is carried over)."""
    size = getattr(image_file, "size", None)
    if size is None:
        image_file.seek(0, io.SEEK_END)
        size = image_file.tell()
    if size > PHOTO_MAX_BYTES:
        raise ValidationError(
            _("The photo is larger than %(mb)d MB.") % {"mb": PHOTO_MAX_BYTES // (1024 * 1024)}
        )
    return uploads.image_clean_jpeg(
        image_file,
        max_side=PHOTO_MAX_SIDE,
        unreadable=_("This file is not a photo the portal can read: use JPEG, PNG or WebP."),
    )


def photo_set(*, recipient: Recipient, actor: User, image_file: IO[bytes]) -> Recipient:
    """Store the public photo of a recipient who (or whose family) consented: a re-encoded
    JPEG without metadata, in public media. Refused without a live consent, and for a file
    that is not a JPEG, PNG or WebP picture or is larger than 5 MB."""
    _require(actor, REVIEW_ROLES)
    _refuse_erased(recipient)
    if photo_consent_current(recipient) is None:
        raise ValidationError(_("Record the consent to a photo before adding one."))
    data = _reencoded_jpeg(image_file)
    with transaction.atomic():
        locked = _lock(recipient)
        consent = photo_consent_current(locked)
        if consent is None:  # withdrawn while the picture was being re-encoded
            raise ValidationError(_("Record the consent to a photo before adding one."))
        old = locked.photo.name
        # A random name: the file's address says nothing about the person.
        locked.photo.save(f"{secrets.token_urlsafe(12)}.jpg", ContentFile(data), save=False)
        locked.photo_consent = consent
        locked.last_edited_by = actor
        locked.save(update_fields=["photo", "photo_consent", "last_edited_by", "updated_at"])
        if locked.status in PUBLIC_STATUSES:
            public_pages_changed()
    if old:
        locked.photo.storage.delete(old)
    for name in ("photo", "photo_consent", "last_edited_by", "updated_at"):
        setattr(recipient, name, getattr(locked, name))
    return recipient


@transaction.atomic
def photo_consent_withdraw(*, recipient: Recipient, actor: User) -> bool:
    """Withdraw every consent to a photo and delete the photo at once. False when there was
    neither a consent nor a photo."""
    _require(actor, RECORD_WORK_ROLES)
    locked = _lock(recipient)
    withdrawn = PhotoConsent.objects.filter(recipient=locked, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now()
    )
    old = locked.photo.name
    if not (withdrawn or old or locked.photo_consent_id):
        return False
    locked.photo = ""
    locked.photo_consent = None
    locked.save(update_fields=["photo", "photo_consent", "updated_at"])
    if locked.status in PUBLIC_STATUSES:
        public_pages_changed()
    if old:
        # Now, not on commit: should the transaction fail after this, a missing file (a broken
        # image) is the right way to fail when consent has been withdrawn.
        locked.photo.storage.delete(old)
    recipient.photo, recipient.photo_consent = locked.photo, None
    recipient.updated_at = locked.updated_at
    return True


# --- Moves -------------------------------------------------------------------------------------


def review_transition(
    *, recipient: Recipient, actor: User, to_status: str, reason: str = ""
) -> RecipientTransition:
    """A move made from the review page: lifecycle.recipient_transition, except erasure,
    which only the data-rights workflow makes (it also wipes the identity)."""
    if to_status == Status.ERASED:
        raise ValidationError(_("Erasure is made through a data-rights request, not here."))
    if to_status == Status.REACHED:
        # Meals: reaching a person goes with their meal plan, made in the same transaction
        # by meals.services.plans.meal_plan_start (the review page sends the reviewer there).
        raise ValidationError(_("A person is reached with a meal plan: choose their warung."))
    return recipient_transition(
        recipient=recipient, to_status=to_status, actor=actor, reason=reason
    )
