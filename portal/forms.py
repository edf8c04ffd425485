"""Forms of the officials' review pages."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, NikField, RupiahField
from core.money import format_rupiah
from core.phones import phone_normalise
from regions.models import Village

from .models import AgeBand, Condition, Need, Recipient, Sex, Status
from .services.imports.rows import parse_date
from .services.review import default_monthly_need


class ImportDateField(forms.DateField):
    """A date read by the import's own rules: 31-12-1950, 31/12/1950 or 1950-12-31."""

    widget = DateInput

    def to_python(self, value: Any) -> datetime.date | None:
        if value in self.empty_values:
            return None
        parsed = parse_date(value)
        if parsed is None:
            raise ValidationError(_("Enter a real date, for example 31-12-1950."), code="invalid")
        return parsed


class QueueFilterForm(forms.Form):
    """The review queue's filters. With no status chosen, the queue shows what waits for the
    reader (``waiting``: the statuses whose onward move their roles make); a whole NIK or an
    import names its records, and finds them in any status."""

    ALL = "all"

    status = forms.ChoiceField(label=_("Status"), required=False)
    warnings = forms.ChoiceField(
        label=_("Warnings"),
        required=False,
        choices=[("", _("Any")), ("yes", _("With warnings")), ("no", _("Without warnings"))],
    )
    village = forms.ChoiceField(label=_("Village"), required=False)
    nik = NikField(
        label=_("NIK"),
        required=False,
        help_text=_("The whole NIK finds one person, in any status; nothing else is searchable."),
    )
    batch = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data=None, *, villages, waiting: list[str], **kwargs):
        named = data is not None and bool(data.get("nik") or data.get("batch"))
        if named and waiting and not data.get("status"):
            # Named records are shown whatever their status, and the choice says so.
            data = data.copy()
            data["status"] = self.ALL
        super().__init__(data, **kwargs)
        self.waiting = waiting
        first = [("", _("Waiting for you")), (self.ALL, _("All statuses"))]
        if not waiting:
            first = [("", _("All statuses"))]
        self.fields["status"].choices = [*first, *Status.choices]  # type: ignore[attr-defined]
        self.fields["village"].choices = [  # type: ignore[attr-defined]
            ("", _("All villages")),
            *((v.code, f"{v.name} ({v.kecamatan.name})") for v in villages),
        ]

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments; an invalid filter is left out, the others apply."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data then holds the valid fields only
            data = self.cleaned_data
        status = data.get("status") or ""
        statuses: list[str] | None
        if status and status != self.ALL:
            statuses = [status]
        elif status == self.ALL or not self.waiting:
            statuses = None
        else:
            statuses = self.waiting
        return {
            "statuses": statuses,
            "has_warnings": {"yes": True, "no": False}.get(data.get("warnings", "")),
            "village_code": data.get("village") or None,
            "nik": data.get("nik") or None,
            "batch_id": data.get("batch"),
        }

    @property
    def shows_waiting(self) -> bool:
        """The queue shows its default: what waits for the reader."""
        return self.filters()["statuses"] == self.waiting and bool(self.waiting)


class ReasonForm(forms.Form):
    """A reason in the official's own words (for the audit log or the history)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if not required:
            self.fields["reason"].label = _("Reason (optional)")


class RevealForm(ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("Why do you need the full NIK?")
        self.fields["reason"].help_text = _(
            "Required. Your reason is written to the audit log with your name."
        )
        self.fields["reason"].error_messages["required"] = _("Give a reason to see the full NIK.")


class IdentityForm(forms.Form):
    """An official's correction of the imported identity. The NIK is never pre-filled: it is
    seen whole only through the reveal form, which is logged with a reason."""

    nik = NikField(
        label=_("New NIK"),
        required=False,
        help_text=_("Leave empty to keep the current NIK. 16 digits."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    birth_date = ImportDateField(label=_("Birth date"))
    address = forms.CharField(label=_("Address"), max_length=300)
    rt = forms.CharField(label=_("RT"), max_length=5, required=False)
    rw = forms.CharField(label=_("RW"), max_length=5, required=False)
    village = forms.ModelChoiceField(
        label=_("Village"), queryset=Village.objects.select_related("kecamatan")
    )
    family_phone = forms.CharField(
        label=_("Family phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    conditions = forms.MultipleChoiceField(
        label=_("Conditions (officials only, never public)"),
        choices=Condition.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Officials' notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    data_collected_on = ImportDateField(label=_("Data collected on"), required=False)
    reason = forms.CharField(
        label=_("Reason for the correction (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @classmethod
    def initial_for(cls, recipient: Recipient) -> dict[str, Any]:
        return {
            "name": recipient.name,
            "sex": recipient.sex,
            "birth_date": recipient.birth_date,
            "address": recipient.address,
            "rt": recipient.rt,
            "rw": recipient.rw,
            "village": recipient.village_id,
            "family_phone": recipient.family_phone,
            "conditions": recipient.condition_list,
            "notes": recipient.notes,
            "data_collected_on": recipient.data_collected_on,
        }

    def clean_family_phone(self) -> str:
        value = self.cleaned_data["family_phone"]
        if value and phone_normalise(value) is None:
            raise ValidationError(_("This is not a valid phone number, e.g. 0812 3456 7890."))
        return phone_normalise(value) if value else ""  # type: ignore[return-value]

    def changes(self) -> dict[str, Any]:
        """The submitted identity for the service, which works out what actually changed."""
        data = dict(self.cleaned_data)
        data.pop("reason", None)
        if not data.get("nik"):
            data.pop("nik", None)
        return data


# A public story never says the person lives alone (docs/data-protection.md): the phrases, in
# both languages, that say it.
_LIVES_ALONE = re.compile(
    r"\b(tinggal|hidup)\s+(seorang\s+diri|sendiri(an)?)\b|\bsebatang\s+kara\b|"
    r"\blives?\s+(all\s+)?(alone|by\s+(him|her)self)\b",
    re.IGNORECASE,
)


def says_lives_alone(text: str) -> bool:
    return bool(_LIVES_ALONE.search(text or ""))


class ProfileForm(forms.Form):
    pseudonym = forms.CharField(
        label=_("Pseudonym"),
        max_length=40,
        required=False,
        help_text=_("How the public will call this person, e.g. “Mbah Sum”. Never the full name."),
    )
    age_band = forms.ChoiceField(label=_("Age band"), choices=AgeBand.choices)
    public_needs = forms.MultipleChoiceField(
        label=_("Needs"),
        choices=Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only these generic needs are public: never a health condition."),
    )
    story = forms.CharField(
        label=_("Short story"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Up to 600 characters. No name, address, health condition or “lives alone”."),
    )
    monthly_need = RupiahField(label=_("Monthly need (Rp)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["monthly_need"].help_text = _(
            "Whole rupiah, e.g. 720.000. Leave empty for the default of Rp%(amount)s."
        ) % {"amount": format_rupiah(default_monthly_need())}

    def clean_story(self) -> str:
        story: str = self.cleaned_data["story"]
        if says_lives_alone(story):
            raise ValidationError(
                _(
                    "Do not write that the person lives alone: it tells anyone that nobody "
                    "else is at the house."
                )
            )
        return story

    @classmethod
    def initial_for(cls, recipient: Recipient) -> dict[str, Any]:
        return {
            "pseudonym": recipient.pseudonym,
            "age_band": recipient.age_band,
            "public_needs": recipient.public_needs,
            "story": recipient.story,
            "monthly_need": recipient.monthly_need,
        }


class PhotoConsentForm(forms.Form):
    given_by = forms.CharField(
        label=_("Consent given by (name)"),
        max_length=200,
        help_text=_("The person, or the family member who consents for them."),
    )
    relationship = forms.CharField(
        label=_("Relationship to the person"),
        max_length=60,
        help_text=_("For example: self, daughter, son, spouse."),
    )
    given_on = ImportDateField(label=_("Date consent was given"))

    def clean_given_on(self) -> datetime.date:
        value = self.cleaned_data["given_on"]
        if value > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return value


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG or WebP, up to 5 MB. It is re-encoded without its metadata."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
