"""Forms of the import pages: a file to stage, one person to enter by hand.

They check only what a browser can be told (a file is there, a required box is filled in);
every rule about a row's values is the import pipeline's, applied to the raw row they build.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from regions.models import Village

from .models import Condition, Sex

UPLOAD_ACCEPT = (
    ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_(
            "A Diskominfo export. You will see what it would change before anything is saved."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
    )


SERVICE_STATUS_CHOICES = [
    ("", _("Not stated (not yet reached)")),
    ("belum_terjangkau", _("Not yet reached (belum terjangkau)")),
    ("terjangkau", _("Already served elsewhere (terjangkau)")),
]


def _date_input() -> forms.TextInput:
    # A text field shown as a date picker: the pipeline reads the date, as it does a file's.
    return forms.TextInput(attrs={"type": "date", "placeholder": _("DD-MM-YYYY")})


class ManualEntryForm(forms.Form):
    nik = forms.CharField(
        label=_("NIK"),
        max_length=40,
        help_text=_("The 16-digit number on the person's KTP."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Full name"), max_length=200)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices])
    birth_date = forms.CharField(
        label=_("Date of birth"), max_length=20, widget=_date_input(), help_text=_("DD-MM-YYYY")
    )
    address = forms.CharField(
        label=_("Address (street or dusun)"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    rt = forms.CharField(
        label=_("RT"),
        max_length=5,
        required=False,
        widget=forms.TextInput({"inputmode": "numeric"}),
    )
    rw = forms.CharField(
        label=_("RW"),
        max_length=5,
        required=False,
        widget=forms.TextInput({"inputmode": "numeric"}),
    )
    village = forms.ChoiceField(label=_("Village"), choices=())
    family_phone = forms.CharField(
        label=_("Family phone"),
        max_length=20,
        required=False,
        help_text=_("08… or +62…"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    conditions = forms.MultipleChoiceField(
        label=_("Conditions"),
        choices=Condition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Seen by officials only, never by the public."),
    )
    notes = forms.CharField(
        label=_("Notes for officials"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    data_collected_on = forms.CharField(
        label=_("Data collected on"),
        max_length=20,
        required=False,
        widget=_date_input(),
        help_text=_("The person's age is checked on this date (today when left empty)."),
    )
    service_status = forms.ChoiceField(
        label=_("Service status"), choices=SERVICE_STATUS_CHOICES, required=False
    )

    def __init__(self, *args, villages: Iterable[Village], **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for village in villages:
            groups.setdefault(village.kecamatan.name, []).append((village.code, village.name))
        self.fields["village"].choices = [("", "—"), *groups.items()]  # type: ignore[attr-defined]

    def raw_row(self) -> dict[str, Any]:
        """The entry as one row of a Diskominfo file, keyed by the pipeline's field names;
        an empty field is absent, as an empty cell is."""
        data = self.cleaned_data
        raw = {
            "nik": data["nik"],
            "name": data["name"],
            "sex": data["sex"],
            "birth_date": data["birth_date"],
            "address": data["address"],
            "rt": data["rt"],
            "rw": data["rw"],
            "village_code": data["village"],
            "family_phone": data["family_phone"],
            "conditions": ",".join(data["conditions"]),
            "notes": data["notes"],
            "data_collected_on": data["data_collected_on"],
            "service_status": data["service_status"],
        }
        return {key: value for key, value in raw.items() if value not in ("", None)}
