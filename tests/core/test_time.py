"""WIB days and months, whatever time zone the process runs in."""

import datetime

from django.utils import timezone

from core.time import WIB, end_of_day_wib, month_start, next_month, today_wib, week_bounds_wib


def test_the_wib_day_turns_at_midnight_in_jakarta(settings, monkeypatch):
    settings.TIME_ZONE = "UTC"
    late_utc = datetime.datetime(2025, 1, 31, 17, 30, tzinfo=datetime.UTC)  # 00:30 WIB
    monkeypatch.setattr(timezone, "now", lambda: late_utc)
    assert today_wib() == datetime.date(2025, 2, 1)


def test_months_start_on_the_first_and_the_next_one_follows_december():
    assert month_start(datetime.date(2025, 2, 28)) == datetime.date(2025, 2, 1)
    assert next_month(datetime.date(2025, 1, 31)) == datetime.date(2025, 2, 1)
    assert next_month(datetime.date(2025, 12, 15)) == datetime.date(2026, 1, 1)


def test_a_day_and_a_week_end_at_midnight_wib():
    moment = datetime.datetime(2025, 3, 5, 20, 0, tzinfo=datetime.UTC)  # Thursday 03:00 WIB
    assert end_of_day_wib(moment) == datetime.datetime(2025, 3, 7, tzinfo=WIB)
    start, end = week_bounds_wib(moment)
    assert start == datetime.datetime(2025, 3, 3, tzinfo=WIB)
    assert end - start == datetime.timedelta(days=7)
