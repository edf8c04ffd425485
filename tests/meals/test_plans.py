"""Meal plans: reaching a person goes with a plan (one transaction), capacity, the plan's
own state machine and its history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Role
from meals.models import MealPlan, MealPlanTransition
from meals.selectors.plans import active_days
from meals.services.plans import PlanRefused, meal_plan_transition
from portal.models import RecipientTransition, Status
from tests.factories import GENTENG, make_official
from tests.factories.meals import plan_for, warung_in
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def listed(**extra):
    return RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published", **extra)


@pytest.fixture
def reviewer():
    return make_official(Role.REVIEWER, kecamatan=(GENTENG,))


def test_a_plan_reaches_the_person_in_the_same_transaction(reviewer):
    person = listed()
    plan = plan_for(person, warung_in(GENTENG), actor=reviewer)
    person.refresh_from_db()
    assert person.status == Status.REACHED
    assert plan.portions_per_day == 2 and plan.kecamatan == person.kecamatan
    assert RecipientTransition.objects.filter(recipient=person, to_status="reached").count() == 1
    assert [t.to_status for t in plan.transitions.all()] == ["active"]


def test_a_refused_plan_leaves_the_person_where_they_were(reviewer):
    person = listed()
    full = warung_in(GENTENG, capacity=3)
    plan_for(listed(), full, actor=reviewer)  # two of three portions taken
    with pytest.raises(PlanRefused, match="room for 1"):
        plan_for(person, full, actor=reviewer)
    person.refresh_from_db()
    assert person.status == Status.PUBLISHED
    assert not MealPlan.objects.filter(recipient=person).exists()


def test_the_review_page_sends_reached_to_the_meal_plan_form(client, reviewer):
    person = listed()
    client.force_login(reviewer)
    response = client.post(f"/petugas/registri/{person.public_id}/status/reached/")
    assert response.status_code == 302
    assert response["Location"] == f"/petugas/makan/rencana/baru/{person.public_id}/"
    person.refresh_from_db()
    assert person.status == Status.PUBLISHED


def test_the_plan_form_reaches_the_person(client, reviewer):
    person = listed()
    warung = warung_in(GENTENG)
    client.force_login(reviewer)
    response = client.post(
        f"/petugas/makan/rencana/baru/{person.public_id}/",
        {"warung": warung.pk, "starts_on": TODAY.isoformat(), "portions_per_day": 2},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == Status.REACHED


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "candidate"}, "listed or reached"),
        ({"status": "withdrawn"}, "listed or reached"),
    ],
)
def test_only_listed_people_get_plans(reviewer, change, message):
    person = RecipientFactory(kecamatan_code=GENTENG, publishable=True, **change)
    with pytest.raises(PlanRefused, match=message):
        plan_for(person, warung_in(GENTENG), actor=reviewer)


def test_one_live_plan_per_person_and_dates_in_range(reviewer):
    person = listed()
    warung = warung_in(GENTENG)
    plan_for(person, warung, actor=reviewer)
    with pytest.raises(PlanRefused, match="already"):
        plan_for(person, warung, actor=reviewer)
    with pytest.raises(PlanRefused, match="starts between"):
        plan_for(listed(), warung, actor=reviewer, starts_on=TODAY - datetime.timedelta(days=30))


def test_an_ended_contract_takes_no_plan(reviewer):
    warung = warung_in(GENTENG)
    warung.contract_status = "ended"
    warung.save()
    with pytest.raises(PlanRefused, match="contract"):
        plan_for(listed(), warung, actor=reviewer)


def test_pause_resume_end_with_reasons_and_history(reviewer):
    plan = plan_for(listed(), warung_in(GENTENG), actor=reviewer)
    with pytest.raises(PlanRefused, match="reasons"):
        meal_plan_transition(plan=plan, actor=reviewer, to_status="paused", reason="died")
    with pytest.raises(PlanRefused, match="note"):
        meal_plan_transition(plan=plan, actor=reviewer, to_status="paused", reason="other")
    meal_plan_transition(plan=plan, actor=reviewer, to_status="paused", reason="hospital")
    meal_plan_transition(plan=plan, actor=reviewer, to_status="active", reason="back")
    meal_plan_transition(plan=plan, actor=reviewer, to_status="ended", reason="died")
    with pytest.raises(PlanRefused, match="cannot move"):
        meal_plan_transition(plan=plan, actor=reviewer, to_status="active", reason="back")
    history = list(
        MealPlanTransition.objects.filter(plan=plan).values_list(
            "from_status", "to_status", "reason", "actor"
        )
    )
    assert history == [
        ("", "active", "started", reviewer.pk),
        ("active", "paused", "hospital", reviewer.pk),
        ("paused", "active", "back", reviewer.pk),
        ("active", "ended", "died", reviewer.pk),
    ]


def test_only_reviewers_change_plans(reviewer):
    plan = plan_for(listed(), warung_in(GENTENG), actor=reviewer)
    with pytest.raises(PermissionDenied):
        meal_plan_transition(
            plan=plan,
            actor=make_official(Role.HEALTH_INSPECTOR),
            to_status="paused",
            reason="hospital",
        )


def test_a_reviewer_of_another_kecamatan_gets_404(client, reviewer):
    plan = plan_for(listed(), warung_in(GENTENG), actor=reviewer)
    client.force_login(make_official(Role.REVIEWER, kecamatan=("35.10.05",)))
    assert client.get(f"/petugas/makan/rencana/{plan.pk}/").status_code == 404


def test_active_days_follow_the_history():
    from meals.models import MealPlanTransition as T

    day = datetime.date(2026, 3, 1)
    history = [
        T(to_status="active", effective_on=day, reason="started"),
        T(to_status="paused", effective_on=day + datetime.timedelta(days=10), reason="hospital"),
        T(to_status="active", effective_on=day + datetime.timedelta(days=15), reason="back"),
        T(to_status="ended", effective_on=day + datetime.timedelta(days=20), reason="moved"),
    ]
    assert active_days(history, day, datetime.date(2026, 3, 31)) == 15
    assert active_days(history, datetime.date(2026, 3, 12), datetime.date(2026, 3, 17)) == 2


def test_a_warung_never_passed_by_a_health_inspector_takes_no_plan(db):
    """Food for frail people: the kitchen is inspected before it cooks for the programme."""
    person = RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published")
    kitchen = warung_in(GENTENG, inspected=False)
    with pytest.raises(PlanRefused, match="not passed a health inspection"):
        plan_for(person, kitchen)
    person.refresh_from_db()
    assert person.status == "published" and not MealPlan.objects.exists()
