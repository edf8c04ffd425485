"""The recipient's lifecycle: one table of allowed moves, one service that makes them.

docs/architecture.md, the lifecycle: candidate → in_review → published → reached; in_review →
changes_requested → in_review; published → suspended → published | withdrawn; served_elsewhere;
withdrawn; erased.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core import transitions
from core.pagecache import public_pages_changed
from core.transitions import Rule as Move
from notifications.services import notification_enqueue

from ..models import PROFILE_REQUIRED, Recipient, RecipientTransition, Status
from ..permissions import ERASE_ROLES, RECORD_WORK_ROLES, REVIEW_ROLES, may_check_recipient

S = Status


def profile_missing_text(recipient: Recipient) -> str:
    """The parts of the public profile ``recipient`` lacks, in words ("" when complete)."""
    return ", ".join(str(PROFILE_REQUIRED[name]) for name in recipient.profile_missing)


def profile_refusal(recipient: Recipient) -> str:
    """What a record lacks of its public profile, as the refusal to submit or publish it
    ("" when complete). The one rule for both moves, asked by the table below."""
    missing = profile_missing_text(recipient)
    if not missing:
        return ""
    return _("The public profile is not complete: it needs %(missing)s.") % {"missing": missing}


# (from, to) → the rule of that move. A move not in this table is refused.
TRANSITIONS: dict[tuple[str, str], Move] = {
    (S.CANDIDATE, S.IN_REVIEW): Move(RECORD_WORK_ROLES, requires=profile_refusal),
    (S.IN_REVIEW, S.PUBLISHED): Move(REVIEW_ROLES, maker_checker=True, requires=profile_refusal),
    (S.IN_REVIEW, S.CHANGES_REQUESTED): Move(REVIEW_ROLES, needs_reason=True),
    (S.IN_REVIEW, S.WITHDRAWN): Move(REVIEW_ROLES, needs_reason=True),  # rejected
    (S.CHANGES_REQUESTED, S.IN_REVIEW): Move(RECORD_WORK_ROLES, requires=profile_refusal),
    (S.PUBLISHED, S.REACHED): Move(REVIEW_ROLES),
    (S.PUBLISHED, S.SUSPENDED): Move(REVIEW_ROLES, needs_reason=True),
    (S.PUBLISHED, S.WITHDRAWN): Move(REVIEW_ROLES, needs_reason=True),
    (S.SUSPENDED, S.PUBLISHED): Move(REVIEW_ROLES, needs_reason=True, requires=profile_refusal),
    (S.SUSPENDED, S.WITHDRAWN): Move(REVIEW_ROLES, needs_reason=True),
    # Found to be served already (or imported as `terjangkau` later): counted, never public.
    **{
        (origin, S.SERVED_ELSEWHERE): Move(RECORD_WORK_ROLES, needs_reason=True)
        for origin in (S.CANDIDATE, S.IN_REVIEW, S.CHANGES_REQUESTED, S.PUBLISHED, S.SUSPENDED)
    },
    # At the person's request (UU PDP); the rights-request workflow makes these moves.
    **{
        (origin, S.ERASED): Move(ERASE_ROLES, needs_reason=True)
        for origin in S.values
        if origin != S.ERASED
    },
}

# The moves that carry a record on towards the public listing: in each origin the record
# waits for whoever may make its move (the review queue's default filter).
ONWARD_MOVES = (
    (S.CANDIDATE, S.IN_REVIEW),
    (S.CHANGES_REQUESTED, S.IN_REVIEW),
    (S.IN_REVIEW, S.PUBLISHED),
    (S.SUSPENDED, S.PUBLISHED),
)

PUBLIC_STATUSES = frozenset({S.PUBLISHED})
# Entered only with a complete public profile, which an edit may then not empty: waiting for
# a reviewer's decision, public, or taken down while a concern is decided.
PROFILE_KEPT_STATUSES = frozenset({S.IN_REVIEW, S.PUBLISHED, S.SUSPENDED})


class TransitionRefused(transitions.TransitionRefused):
    pass


def _is_maker(recipient: Recipient, actor: User) -> bool:
    return not may_check_recipient(actor, recipient)


def _refused(workflow: transitions.Workflow[Any, Any], origin: str, to: str) -> str:
    return _("A record cannot move from “%(origin)s” to “%(to)s”.") % {
        "origin": workflow.label(origin),
        "to": workflow.label(to),
    }


RECIPIENTS: transitions.Workflow[Recipient, RecipientTransition] = transitions.Workflow(
    model=Recipient,
    history=RecipientTransition,
    link="recipient",
    # A record enters the registry in whatever status its source gives it (the importer's
    # ``terjangkau`` is served_elsewhere, a referral may be published later): only its moves
    # after that are ruled.
    moves={**TRANSITIONS, **{("", status): Move(None) for status in S.values}},
    refused=TransitionRefused,
    refused_message=_refused,
    is_maker=_is_maker,
    maker_message=gettext_lazy(
        "You entered or last edited this record: another reviewer must approve it."
    ),
)


def statuses_waiting_for(user: User) -> list[str]:
    """The statuses in which a record waits for ``user``: those whose onward move the user's
    roles may make (a data officer: candidates and changes requested; a reviewer: those and
    the decisions). Empty for a role that moves no record on (an administrator)."""
    waiting: list[str] = []
    for origin, to in ONWARD_MOVES:
        roles = TRANSITIONS[(origin, to)].roles
        if roles is not None and user.has_role(*roles) and origin not in waiting:
            waiting.append(origin)
    return waiting


def allowed_moves(recipient: Recipient, actor: User | None) -> list[str]:
    """The statuses ``actor`` may move ``recipient`` to now (for the review page's buttons)."""
    return RECIPIENTS.allowed(recipient, actor)


@transaction.atomic
def recipient_transition(
    *,
    recipient: Recipient,
    to_status: str,
    actor: User | None,
    reason: str = "",
    actor_label: str = "",
) -> RecipientTransition:
    """Move ``recipient`` to ``to_status`` if the table allows it for ``actor``.

    ``actor=None`` is the system (an import, a fail-safe suspension) and needs ``actor_label``.
    Scope (which kecamatan) is checked by the caller's selector; role and maker-checker here.
    """
    locked = Recipient.objects.select_for_update().get(pk=recipient.pk)
    origin = locked.status
    reason = reason.strip()
    RECIPIENTS.check(origin, to_status, obj=locked, actor=actor, reason=reason)

    fields = ["updated_at"]
    if to_status == S.PUBLISHED and locked.published_at is None:
        locked.published_at = timezone.now()
        fields.append("published_at")
    transition = RECIPIENTS.move(
        locked,
        to_status,
        actor=actor,
        actor_label=actor_label if actor is None else "",
        reason=reason,
        fields=fields,
    )
    if origin in PUBLIC_STATUSES or to_status in PUBLIC_STATUSES:
        public_pages_changed()
    recipient.refresh_from_db(fields=["status", "published_at"])
    if origin == S.IN_REVIEW and to_status in DECISIONS:
        _notify_submitter(locked, transition)
    return transition


# A reviewer's decision on a submitted record, told to whoever submitted it.
DECISIONS: dict[str, str] = {
    S.PUBLISHED: "published",
    S.CHANGES_REQUESTED: "changes_requested",
    S.WITHDRAWN: "rejected",
}


def _notify_submitter(recipient: Recipient, transition: RecipientTransition) -> None:
    submitted = (
        recipient.transitions.filter(to_status=S.IN_REVIEW, actor__isnull=False)
        .exclude(pk=transition.pk)
        .select_related("actor")
        .last()
    )
    if submitted is None or submitted.actor_id == transition.actor_id:
        return
    notification_enqueue(
        template="listing_decision",
        dedup_key=f"listing_decision:{transition.pk}",
        user=submitted.actor,
        context={
            "decision": DECISIONS[transition.to_status],
            "pseudonym": recipient.pseudonym,
            "public_id": recipient.public_id,
            "reason": transition.reason,
        },
    )


def history_start(
    *, recipient: Recipient, actor: User | None, actor_label: str = "", reason: str = ""
) -> RecipientTransition:
    """The first history row of a new record (from nothing to its initial status)."""
    return RECIPIENTS.start(
        recipient, actor=actor, actor_label=actor_label if actor is None else "", reason=reason
    )
