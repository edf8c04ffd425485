"""Outcome indicators equal hand-computed values on a fixture month (March 2026), including
a person who moved from Genteng to Muncar on the 16th; the stored copy and its refresh."""

import datetime

import pytest
import time_machine

from accounts.models import Role
from donations.models import Transaction, recipient_account
from donations.services.ledger import ledger_post
from meals.models import ChecklistItem
from meals.services.deliveries import delivery_mark
from meals.services.inspections import inspection_record
from meals.services.plans import meal_plan_start, meal_plan_transition
from outcomes.models import MonthlyOutcome
from outcomes.selectors.figures import outcome_figures
from outcomes.services import outcomes_refresh
from portal.models import Recipient
from regions.models import Kecamatan, Village
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.meals import warung_in
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db
WIB = datetime.timezone(datetime.timedelta(hours=7))
MARCH = datetime.date(2026, 3, 1)


def at(day: int, month: int = 3):
    return time_machine.travel(datetime.datetime(2026, month, day, 9, 0, tzinfo=WIB), tick=False)


def march(day: int) -> datetime.date:
    return datetime.date(2026, 3, day)


@pytest.fixture
def fixture_month():
    """Genteng: A (reached, paused 21-25 in hospital), C (listed, not reached), E
    (withdrawn), warung G (valid) and G2 (failed on the 10th). Muncar: D (served elsewhere),
    warung M (valid). B is reached in Genteng on the 1st and moves to Muncar on the 16th."""
    with at(1, month=2):
        inspector = make_official(Role.HEALTH_INSPECTOR)
        lead = make_official(Role.LEAD_REVIEWER)
        g, g2, m = (
            warung_in(GENTENG, name="G"),
            warung_in(GENTENG, name="G2"),
            warung_in(MUNCAR, name="M"),
        )
        for warung in (g, g2, m):
            inspection_record(
                actor=inspector,
                warung=warung,
                inspected_on=datetime.date(2026, 2, 1),
                items_met=ChecklistItem.values,
                result="pass",
            )
    with at(1):
        a, b, c = (
            RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published")
            for _ in range(3)
        )
        RecipientFactory(kecamatan_code=MUNCAR, status="served_elsewhere")
        RecipientFactory(kecamatan_code=GENTENG, status="withdrawn")
        plan_a = meal_plan_start(actor=lead, recipient=a, warung=g, starts_on=march(1))
        plan_b = meal_plan_start(actor=lead, recipient=b, warung=g, starts_on=march(1))
    with at(10):
        inspection_record(
            actor=inspector,
            warung=g2,
            inspected_on=march(10),
            items_met=[],
            result="fail",
            findings="Tikus di dapur",
        )
        ledger_post(
            kind=Transaction.Kind.GIFT,
            external_id="test:gift-a",
            lines=[("clearing:bank", -a.monthly_need), (recipient_account(a.pk), a.monthly_need)],
        )
    with at(16):
        meal_plan_transition(plan=plan_b, actor=lead, to_status="ended", reason="moved")
        muncar = Village.objects.filter(kecamatan__code=MUNCAR).first()
        Recipient.objects.filter(pk=b.pk).update(village=muncar, kecamatan=muncar.kecamatan)
        b.refresh_from_db()
        plan_b2 = meal_plan_start(actor=lead, recipient=b, warung=m, starts_on=march(16))
    with at(21):
        meal_plan_transition(plan=plan_a, actor=lead, to_status="paused", reason="hospital")
    with at(26):
        meal_plan_transition(plan=plan_a, actor=lead, to_status="active", reason="back")
    for day in range(1, 21):
        delivery_mark(plan=plan_a, day=march(day), mark="not_home" if day == 5 else "delivered")
    for day in range(1, 16):
        delivery_mark(plan=plan_b, day=march(day), mark="delivered")
    for day in range(16, 32):
        delivery_mark(plan=plan_b2, day=march(day), mark="refused" if day == 20 else "delivered")
    return {"a": a, "b": b, "c": c}


def figures_of(code_or_none, result):
    if code_or_none is None:
        return result[None]
    return result[Kecamatan.objects.get(code=code_or_none).pk]


def test_indicators_equal_the_hand_computed_month(fixture_month):
    result = outcome_figures(month=MARCH, now=datetime.datetime(2026, 4, 2, 9, 0, tzinfo=WIB))
    genteng, muncar, regency = (figures_of(k, result) for k in (GENTENG, MUNCAR, None))
    # People, where they lived at the month's end: B counts in Muncar only.
    assert (genteng.listed, genteng.reached, genteng.funded, genteng.served_elsewhere) == (
        2,
        1,
        1,
        0,
    )
    assert (muncar.listed, muncar.reached, muncar.funded, muncar.served_elsewhere) == (1, 1, 0, 1)
    assert (regency.listed, regency.reached, regency.served_elsewhere) == (3, 2, 1)
    # Meals, by the day: A 26 active days x 2 (paused 21-25); B 15 days x 2 in Genteng, then
    # 16 days x 2 in Muncar.
    assert (genteng.meals_planned, muncar.meals_planned, regency.meals_planned) == (82, 32, 114)
    assert (genteng.meals_delivered, muncar.meals_delivered, regency.meals_delivered) == (
        68,
        30,
        98,
    )
    assert (genteng.not_home, genteng.refused, muncar.refused) == (1, 0, 1)
    # Warung: G2 failed on the 10th.
    assert (genteng.warung_active, genteng.warung_valid) == (2, 1)
    assert (muncar.warung_active, muncar.warung_valid) == (1, 1)
    assert (regency.warung_active, regency.warung_valid) == (3, 2)


def test_mid_month_the_person_who_moved_is_still_in_genteng(fixture_month):
    result = outcome_figures(month=MARCH, now=datetime.datetime(2026, 3, 10, 12, 0, tzinfo=WIB))
    genteng, muncar = figures_of(GENTENG, result), figures_of(MUNCAR, result)
    assert (genteng.listed, genteng.reached, muncar.reached) == (3, 2, 0)
    # Up to the 10th: A and B 10 days x 2 each, no pause yet.
    assert genteng.meals_planned == 40 and muncar.meals_planned == 0


def test_a_month_before_anything_counts_nothing_about_people(fixture_month):
    result = outcome_figures(
        month=datetime.date(2026, 1, 1), now=datetime.datetime(2026, 4, 2, tzinfo=WIB)
    )
    assert result[None].listed == 0 and result[None].meals_planned == 0


def test_the_stored_copy_is_refreshed_only_when_a_figure_changes(fixture_month):
    now = datetime.datetime(2026, 4, 2, 9, 0, tzinfo=WIB)
    assert outcomes_refresh(month=MARCH, now=now) is True
    regency = MonthlyOutcome.objects.get(month=MARCH, kecamatan=None)
    assert (regency.reached, regency.meals_delivered) == (2, 98)
    assert MonthlyOutcome.objects.filter(month=MARCH).count() == 26
    assert outcomes_refresh(month=MARCH, now=now) is False
    delivery_mark(plan=fixture_month["a"].meal_plans.get(), day=march(27), mark="delivered")
    assert outcomes_refresh(month=MARCH, now=now) is True
    assert MonthlyOutcome.objects.get(month=MARCH, kecamatan=None).meals_delivered == 100
