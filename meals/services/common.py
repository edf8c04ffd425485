"""Shared pieces of the meals services: WIB days and months."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

WIB = ZoneInfo("Asia/Jakarta")


def today_wib() -> datetime.date:
    return timezone.now().astimezone(WIB).date()


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
