import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput
from core.time import WIB
from portal.models import Recipient
from regions.models import Kecamatan

from .models import Flag, School, Wellbeing


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class GuardianFields(forms.Form):
    guardian_name = forms.CharField(
        label=_("Parent's or guardian's name"), max_length=150, required=False
    )
    guardian_email = forms.EmailField(
        label=_("Parent's or guardian's e-mail address"),
        required=False,
        help_text=_("We send them a link to give their consent."),
    )
    relationship = forms.CharField(
        label=_("Their relationship to you"),
        max_length=40,
        required=False,
        help_text=_("For example: mother, father, uncle, guardian."),
    )


class StudentSignupForm(GuardianFields):
    school = forms.ModelChoiceField(
        label=_("School"), queryset=School.objects.select_related("kecamatan")
    )
    class_name = forms.CharField(
        label=_("Class"), max_length=40, help_text=_("For example: XI IPA 2.")
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        widget=DateInput(),
        help_text=_(
            "Kept encrypted. Students under 18 need a parent's or guardian's consent (UU PDP)."
        ),
    )
    field_order = ["school", "class_name", "birth_date"]


class GuardianRequestForm(GuardianFields):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True


class SlotFilterForm(forms.Form):
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False)
    day = forms.DateField(label=_("Date"), required=False, widget=DateInput())

    def __init__(self, *args, kecamatan: list[Kecamatan], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kecamatan"].choices = [("", _("All"))] + [(k.code, k.name) for k in kecamatan]  # type: ignore[attr-defined]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Recipient) -> str:
        return f"{obj.pseudonym or obj.public_id} ({obj.kecamatan.name}, {obj.public_id})"


class SlotForm(forms.Form):
    person = PersonChoiceField(label=_("Person visited"), queryset=Recipient.objects.none())
    date = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(label=_("Time (WIB)"), widget=TimeInput())
    duration_minutes = forms.TypedChoiceField(
        label=_("Duration"),
        coerce=int,
        choices=[(60, _("1 hour")), (90, _("1.5 hours")), (120, _("2 hours")), (180, _("3 hours"))],
        initial=90,
    )
    capacity = forms.IntegerField(label=_("Students"))  # bounds from settings: __init__
    meeting_point = forms.CharField(
        label=_("Meeting point"),
        max_length=200,
        help_text=_("A public place (the village office, a mosque): never the person's house."),
    )
    what_to_bring = forms.CharField(
        label=_("What to bring"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    school = forms.ModelChoiceField(
        label=_("Only for the students of"),
        queryset=School.objects.none(),
        required=False,
        empty_label=_("Every school"),
    )
    repeat_weeks = forms.IntegerField(
        label=_("Repeat every week, this many more times"),
        min_value=0,
        max_value=settings.VISITS_MAX_REPEAT_WEEKS,
        initial=0,
        help_text=_("0 for a single visit; 3 for every week of a month."),
    )

    def __init__(self, *args, people, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["school"].queryset = schools
        lowest, highest = settings.VISITS_SLOT_MIN_CAPACITY, settings.VISITS_SLOT_MAX_CAPACITY
        # Settings are read per form, not at import time (tests change them).
        self.fields["capacity"] = forms.IntegerField(
            label=_("Students"),
            min_value=lowest,
            max_value=highest,
            initial=min(max(4, lowest), highest),
        )

    def clean(self):
        data = super().clean()
        day, time = data.get("date"), data.get("time")
        if day and time:
            starts_at = datetime.datetime.combine(day, time, tzinfo=WIB)
            if starts_at <= timezone.now():
                self.add_error("date", _("The visit must be in the future."))
            data["starts_at"] = starts_at
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The students will read it."),
    )


class CheckinForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=12,
        help_text=_("The organiser gives it at the visit."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class ReportForm(forms.Form):
    wellbeing = forms.ChoiceField(
        label=_("How is the person doing?"), choices=Wellbeing.choices, widget=forms.RadioSelect
    )
    flags = forms.MultipleChoiceField(
        label=_("Anything the officials should know now?"),
        choices=Flag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A flag alerts the reviewers of the kecamatan at once."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only you and the officials of the kecamatan read it."),
    )


class CertificateCheckForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=20)
