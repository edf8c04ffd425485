from io import StringIO

from django.core.management import call_command

from meals.models import Delivery, Inspection, MealPlan
from outcomes.models import MonthlyOutcome


def test_seed_demo_adds_inspections_plans_and_deliveries_once(db):
    call_command("seed_demo", stdout=StringIO())
    counts = [m.objects.count() for m in (Inspection, MealPlan, Delivery, MonthlyOutcome)]
    assert all(counts), counts
    assert all(plan.recipient.status == "reached" for plan in MealPlan.objects.all())
    call_command("seed_demo", stdout=StringIO())
    assert [m.objects.count() for m in (Inspection, MealPlan, Delivery, MonthlyOutcome)] == counts
