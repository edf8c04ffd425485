"""The reviewers' morning digest of their queue."""

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Role, RoleGrant, User
from notifications.services import notification_enqueue

from ..models import Recipient, Status


def review_digest_send() -> int:
    """Write one digest for each reviewer whose kecamatan hold records waiting for review
    (submitted) or for submission (candidates); none for an empty queue. Runs daily; the
    dedup key makes a second run on the same day write nothing."""
    today = timezone.localdate()
    written = 0
    grants = RoleGrant.objects.filter(role=Role.REVIEWER, user__is_active=True).prefetch_related(
        "kecamatan"
    )
    for grant in grants.select_related("user"):
        kecamatan = list(grant.kecamatan.all())
        counts = Recipient.objects.filter(kecamatan__in=kecamatan).aggregate(
            in_review=Count("pk", filter=Q(status=Status.IN_REVIEW)),
            candidates=Count("pk", filter=Q(status=Status.CANDIDATE)),
            warnings=Count(
                "pk", filter=Q(status__in=[Status.IN_REVIEW, Status.CANDIDATE]) & ~Q(warnings=[])
            ),
        )
        waiting = counts["in_review"] + counts["candidates"]
        if not waiting:
            continue
        user: User = grant.user
        notification_enqueue(
            template="review_digest",
            dedup_key=f"review_digest:{user.pk}:{today.isoformat()}",
            user=user,
            context={
                **counts,
                "waiting": waiting,
                "kecamatan": ", ".join(k.name for k in kecamatan),
                "date": today.isoformat(),
            },
        )
        written += 1
    return written
