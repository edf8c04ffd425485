"""Forms of the portal: the shared rupiah field, and the officials' review forms."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.phones import phone_normalise

from .models import AgeBand, Condition, Need, Recipient, Sex, Status, Village
from .services.imports.rows import clean_nik as nik_digits
from .services.imports.rows import parse_date
from .services.review import default_monthly_need

# --- Money -------------------------------------------------------------------------------------

# docs/architecture.md, "Money": digits with dots as thousands separators and an optional "Rp";
# a comma, a decimal part, a sign or letters is refused. "10.000" is ten thousand, never ten.
_RUPIAH = re.compile(r"\d{1,3}(?:\.\d{3})+|\d+")
_RUPIAH_PREFIX = re.compile(r"^rp\.?\s*", re.IGNORECASE)
# Fifteen digits (a thousand trillion rupiah) is far above any amount the programme handles
# and far below BigIntegerField's limit.
RUPIAH_MAX_DIGITS = 15


def parse_rupiah(value: Any) -> int:
    """Whole rupiah from what a person typed: "720.000", "Rp720.000", "Rp 720.000", "720000".

    Raises ValidationError with a message that says what to write instead.
    """
    if isinstance(value, bool):
        raise ValidationError(_("Write the amount in digits, for example 10.000."), "invalid")
    if isinstance(value, int):
        if value < 0:
            raise ValidationError(_("An amount cannot be negative."), "sign")
        return value
    text = _RUPIAH_PREFIX.sub("", str(value).strip().replace("\u00a0", " ")).strip()
    if not text:
        raise ValidationError(_("Write the amount in digits, for example 10.000."), "invalid")
    if text[0] in "+-−":
        raise ValidationError(_("An amount cannot have a sign: write 10.000."), "sign")
    if "," in text:
        raise ValidationError(
            _("Rupiah are whole: no comma or decimal part. Write ten thousand as 10.000."),
            "decimal",
        )
    if not _RUPIAH.fullmatch(text):
        if re.fullmatch(r"[\d.]+", text):
            raise ValidationError(
                _(
                    "A dot separates thousands (10.000 is ten thousand); rupiah have no "
                    "decimal part."
                ),
                "decimal",
            )
        raise ValidationError(
            _("Write the amount in digits, for example 10.000 or Rp10.000."), "invalid"
        )
    digits = text.replace(".", "")
    if len(digits.lstrip("0")) > RUPIAH_MAX_DIGITS:
        raise ValidationError(_("This amount is too large."), "too_large")
    return int(digits)


def format_rupiah(value: int | None) -> str:
    """720000 → "720.000" (the way it is typed and read in Indonesia)."""
    if value is None:
        return ""
    return f"{value:,}".replace(",", ".")


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


# --- Officials' review -----------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


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
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Status.choices]
    )
    warnings = forms.ChoiceField(
        label=_("Warnings"),
        required=False,
        choices=[("", _("Any")), ("yes", _("With warnings")), ("no", _("Without warnings"))],
    )
    village = forms.ChoiceField(label=_("Village"), required=False)
    nik = forms.CharField(
        label=_("NIK"),
        required=False,
        max_length=40,
        help_text=_("The whole NIK finds one person; nothing else is searchable."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_nik(self) -> str:
        value = self.cleaned_data["nik"]
        if value and nik_digits(value) is None:
            raise ValidationError(_("The NIK must be 16 digits."))
        return nik_digits(value) if value else ""

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [
            ("", _("All villages")),
            *((v.code, f"{v.name} ({v.kecamatan.name})") for v in villages),
        ]

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments; an invalid filter is left out, the others apply."""
        if not self.is_bound:
            return {}
        self.is_valid()  # cleaned_data then holds the valid fields only
        data = self.cleaned_data
        return {
            "status": data.get("status") or None,
            "has_warnings": {"yes": True, "no": False}.get(data.get("warnings", "")),
            "village_code": data.get("village") or None,
            "nik": data.get("nik") or None,
        }


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

    nik = forms.CharField(
        label=_("New NIK"),
        required=False,
        max_length=40,
        help_text=_("Leave empty to keep the current NIK. 16 digits."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
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

    def clean_nik(self) -> str:
        value = self.cleaned_data["nik"]
        if value and nik_digits(value) is None:
            raise ValidationError(_("The NIK must be 16 digits."))
        return nik_digits(value) if value else ""

    def clean_family_phone(self) -> str:
        value = self.cleaned_data["family_phone"]
        if value and phone_normalise(value) is None:
            raise ValidationError(_("This is not a valid phone number, e.g. 0812 3456 7890."))
        return phone_normalise(value) if value else ""

    def changes(self) -> dict[str, Any]:
        """The submitted identity for the service, which works out what actually changed."""
        data = dict(self.cleaned_data)
        data.pop("reason", None)
        if not data.get("nik"):
            data.pop("nik", None)
        return data


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
