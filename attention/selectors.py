"""The queue as each official may read it: their scope's items, lead reviewers' all."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, IntegerField, Min, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.translation import ngettext

from accounts.models import Role, User
from accounts.registry import Waiting
from accounts.scope import kecamatan_in_scope
from accounts.selectors import get_in_scope
from portal.selectors import person as person_selectors
from portal.selectors.review import reviewer_waiting

from .models import LIVE_STATUSES, Item, ItemStatus
from .permissions import KIND_PURPOSE, OWNER_ROLE

REGENCY_ROLES = (Role.LEAD_REVIEWER, Role.ADMINISTRATOR)


def _visible(user: User) -> Q:
    if user.has_role(*REGENCY_ROLES):
        return Q()
    where = Q(pk__in=[])
    for kind, role in OWNER_ROLE.items():
        if user.has_role(role):
            where |= Q(
                kind=kind,
                kecamatan__in=kecamatan_in_scope(user, purpose=KIND_PURPOSE[kind]),
            )
    return where


def items_in_scope(user: User) -> QuerySet[Item]:
    return Item.objects.filter(_visible(user))


def item_queue(user: User, *, live: bool = True) -> QuerySet[Item]:
    """The items ``user`` may see: the ones they took first, then the open ones by deadline,
    then those others took; the closed ones (``live=False``) newest first."""
    items = items_in_scope(user).select_related("kecamatan", "taken_by", "warung", "recipient")
    if not live:
        return items.exclude(status__in=LIVE_STATUSES).order_by("-ended_at", "-id")
    return (
        items.filter(status__in=LIVE_STATUSES)
        .annotate(
            rank=Case(
                When(taken_by=user, then=Value(0)),
                When(taken_by__isnull=True, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "deadline", "id")
    )


def item_get_for_user(user: User, *, pk: int) -> Item:
    """One item, or 404 (logged) outside the user's scope."""
    return get_in_scope(
        items_in_scope(user).select_related("kecamatan", "taken_by", "warung", "recipient"),
        user=user,
        target=f"attention.item:{pk}",
        pk=pk,
    )


def may_take(user: Any, item: Item) -> bool:
    """The item's owner role in its kecamatan, or a lead reviewer; never a closed item."""
    if not item.is_live:
        return False
    if user.has_role(Role.LEAD_REVIEWER):
        return True
    role = OWNER_ROLE[item.kind]
    return bool(
        user.has_role(role)
        and kecamatan_in_scope(user, purpose=KIND_PURPOSE[item.kind])
        .filter(pk=item.kecamatan_id)
        .exists()
    )


def subject_url(
    user: User,
    item: Item,
    *,
    memo: dict[Any, bool] | None = None,
    scope: person_selectors.ScopeMemo | None = None,
) -> str:
    """Where an item's person or warung links for ``user``: the person page when it opens
    for them (``portal.selectors.person``), else the review record; the warung's page.

    ``memo`` shares the answers across one page of items. For the queue's roles the matrix
    depends on the person's kecamatan only; a school coordinator's (the person's visits)
    depends on the person, so a user who also holds that role is asked per person.
    ``scope`` is the page's ``ScopeMemo``: the user's reach read once, whatever the number
    of items and of their kecamatan."""
    if item.recipient_id is not None:
        recipient: Any = item.recipient
        memo = {} if memo is None else memo
        per_person = user.has_role(Role.SCHOOL_COORDINATOR)
        key = ("r", recipient.pk) if per_person else ("k", recipient.kecamatan_id)
        if key not in memo:
            memo[key] = person_selectors.may_open_person(user, recipient, memo=scope)
        name = "portal:person" if memo[key] else "portal:review_record"
        return reverse(name, args=[recipient.public_id])
    if item.warung_id is not None:
        return reverse("meals:warung", args=[item.warung_id])
    return ""


def with_subject_urls(user: User, items: Any) -> list[Item]:
    """The items of one page, each with ``subject_url`` set for ``user``: the user's roles
    and scope are read once for the page (a ``ScopeMemo``), not per item."""
    memo: dict[Any, bool] = {}
    scope = person_selectors.ScopeMemo(user)
    rows = list(items)
    for row in rows:
        row.subject_url = subject_url(user, row, memo=memo, scope=scope)
    return rows


def digest_rows(user: User, *, now: Any) -> tuple[list[dict[str, Any]], int]:
    """The morning digest's items for ``user``: the live items they took, and the open ones
    they may take as the kind's owner role in its kecamatan (a lead reviewer: the escalated
    ones, as they are where each goes past its deadline). One row per kind, with the count
    and the oldest's age in hours; and how many of them the user took. Two aggregate
    queries, whatever the number of items."""
    mine = Q(status=ItemStatus.TAKEN, taken_by=user)
    may = Q(pk__in=[])
    for kind, role in OWNER_ROLE.items():
        if user.has_role(role):
            may |= Q(kind=kind, kecamatan__in=kecamatan_in_scope(user, purpose=KIND_PURPOSE[kind]))
    if user.has_role(Role.LEAD_REVIEWER):
        may |= Q(escalated_at__isnull=False)
    rows = (
        Item.objects.filter(mine | (Q(status=ItemStatus.OPEN) & may))
        .values("kind")
        .annotate(count=Count("pk"), oldest=Min("opened_at"))
        .order_by("kind")
    )
    out = []
    for row in rows:
        hours = max(0, int((now - row["oldest"]).total_seconds() // 3600))
        out.append(
            {
                "kind": row["kind"],
                "count": row["count"],
                "oldest_hours": hours,
                "oldest_days": hours // 24,
            }
        )
    order = list(OWNER_ROLE)
    out.sort(key=lambda row: order.index(row["kind"]))
    taken = Item.objects.filter(mine).count()
    return out, taken


def lead_reviewer_waiting(user: User) -> list[Waiting]:
    """What waits for a lead reviewer: in the queue (their scope: ``items_in_scope``), the
    live items escalated to the lead reviewers and the live ones they took; and, since they
    publish too, the records waiting for their review (the review queue's own count, linked
    there). Two queries."""
    counts = (
        items_in_scope(user)
        .filter(status__in=LIVE_STATUSES)
        .aggregate(
            escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
            taken=Count("pk", filter=Q(status=ItemStatus.TAKEN, taken_by=user)),
        )
    )
    return [
        Waiting(
            counts["escalated"],
            ngettext(
                "%(count)s item escalated to the lead reviewers",
                "%(count)s items escalated to the lead reviewers",
                counts["escalated"],
            )
            % {"count": counts["escalated"]},
        ),
        Waiting(
            counts["taken"],
            ngettext(
                "%(count)s item you took, not resolved yet",
                "%(count)s items you took, not resolved yet",
                counts["taken"],
            )
            % {"count": counts["taken"]},
        ),
        reviewer_waiting(user)[0],
    ]
