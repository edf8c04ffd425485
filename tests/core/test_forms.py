"""What every app's forms share: reading a POST, the NIK field, a service's refusal on a form."""

import datetime

import pytest
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import translation

from core.forms import DateInput, NikField, add_refusal, posted


@pytest.fixture(autouse=True)
def _english():
    # Messages are matched in their source language.
    translation.activate("en")
    yield
    translation.deactivate()


def test_a_post_without_fields_is_still_a_submission():
    factory = RequestFactory()
    empty = factory.post("/", {})
    assert posted(empty) is not None and not posted(empty)
    assert posted(empty, files=True) is not None
    assert posted(factory.get("/", {"a": "1"})) is None


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        (" 3510 0941 0745 0003 ", "3510094107450003"),
        ("\u00a03510094107450003", "3510094107450003"),
        ("'3510094107450003", "3510094107450003"),
        ("", ""),
    ],
)
def test_a_nik_is_cleaned_to_its_sixteen_digits(typed, cleaned):
    assert NikField(required=False).clean(typed) == cleaned


@pytest.mark.parametrize("typed", ["3.51016E+15", "351009410745000", "35100941O7450003"])
def test_a_nik_that_is_not_sixteen_digits_is_refused(typed):
    with pytest.raises(ValidationError, match="16 digits"):
        NikField(required=False).clean(typed)


def test_the_nik_field_asks_phones_for_the_digit_keypad():
    rendered = NikField(required=False).widget.render("nik", "")
    assert 'inputmode="numeric"' in rendered and 'autocomplete="off"' in rendered
    assert 'maxlength="40"' in rendered


class _Form(forms.Form):
    note = forms.CharField(required=False)


def test_a_refusal_about_a_field_is_shown_beside_it_and_any_other_above_the_form():
    form = _Form(data={})
    assert form.is_valid()
    add_refusal(form, ValidationError({"note": "Say more.", "elsewhere": "Not a field here."}))
    assert form.errors["note"] == ["Say more."]
    assert form.non_field_errors() == ["Not a field here."]


def test_a_refusal_without_words_says_the_role_may_not():
    form = _Form(data={})
    form.is_valid()
    add_refusal(form, PermissionDenied())
    add_refusal(form, ValidationError(["One.", "Two."]))
    assert form.non_field_errors() == ["Your role may not make this change.", "One.", "Two."]


def test_the_date_input_is_the_browsers_picker_with_iso_dates():
    rendered = DateInput().render("day", datetime.date(2025, 3, 1))
    assert 'type="date"' in rendered and 'value="2025-03-01"' in rendered
