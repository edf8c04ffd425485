"""What waits for a health inspector among the warung (tests/accounts/test_landing.py: where
they land)."""

import datetime

from django.utils import translation

from accounts.models import Role
from core.time import today_wib
from meals.models import Inspection, Warung
from meals.selectors.officials import health_inspector_waiting
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.meals import warung_in

DAY = datetime.timedelta(days=1)


def inspected(warung: Warung, *, next_due: datetime.date) -> None:
    Inspection.objects.create(
        warung=warung,
        inspected_on=next_due - 180 * DAY,
        items_met=["clean_kitchen"],
        score=90,
        result=Inspection.Result.PASS,
        next_due=next_due,
    )


def counts(user) -> list[int]:
    return [line.count for line in health_inspector_waiting(user)]


def test_an_inspector_counts_overdue_and_never_inspected_warung_of_the_regency(db):
    today = today_wib()
    for code in (GENTENG, MUNCAR):
        inspected(warung_in(code, inspected=False), next_due=today - DAY)
    inspected(warung_in(GENTENG, inspected=False), next_due=today)  # due today: not late yet
    warung_in(GENTENG)  # inspected today, next in 180 days
    late_then_newly_inspected = warung_in(MUNCAR, inspected=False)
    inspected(late_then_newly_inspected, next_due=today - 30 * DAY)
    inspected(late_then_newly_inspected, next_due=today + 150 * DAY)  # the latest decides
    warung_in(MUNCAR, inspected=False)  # never inspected
    ended = warung_in(GENTENG, inspected=False)
    inspected(ended, next_due=today - DAY)
    Warung.objects.filter(pk=ended.pk).update(contract_status=Warung.Contract.ENDED)
    Warung.objects.filter(pk=warung_in(GENTENG, inspected=False).pk).update(
        contract_status=Warung.Contract.ENDED
    )
    inspector = make_official(Role.HEALTH_INSPECTOR)
    assert counts(inspector) == [2, 1]
    with translation.override("en"):
        assert [line.text for line in health_inspector_waiting(inspector)] == [
            "2 inspections overdue",
            "1 warung not inspected yet",
        ]


def test_the_count_follows_the_warung_scope(db):
    today = today_wib()
    inspected(warung_in(GENTENG, inspected=False), next_due=today - DAY)
    inspected(warung_in(MUNCAR, inspected=False), next_due=today - DAY)
    # A reviewer's warung scope is their kecamatan; a finance officer has none here.
    assert counts(make_official(Role.REVIEWER, kecamatan=(GENTENG,))) == [1, 0]
    assert counts(make_official(Role.FINANCE_OFFICER)) == [0, 0]
