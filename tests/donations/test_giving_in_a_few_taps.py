"""Giving in a few taps: a day, a week and a month of meals offered as amounts (from the portion
cost), the server looking the tapped amount up itself, a tapped amount and a different typed
one refused rather than guessed, and a submit button that works without the page's script."""

import re

import pytest

from donations.models import Gift, Sponsorship
from tests.donations.test_giving_pages import form_data as giving_form_data
from tests.donations.test_giving_pages import give_url, nothing_created
from tests.factories.donations import sandbox_session


def form_data(**overrides) -> dict:
    """The giving form's fields with nothing chosen yet (no preset, no amount)."""
    return giving_form_data(**{"preset": "", "amount": "", **overrides})


def tiles(html: str) -> dict[str, str]:
    """The preset tiles of the form: the posted value → the tile's text."""
    found = {}
    for tile in re.findall(r'<label class="choice-tile preset-tile".*?</label>', html, re.S):
        value = re.search(r'name="preset" value="([^"]+)"', tile).group(1)
        words = re.sub(r"<[^>]+>", " ", tile)
        found[value] = " ".join(words.split())
    return found


def submit_button(html: str) -> str:
    (button,) = re.findall(r"<button[^>]*class=\"give-submit\"[^>]*>.*?</button>", html, re.S)
    return button


def test_the_form_offers_a_day_a_week_and_a_month_of_meals_from_the_portion_cost(
    client, recipient, settings
):
    settings.PORTION_COST_RUPIAH = 10_000
    settings.MEALS_PER_DAY = 2
    html = client.get(f"/en{give_url(recipient)}").content.decode()
    assert tiles(html) == {
        "day": "1 day of meals Rp20.000",
        "week": "1 week of meals Rp140.000",
        "month": "1 month of meals Rp600.000",
        "other": "Another amount",
    }
    assert 'data-amount="140000"' in html  # the script reads the amount unlocalised
    assert "a portion costs Rp10.000, 2 portions a day" in html


def test_an_amount_no_gift_may_be_is_not_offered(client, recipient, settings):
    settings.DONATION_MIN_RUPIAH = 50_000
    settings.PAYMENT_METHOD_LIMITS = {"card": (50_000, 100_000_000)}
    url = f"/en{give_url(recipient)}"
    html = client.get(url).content.decode()
    assert set(tiles(html)) == {"week", "month", "other"}
    response = client.post(url, form_data(preset="day"))
    assert "preset" in response.context["form"].errors
    assert nothing_created()


@pytest.mark.parametrize(
    ("preset", "amount"), [("day", 24_000), ("week", 168_000), ("month", 720_000)]
)
def test_a_tapped_amount_is_looked_up_by_the_server(client, recipient, preset, amount):
    response = client.post(
        give_url(recipient), {**form_data(preset=preset), "amount_sen": "1", "price": "1"}
    )
    assert response.status_code == 302
    gift = Gift.objects.get()
    assert gift.amount == amount
    assert sandbox_session(gift).amount_sen == amount * 100


def test_a_tapped_amount_gives_monthly_too(client, recipient):
    response = client.post(give_url(recipient), form_data(preset="week", frequency="monthly"))
    assert response.status_code == 302
    assert Sponsorship.objects.get().amount == 168_000


def test_the_same_amount_tapped_and_typed_is_that_amount(client, recipient):
    response = client.post(give_url(recipient), form_data(preset="week", amount="168.000"))
    assert response.status_code == 302
    assert Gift.objects.get().base_amount == 168_000  # plus the transfer's unique code


def test_another_amount_is_the_one_typed(client, recipient):
    response = client.post(give_url(recipient), form_data(preset="other", amount="75.000"))
    assert response.status_code == 302
    assert Gift.objects.get().amount == 75_000


def test_a_tapped_amount_and_a_different_typed_one_are_refused_not_guessed(client, recipient):
    response = client.post(f"/en{give_url(recipient)}", form_data(preset="week", amount="75.000"))
    assert response.status_code == 200
    (error,) = response.context["form"].errors["amount"]
    assert "You chose Rp168.000 and also wrote Rp75.000" in error
    assert "Another amount" in error
    html = response.content.decode()
    assert "You chose Rp168.000" in html
    # The box stays in sight with its amount, so the donor can settle it without a script.
    assert 'class="give-other has-error"' in html
    assert 'value="75.000"' in html
    assert nothing_created()


@pytest.mark.parametrize("preset", ["other", ""])
def test_no_amount_at_all_is_refused(client, recipient, preset):
    response = client.post(f"/en{give_url(recipient)}", form_data(preset=preset))
    assert response.status_code == 200
    (error,) = response.context["form"].errors["amount"]
    assert "An amount is required" in error
    assert nothing_created()


def test_a_forged_preset_is_refused(client, recipient):
    response = client.post(f"/en{give_url(recipient)}", form_data(preset="9999999"))
    assert response.status_code == 200
    assert "Select a valid choice" in " ".join(response.context["form"].errors["preset"])
    assert nothing_created()


def test_a_tapped_amount_still_meets_the_methods_limits(client, recipient, settings):
    settings.PAYMENT_METHOD_LIMITS = {
        "card": (10_000, 100_000_000),
        "bank_transfer": (100_000, 100_000_000),
    }
    url = f"/en{give_url(recipient)}"
    response = client.post(url, form_data(preset="day", method="bank"))
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [
        "Payment by bank transfer takes Rp100.000 to Rp100.000.000."
    ]
    assert nothing_created()
    response = client.post(url, form_data(preset="week", method="bank"))
    assert response.status_code == 302
    assert Gift.objects.get().base_amount == 168_000  # plus the transfer's unique code


# --- The button -----------------------------------------------------------------------------


def test_without_the_script_the_button_says_give_and_is_a_plain_submit(client, recipient):
    html = client.get(f"/en{give_url(recipient)}").content.decode()
    button = submit_button(html)
    assert re.search(r">\s*Give\s*</button>$", button), button
    assert 'type="submit"' in button
    assert "name=" not in button  # it posts nothing of its own: the amount is the choice's
    form = re.search(r'<form method="post" class="card give-form".*?</form>', html, re.S).group(0)
    assert button in form
    # Its words with an amount, for the script to fill in.
    assert 'data-label-once="Give {amount}"' in button
    assert 'data-label-monthly="Give {amount} a month"' in button
    # The script is the portal's own file, loaded after the page.
    assert '<script src="/static/js/giving.js" defer></script>' in html


def test_a_form_shown_again_names_the_chosen_amount_on_its_button(client, recipient):
    url = f"/en{give_url(recipient)}"
    response = client.post(url, form_data(preset="week", email=""))
    assert response.status_code == 200
    assert re.search(r">\s*Give Rp168.000\s*</button>$", submit_button(response.content.decode()))
    response = client.post(url, form_data(amount="75.000", frequency="monthly", email=""))
    assert re.search(
        r">\s*Give Rp75.000 a month\s*</button>$", submit_button(response.content.decode())
    )


def test_the_essentials_come_before_the_button_and_the_optional_parts_after_it(client, recipient):
    html = client.get(give_url(recipient)).content.decode()
    button = html.index('class="give-submit"')
    for essential in ('name="preset"', 'name="amount"', 'name="frequency"', 'name="method"'):
        assert html.index(essential) < button, essential
    assert html.index('name="email"') < button
    # Folded away below it, still in the same form.
    details = html.index('<details class="give-more"')
    assert button < details < html.index('name="message"') < html.index("</form>")
    assert html.index('name="name"') > details
    assert html.index('name="show_name"') > details


def test_a_name_or_message_to_correct_opens_the_fold(client, recipient):
    response = client.post(give_url(recipient), form_data(preset="week", show_name="on", name=""))
    assert "name" in response.context["form"].errors
    assert '<details class="give-more" open>' in response.content.decode()
    assert nothing_created()
