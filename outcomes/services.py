"""Stored monthly outcome figures: what the public impact page and its open data read.

Computing a month reads the registry, the plans and up to a month of deliveries; the public
page must not do that per request. ``outcomes_refresh`` stores a month's figures (one row per
kecamatan and one for the regency) and, only when a figure changed, tells the public page
cache (``core.pagecache.public_pages_changed``), so a cached page never outlives its figures.
The beat task ``meals.outcomes_refresh`` runs it hourly for the month running (and the
previous one during the first days of a month: a link stays valid the day after).
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from accounts.services import audit_record
from core.pagecache import IMPACT, public_pages_changed
from core.time import today_wib
from regions.models import Kecamatan

from .models import Indicator, MonthlyOutcome, OutcomeTarget
from .permissions import may_set_targets
from .selectors.figures import FIGURE_NAMES, outcome_figures

SHARES = frozenset({Indicator.REACHED, Indicator.DELIVERED, Indicator.VISITED, Indicator.FUNDED})

LATE_MARK_DAYS = 7


def outcomes_refresh(*, month: datetime.date, now: datetime.datetime | None = None) -> bool:
    """Store the figures of ``month``; True when any figure changed."""
    first = month.replace(day=1)
    computed = outcome_figures(month=first, now=now)
    stamp = now or timezone.now()
    changed = False
    with transaction.atomic():
        stored = {
            row.kecamatan_id: row
            for row in MonthlyOutcome.objects.select_for_update().filter(month=first).order_by()
        }
        for kecamatan_id, figures in computed.items():
            values = {name: getattr(figures, name) for name in FIGURE_NAMES}
            row = stored.get(kecamatan_id)
            if row is None:
                MonthlyOutcome.objects.create(
                    month=first, kecamatan_id=kecamatan_id, computed_at=stamp, **values
                )
                changed = True
            elif any(getattr(row, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                row.computed_at = stamp
                row.save()
                changed = True
        if changed:
            public_pages_changed(IMPACT)
    return changed


def outcomes_refresh_due(*, today: datetime.date | None = None) -> list[datetime.date]:
    """The beat's hourly run: this month, and last month during its first week."""
    today = today or today_wib()
    months = [today.replace(day=1)]
    if today.day <= LATE_MARK_DAYS:
        months.insert(0, (months[0] - datetime.timedelta(days=1)).replace(day=1))
    for month in months:
        outcomes_refresh(month=month)
    return months


def outcome_target_set(
    *,
    actor: User,
    year: int,
    indicator: str,
    value: Decimal | str | int,
    kecamatan: Kecamatan | None = None,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> OutcomeTarget:
    """Set the target of ``indicator`` for ``year`` (the regency's when ``kecamatan`` is
    None) from now on. A new row: the earlier ones stay, so the months before keep the target
    they were compared with. Refused (nothing written) for a role other than lead reviewer or
    administrator, an unknown indicator, a year out of range, a share outside 0-100 or
    negative days. The public pages show targets, so their cache is told."""
    if not may_set_targets(actor):
        raise PermissionDenied(_("Only lead reviewers and administrators set targets."))
    if indicator not in Indicator.values:
        raise ValidationError(_("Unknown indicator."))
    if not 2000 <= year <= 2100:
        raise ValidationError(_("Write a year between 2000 and 2100."))
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_("Write the target as a number.")) from None
    if not number.is_finite():
        raise ValidationError(_("Write the target as a number."))
    if indicator in SHARES and not Decimal(0) <= number <= Decimal(100):
        raise ValidationError(_("A share is between 0 and 100%."))
    if indicator == Indicator.DAYS and number < 0:
        raise ValidationError(_("Days cannot be fewer than 0."))
    number = number.quantize(Decimal("0.1"))
    with transaction.atomic():
        target = OutcomeTarget.objects.create(
            year=year,
            kecamatan=kecamatan,
            indicator=indicator,
            value=number,
            set_by=actor,
            set_at=now or timezone.now(),
            reason=reason,
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.TARGET_SET,
            target=f"outcomes.target:{year}:{kecamatan.code if kecamatan else 'regency'}",
            reason=reason,
            details={"indicator": indicator, "value": str(number)},
        )
        public_pages_changed(IMPACT)
    return target
