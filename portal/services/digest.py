"""The officials' morning digest (07:00 WIB): the attention items each one owns or may take,
and, for reviewers, the records waiting in their review queue.

The review queue is folded in rather than dropped: a record waiting for review is not an
attention item (it has no owner, deadline or escalation in decisions.md's table), and the
digest was the only reminder of it. One message per official per day, none when there is
nothing (the dedup key ``review_digest:<user>:<date>``, as before)."""

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Role, RoleGrant, User
from attention.permissions import TAKE_ROLES
from attention.selectors import digest_rows
from notifications.services import notification_enqueue

from ..models import Recipient, Status


def _review_counts(user: User) -> tuple[dict[str, int], str]:
    kecamatan = {
        k.pk: k
        for grant in RoleGrant.objects.filter(user=user, role=Role.REVIEWER).prefetch_related(
            "kecamatan"
        )
        for k in grant.kecamatan.all()
    }
    if not kecamatan:
        return {"in_review": 0, "candidates": 0, "warnings": 0}, ""
    counts = Recipient.objects.filter(kecamatan__in=list(kecamatan)).aggregate(
        in_review=Count("pk", filter=Q(status=Status.IN_REVIEW)),
        candidates=Count("pk", filter=Q(status=Status.CANDIDATE)),
        warnings=Count(
            "pk", filter=Q(status__in=[Status.IN_REVIEW, Status.CANDIDATE]) & ~Q(warnings=[])
        ),
    )
    names = ", ".join(sorted(k.name for k in kecamatan.values()))
    return counts, names


def review_digest_send() -> int:
    """Write one digest for each active official who takes attention items (reviewers, lead
    reviewers, health inspectors) with items to act on or records to review; none for an
    empty day. Runs daily; the dedup key makes a second run on the same day write nothing."""
    now = timezone.now()
    today = timezone.localdate(now)
    written = 0
    officials = User.objects.filter(
        is_active=True, pk__in=RoleGrant.objects.filter(role__in=TAKE_ROLES).values("user")
    ).order_by("pk")
    for user in officials:
        kinds, taken = digest_rows(user, now=now)
        items = sum(row["count"] for row in kinds)
        counts, kecamatan = _review_counts(user)
        records = counts["in_review"] + counts["candidates"]
        if not items and not records:
            continue
        context: dict[str, Any] = {
            **counts,
            "records": records,
            "items": items,
            "taken": taken,
            "kinds": kinds,
            # The WhatsApp template's one parameter: everything that waits for them.
            "waiting": items + records,
            "kecamatan": kecamatan,
            "date": today.isoformat(),
        }
        notification_enqueue(
            template="review_digest",
            dedup_key=f"review_digest:{user.pk}:{today.isoformat()}",
            user=user,
            context=context,
        )
        written += 1
    return written
