"""Demo money for ``seed_demo`` (dev and test only): a collection period, two warung, and a few
gifts paid through the sandbox's own path (the same services the webhook calls) and a few by
QRIS, GoPay and a virtual account through the Midtrans sandbox, so the listings show progress
and the transparency page has figures. Running it again adds nothing."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from meals.models import Warung
from portal.models import Recipient, Status
from regions.models import Kecamatan

from .gateways.midtrans.sandbox import transaction_settle
from .models import CollectionPeriod, Gift, MidtransSandboxTransaction
from .services.giving import GiftIntent, checkout_open, gift_settle, giving_start

DEMO_DONORS = [
    ("budi@demo.rantangkasih.id", "Budi Santoso", True),
    ("sari@demo.rantangkasih.id", "", False),
    ("donor@demo.rantangkasih.id", "Donatur Demo", False),
]
WARUNG = [
    ("Warung Bu Tini", "Tini Rahayu", "Jl. Raya Genteng 12", "35.10.09", 40),
    ("Warung Pak Slamet", "Slamet Riyadi", "Jl. Pelabuhan Muncar 3", "35.10.05", 30),
]


# Gifts paid the Indonesian ways, through the Midtrans sandbox's own path (its transaction,
# its signed notification, the real endpoint), so the officials' pages show QRIS, e-wallet and
# virtual-account gifts beside the cards.
DEMO_MIDTRANS = [("qris", 50_000), ("gopay", 100_000), ("va_bca", 250_000)]
DEMO_DESCRIPTION = "Rantang Kasih (demo)"


def _seed_midtrans_sandbox() -> int:
    if (
        not settings.PAYMENTS_SANDBOX
        or MidtransSandboxTransaction.objects.filter(description=DEMO_DESCRIPTION).exists()
    ):
        return 0
    listed = list(Recipient.objects.filter(status=Status.PUBLISHED).order_by("pk")[:3])
    created = 0
    for index, (method, amount) in enumerate(DEMO_MIDTRANS):
        email, name, show = DEMO_DONORS[index % len(DEMO_DONORS)]
        gift = giving_start(
            intent=GiftIntent(
                amount=amount,
                monthly=False,
                bank_transfer=False,
                recipient_id=listed[index].pk if index < len(listed) else None,
                description=DEMO_DESCRIPTION,
                email=email,
                name=name,
                show_name=show,
                message="",
                language="id",
                attempt=uuid.uuid4(),
                method=method,  # the give form's choice; giving_start picks Midtrans's sandbox
            ),
            user=None,
        )
        if not isinstance(gift, Gift):
            continue  # a one-off intent is always a gift
        thanks = settings.PORTAL_BASE_URL + reverse("donations:thanks", args=[gift.public_ref])
        checkout_open(
            record=gift, description=DEMO_DESCRIPTION, success_url=thanks, cancel_url=thanks
        )
        transaction_settle(str(gift.checkout_session_id))
        created += 1
    return created


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
    created += _seed_midtrans_sandbox()
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
