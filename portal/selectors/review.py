"""Reads for the officials' review pages, filtered by the acting user's scope.

Opening a person's identity is itself recorded: the selectors that return decrypted identity
for display write a ``pii.view`` audit event, as ``get_in_scope`` writes ``scope.denied``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import AuditEvent, User
from accounts.pii import keyed_hash
from accounts.registry import Waiting
from accounts.selectors import Purpose, get_in_scope, kecamatan_in_scope
from accounts.services import audit_record, audit_record_many
from regions.models import Kecamatan, Village

from ..models import Condition, Need, PhotoConsent, Recipient, RecipientTransition, Status
from ..permissions import may_check_recipient, may_review, may_work_on_record
from ..services.imports.rows import warning_label
from ..services.lifecycle import (
    TRANSITIONS,
    allowed_moves,
    profile_missing_text,
    profile_refusal,
)
from ..services.review import audit_target
from .photos import photo_consent_current

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

S = Status

# The queue loads the clear columns it shows and one encrypted column, the name, which
# ``queue_rows`` decrypts for the page shown only (and logs, one ``pii.view`` per person).
QUEUE_COLUMNS = (
    "public_id",
    "name",
    "pseudonym",
    "story",
    "public_needs",
    "monthly_need",
    "status",
    "age_band",
    "warnings",
    "created_at",
    "updated_at",
    "entered_by_id",
    "last_edited_by_id",
    "village__name",
    "village__code",
    "kecamatan__name",
)
# Where a missing part of the public profile holds a record up (before it is submitted or
# published) and so is worth a warning in the queue.
_PROFILE_MATTERS = frozenset({S.CANDIDATE, S.CHANGES_REQUESTED, S.IN_REVIEW, S.SUSPENDED})


def registry_kecamatan(user: User) -> QuerySet[Kecamatan]:
    """The kecamatan whose recipients ``user`` may review."""
    return kecamatan_in_scope(user, purpose=Purpose.REGISTRY)


def villages_in_scope(user: User) -> QuerySet[Village]:
    return (
        Village.objects.filter(kecamatan__in=registry_kecamatan(user))
        .select_related("kecamatan")
        .order_by("kecamatan__name", "name")
    )


def review_queue(
    user: User,
    *,
    statuses: Collection[str] | None = None,
    has_warnings: bool | None = None,
    village_code: str | None = None,
    nik: str | None = None,
    batch_id: int | None = None,
) -> QuerySet[Recipient]:
    """Recipients in ``user``'s scope, newest first (a new import on top), in ``statuses``
    (None: any). A whole NIK finds its person through the keyed hash (encrypted columns are
    not searched); ``batch_id`` keeps the records an import created or last updated."""
    recipients = (
        Recipient.objects.filter(kecamatan__in=registry_kecamatan(user))
        .select_related("village", "kecamatan")
        .only(*QUEUE_COLUMNS)
        .order_by("-created_at", "-pk")
    )
    if statuses is not None:
        recipients = recipients.filter(status__in=list(statuses))
    if has_warnings is True:
        recipients = recipients.exclude(warnings=[])
    elif has_warnings is False:
        recipients = recipients.filter(warnings=[])
    if village_code:
        recipients = recipients.filter(village__code=village_code)
    if nik:
        recipients = recipients.filter(nik_hash=keyed_hash(nik))
    if batch_id is not None:
        recipients = recipients.filter(last_import_id=batch_id)
    return recipients


def reviewer_waiting(user: User) -> list[Waiting]:
    """What waits in ``user``'s review queue (its scope, through ``review_queue``): records
    submitted that they may decide (not one they entered or last edited: maker-checker), and
    candidates not yet submitted. One query."""
    counts = (
        review_queue(user)
        .order_by()
        .aggregate(
            in_review=Count(
                "pk",
                filter=Q(status=S.IN_REVIEW) & ~Q(entered_by=user) & ~Q(last_edited_by=user),
            ),
            candidates=Count("pk", filter=Q(status=S.CANDIDATE)),
        )
    )
    queue = reverse("portal:review_queue")
    return [
        Waiting(
            counts["in_review"],
            ngettext(
                "%(counter)s record submitted and waiting for your review",
                "%(counter)s records submitted and waiting for your review",
                counts["in_review"],
            )
            % {"counter": counts["in_review"]},
            f"{queue}?{urlencode({'status': S.IN_REVIEW})}",
        ),
        Waiting(
            counts["candidates"],
            ngettext(
                "%(counter)s candidate not yet submitted for review",
                "%(counter)s candidates not yet submitted for review",
                counts["candidates"],
            )
            % {"counter": counts["candidates"]},
            f"{queue}?{urlencode({'status': S.CANDIDATE})}",
        ),
    ]


@dataclass(frozen=True)
class QueueRow:
    """One record of the queue as officials name it: the name (which a registry role reads
    on the record too), the pseudonym, where, how old, its status and what holds it up."""

    recipient: Recipient
    name: str
    warnings: list[str]
    # In review, and this reviewer entered or last edited it: another must decide.
    needs_other_reviewer: bool


def queue_rows(user: User, recipients: Iterable[Recipient]) -> list[QueueRow]:
    """The rows of one page of ``review_queue``, names decrypted; each person shown is
    logged as a ``pii.view`` of the queue, as opening their record is."""
    rows = []
    for recipient in recipients:
        warnings = [warning_label(code) for code in recipient.warnings]
        missing = profile_missing_text(recipient)
        if recipient.status in _PROFILE_MATTERS and missing:
            warnings.insert(0, _("The public profile needs %(missing)s.") % {"missing": missing})
        rows.append(
            QueueRow(
                recipient=recipient,
                name=recipient.name,
                warnings=warnings,
                needs_other_reviewer=(
                    recipient.status == S.IN_REVIEW
                    and may_review(user)
                    and not may_check_recipient(user, recipient)
                ),
            )
        )
    audit_record_many(
        actor=user,
        action=AuditEvent.Action.PII_VIEW,
        targets=[audit_target(row.recipient) for row in rows],
        details={"page": "queue"},
    )
    return rows


def _in_scope(user: User) -> QuerySet[Recipient]:
    return Recipient.objects.filter(kecamatan__in=registry_kecamatan(user)).select_related(
        "village__kecamatan", "kecamatan"
    )


def recipient_get_for_user(user: User, public_id: str) -> Recipient:
    """One recipient in ``user``'s scope; 404 otherwise (and ``scope.denied`` in the audit
    log when it exists outside the scope)."""
    return get_in_scope(
        _in_scope(user),
        user=user,
        target=f"portal.recipient:{public_id}",
        public_id=public_id,
    )


def recipient_identity_for_user(user: User, public_id: str, *, page: str) -> Recipient:
    """As ``recipient_get_for_user``, for a page that shows the identity: logs ``pii.view``."""
    recipient = recipient_get_for_user(user, public_id)
    audit_record(
        actor=user,
        action=AuditEvent.Action.PII_VIEW,
        target=audit_target(recipient),
        details={"page": page},
    )
    return recipient


@dataclass(frozen=True)
class MoveOption:
    to_status: str
    label: str
    needs_reason: bool
    danger: bool


@dataclass
class RecipientRecord:
    """Everything the record page shows. The NIK goes out masked only."""

    recipient: Recipient
    nik_masked: str
    conditions: list[StrOrPromise]
    needs: list[StrOrPromise]
    warnings: list[str]
    history: list[RecipientTransition]
    consent: PhotoConsent | None
    moves: list[MoveOption]
    # The approve button is missing because this user entered or last edited the record.
    maker_blocked: bool
    can: dict[str, bool] = field(default_factory=dict)
    # Why it cannot be submitted or published yet ("" when its public profile is complete).
    profile_refusal: str = ""


def move_label(origin: str, to: str) -> str:
    if to == S.IN_REVIEW:
        return _("Resubmit for review") if origin == S.CHANGES_REQUESTED else _("Submit for review")
    if to == S.PUBLISHED:
        return _("Reinstate") if origin == S.SUSPENDED else _("Approve and publish")
    if to == S.WITHDRAWN:
        return _("Reject") if origin == S.IN_REVIEW else _("Withdraw")
    return {
        S.CHANGES_REQUESTED: _("Request changes"),
        S.SUSPENDED: _("Suspend"),
        S.REACHED: _("Mark as reached"),
        S.SERVED_ELSEWHERE: _("Served elsewhere"),
    }.get(Status(to), str(Status(to).label))


def recipient_moves(recipient: Recipient, user: User) -> list[MoveOption]:
    """The moves ``user`` may make from the review page now (erasure has its own workflow)."""
    return [
        MoveOption(
            to_status=to,
            label=move_label(recipient.status, to),
            needs_reason=TRANSITIONS[(recipient.status, to)].needs_reason,
            danger=to in {S.WITHDRAWN, S.SUSPENDED},
        )
        for to in allowed_moves(recipient, user)
        if to != S.ERASED
    ]


def recipient_record_for_user(user: User, public_id: str) -> RecipientRecord:
    """The record page of one recipient in scope. Logs ``pii.view``."""
    recipient = recipient_identity_for_user(user, public_id, page="record")
    approve = TRANSITIONS.get((recipient.status, S.PUBLISHED))
    return RecipientRecord(
        recipient=recipient,
        nik_masked=recipient.nik_masked,
        conditions=[
            Condition(c).label if c in Condition.values else c for c in recipient.condition_list
        ],
        needs=[Need(n).label if n in Need.values else n for n in recipient.public_needs],
        warnings=[warning_label(code) for code in recipient.warnings],
        history=list(recipient.transitions.select_related("actor")),
        consent=photo_consent_current(recipient),
        moves=recipient_moves(recipient, user),
        maker_blocked=bool(
            approve
            and approve.maker_checker
            and approve.roles is not None
            and user.has_role(*approve.roles)
            and not may_check_recipient(user, recipient)
        ),
        can={
            "identity": may_work_on_record(user),
            "reveal": may_work_on_record(user),
            "profile": may_review(user),
            "photo": may_review(user),
            "photo_withdraw": may_work_on_record(user),
            "warnings": may_work_on_record(user),
        },
        profile_refusal=(
            profile_refusal(recipient) if recipient.status in _PROFILE_MATTERS else ""
        ),
    )
