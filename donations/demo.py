"""Demo money for ``seed_demo`` (dev and test only): a collection period, two warung, and a few
gifts paid through the sandbox's own path (the same services the webhook calls), so the
listings show progress and the transparency page has figures. Running it again adds nothing."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from meals.models import Warung
from portal.models import Recipient, Status
from regions.models import Kecamatan

from .models import CollectionPeriod, Gift
from .services.giving import GiftIntent, gift_settle, giving_start

DEMO_DONORS = [
    ("budi@demo.rantangkasih.id", "Budi Santoso", True),
    ("sari@demo.rantangkasih.id", "", False),
    ("donor@demo.rantangkasih.id", "Donatur Demo", False),
]
WARUNG = [
    ("Warung Bu Tini", "Tini Rahayu", "Jl. Raya Genteng 12", "35.10.09", 40),
    ("Warung Pak Slamet", "Slamet Riyadi", "Jl. Pelabuhan Muncar 3", "35.10.05", 30),
]


def seed_donations() -> int:
    created = 0
    year = timezone.localdate().year
    _period, new = CollectionPeriod.objects.get_or_create(
        name=f"Rantang Kasih {year} (demo)",
        defaults={
            "permit_number": f"DEMO/{year}/001",
            "starts_on": datetime.date(year, 1, 1),
            "ends_on": datetime.date(year, 12, 31),
        },
    )
    created += new
    for name, owner, address, code, capacity in WARUNG:
        _warung, new = Warung.objects.get_or_create(
            name=name,
            defaults={
                "owner_name": owner,
                "address": address,
                "kecamatan": Kecamatan.objects.get(code=code),
                "daily_capacity": capacity,
            },
        )
        created += new
    if Gift.objects.filter(payment_intent_id__startswith="pi_sandbox_demo").exists():
        return created
    listed = list(Recipient.objects.filter(status=Status.PUBLISHED).order_by("pk")[:3])
    targets = [*(person.pk for person in listed), None]
    amounts = [150_000, 300_000, 75_000, 500_000]
    for index, (recipient_id, amount) in enumerate(zip(targets, amounts, strict=False)):
        email, name, show = DEMO_DONORS[index % len(DEMO_DONORS)]
        gift = giving_start(
            intent=GiftIntent(
                amount=amount,
                monthly=False,
                bank_transfer=False,
                recipient_id=recipient_id,
                description="Rantang Kasih (demo)",
                email=email,
                name=name,
                show_name=show,
                message="",
                language="id",
                attempt=uuid.uuid4(),
            ),
            user=None,
        )
        gift_settle(
            gift=gift,  # type: ignore[arg-type]
            amount=amount,
            currency="idr",
            method="card",
            payment_id=f"pi_sandbox_demo{index}",
            occurred_at=timezone.now(),
        )
        created += 1
    return created
