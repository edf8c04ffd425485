"""The rights of the people listed (UU 27/2022 PDP): access, correction, deletion and
withdrawal of consent, asked by the person or their family and recorded by an official.

The portal keeps the 3x24-hour clock (``RIGHTS_REQUEST_DEADLINE_HOURS``): a request is due
that long after it was received, and an overdue one alerts every lead reviewer once. Deletion
and withdrawal take the listing down at once and end in erasure (the ``erased`` state): the
identity, the photo, the consents and what reporters wrote about the person are wiped; the
Recipient row stays with its id, keyed NIK hash, pseudonym, kecamatan and village, because the
donations ledger refers to ``recipient:<id>`` and a later import of the NIK must be refused.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import registry
from accounts.models import AuditEvent, RoleGrant, User
from accounts.selectors import lead_reviewers
from accounts.services import audit_record
from accounts.storage import private_storage
from attention.models import Item, Kind
from attention.services import RIGHTS_ESCALATE_HOURS, item_close, item_open
from notifications.services import notification_enqueue
from portal.models import PhotoConsent, Recipient, Status
from portal.services.lifecycle import recipient_transition
from portal.services.review import audit_target as recipient_target
from portal.services.review import photo_consent_withdraw

from ..models import Concern, Referral, RightsRequest
from ..permissions import ERASE_ROLES, RIGHTS_ROLES
from .history import history_start, status_move

logger = logging.getLogger(__name__)

K, Q = RightsRequest.Kind, RightsRequest.Status
ERASING_KINDS = frozenset({K.DELETION, K.WITHDRAWAL})
# Moves that take a record off the public site for good while its erasure waits.
_TAKE_DOWN_FROM = frozenset({Status.PUBLISHED, Status.SUSPENDED, Status.IN_REVIEW})


def audit_target(request: RightsRequest) -> str:
    return f"community.rightsrequest:{request.reference}"


def _require(actor: User, roles: frozenset[str]) -> None:
    if not actor.has_role(*roles):
        raise PermissionDenied(_("Your role may not make this change."))


def rights_deadline(received_at: datetime.datetime) -> datetime.datetime:
    return received_at + datetime.timedelta(hours=settings.RIGHTS_REQUEST_DEADLINE_HOURS)


@transaction.atomic
def rights_request_record(
    *,
    recipient: Recipient,
    actor: User,
    kind: str,
    requester: str,
    requester_name: str,
    details: str = "",
    received_at: datetime.datetime | None = None,
) -> RightsRequest:
    """Record a request; the clock runs from ``received_at`` (now when not given). A deletion
    or withdrawal takes the listing down at once and withdraws the photo consent."""
    _require(actor, RIGHTS_ROLES)
    now = timezone.now()
    received_at = received_at or now
    errors: dict[str, str] = {}
    if kind not in K.values:
        errors["kind"] = _("Choose the kind of request.")
    if requester not in RightsRequest.Requester.values:
        errors["requester"] = _("Say who made the request.")
    if not requester_name.strip():
        errors["requester_name"] = _("Write the name of the person who made the request.")
    if received_at > now:
        errors["received_at"] = _("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
    if locked.status == Status.ERASED:
        raise ValidationError(_("This person's data is already erased."))
    request = RightsRequest.objects.create(
        recipient=locked,
        kind=kind,
        requester=requester,
        requester_name=requester_name.strip()[:200],
        details=details.strip()[:2000],
        received_at=received_at,
        due_at=rights_deadline(received_at),
        recorded_by=actor,
    )
    history_start(obj=request, actor=actor)
    item_open(
        Kind.RIGHTS_REQUEST,
        key=f"rights:{request.pk}",
        kecamatan_id=locked.kecamatan_id,
        recipient=locked,
        opened_at=now,
        deadline=request.due_at,
        escalate_at=received_at + datetime.timedelta(hours=RIGHTS_ESCALATE_HOURS),
        source=audit_target(request),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.RIGHTS_REQUEST_RECORDED,
        target=audit_target(request),
        details={"kind": kind, "recipient": locked.public_id},
    )
    if kind in ERASING_KINDS:
        _take_down(locked, actor=actor, request=request)
    recipient.refresh_from_db(fields=["status"])
    return request


def _take_down(recipient: Recipient, *, actor: User, request: RightsRequest) -> None:
    reason = _("Data-rights request %(reference)s: %(kind)s.") % {
        "reference": request.reference,
        "kind": request.get_kind_display(),
    }
    if recipient.status in _TAKE_DOWN_FROM:
        recipient_transition(
            recipient=recipient, to_status=Status.WITHDRAWN, actor=actor, reason=reason
        )
    photo_consent_withdraw(recipient=recipient, actor=actor)


@transaction.atomic
def rights_request_close(
    *, request: RightsRequest, actor: User, outcome: str, note: str
) -> RightsRequest:
    """Close a request as done or refused, with what was done (or why not). A deletion or
    withdrawal is done by erasing the person, which only a lead reviewer may do."""
    _require(actor, RIGHTS_ROLES)
    note = note.strip()
    if outcome not in (Q.DONE, Q.REFUSED):
        raise ValidationError({"outcome": _("Choose an outcome from the list.")})
    if not note:
        raise ValidationError({"note": _("Say what was done, or why the request is refused.")})
    locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != Q.OPEN:
        raise ValidationError(_("This request is already closed."))
    if outcome == Q.DONE and locked.kind in ERASING_KINDS:
        _require(actor, ERASE_ROLES)
        recipient_erase(recipient=locked.recipient, actor=actor, request=locked)
    locked.completed_by, locked.completed_at, locked.outcome_note = actor, timezone.now(), note
    status_move(
        obj=locked,
        to_status=outcome,
        actor=actor,
        note=note,
        fields=("completed_by", "completed_at", "outcome_note"),
    )
    item_close(
        Kind.RIGHTS_REQUEST,
        key=f"rights:{locked.pk}",
        note=_("Request %(reference)s closed.") % {"reference": locked.reference},
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.RIGHTS_REQUEST_CLOSED,
        target=audit_target(locked),
        details={"kind": locked.kind, "outcome": outcome, "recipient": locked.recipient.public_id},
    )
    request.refresh_from_db()
    return request


# Identity and profile fields wiped by erasure, with their empty value. Kept: the id, the
# public id, nik_hash, pseudonym, status, source, sex, age band, village and kecamatan (in clear
# for statistics), monthly need and dates, because the ledger and the figures refer to them.
_WIPED: dict[str, object] = {
    "nik": "",
    "name": "",
    "birth_date": None,
    "address": "",
    "rt": "",
    "rw": "",
    "family_phone": "",
    "conditions": "",
    "notes": "",
    "data_collected_on": None,
    "story": "",
    "warnings": [],
    "locked_fields": [],
    "import_fingerprint": "",
    "photo": "",
    "photo_consent": None,
}


def recipient_erase(*, recipient: Recipient, actor: User, request: RightsRequest) -> None:
    """Erase a person's identity at their request (lead reviewers; in the caller's
    transaction). Refused by the lifecycle for any other role."""
    _require(actor, ERASE_ROLES)
    recipient_transition(
        recipient=recipient,
        to_status=Status.ERASED,
        actor=actor,
        reason=_("Data-rights request %(reference)s: %(kind)s.")
        % {"reference": request.reference, "kind": request.get_kind_display()},
    )
    locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
    photo = locked.photo.name
    for name, empty in _WIPED.items():
        setattr(locked, name, empty)
    locked.save(update_fields=[*_WIPED, "updated_at"])
    PhotoConsent.objects.filter(recipient=locked).delete()
    if photo:
        locked.photo.storage.delete(photo)
    # What residents wrote about the person is their personal data too.
    for referral in Referral.objects.filter(recipient=locked):
        _wipe_referral_text(referral)
    for concern in Concern.objects.filter(recipient=locked):
        concern.message = ""
        concern.save(update_fields=["message"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.RECIPIENT_ERASED,
        target=recipient_target(locked),
        reason=request.reference,
        details={"request": request.reference, "kind": request.kind},
    )
    recipient.refresh_from_db(fields=["status"])


def _wipe_referral_text(referral: Referral) -> None:
    photo = referral.photo
    referral.hamlet = referral.landmark = referral.situation = referral.photo = ""
    referral.save(update_fields=["hamlet", "landmark", "situation", "photo"])
    if photo:
        transaction.on_commit(lambda: private_storage().delete(photo))


def recipient_data_export(*, request: RightsRequest, actor: User) -> dict[str, Any]:
    """What the portal holds about the person of an access request, gathered from every
    app's recipient step, and who has seen it (every audit event about their record and the
    referrals about them), as a readable document. The export itself is logged."""
    _require(actor, RIGHTS_ROLES)
    recipient = Recipient.objects.select_related("village", "kecamatan").get(
        pk=request.recipient_id
    )
    sections: dict[str, Any] = {}
    for entry in registry.personal_data(registry.Subject.RECIPIENT):
        if entry.export is not None:
            sections.update(entry.export(recipient))
    referrals = sections.get("referrals", [])
    targets = [recipient_target(recipient)]
    targets += [f"community.referral:{r.reference}" for r in referrals]
    events = list(AuditEvent.objects.filter(target__in=targets).order_by("created_at", "id"))
    people = {
        user.public_ref: user
        for user in User.objects.filter(public_ref__in={e.actor_ref for e in events if e.actor_ref})
    }
    grants: dict[int, list[str]] = {}
    for grant in RoleGrant.objects.filter(user__in=people.values()):
        grants.setdefault(grant.user_id, []).append(str(grant.get_role_display()))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.RIGHTS_DATA_EXPORTED,
        target=recipient_target(recipient),
        details={"request": request.reference},
    )
    return {
        **sections,
        "exported_at": timezone.now(),
        "request": request,
        "recipient": recipient,
        "seen_by": [
            {
                "at": event.created_at,
                "action": event.get_action_display(),
                "who": _who(
                    people.get(event.actor_ref) if event.actor_ref else None, event, grants
                ),
                "reason": event.reason,
            }
            for event in events
        ],
    }


def _who(user: User | None, event: AuditEvent, grants: dict[int, list[str]]) -> str:
    if user is None:
        return event.actor_label or _("an account since deleted")
    roles = ", ".join(grants.get(user.pk, []))
    name = user.name or user.email
    return f"{name} ({roles})" if roles else name


def _item_link(request: RightsRequest) -> dict[str, Any]:
    item = Item.objects.filter(kind=Kind.RIGHTS_REQUEST, key=f"rights:{request.pk}").first()
    return {"item_id": item.pk} if item is not None else {}


def rights_overdue_alert() -> int:
    """Alert every lead reviewer, once, about each open request past its deadline. The beat
    runs this every quarter hour; the mark on the request and the dedup key make a second run
    (or two at once) send nothing more. Returns the requests alerted."""
    now = timezone.now()
    leads = list(lead_reviewers())
    if not leads:
        logger.warning("overdue data-rights requests but no lead reviewer to alert")
        return 0
    alerted = 0
    overdue = RightsRequest.objects.filter(
        status=Q.OPEN, due_at__lte=now, overdue_alerted_at__isnull=True
    ).select_related("recipient__kecamatan")
    for request in overdue:
        with transaction.atomic():
            marked = RightsRequest.objects.filter(
                pk=request.pk, overdue_alerted_at__isnull=True
            ).update(overdue_alerted_at=now)
            if not marked:
                continue
            for lead in leads:
                notification_enqueue(
                    template="rights_overdue",
                    dedup_key=f"rights_overdue:{request.pk}:{lead.pk}",
                    user=lead,
                    context={
                        "reference": request.reference,
                        "request_id": request.pk,
                        **_item_link(request),
                        "kind": request.kind,
                        "kecamatan": request.recipient.kecamatan.name,
                        "due_at": timezone.localtime(request.due_at).strftime("%Y-%m-%d %H:%M"),
                    },
                )
        alerted += 1
    return alerted
