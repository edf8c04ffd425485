"""Concerns about a public listing ("Laporkan"): wrong information, already helped, a privacy
worry, suspected fraud, other.

A privacy concern from a verified contact takes the listing down at once (fail safe: the
listing is ``suspended`` until a reviewer decides), but one contact may take down only a few
listings a day, and a burst of concerns alerts the lead reviewers. Every concern is answered
by a reviewer of the listing's kecamatan, and the answer goes to the reporter.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from accounts.selectors import lead_reviewers
from accounts.services import audit_record
from attention.models import Kind
from attention.services import item_close, item_open
from notifications.services import notification_enqueue
from portal.models import Recipient, Status
from portal.services.lifecycle import PUBLIC_STATUSES, TransitionRefused, recipient_transition

from ..models import Concern
from ..permissions import may_decide_concerns
from .contacts import (
    contact_check_allowed,
    contact_code_check,
    contact_code_send,
    contact_hash,
    contact_normalise,
    reporter_notify,
)
from .history import history_start, status_move

logger = logging.getLogger(__name__)

C = Concern.Status
SYSTEM_LABEL = "community:privacy_concern"


def audit_target(concern: Concern) -> str:
    return f"community.concern:{concern.reference}"


def concern_submit(
    *,
    public_id: str,
    kind: str,
    message: str = "",
    phone: str = "",
    email: str = "",
    consent: bool,
    language: str = settings.LANGUAGE_CODE,
) -> Concern:
    """Write a concern about a published listing, waiting for the reporter's code, and send
    the code. Raises ValidationError and writes nothing otherwise."""
    errors: dict[str, str] = {}
    message = message.strip()
    if kind not in Concern.Kind.values:
        errors["kind"] = _("Choose what the concern is about.")
    if kind == Concern.Kind.OTHER and not message:
        errors["message"] = _("Say in a few words what the concern is.")
    if len(message) > 1000:
        errors["message"] = _("Write at most 1000 characters.")
    if not consent:
        errors["consent"] = _("We can only accept a report when we may contact you about it.")
    if errors:
        raise ValidationError(errors)
    recipient = (
        Recipient.objects.filter(public_id=public_id, status__in=PUBLIC_STATUSES).only("pk").first()
    )
    if recipient is None:
        raise ValidationError(_("This listing is no longer published."))
    channel, address = contact_normalise(phone=phone, email=email)
    address_hash = contact_hash(address)
    contact_check_allowed(address_hash)
    with transaction.atomic():
        concern = Concern.objects.create(
            recipient=recipient,
            kind=kind,
            message=message,
            contact_channel=channel,
            contact=address,
            contact_hash=address_hash,
            language=language,
            consent_notice_version=settings.PRIVACY_NOTICE_VERSION,
            consent_given_at=timezone.now(),
        )
        history_start(obj=concern, actor=None, actor_label="public")
        contact_code_send(report=concern)
    return concern


def concern_code_resend(*, concern: Concern) -> None:
    if concern.status != C.UNVERIFIED:
        raise ValidationError(_("This report is already confirmed."))
    contact_code_send(report=concern)


def suspensions_today(address_hash: str) -> int:
    """Listings this contact has taken down since midnight WIB."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Concern.objects.filter(
        contact_hash=address_hash, suspended_listing=True, contact_verified_at__gte=midnight
    ).count()


def concern_confirm(*, concern: Concern, code: str) -> Concern:
    """Accept the concern when ``code`` is right: it enters the reviewers' queue, and a
    privacy concern takes the listing down at once (within the contact's daily share). Raises
    CodeRefused otherwise."""

    def received(locked: Concern) -> None:
        status_move(obj=locked, to_status=C.OPEN, actor=None, actor_label="reporter")
        listed = Recipient.objects.only("pk", "kecamatan_id", "pseudonym", "public_id").get(
            pk=locked.recipient_id
        )
        item_open(
            Kind.CONCERN,
            key=f"concern:{locked.pk}",
            kecamatan_id=listed.kecamatan_id,
            recipient=listed,
            source=audit_target(locked),
        )
        step = "received"
        if locked.kind == Concern.Kind.PRIVACY and _suspend(locked):
            step = "taken_down"
        reporter_notify(report=locked, template="concern_update", step=step)
        _alert_if_burst()

    contact_code_check(report=concern, code=code, on_verified=received)
    concern.refresh_from_db()
    return concern


def _suspend(concern: Concern) -> bool:
    """Take the listing down while a reviewer decides. False when it is not published any
    more, or the contact has used its daily share (the concern then waits like any other)."""
    share = settings.COMMUNITY_SUSPENSIONS_PER_CONTACT_PER_DAY
    if suspensions_today(concern.contact_hash) >= share:
        return False
    recipient = Recipient.objects.only("pk", "status").get(pk=concern.recipient_id)
    if recipient.status != Status.PUBLISHED:
        return False
    try:
        recipient_transition(
            recipient=recipient,
            to_status=Status.SUSPENDED,
            actor=None,
            actor_label=SYSTEM_LABEL,
            reason=_(
                "Privacy concern %(reference)s from a verified contact: taken down until a "
                "reviewer decides."
            )
            % {"reference": concern.reference},
        )
    except TransitionRefused:
        # Moved by a reviewer between the check and the lock: the concern waits like others.
        return False
    concern.suspended_listing = True
    concern.save(update_fields=["suspended_listing"])
    return True


def _alert_if_burst() -> None:
    """Many concerns in a short time (a campaign to take listings down, or a real problem)
    alert every lead reviewer, once per window."""
    minutes = settings.COMMUNITY_CONCERN_BURST_MINUTES
    now = timezone.now()
    count = Concern.objects.filter(
        contact_verified_at__gte=now - datetime.timedelta(minutes=minutes)
    ).count()
    if count < settings.COMMUNITY_CONCERN_BURST_COUNT:
        return
    window = int(now.timestamp()) // (minutes * 60)
    leads = lead_reviewers()
    for lead in leads:
        notification_enqueue(
            template="concern_burst",
            dedup_key=f"concern_burst:{window}:{lead.pk}",
            user=lead,
            context={"count": count, "minutes": minutes},
        )


@transaction.atomic
def concern_answer(*, concern: Concern, actor: User, reply: str, decision: str = "") -> Concern:
    """A reviewer's answer, told to the reporter; with it, a decision on the listing: publish
    it again (after a take-down) or withdraw it. Role and maker-checker of those moves are the
    lifecycle's; scope the caller's selector."""
    if not may_decide_concerns(actor):
        raise PermissionDenied(_("Your role may not make this change."))
    reply = reply.strip()
    if not reply:
        raise ValidationError({"reply": _("Write the answer the reporter will receive.")})
    if decision not in Concern.Decision.values:
        raise ValidationError({"decision": _("Choose a decision from the list.")})
    locked = Concern.objects.select_for_update().get(pk=concern.pk)
    if locked.status != C.OPEN:
        raise ValidationError(_("This concern is already answered."))
    recipient = Recipient.objects.get(pk=locked.recipient_id)
    reason = _("Concern %(reference)s: %(reply)s") % {"reference": locked.reference, "reply": reply}
    if decision == Concern.Decision.REINSTATED:
        if recipient.status != Status.SUSPENDED:
            raise ValidationError(
                {"decision": _("Only a listing that was taken down can be published again.")}
            )
        recipient_transition(
            recipient=recipient, to_status=Status.PUBLISHED, actor=actor, reason=reason
        )
    elif decision == Concern.Decision.WITHDRAWN:
        recipient_transition(
            recipient=recipient, to_status=Status.WITHDRAWN, actor=actor, reason=reason
        )
    locked.reply, locked.decision = reply, decision
    locked.answered_by, locked.answered_at = actor, timezone.now()
    status_move(
        obj=locked,
        to_status=C.ANSWERED,
        actor=actor,
        note=reply,
        fields=("reply", "decision", "answered_by", "answered_at"),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CONCERN_ANSWERED,
        target=audit_target(locked),
        details={"decision": decision, "listing": recipient.public_id},
    )
    item_close(
        Kind.CONCERN,
        key=f"concern:{locked.pk}",
        note=_("Concern %(reference)s answered.") % {"reference": locked.reference},
    )
    reporter_notify(
        report=locked,
        template="concern_update",
        step="answered",
        reply=reply,
        decision=decision,
    )
    concern.refresh_from_db()
    return concern
