"""The officials-only lists of people the indicators count (issue 18): listed over 60 days
and not reached; reached and not visited for 30 days; unfunded this month.

Not attention items (decisions.md: no official can make them happen), but names an official
can follow. Each list is read within the acting user's registry scope, with the clear columns
the review queue shows (pseudonym, kecamatan, village, status: nothing encrypted is loaded),
and each opening is logged as a ``pii.view`` like the other pages that name people.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.scope import Purpose, kecamatan_in_scope
from accounts.services import audit_record
from core.time import WIB
from donations.selectors.progress import listings_progress
from portal.models import Recipient, RecipientTransition, Status
from volunteers.models import Booking, VisitSlot

NOT_REACHED_DAYS = 60
NOT_VISITED_DAYS = 30
KINDS = ("not-reached", "not-visited", "unfunded")


@dataclass(frozen=True)
class ListedPerson:
    public_id: str
    pseudonym: str
    kecamatan: str
    village: str
    status: str
    listed_on: datetime.date | None
    reached_on: datetime.date | None
    # Listing to reached; for a person not reached yet, the days listed so far.
    days_to_reach: int | None
    last_visit_on: datetime.date | None = None
    raised: int | None = None
    need: int | None = None

    @property
    def days_listed(self) -> int | None:
        return self.days_to_reach if self.reached_on is None else None


def _first(status: str) -> QuerySet[RecipientTransition, Any]:
    return (
        RecipientTransition.objects.filter(recipient=OuterRef("pk"), to_status=status)
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return moment.astimezone(WIB).date() if moment else None


def people_list(
    user: User, kind: str, *, now: datetime.datetime | None = None
) -> list[ListedPerson]:
    """The people of list ``kind`` (one of KINDS) in ``user``'s registry scope, longest
    waiting first. Logs the opening (``pii.view``), whatever it finds."""
    if kind not in KINDS:
        raise ValueError(kind)
    now = now or timezone.now()
    today = now.astimezone(WIB).date()
    people = (
        Recipient.objects.filter(kecamatan__in=kecamatan_in_scope(user, purpose=Purpose.REGISTRY))
        .annotate(listed_at=Subquery(_first(Status.PUBLISHED)))
        .annotate(reached_at=Subquery(_first(Status.REACHED)))
        .select_related("kecamatan", "village")
        .only("pk", "public_id", "pseudonym", "status", "kecamatan__name", "village__name")
    )
    if kind == "not-reached":
        people = people.filter(
            status__in=[Status.PUBLISHED, Status.SUSPENDED],
            listed_at__lt=now - datetime.timedelta(days=NOT_REACHED_DAYS),
        )
    elif kind == "not-visited":
        people = people.filter(status=Status.REACHED)
    else:
        people = people.filter(status__in=[Status.PUBLISHED, Status.SUSPENDED, Status.REACHED])
    rows = list(people.order_by("listed_at", "pk"))

    last_visits: dict[int, datetime.datetime] = {}
    if kind == "not-visited" and rows:
        last_visits = dict(
            VisitSlot.objects.filter(
                recipient_id__in=[r.pk for r in rows],
                bookings__status=Booking.Status.ATTENDED,
                starts_at__lte=now,
            )
            .exclude(status=VisitSlot.Status.CANCELLED)
            .values("recipient_id")
            .annotate(last=Max("starts_at"))
            .values_list("recipient_id", "last")
        )
        since = now - datetime.timedelta(days=NOT_VISITED_DAYS)
        rows = [r for r in rows if r.pk not in last_visits or last_visits[r.pk] < since]
    progress = {}
    if kind == "unfunded" and rows:
        progress = listings_progress([r.pk for r in rows], day=today)
        rows = [r for r in rows if not progress[r.pk].reached]

    result = []
    for r in rows:
        listed_on, reached_on = _day(r.listed_at), _day(r.reached_at)
        end = reached_on or today
        result.append(
            ListedPerson(
                public_id=r.public_id,
                pseudonym=r.pseudonym,
                kecamatan=r.kecamatan.name,
                village=r.village.name if r.village_id else "",
                status=r.get_status_display(),
                listed_on=listed_on,
                reached_on=reached_on,
                days_to_reach=(end - listed_on).days if listed_on else None,
                last_visit_on=_day(last_visits.get(r.pk)),
                raised=progress[r.pk].raised if r.pk in progress else None,
                need=progress[r.pk].need if r.pk in progress else None,
            )
        )
    audit_record(
        actor=user,
        action=AuditEvent.Action.PII_VIEW,
        target=f"outcomes.list:{kind}",
        details={"page": "outcomes.people_list", "kind": kind, "people": len(result)},
    )
    return result
