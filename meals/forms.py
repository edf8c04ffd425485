import datetime

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput
from regions.models import Kecamatan

from .models import ChecklistItem, Delivery, Inspection, PlanReason, Warung, checklist_score


class WarungForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    owner_name = forms.CharField(label=_("Owner"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300)
    kecamatan = forms.ModelChoiceField(
        label=_("Kecamatan"), queryset=Kecamatan.objects.order_by("name")
    )
    daily_capacity = forms.IntegerField(
        label=_("Daily capacity (portions)"), min_value=1, max_value=10_000
    )
    contract_status = forms.ChoiceField(
        label=_("Contract"), choices=Warung.Contract.choices, initial=Warung.Contract.ACTIVE
    )


# --- Inspections, plans, deliveries, figures ---------------------------------------------------


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultiplePhotoField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class InspectionForm(forms.Form):
    """The inspection as the inspector fills it in. The date starts at today (WIB) and may not
    pass it; the result's help text states the thresholds and the score of the items ticked,
    computed here (static/js/inspection.js only repeats it live). The service decides."""

    inspected_on = forms.DateField(label=_("Inspected on"), widget=DateInput)
    items_met = forms.MultipleChoiceField(
        label=_("Checklist: items met"),
        choices=ChecklistItem.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    result = forms.ChoiceField(
        label=_("Result"), choices=Inspection.Result.choices, widget=forms.RadioSelect
    )
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Required for a failure or a pass with notes. A failure at a good score: name the "
            "critical item."
        ),
    )
    next_due = forms.DateField(
        label=_("Next inspection due"),
        required=False,
        widget=DateInput,
        help_text=_("Empty: in six months after a pass, in two weeks after a failure."),
    )
    photos = MultiplePhotoField(
        label=_("Photos (optional)"),
        required=False,
        help_text=_("Kept private; location and camera data are removed."),
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("inspected_on", today)
        super().__init__(*args, **kwargs)
        self.fields["inspected_on"].widget.attrs["max"] = today.isoformat()
        self.score = checklist_score(self["items_met"].value() or [])
        self.fields["result"].help_text = result_help(self.score)


def result_help(score: int) -> str:
    """The rule and where this score stands, as the result's help text. The two ``output``
    elements are what the page's script updates as boxes are ticked."""
    allowed = ", ".join(str(Inspection.Result(r).label) for r in Inspection.results_allowed(score))
    rule = gettext(
        "A pass needs a checklist score of at least %(pass)s/100, a pass with notes at least "
        "%(notes)s/100; a failure is always possible."
    ) % {
        "pass": Inspection.min_score(Inspection.Result.PASS),
        "notes": Inspection.min_score(Inspection.Result.PASS_WITH_NOTES),
    }
    now = gettext("Score of the items ticked: %(score)s/100, which allows: %(allowed)s.")
    return format_html(
        "{} {}",
        rule,
        mark_safe(  # noqa: S308  (both parts escaped just here)
            conditional_escape(now)
            % {
                "score": format_html('<output id="inspection-score">{}</output>', score),
                "allowed": format_html('<output id="inspection-allowed">{}</output>', allowed),
            }
        ),
    )


class PlanStartForm(forms.Form):
    warung = forms.ModelChoiceField(label=_("Warung"), queryset=Warung.objects.none())
    starts_on = forms.DateField(label=_("Meals from"), widget=DateInput)
    portions_per_day = forms.IntegerField(
        label=_("Portions a day"), min_value=1, max_value=3, initial=2
    )
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=300)

    def __init__(self, *args, warung_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        if warung_queryset is not None:
            self.fields["warung"].queryset = warung_queryset


class PlanMoveForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=())
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
    effective_on = forms.DateField(
        label=_("From"), required=False, widget=DateInput, help_text=_("Empty: today.")
    )

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(r, PlanReason(r).label) for r in reasons]


class DeliveryMarkForm(forms.Form):
    mark = forms.ChoiceField(label=_("Mark"), choices=Delivery.Mark.choices)
    concern = forms.CharField(
        label=_("Worried about the person? Write it here (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeliveryPeriodForm(forms.Form):
    """The finance officers' "fill the lines from confirmed deliveries"."""

    warung = forms.ModelChoiceField(label=_("Warung"), queryset=Warung.objects.order_by("name"))
    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("Until"), widget=DateInput)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period must end after it starts."))
        if start and end and (end - start).days > 62:
            self.add_error("end", _("Take at most two months at a time."))
        return cleaned
