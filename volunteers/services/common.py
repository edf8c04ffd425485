"""Small shared pieces of the visit services: WIB time and where an official's grant is."""

import datetime
from zoneinfo import ZoneInfo

from accounts.models import Role, RoleGrant, User

WIB = ZoneInfo("Asia/Jakarta")


def wib(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(WIB)


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


def reviewer_kecamatan_ids(user: User) -> set[int]:
    return set(
        RoleGrant.objects.filter(user=user, role=Role.REVIEWER)
        .exclude(kecamatan=None)
        .values_list("kecamatan", flat=True)
    )


def coordinator_school_id(user: User) -> int | None:
    return (
        RoleGrant.objects.filter(user=user, role=Role.SCHOOL_COORDINATOR)
        .values_list("school_id", flat=True)
        .first()
    )
