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


def test_seed_demo_leaves_one_missed_deliveries_item_for_the_reviewers(db):
    from attention.models import Item, Kind

    call_command("seed_demo", stdout=StringIO())
    [item] = Item.objects.filter(kind=Kind.MISSED_DELIVERIES)
    assert item.recipient is not None and item.status == "open"
    marks = list(
        Delivery.objects.filter(plan__recipient=item.recipient)
        .order_by("-day")
        .values_list("mark", flat=True)[:2]
    )
    assert marks == ["not_home", "not_home"]
    call_command("seed_demo", stdout=StringIO())
    assert Item.objects.filter(kind=Kind.MISSED_DELIVERIES).count() == 1
