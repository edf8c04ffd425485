"""Demo data of the meals part (called by ``seed_demo``; never in prod): an inspection per
demo warung, a few meal plans through the real services, a week of deliveries.
Idempotent: a second run adds nothing."""

from __future__ import annotations

import datetime

from accounts.models import Role, User
from core.time import today_wib
from portal.models import Recipient, Status

from .models import ChecklistItem, Inspection, MealPlan, Warung
from .services.deliveries import delivery_mark
from .services.inspections import inspection_record
from .services.plans import meal_plan_start

DAY = datetime.timedelta(days=1)
# What the demo inspections found wanting (their findings say so).
DEMO_NOT_MET = {"vegetables", "waste", "soft_food"}


def seed_meals() -> int:
    if Inspection.objects.exists() or MealPlan.objects.exists():
        return 0
    inspector = User.objects.filter(role_grants__role=Role.HEALTH_INSPECTOR).first()
    lead = User.objects.filter(role_grants__role=Role.LEAD_REVIEWER).first()
    if inspector is None or lead is None:
        return 0
    today = today_wib()
    created = 0
    # The first person's last two deliveries did not reach them: the attention queue opens a
    # "missed deliveries" item for the reviewers of their kecamatan, as it would in life.
    missed_first = True
    for warung in Warung.objects.filter(contract_status=Warung.Contract.ACTIVE):
        inspection_record(
            actor=inspector,
            warung=warung,
            inspected_on=today - 30 * DAY,
            # 8 of 11 items: a score of 73, which allows a pass with notes (at least
            # INSPECTION_PASS_WITH_NOTES_SCORE) and not a plain pass.
            items_met=[item for item in ChecklistItem.values if item not in DEMO_NOT_MET],
            result=Inspection.Result.PASS_WITH_NOTES,
            findings=(
                "Sayur kurang bervariasi; tempat sampah perlu tutup; masakan agak pedas untuk "
                "lansia."
            ),
        )
        created += 1
        people = Recipient.objects.filter(
            status=Status.PUBLISHED, kecamatan=warung.kecamatan
        ).order_by("pk")[:2]
        for person in people:
            plan = meal_plan_start(
                actor=lead, recipient=person, warung=warung, starts_on=today - 6 * DAY
            )
            created += 1
            for offset in range(6, 0, -1):
                missed = missed_first and offset <= 2
                mark = "not_home" if missed or (offset == 3 and person.pk % 2) else "delivered"
                delivery_mark(plan=plan, day=today - offset * DAY, mark=mark)
                created += 1
            missed_first = False
    return created
