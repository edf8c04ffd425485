"""Every outbox message of the meals part. None carries a person's name, address or the
courier's words: the pseudonym, the warung and a link to the officials' page."""

from __future__ import annotations

import datetime
from typing import Any

from accounts.selectors import reviewers_of_kecamatan
from attention.models import Item
from notifications.services import notification_enqueue

from ..models import MealPlan, Suspension


def _item_link(item: Item | None) -> dict[str, Any]:
    """The attention item an alert is the message of: its e-mail links to it."""
    return {"item_id": item.pk} if item is not None else {}


def warung_suspended_notify(*, suspension: Suspension, item: Item | None = None) -> int:
    """Alert the reviewers of the warung's kecamatan once per suspension."""
    warung = suspension.warung
    written = 0
    for reviewer in reviewers_of_kecamatan(warung.kecamatan_id):
        notification_enqueue(
            template="warung_suspended",
            dedup_key=f"warung_suspended:{suspension.pk}:{reviewer.pk}",
            user=reviewer,
            context={
                "warung": warung.name,
                "warung_id": warung.pk,
                "kecamatan": warung.kecamatan.name,
                "reason": suspension.reason,
                **_item_link(item),
            },
        )
        written += 1
    return written


def delivery_alert_notify(
    *, plan: MealPlan, day: datetime.date, reason: str, key: str, item: Item | None = None
) -> int:
    """Alert the reviewers of the person's kecamatan: ``reason`` is "not_home" (twice in a
    row) or "concern" (noted by the courier). ``key`` makes it once per streak or mark."""
    recipient = plan.recipient
    written = 0
    for reviewer in reviewers_of_kecamatan(plan.kecamatan_id):
        notification_enqueue(
            template="delivery_alert",
            dedup_key=f"delivery_alert:{key}:{reviewer.pk}",
            user=reviewer,
            context={
                "reason": reason,
                "pseudonym": recipient.pseudonym or recipient.public_id,
                "plan_id": plan.pk,
                "warung": plan.warung.name,
                "kecamatan": plan.kecamatan.name,
                "date": day.isoformat(),
                **_item_link(item),
            },
        )
        written += 1
    return written
