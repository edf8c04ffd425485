"""The unique code of a bank transfer: 1-999 rupiah added to the donor's amount, unique among open
transfers, given under a lock, part of the gift and said so (BANK_TRANSFER_UNIQUE_CODE)."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from donations.models import Gift
from donations.services.giving import giving_start, receipt_context
from donations.services.receipts import receipt_lines
from notifications.models import Notification
from tests.factories.finance import bank_gift, intent

pytestmark = pytest.mark.django_db


def test_a_transfer_gets_a_code_that_is_part_of_its_amount():
    gift = bank_gift(amount=50_000, proof=False)
    assert 1 <= gift.transfer_code <= 999
    assert gift.amount == 50_000 + gift.transfer_code
    assert gift.base_amount == 50_000


def test_open_transfers_of_one_amount_never_share_a_code(settings):
    gifts = [bank_gift(amount=100_000, proof=False) for _ in range(30)]
    assert len({gift.amount for gift in gifts}) == 30


def test_a_code_is_free_again_once_its_transfer_is_decided(settings, monkeypatch):
    # Only code 1 and 2 exist: the method's ceiling leaves two rupiah above the amount.
    settings.PAYMENT_METHOD_LIMITS = {
        **settings.PAYMENT_METHOD_LIMITS,
        "bank_transfer": (10_000, 50_002),
    }
    first = bank_gift(amount=50_000, proof=False)
    second = bank_gift(amount=50_000, proof=False)
    assert {first.amount, second.amount} == {50_001, 50_002}
    third = bank_gift(amount=50_000, proof=False)
    # Every code taken: the transfer keeps its reference only (docs/architecture.md).
    assert third.transfer_code is None and third.amount == 50_000
    Gift.objects.filter(pk=first.pk).update(status=Gift.Status.REJECTED)
    fourth = bank_gift(amount=50_000, proof=False)
    assert fourth.amount == first.amount


def test_the_code_keeps_the_amount_within_the_methods_limit(settings):
    settings.PAYMENT_METHOD_LIMITS = {
        **settings.PAYMENT_METHOD_LIMITS,
        "bank_transfer": (10_000, 200_000),
    }
    top = bank_gift(amount=200_000, proof=False)
    assert top.transfer_code is None and top.amount == 200_000
    near = bank_gift(amount=199_990, proof=False)
    assert 1 <= near.transfer_code <= 10 and near.amount <= 200_000


def test_an_amount_another_open_transfer_already_has_is_not_given(settings):
    settings.BANK_TRANSFER_UNIQUE_CODE = False
    plain = bank_gift(amount=50_500, proof=False)  # no code: exactly 50.500
    settings.BANK_TRANSFER_UNIQUE_CODE = True
    for _ in range(20):
        assert bank_gift(amount=50_000, proof=False).amount != plain.amount


def test_codes_off_the_amount_is_exactly_what_the_donor_chose(settings):
    settings.BANK_TRANSFER_UNIQUE_CODE = False
    gift = bank_gift(amount=50_000, proof=False)
    assert gift.transfer_code is None and gift.amount == 50_000


def test_the_same_attempt_twice_is_one_gift_with_one_code():
    attempt = uuid.uuid4()
    first = giving_start(intent=intent(amount=80_000, attempt=attempt), user=None)
    again = giving_start(intent=intent(amount=80_000, attempt=attempt), user=None)
    assert again.pk == first.pk and again.amount == first.amount
    assert Gift.objects.count() == 1


def test_the_page_the_instructions_and_the_receipt_say_the_code_is_part_of_the_gift(client):
    gift = bank_gift(amount=50_000, proof=False)
    shown = f"Rp{gift.amount // 1000}.{gift.amount % 1000:03d}"
    html = client.get(reverse("donations:transfer", args=[gift.public_ref])).content.decode()
    assert shown in html and 'id="transfer-code-note"' in html
    note = Notification.objects.get(template="transfer_instructions")
    assert note.context["amount"] == gift.amount and note.context["code"] == gift.transfer_code
    gift.receipt_number, gift.received_amount = "RK-2025-000001", gift.amount
    assert receipt_context(gift)["transfer_code"] == gift.transfer_code
    with translation.override("en"):
        labels = [label for label, _value in receipt_lines(gift)]
    assert "Unique transfer code" in labels


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "the last three digits help us find your transfer"),
        ("id", "tiga digit terakhir membantu kami menemukan transfer Anda"),
    ],
)
def test_the_instructions_email_names_the_code(language, words):
    from notifications.services import render

    gift = bank_gift(amount=50_000, proof=False, language=language)
    message = render(Notification.objects.get(template="transfer_instructions"))
    shown = f"Rp{gift.amount // 1000}.{gift.amount % 1000:03d}"
    for body in (message.text, message.html):
        text = " ".join(body.split())
        assert shown in text and words in text


# --- Two donors at the same moment (PostgreSQL) -----------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_donors_at_the_same_moment_never_get_the_same_amount(postgres):
    count = 8
    barrier = threading.Barrier(count)
    amounts: list[int] = []
    errors: list[str] = []

    def give():
        try:
            barrier.wait(timeout=10)
            amounts.append(giving_start(intent=intent(amount=150_000), user=None).amount)
        except Exception as error:  # pragma: no cover - shown in the assertion
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=give) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(amounts) == count and len(set(amounts)) == count
