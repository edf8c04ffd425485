"""The ways to pay on the giving form, grouped as people know them (QRIS; e-wallets; virtual
accounts; card; bank transfer with proof), QRIS chosen first; monthly gifts by card only, on
the page and in the server; a one-off gift by QRIS, an e-wallet or a virtual account keeps the
method the donor chose and goes to the gateway that takes it."""

import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from donations.gateways import Checkout
from donations.models import Gift, Sponsorship
from donations.services.giving import GiftIntent, giving_start
from tests.donations.test_giving_pages import form_data, give_url, nothing_created
from tests.donations.test_method_limits import method_tiles
from tests.factories.donations import gateway_stands_in

ONE_OFF_ONLY = ("qris", "gopay", "shopeepay", "va_bca", "va_bni", "va_bri", "va_mandiri")


class FakeMidtrans:
    """Stands in for Midtrans's sandbox at the gateway seam: it only opens checkouts."""

    name = "midtrans_sandbox"

    def __init__(self):
        self.requests = []

    def checkout_create(self, request):
        self.requests.append(request)
        return Checkout(session_id=f"mt-{len(self.requests)}", url="https://example.test/snap")

    def refund_possible(self, method):
        return False


@pytest.fixture
def midtrans(monkeypatch, settings):
    settings.PAYMENTS_SANDBOX = True
    fake = FakeMidtrans()
    gateway_stands_in(monkeypatch, fake, names=("midtrans_sandbox",))
    return fake


def url(recipient, language="en") -> str:
    with translation.override(language):
        return give_url(recipient)


def page(client, recipient, language="en"):
    return client.get(url(recipient, language)).content.decode()


# --- The page ----------------------------------------------------------------------------------


def test_the_ways_to_pay_are_grouped_as_people_know_them_and_qris_is_chosen(client, recipient):
    html = page(client, recipient)
    tiles = method_tiles(html)
    assert list(tiles) == [
        "qris",
        "gopay",
        "shopeepay",
        "va_bca",
        "va_bni",
        "va_bri",
        "va_mandiri",
        "va_permata",
        "card",
        "bank",
    ]
    assert re.search(r'name="method" value="qris"[^>]*checked', html)
    assert html.count('name="method"') == 10 and html.count("checked") == 2  # once, QRIS
    # Groups named in a legend; the bank's name is enough inside "Virtual account".
    ewallet = html[html.index("method-group-ewallet") :]
    assert re.search(r"<legend>E-wallet</legend>", ewallet)
    assert "OVO" in ewallet[: ewallet.index("</fieldset>")]  # pays by QRIS, said so
    va = html[html.index("method-group-va") :]
    assert "<legend>Virtual account</legend>" in va
    assert tiles["va_bca"].startswith("BCA") and tiles["va_mandiri"].startswith("Mandiri Bill")
    # Text labels only: no downloaded logos; neither gateway takes OVO or DANA here.
    form = html[html.index('class="choice-group give-method') : html.index('class="review-field')]
    assert "<img" not in form
    assert 'value="ovo"' not in html and 'value="dana"' not in html
    # Every radio has its label.
    for radio_id in re.findall(r'<input type="radio" name="method"[^>]*id="([^"]+)"', html):
        assert f'for="{radio_id}"' in html


def test_the_ways_to_pay_are_said_in_indonesian(client, recipient):
    html = page(client, recipient, language="id")
    tiles = method_tiles(html)
    assert tiles["card"].startswith("Kartu")
    assert "Bayar dengan" in html


def test_the_other_ways_are_folded_until_one_of_them_is_chosen(client, recipient):
    assert '<details class="method-more" data-method-more>' in page(client, recipient)
    response = client.post(url(recipient), form_data(method="va_bni", email=""))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<details class="method-more" open data-method-more>' in html
    assert re.search(r'name="method" value="va_bni"[^>]*checked', html)


def test_the_ways_not_taken_monthly_say_so(client, recipient):
    tiles = method_tiles(page(client, recipient))
    for value in (*ONE_OFF_ONLY, "va_permata", "bank"):
        assert "once only" in tiles[value], value
    assert "once only" not in tiles["card"]
    assert "Monthly gifts are by card only" in page(client, recipient)


# --- The server's checks -----------------------------------------------------------------------


@pytest.mark.parametrize("method", [*ONE_OFF_ONLY, "bank"])
def test_monthly_by_another_way_than_card_is_refused_with_a_clear_message(
    client, recipient, method
):
    response = client.post(url(recipient), form_data(frequency="monthly", method=method))
    assert response.status_code == 200
    (error,) = response.context["form"].errors["method"]
    assert error.startswith("Monthly gifts are by card. Choose card, or give once by ")
    assert error in response.content.decode()
    assert nothing_created()


def test_the_refusal_names_the_method_as_a_sentence_does(client, recipient):
    said = {}
    for method in ("qris", "va_bca", "bank"):
        response = client.post(url(recipient), form_data(frequency="monthly", method=method))
        said[method] = response.context["form"].errors["method"][0]
    assert said["qris"].endswith("give once by QRIS.")
    assert said["va_bca"].endswith("give once by BCA virtual account.")
    assert said["bank"].endswith("give once by bank transfer.")


def test_a_method_that_is_not_offered_is_refused(client, recipient):
    for method in ("ovo", "dana", "bank_transfer", ""):
        response = client.post(give_url(recipient), form_data(method=method))
        assert "method" in response.context["form"].errors, method
    assert nothing_created()


def intent(**overrides) -> GiftIntent:
    values = {
        "amount": 50_000,
        "monthly": False,
        "bank_transfer": False,
        "recipient_id": None,
        "description": "Rantang Kasih fund",
        "email": "dermawan@example.org",
        "name": "",
        "show_name": False,
        "message": "",
        "language": "en",
        "attempt": uuid.uuid4(),
        **overrides,
    }
    return GiftIntent(**values)


@pytest.mark.parametrize("method", ONE_OFF_ONLY)
def test_the_service_refuses_monthly_by_another_way_whatever_the_form_did(db, method):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        giving_start(intent=intent(monthly=True, method=method), user=None)
    assert refused.value.code == "monthly"
    assert refused.value.messages[0].startswith("Monthly gifts are by card; give once by ")
    assert nothing_created()


def test_an_intent_cannot_be_a_transfer_paid_another_way():
    with pytest.raises(ValueError):
        intent(bank_transfer=True, method="qris")
    with pytest.raises(ValueError):
        intent(method="ovo")


def test_the_limits_of_qris_and_an_e_wallet_are_said_by_name_in_both_languages(client, recipient):
    for method, amount, english, indonesian in [
        (
            "qris",
            "10.000.001",
            "Payment by QRIS takes Rp10.000 to Rp10.000.000.",
            "Pembayaran dengan QRIS menerima Rp10.000 sampai Rp10.000.000.",
        ),
        (
            "gopay",
            "2.000.001",
            "Payment by GoPay takes Rp10.000 to Rp2.000.000.",
            "Pembayaran dengan GoPay menerima Rp10.000 sampai Rp2.000.000.",
        ),
    ]:
        response = client.post(url(recipient), form_data(method=method, amount=amount))
        assert response.context["form"].errors["amount"] == [english]
        response = client.post(url(recipient, "id"), form_data(method=method, amount=amount))
        assert response.context["form"].errors["amount"] == [indonesian]
    assert nothing_created()


def test_a_virtual_accounts_limit_names_the_bank(db, settings):
    settings.PAYMENT_METHOD_LIMITS = {"va_bca": (10_000, 5_000_000)}
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        giving_start(intent=intent(amount=6_000_000, method="va_bca"), user=None)
    assert refused.value.messages == [
        "Payment by BCA virtual account takes Rp10.000 to Rp5.000.000."
    ]


# --- A gift by QRIS, an e-wallet or a virtual account ------------------------------------------


@pytest.mark.parametrize("method", ["qris", "shopeepay", "va_mandiri"])
def test_a_one_off_gift_keeps_the_chosen_method_and_goes_to_its_gateway(
    client, recipient, midtrans, method
):
    response = client.post(give_url(recipient), form_data(method=method))
    assert response.status_code == 302
    assert response["Location"] == "https://example.test/snap"
    gift = Gift.objects.get()
    assert (gift.payment_method, gift.gateway, gift.status) == (
        method,
        "midtrans_sandbox",
        Gift.Status.PENDING,
    )
    (sent,) = midtrans.requests
    assert (sent.method, sent.mode, sent.amount) == (method, "payment", 50_000)
    assert not Sponsorship.objects.exists()


def test_a_card_gift_still_goes_to_the_card_gateway_and_waits_for_its_method(client, recipient):
    response = client.post(give_url(recipient), form_data(method="card"))
    assert response.status_code == 302
    gift = Gift.objects.get()
    # Stripe's Checkout may be paid another way where the account enables one: the payment's
    # details say which (gift_settle, gift_fee_book).
    assert (gift.gateway, gift.payment_method) == ("sandbox", "")


def test_a_payment_service_that_cannot_be_reached_says_so_without_naming_cards(
    client, recipient, midtrans
):
    from donations.gateways import GatewayError

    def down(request):
        raise GatewayError("timeout")

    midtrans.checkout_create = down
    response = client.post(url(recipient), form_data(method="qris"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The payment service cannot be reached just now. Nothing was charged" in html
    assert "card payment service" not in html
    # The gift is on record (the same attempt opens its checkout once the service answers).
    assert Gift.objects.get().payment_method == "qris"
