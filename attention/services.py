"""Opening, taking, resolving, closing and escalating attention items.

The services that cause a condition call ``item_open``; those that end it ``item_close``
(decisions.md's table). One live item per condition: a partial unique index on (kind, key)
among open and taken items, and ``item_open`` returns the live item when a concurrent call
created it first. Each item's messages: one when it opens (the kind's existing alert, sent by
the calling service with the item's link, or ``attention_opened``), one when it escalates
(``attention_escalated`` to the lead reviewers), each once by its dedup key.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import lead_reviewers, reviewers_of_kecamatan, users_with_role
from notifications.services import notification_enqueue

from .models import LIVE_STATUSES, Item, ItemStatus, Kind
from .permissions import OWNER_ROLE
from .selectors import may_take
from .workflow import ITEMS, PORTAL

S = ItemStatus
HOUR = datetime.timedelta(hours=1)
NOTE_MAX_LENGTH = 2000

# Hours to the deadline of each kind (decisions.md); the visit report's depends on its flags,
# the unmarked day's is noon of the next day, the rights request's is the request's own.
DEADLINE_HOURS: dict[str, int] = {
    Kind.MISSED_DELIVERIES: 24,
    Kind.REPORT_FLAG: 24,
    Kind.WARUNG_SUSPENDED: 48,
    Kind.INSPECTION_OVERDUE: 7 * 24,
    Kind.CONCERN: 72,
    Kind.RIGHTS_REQUEST: 72,
}
# A rights request escalates before its legal deadline, with a day left to act.
RIGHTS_ESCALATE_HOURS = 48


def item_open(
    kind: str,
    *,
    key: str,
    kecamatan_id: int,
    recipient: Any = None,
    warung: Any = None,
    deadline: datetime.datetime | None = None,
    escalate_at: datetime.datetime | None = None,
    opened_at: datetime.datetime | None = None,
    source: str = "",
    announce: bool = True,
) -> tuple[Item, bool]:
    """The live item of the condition ``(kind, key)``, opened now if there is none; with
    whether it was opened by this call. ``announce`` sends ``attention_opened`` to the owners
    when it opens (False when the calling service sends the kind's own alert)."""
    if kind not in Kind.values:
        raise ValueError(kind)
    # A key names one occurrence of its condition (a run of absences from its first day, one
    # suspension, one warung-day): once resolved or closed it is not opened again.
    earlier = Item.objects.filter(kind=kind, key=key).order_by("-id").first()
    if earlier is not None:
        return earlier, False
    now = opened_at or timezone.now()
    deadline = deadline or now + DEADLINE_HOURS[kind] * HOUR
    item = Item(
        kind=kind,
        key=key,
        kecamatan_id=kecamatan_id,
        recipient=recipient,
        warung=warung,
        owner_role=OWNER_ROLE[kind],
        opened_at=now,
        deadline=deadline,
        escalate_at=escalate_at or deadline,
        source=source,
    )
    try:
        # A savepoint: a concurrent opening of the same condition fails on the unique index
        # and leaves the caller's transaction usable.
        with transaction.atomic():
            ITEMS.move(item, S.OPEN, actor_label=PORTAL)
    except IntegrityError:
        return Item.objects.filter(kind=kind, key=key).order_by("-id").first(), False  # type: ignore[return-value]
    if announce:
        _announce(item)
    return item, True


def item_close(kind: str, *, key: str, note: str) -> Item | None:
    """Close the live item of ``(kind, key)`` because its condition ended; None when there is
    none (nothing to close is not an error: most conditions never opened an item)."""
    closed = items_close(kind, note=note, key=key)
    return closed[0] if closed else None


def items_close(kind: str, *, note: str, **where: Any) -> list[Item]:
    """Close every live item of ``kind`` matching ``where`` (a plan's, a warung's)."""
    closed = []
    for item in Item.objects.filter(kind=kind, status__in=LIVE_STATUSES, **where):
        moved = ITEMS.move_if(
            item,
            S.CLOSED,
            actor_label=PORTAL,
            reason=note,
            values={"ended_at": timezone.now(), "note": note[:NOTE_MAX_LENGTH]},
        )
        if moved is not None:
            closed.append(item)
    return closed


def item_take(*, item: Item, actor: User) -> Item:
    """``actor`` takes the item: they are named on it as the one acting."""
    if not may_take(actor, item):
        raise PermissionDenied(_("You may not take this item."))
    moved = ITEMS.move_if(
        item,
        S.TAKEN,
        expected=S.OPEN,
        actor=actor,
        values={"taken_by": actor, "taken_at": timezone.now()},
    )
    if moved is None:
        raise ValidationError(_("Somebody else took this item, or it is closed."))
    return item


def item_resolve(*, item: Item, actor: User, note: str) -> Item:
    """Resolve with what was done (required). An open item is taken by the resolver; a taken
    one is resolved by whoever took it, or a lead reviewer."""
    if not may_take(actor, item):
        raise PermissionDenied(_("You may not resolve this item."))
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say what was done.")})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": _("Keep the note under %(n)d characters.") % {"n": NOTE_MAX_LENGTH}}
        )
    if (
        item.status == S.TAKEN
        and item.taken_by_id != actor.pk
        and not actor.has_role(Role.LEAD_REVIEWER)
    ):
        raise PermissionDenied(_("Another official took this item."))
    now = timezone.now()
    values: dict[str, Any] = {"ended_at": now, "note": note}
    if item.status == S.OPEN:
        values.update(taken_by=actor, taken_at=now)
    moved = ITEMS.move_if(item, S.RESOLVED, actor=actor, reason=note, values=values)
    if moved is None:
        raise ValidationError(_("This item is already closed."))
    return item


def audit_target(item: Item) -> str:
    return f"attention.item:{item.pk}"


# --- Messages ------------------------------------------------------------------------------


def owners_of(item: Item) -> list[User]:
    """Whom an item's opening message reaches: the owner role in its kecamatan (the lead
    reviewers when the kecamatan has no reviewer)."""
    if item.owner_role == Role.HEALTH_INSPECTOR:
        return list(users_with_role(Role.HEALTH_INSPECTOR)) or list(lead_reviewers())
    return list(reviewers_of_kecamatan(item.kecamatan_id))


def item_context(item: Item) -> dict[str, Any]:
    """What the messages say: never a name or an address, the pseudonym or the warung."""
    recipient, warung = item.recipient, item.warung
    return {
        "item_id": item.pk,
        "kind": item.kind,
        "kind_label": str(item.get_kind_display()),
        "subject": (recipient.pseudonym or recipient.public_id)
        if recipient is not None
        else (warung.name if warung is not None else ""),
        "kecamatan": item.kecamatan.name,
        "deadline": timezone.localtime(item.deadline).strftime("%Y-%m-%d %H:%M"),
    }


def _announce(item: Item) -> int:
    context = item_context(item)
    users = owners_of(item)
    for user in users:
        notification_enqueue(
            template="attention_opened",
            dedup_key=f"attention_opened:{item.pk}:{user.pk}",
            user=user,
            context=context,
        )
    return len(users)


def items_escalate(*, now: datetime.datetime | None = None) -> int:
    """Escalate every live item past its escalation time to the lead reviewers, once: the
    mark on the item (a conditional update) and the dedup key make a second run, or two at
    once, send nothing more. Returns the items escalated."""
    now = now or timezone.now()
    due = Item.objects.filter(
        status__in=LIVE_STATUSES, escalate_at__lte=now, escalated_at__isnull=True
    ).select_related("kecamatan", "recipient", "warung", "taken_by")
    leads = list(lead_reviewers())
    escalated = 0
    for item in due:
        with transaction.atomic():
            if not Item.objects.filter(pk=item.pk, escalated_at__isnull=True).update(
                escalated_at=now
            ):
                continue
            context = {**item_context(item), "taken": bool(item.taken_by_id)}
            for lead in leads:
                notification_enqueue(
                    template="attention_escalated",
                    dedup_key=f"attention_escalated:{item.pk}:{lead.pk}",
                    user=lead,
                    context=context,
                )
        escalated += 1
    return escalated


# --- Personal data (accounts.registry) ------------------------------------------------------


def attention_data_export(owner: Any) -> dict[str, Any]:
    """The items an official took: which, when, and where it stands (never the person)."""
    return {
        "items_taken": [
            {
                "kind": item.kind,
                "kecamatan": item.kecamatan.name,
                "taken_at": item.taken_at.isoformat() if item.taken_at else None,
                "status": item.status,
            }
            for item in Item.objects.filter(taken_by=owner.user).select_related("kecamatan")
        ]
    }


def attention_data_erase(owner: Any) -> None:
    """An official's account going leaves the items, without their name."""
    Item.objects.filter(taken_by=owner.user).update(taken_by=None)
