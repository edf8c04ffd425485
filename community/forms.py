"""Forms of community reports: the public's (a referral, a concern, the code) and the
officials' (queues' filters, outcomes, answers, rights requests). They check what a browser
can be told; the rules are the services'."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.import_forms import ManualEntryForm
from portal.models import Need
from portal.services.review import PHOTO_MAX_BYTES
from regions.models import Kecamatan, Village

from .models import Concern, Referral, RightsRequest

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


class ContactFields(forms.Form):
    """How to reach the reporter (phone first), consent, and the honeypot."""

    phone = forms.CharField(
        label=_("Your phone number (WhatsApp)"),
        max_length=30,
        required=False,
        help_text=_("We send a code to it by WhatsApp. For example 0812 3456 7890."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("Or your e-mail address"),
        max_length=254,
        required=False,
        help_text=_("Only if you have no phone number: we send the code by e-mail instead."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that Rantang Kasih contacts me about this report. My phone number or "
            "e-mail address is never shown to anybody outside the programme."
        ),
        required=True,
        error_messages={
            "required": _("We can only accept a report when we may contact you about it.")
        },
    )
    # A field people never see (the template hides it): bots that fill every field fill it.
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("phone") or data.get("email")):
            raise ValidationError(
                _("Give a phone number or an e-mail address so that we can send you a code.")
            )
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


def village_choices(villages: Iterable[Village]) -> list:
    groups: dict[str, list[tuple[str, str]]] = {}
    for village in villages:
        groups.setdefault(village.kecamatan.name, []).append((village.code, village.name))
    return [("", "—"), *groups.items()]


class ReferralForm(ContactFields):
    field_order = [
        "village",
        "hamlet",
        "landmark",
        "needs",
        "situation",
        "photo",
        "phone",
        "email",
        "consent",
        "website",
    ]

    village = forms.ChoiceField(
        label=_("Village (desa or kelurahan)"),
        help_text=_("Villages are grouped by kecamatan."),
    )
    hamlet = forms.CharField(label=_("Hamlet (dusun) or RT/RW"), max_length=100, required=False)
    landmark = forms.CharField(
        label=_("A landmark near the house"),
        max_length=200,
        required=False,
        help_text=_("For example: behind the mosque, next to the rice mill."),
    )
    needs = forms.MultipleChoiceField(
        label=_("What does the person need?"),
        choices=Need.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    situation = forms.CharField(
        label=_("Their situation, in a few words"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "For example: lives alone, cannot cook any more, nobody brings food. Officials "
            "read this; it is never published."
        ),
    )
    photo = forms.FileField(
        label=_("A photo (optional)"),
        required=False,
        help_text=_(
            "Of the house, for example, to help officials find it. JPEG, PNG or WebP, up to "
            "5 MB. Only officials see it; its metadata (such as the location) is removed."
        ),
        widget=forms.FileInput(attrs={"accept": PHOTO_ACCEPT}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = village_choices(
            Village.objects.select_related("kecamatan").order_by("kecamatan__name", "name")
        )

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and photo.size > PHOTO_MAX_BYTES:
            raise ValidationError(
                _("The photo is larger than %(mb)d MB.") % {"mb": PHOTO_MAX_BYTES // (1024 * 1024)}
            )
        return photo

    def clean_village(self) -> Village:
        code = self.cleaned_data["village"]
        village = Village.objects.filter(code=code).first()
        if village is None:
            raise ValidationError(_("Choose a village from the list."))
        return village


class ConcernForm(ContactFields):
    field_order = ["kind", "message", "phone", "email", "consent", "website"]

    kind = forms.ChoiceField(
        label=_("What is the concern about?"),
        choices=Concern.Kind.choices,
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("Tell us more"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A reviewer of Dinas Sosial reads it and answers you."),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The code we sent you"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        ),
    )


# --- Officials -----------------------------------------------------------------------------------


class ReferralFilterForm(forms.Form):
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Referral.Status.choices[1:]],
    )
    duplicates = forms.ChoiceField(
        label=_("Likely duplicates"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Likely duplicates")), ("no", _("No sign of one"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kecamatan"].choices = [
            ("", _("All kecamatan")),
            *Kecamatan.objects.order_by("name").values_list("code", "name"),
        ]

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        return {
            "kecamatan_code": data.get("kecamatan") or None,
            "status": data.get("status") or None,
            "duplicates": {"yes": True, "no": False}.get(data.get("duplicates", "")),
        }


class ReferralCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome of the field visit"),
        choices=[
            (s, Referral.Status(s).label)
            for s in (
                Referral.Status.ALREADY_KNOWN,
                Referral.Status.NOT_ELIGIBLE,
                Referral.Status.NOT_FOUND,
            )
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What the visit found"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For officials only; the reporter is told the outcome, never this note."),
    )


class ReferralVerifyForm(ManualEntryForm):
    """The identity officials collected on the field visit: the manual entry form itself."""

    note = forms.CharField(
        label=_("Note on the field visit (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConcernAnswerForm(forms.Form):
    reply = forms.CharField(
        label=_("Your answer to the reporter"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Sent to the reporter as you write it: never a name, an address, a NIK or a "
            "health condition."
        ),
    )
    decision = forms.ChoiceField(
        label=_("The listing"),
        choices=Concern.Decision.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, suspended: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not suspended:
            self.fields["decision"].choices = [  # type: ignore[attr-defined]
                c for c in Concern.Decision.choices if c[0] != Concern.Decision.REINSTATED
            ]
        self.fields["decision"].initial = ""


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class RightsRequestForm(forms.Form):
    record = forms.CharField(
        label=_("Registry record"),
        max_length=16,
        help_text=_("The record's number, as on the review page (for example RK7Q2M4X)."),
    )
    kind = forms.ChoiceField(
        label=_("Request"), choices=RightsRequest.Kind.choices, widget=forms.RadioSelect
    )
    requester = forms.ChoiceField(
        label=_("Requested by"),
        choices=RightsRequest.Requester.choices,
        widget=forms.RadioSelect,
    )
    requester_name = forms.CharField(label=_("Name of the person who asked"), max_length=200)
    details = forms.CharField(
        label=_("Details"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a correction: what is wrong and what is right."),
    )
    received_at = forms.DateTimeField(
        label=_("Received at"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("When the request reached Dinas Sosial (WIB). Empty means now."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I checked that the person asking is the person listed or their family, and I "
            "understand that a deletion or a withdrawal takes the listing down at once."
        ),
    )

    def clean_received_at(self) -> datetime.datetime | None:
        value = self.cleaned_data.get("received_at")
        if value and value > timezone.now():
            raise ValidationError(_("The date cannot be in the future."))
        return value


class RightsCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (RightsRequest.Status.DONE, _("Done")),
            (RightsRequest.Status.REFUSED, _("Refused")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What was done, or why the request is refused"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    erase = forms.BooleanField(
        label=_(
            "Erase this person's identity now: name, NIK, address, birth date, phone, "
            "conditions, notes, story, photo and consents. This cannot be undone."
        ),
        required=False,
    )

    def __init__(self, *args, erasing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.erasing = erasing
        if not erasing:
            del self.fields["erase"]

    def clean(self):
        data = super().clean()
        if (
            self.erasing
            and data.get("outcome") == RightsRequest.Status.DONE
            and not data.get("erase")
        ):
            self.add_error("erase", _("Confirm the erasure to close this request as done."))
        return data
