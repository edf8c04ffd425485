"""Whole rupiah as typed and as shown: core.money and the form field that reads them."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.forms import RupiahField
from core.money import format_rupiah, parse_rupiah, rupiah


@pytest.fixture(autouse=True)
def _english():
    # Messages are matched in their source language.
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("10.000", 10_000),
        ("Rp10.000", 10_000),
        ("Rp 10.000", 10_000),
        ("rp10000", 10_000),
        ("10000", 10_000),
        ("1.250.000", 1_250_000),
        (" 720.000 ", 720_000),
    ],
)
def test_rupiah_input_is_read_as_whole_rupiah(typed, amount):
    assert parse_rupiah(typed) == amount
    assert RupiahField().clean(typed) == amount


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("10,5", "no comma or decimal part"),
        ("10.000,00", "no comma or decimal part"),
        ("-5", "cannot have a sign"),
        ("+5", "cannot have a sign"),
        ("10.5", "A dot separates thousands"),
        ("1.0000", "A dot separates thousands"),
        ("abc", "Write the amount in digits"),
        ("10rb", "Write the amount in digits"),
        ("Rp", "Write the amount in digits"),
    ],
)
def test_rupiah_input_refuses_commas_decimals_signs_and_letters(typed, message):
    with pytest.raises(ValidationError, match=message):
        RupiahField().clean(typed)


def test_rupiah_is_written_back_with_dots():
    assert format_rupiah(720_000) == "720.000"
    assert RupiahField().prepare_value(720_000) == "720.000"


def test_an_amount_is_shown_with_rp_and_its_sign_in_front():
    assert rupiah(720_000) == "Rp720.000"
    assert rupiah(0) == "Rp0"
    assert rupiah(-5_000) == "-Rp5.000"
