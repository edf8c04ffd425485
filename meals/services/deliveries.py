"""Daily deliveries: the warung's signed link for a day, and the courier's marks.

The warung and its courier have no account (docs/architecture.md, "Roles and scope"). A link
names one warung and one WIB day, signed with the portal's key (``django.core.signing``); it
opens that day's list on that day and the next (a late round, marks written in the evening),
and nothing else.
"""

from __future__ import annotations

import datetime

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from attention.models import Kind
from attention.services import item_close, item_open, items_close
from core.time import today_wib

from ..models import Delivery, MealPlan, PlanStatus, Warung
from .notices import delivery_alert_notify

LINK_SALT = "meals.delivery-list"
# The signature's own age limit, a backstop to the day check below: two days and a margin.
LINK_MAX_AGE = datetime.timedelta(days=3)
CONCERN_MAX_LENGTH = 500
# The marks that count towards "missed deliveries" (decisions.md).
MISSED = frozenset({Delivery.Mark.NOT_HOME, Delivery.Mark.REFUSED})


class LinkInvalid(Exception):
    """Forged, for another purpose, or outside its two days: the link opens nothing."""


def delivery_link_token(*, warung: Warung, day: datetime.date) -> str:
    return signing.dumps({"w": warung.pk, "d": day.isoformat()}, salt=LINK_SALT)


def delivery_link_open(
    token: str, *, today: datetime.date | None = None
) -> tuple[Warung, datetime.date]:
    """The warung and the day a link opens, or LinkInvalid."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
        warung_id, day = int(data["w"]), datetime.date.fromisoformat(data["d"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkInvalid from None
    today = today or today_wib()
    if not day <= today <= day + datetime.timedelta(days=1):
        raise LinkInvalid
    warung = Warung.objects.filter(pk=warung_id).select_related("kecamatan").first()
    if warung is None:
        raise LinkInvalid
    return warung, day


def delivery_mark(*, plan: MealPlan, day: datetime.date, mark: str, concern: str = "") -> Delivery:
    """The courier's mark for ``plan`` on ``day``; a repeat for the same day updates it.

    "Not at home" or "refused" a second time in a row opens a "missed deliveries" item for the
    reviewers of the person's kecamatan and alerts them (once per run), and a welfare concern
    alerts them (once per day); a "delivered" mark closes the item, and any mark closes the
    warung-day's "unmarked" item. The caller has checked
    that the link opens this plan on this day."""
    if mark not in Delivery.Mark.values:
        raise ValidationError(_("Choose delivered, not at home or refused."))
    concern = concern.strip()
    if len(concern) > CONCERN_MAX_LENGTH:
        raise ValidationError(
            _("Keep the note under %(n)d characters.") % {"n": CONCERN_MAX_LENGTH}
        )
    with transaction.atomic():
        # Two taps at once (or two couriers) are serialised on the plan; the unique index on
        # (plan, day) is the backstop.
        locked = MealPlan.objects.select_for_update().get(pk=plan.pk)
        delivery, _created = Delivery.objects.update_or_create(
            plan=locked,
            day=day,
            defaults={"mark": mark, "portions": locked.portions_per_day, "concern": concern},
        )
        if mark in MISSED:
            streak = _absence_streak_start(locked, day)
            if streak is not None and locked.status == PlanStatus.ACTIVE:
                item, _opened = item_open(
                    Kind.MISSED_DELIVERIES,
                    key=f"plan:{plan.pk}:{streak.isoformat()}",
                    kecamatan_id=locked.kecamatan_id,
                    recipient=plan.recipient,
                    source=f"meals.mealplan:{plan.pk}",
                    announce=False,
                )
                delivery_alert_notify(
                    plan=plan,
                    day=day,
                    reason="not_home",
                    key=f"absent:{plan.pk}:{streak}",
                    item=item,
                )
        else:
            items_close(
                Kind.MISSED_DELIVERIES,
                note=_("A delivered mark on %(date)s.") % {"date": day.isoformat()},
                key__startswith=f"plan:{plan.pk}:",
            )
        # Any mark for the day means the warung's list was worked (attention.sweep).
        item_close(
            Kind.UNMARKED_DAY,
            key=f"warung:{locked.warung_id}:{day.isoformat()}",
            note=_("Marks entered for the day."),
        )
        if concern:
            delivery_alert_notify(
                plan=plan, day=day, reason="concern", key=f"concern:{delivery.pk}"
            )
    return delivery


def _absence_streak_start(plan: MealPlan, day: datetime.date) -> datetime.date | None:
    """The first day of the run of "not at home" or "refused" marks that ends on ``day``, when
    the run has at least two marks (the previous marked day was one too); None otherwise."""
    earlier = list(
        Delivery.objects.filter(plan=plan, day__lt=day)
        .order_by("-day")
        .values_list("day", "mark")[:62]
    )
    start = None
    for earlier_day, mark in earlier:
        if mark not in MISSED:
            break
        start = earlier_day
    return start
