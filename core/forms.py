"""What the forms of every app share: reading a POST, the NIK, rupiah and date fields, and a
service's refusal shown on the form."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .money import format_rupiah, parse_rupiah


def posted(request: HttpRequest, *, files: bool = False):
    """The submitted data of a POST, even an empty one (``request.POST or None`` would treat a
    POST without fields as no submission at all); None for any other method."""
    if request.method != "POST":
        return None
    return request.FILES if files else request.POST


def add_refusal(form: forms.BaseForm, error: Exception) -> None:
    """A service's refusal, shown on the form: a message about one of the form's fields beside
    it, any other above the form. The services' messages are already written for people; a
    PermissionDenied without words says the role may not."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                form.add_error(name if name in form.fields else None, messages)
        else:
            form.add_error(None, error.messages)
    else:
        form.add_error(None, str(error) or _("Your role may not make this change."))


# --- NIK ---------------------------------------------------------------------------------------


def nik_digits(value: Any) -> str | None:
    """A NIK as 16 digits, or None. Spaces, non-breaking spaces
    and a leading apostrophe (Excel's "text" marker) are removed; a number in scientific
    notation has lost digits."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A numeric spreadsheet cell: Excel keeps 15 significant digits, so a 16-digit NIK
        # stored as a number has lost its last digit even when it looks whole.
        return None
    text = str(value).replace("\u00a0", "").replace(" ", "").lstrip("'")
    return text if re.fullmatch(r"\d{16}", text) else None


class NikField(forms.CharField):
    """A NIK typed by an official, cleaned to its 16 digits ("" when left empty). Only its
    shape is checked here; what the digits say (region, birth date, serial) is the import's."""

    def __init__(self, *, max_length: int = 40, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        return attrs

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value:
            return value
        digits = nik_digits(value)
        if digits is None:
            raise ValidationError(_("The NIK must be 16 digits."), "invalid")
        return digits


# --- Money -------------------------------------------------------------------------------------


class RupiahField(forms.Field):
    """Whole rupiah as an int. Accepts 10.000, Rp10.000 and 10000; refuses 10,5, 10.5, -5."""

    widget = forms.TextInput

    def __init__(self, *, min_value: int | None = 0, max_value: int | None = None, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)
        if min_value is not None:
            self.validators.append(_min_validator(min_value))
        if max_value is not None:
            self.validators.append(_max_validator(max_value))

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        # A numeric keypad on phones, with the dot still available on most of them.
        attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        return attrs

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        return parse_rupiah(value)

    def prepare_value(self, value: Any) -> Any:
        return format_rupiah(value) if isinstance(value, int) else value


def _min_validator(limit: int):
    def validate(value: int) -> None:
        if value < limit:
            raise ValidationError(
                _("The amount must be at least Rp%(limit)s.") % {"limit": format_rupiah(limit)},
                "min_value",
            )

    return validate


def _max_validator(limit: int):
    def validate(value: int) -> None:
        if value > limit:
            raise ValidationError(
                _("The amount must be at most Rp%(limit)s.") % {"limit": format_rupiah(limit)},
                "max_value",
            )

    return validate


# --- Dates -------------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    """The browser's date picker; it sends and is given ISO dates whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
