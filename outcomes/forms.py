import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from regions.models import Kecamatan

from .models import Indicator


class MonthForm(forms.Form):
    bulan = forms.RegexField(
        label=_("Month"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
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
