import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from regions.models import Kecamatan

from .models import Indicator


class MonthForm(forms.Form):
    bulan = forms.RegexField(
        label=_("Month"),
        # No year 0000: the calendar has none (a date of it would be a server error).
        regex=r"^(?!0000)\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        error_messages={"invalid": _("Write the month as YYYY-MM.")},
    )

    def month(self, default: datetime.date) -> datetime.date:
        if self.is_valid() and self.cleaned_data.get("bulan"):
            return datetime.date.fromisoformat(self.cleaned_data["bulan"] + "-01")
        return default.replace(day=1)


class TargetForm(forms.Form):
    """A target to set; the numbers' rules (0-100 %, days >= 0) are the service's, whose
    refusal is shown on the value field."""

    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": _("Write a year between 2000 and 2100.")},
    )
    kecamatan = forms.ModelChoiceField(
        label=_("Kecamatan"),
        queryset=Kecamatan.objects.order_by("name"),
        required=False,
        empty_label=_("The whole regency"),
        to_field_name="code",
    )
    indicator = forms.ChoiceField(label=_("Indicator"), choices=Indicator.choices)
    value = forms.CharField(
        label=_("Target (percent, or days for the median)"),
        max_length=12,
        error_messages={"required": _("Write the target.")},
    )
    reason = forms.CharField(
        label=_("Why (optional)"), required=False, max_length=500, widget=forms.Textarea
    )


class RankForm(forms.Form):
    urut = forms.ChoiceField(choices=Indicator.choices, required=False)

    def indicator(self) -> str:
        if self.is_valid() and self.cleaned_data.get("urut"):
            return self.cleaned_data["urut"]
        return Indicator.REACHED.value


class ReportForm(forms.Form):
    """The month and the area of the printable report. The month must be one that has begun
    (WIB) and written YYYY-MM; the area is checked against the user's scope by the selector
    (outside it: the same 404 as an unknown area, logged)."""

    FIRST_YEAR = 2000

    bulan = forms.CharField(label=_("Month"), required=False, max_length=7)
    wilayah = forms.CharField(label=_("Area"), required=False, max_length=20)

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_bulan(self) -> datetime.date:
        value = (self.cleaned_data.get("bulan") or "").strip()
        if not value:
            return self.today.replace(day=1)
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            raise forms.ValidationError(
                _("Write the month as YYYY-MM, for example %(example)s.")
                % {"example": self.today.strftime("%Y-%m")},
                code="invalid",
            )
        if int(value[:4]) < self.FIRST_YEAR:  # before a date is made: there is no year 0
            raise forms.ValidationError(
                _("Choose a month from %(year)s on.") % {"year": self.FIRST_YEAR}, code="too_early"
            )
        month = datetime.date(int(value[:4]), int(value[5:]), 1)
        if month > self.today.replace(day=1):
            raise forms.ValidationError(
                _("This month has not begun yet: choose this month or an earlier one."),
                code="future",
            )
        return month
