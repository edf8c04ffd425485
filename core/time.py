"""WIB (Asia/Jakarta): the programme's days, months, receipts and reports count in it, whatever
time zone a request or a worker happens to run in."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

WIB = ZoneInfo("Asia/Jakarta")


def wib(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(WIB)


def today_wib() -> datetime.date:
    return timezone.now().astimezone(WIB).date()


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month ``months`` before ``day``'s (0: its own month's first)."""
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def end_of_day_wib(moment: datetime.datetime) -> datetime.datetime:
    """Midnight (WIB) after ``moment``: the first instant of the next day."""
    day = wib(moment).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=WIB)


def week_bounds_wib(moment: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """Monday 00:00 to the next Monday 00:00 (WIB) around ``moment``."""
    day = wib(moment).date()
    monday = day - datetime.timedelta(days=day.weekday())
    start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=WIB)
    return start, start + datetime.timedelta(days=7)
