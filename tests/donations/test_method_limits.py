"""Each payment method has its own smallest and largest gift (PAYMENT_METHOD_LIMITS, within the
overall DONATION_MIN/MAX_RUPIAH): the form refuses an amount outside the chosen method's range
with a message naming the method and the range, and the service refuses it too, whatever the
form did."""

import re
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse
from django.utils import translation

from donations.models import Gift, SandboxSession, Sponsorship
from donations.services.giving import GiftIntent, giving_start


@pytest.fixture
def limits(settings):
    settings.DONATION_MIN_RUPIAH = 10_000
    settings.DONATION_MAX_RUPIAH = 100_000_000
    settings.PAYMENT_METHOD_LIMITS = {
        "card": (10_000, 50_000_000),
        "bank_transfer": (100_000, 100_000_000),
    }


def give(client, recipient, **overrides):
    data = {
        "amount": "50.000",
        "frequency": "once",
        "method": "card",
        "email": "dermawan@example.org",
        "attempt": str(uuid.uuid4()),
        **overrides,
    }
    with translation.override("en"):
        url = reverse("donations:give_listing", args=[recipient.public_id])
    return client.post(url, data)


def nothing_created() -> bool:
    return not (
        Gift.objects.exists() or Sponsorship.objects.exists() or SandboxSession.objects.exists()
    )


CARD = "Payment by card takes Rp10.000 to Rp50.000.000."
BANK = "Payment by bank transfer takes Rp100.000 to Rp100.000.000."


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"amount": "50.000.001"}, CARD),
        ({"amount": "60.000.000", "frequency": "monthly"}, CARD),
        ({"amount": "50.000", "method": "bank"}, BANK),
        ({"amount": "99.999", "method": "bank"}, BANK),
    ],
)
def test_an_amount_outside_the_methods_range_is_refused_by_the_form(
    client, recipient, limits, fields, said
):
    response = give(client, recipient, **fields)
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [said]
    assert said in response.content.decode()
    assert nothing_created()


@pytest.mark.parametrize(
    "fields",
    [
        {"amount": "50.000.000"},
        {"amount": "10.000"},
        {"amount": "100.000", "method": "bank"},
        {"amount": "100.000.000", "method": "bank"},
    ],
)
def test_an_amount_inside_the_methods_range_goes_through(client, recipient, limits, fields):
    assert give(client, recipient, **fields).status_code == 302
    assert Gift.objects.count() == 1


def test_the_overall_bounds_still_speak_first(client, recipient, limits):
    response = give(client, recipient, amount="100.000.001", method="bank")
    (error,) = response.context["form"].errors["amount"]
    assert "largest gift" in error
    assert nothing_created()


def method_tiles(html: str) -> dict[str, str]:
    """The giving form's ways to pay: the posted value → the words on its tile."""
    found = {}
    for tile in re.findall(r'<label class="choice-tile method-tile.*?</label>', html, re.S):
        value = re.search(r'name="method" value="([^"]+)"', tile).group(1)
        found[value] = " ".join(re.sub(r"<[^>]+>", " ", tile).split())
    return found


def test_the_form_says_the_ranges_of_the_methods_before_the_donor_types(client, recipient, limits):
    with translation.override("en"):
        url = reverse("donations:give_listing", args=[recipient.public_id])
    tiles = method_tiles(client.get(url).content.decode())
    assert tiles["card"].startswith("Card up to Rp50.000.000")
    assert tiles["bank"].startswith("Bank transfer, with proof Rp100.000 to Rp100.000.000")
    # A method without limits of its own takes every gift: its tile says no range.
    assert "Rp" not in tiles["qris"]


def test_with_the_default_limits_only_qris_and_the_e_wallets_say_their_ranges(client, recipient):
    with translation.override("en"):
        url = reverse("donations:give_listing", args=[recipient.public_id])
    tiles = method_tiles(client.get(url).content.decode())
    assert "up to Rp10.000.000" in tiles["qris"]
    assert "up to Rp2.000.000" in tiles["gopay"]
    assert "up to Rp2.000.000" in tiles["shopeepay"]
    for value in ("card", "bank", "va_bca", "va_bni", "va_bri", "va_mandiri", "va_permata"):
        assert "Rp" not in tiles[value], value


def intent(*, amount: int, bank_transfer: bool = False, monthly: bool = False) -> GiftIntent:
    return GiftIntent(
        amount=amount,
        monthly=monthly,
        bank_transfer=bank_transfer,
        recipient_id=None,
        description="Rantang Kasih fund",
        email="dermawan@example.org",
        name="",
        show_name=False,
        message="",
        language="en",
        attempt=uuid.uuid4(),
    )


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"amount": 50_000_001}, CARD),
        ({"amount": 50_000_001, "monthly": True}, CARD),
        ({"amount": 99_999, "bank_transfer": True}, BANK),
    ],
)
def test_the_service_refuses_what_the_method_does_not_take(db, limits, kwargs, said):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        giving_start(intent=intent(**kwargs), user=None)
    assert refused.value.messages == [said]
    assert refused.value.code == "method_limits"
    assert nothing_created()


def test_a_method_without_its_own_limits_takes_the_overall_bounds(limits):
    from donations.services.giving import method_limits

    assert method_limits("qris") == (10_000, 100_000_000)


def test_a_method_never_goes_beyond_the_overall_bounds(settings):
    settings.DONATION_MIN_RUPIAH = 20_000
    settings.DONATION_MAX_RUPIAH = 1_000_000
    settings.PAYMENT_METHOD_LIMITS = {"card": (10_000, 50_000_000)}
    from donations.services.giving import method_limits

    assert method_limits("card") == (20_000, 1_000_000)


# --- The setting ---------------------------------------------------------------------------------


def test_by_default_methods_take_the_overall_bounds_but_qris_and_e_wallets_their_own(settings):
    from config import settings as config

    low, high = config.DONATION_MIN_RUPIAH, config.DONATION_MAX_RUPIAH
    configured = config.PAYMENT_METHOD_LIMITS
    virtual_accounts = ("va_bca", "va_bni", "va_bri", "va_mandiri", "va_permata")
    assert configured == {
        "card": (low, high),
        "bank_transfer": (low, high),
        "qris": (low, 10_000_000),  # Bank Indonesia's limit for one QRIS payment
        "gopay": (low, 2_000_000),
        "shopeepay": (low, 2_000_000),
        **{va: (low, high) for va in virtual_accounts},
    }


def test_a_methods_range_comes_from_the_environment(monkeypatch):
    from config.settings import env_rupiah_range

    monkeypatch.setenv("PAYMENT_CARD_MAX_RUPIAH", "50000000")
    monkeypatch.setenv("PAYMENT_BANK_TRANSFER_MIN_RUPIAH", "100000")
    overall = (10_000, 100_000_000)
    assert env_rupiah_range("card", overall) == (10_000, 50_000_000)
    assert env_rupiah_range("bank_transfer", overall) == (100_000, 100_000_000)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PAYMENT_CARD_MIN_RUPIAH", "5000"),  # below every gift's minimum
        ("PAYMENT_CARD_MAX_RUPIAH", "200000000"),  # above every gift's maximum
        ("PAYMENT_CARD_MIN_RUPIAH", "60000000000"),  # above its own maximum
        ("PAYMENT_CARD_MAX_RUPIAH", "lima puluh juta"),
    ],
)
def test_a_range_that_makes_no_sense_stops_the_start(monkeypatch, name, value):
    from config import settings as config

    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured) as refused:
        config.env_rupiah_range("card", (config.DONATION_MIN_RUPIAH, config.DONATION_MAX_RUPIAH))
    assert name in str(refused.value)
