"""Meals objects for tests: warung, inspections, plans, made through the services where the
rule matters and straight into the tables where a test needs a past."""

from __future__ import annotations

import datetime
import io

from django.core.files.base import ContentFile
from PIL import Image

from accounts.models import Role
from meals.models import ChecklistItem, Inspection, InspectionPhoto, MealPlan, Warung
from meals.services.plans import meal_plan_start
from portal.models import Recipient
from regions.models import Kecamatan
from tests.factories import GENTENG, make_official


def warung_in(
    code: str = GENTENG,
    *,
    name: str = "Warung Sehat",
    capacity: int = 20,
    inspected: bool = True,
) -> Warung:
    """The one warung builder of the tests: an active contract, and ``inspected``: passed by a
    health inspector today (a warung takes meal plans only after a passing inspection)."""
    warung = Warung.objects.create(
        name=name,
        owner_name="Bu Tini",
        address="Jl. Raya 1",
        kecamatan=Kecamatan.objects.get(code=code),
        daily_capacity=capacity,
    )
    if inspected:
        today = datetime.date.today()
        Inspection.objects.create(
            warung=warung,
            inspected_on=today,
            items_met=ChecklistItem.values,
            score=100,
            result=Inspection.Result.PASS,
            next_due=today + datetime.timedelta(days=180),
        )
    return warung


def jpeg_with_exif() -> io.BytesIO:
    """A small JPEG carrying a GPS position and a camera model in its EXIF."""
    image = Image.new("RGB", (40, 30), (200, 120, 40))
    exif = Image.Exif()
    exif[0x0110] = "SecretCam 3000"  # Model
    exif[0x8825] = {1: "S", 2: (8.0, 20.0, 0.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    buffer.seek(0)
    buffer.name = "kitchen.jpg"
    return buffer


def inspection_with_photo(warung: Warung) -> tuple[Inspection, InspectionPhoto]:
    today = datetime.date.today()
    inspection = Inspection.objects.create(
        warung=warung,
        inspected_on=today,
        items_met=ChecklistItem.values,
        score=100,
        result=Inspection.Result.PASS,
        next_due=today + datetime.timedelta(days=180),
    )
    photo = InspectionPhoto(inspection=inspection)
    photo.image.save("1.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
    photo.save()
    return inspection, photo


def plan_for(
    recipient: Recipient,
    warung: Warung,
    *,
    starts_on: datetime.date | None = None,
    portions: int = 2,
    actor=None,
) -> MealPlan:
    actor = actor or make_official(Role.LEAD_REVIEWER)
    return meal_plan_start(
        actor=actor,
        recipient=recipient,
        warung=warung,
        starts_on=starts_on or datetime.date.today(),
        portions_per_day=portions,
    )
