"""Shared pieces of the meals services: who may do what, WIB days, who hears alerts."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Role

WIB = ZoneInfo("Asia/Jakarta")

# docs/architecture.md, "Roles and scope": reviewers (their kecamatan) and lead reviewers decide
# who is reached, so they make and change meal plans and hand the warung its delivery link.
PLAN_ROLES = frozenset({Role.REVIEWER, Role.LEAD_REVIEWER})
# Dinas Kesehatan inspects the warung (the regency).
INSPECTOR_ROLES = frozenset({Role.HEALTH_INSPECTOR})
# Who opens the meals pages (warung, inspections, plans): each sees what the page allows.
MEALS_READ_ROLES = frozenset(
    {Role.REVIEWER, Role.LEAD_REVIEWER, Role.HEALTH_INSPECTOR, Role.ADMINISTRATOR}
)
# Inspection photos may show the warung's people: inspectors and administrators only.
PHOTO_ROLES = frozenset({Role.HEALTH_INSPECTOR, Role.ADMINISTRATOR})


def today_wib() -> datetime.date:
    return timezone.now().astimezone(WIB).date()


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
