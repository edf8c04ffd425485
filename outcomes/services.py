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

from django.db import transaction
from django.utils import timezone

from core.pagecache import public_pages_changed
from core.time import today_wib

from .models import MonthlyOutcome
from .selectors.figures import FIGURE_NAMES, outcome_figures

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
            public_pages_changed()
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
