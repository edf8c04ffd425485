import datetime

from django import forms
from django.utils.translation import gettext_lazy as _


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
