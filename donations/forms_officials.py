"""The forms of the finance officers' pages. Amounts are whole rupiah (core.forms.RupiahField);
a person is named by public id or registry number, never by identity."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, RupiahField
from meals.models import Warung

from .selectors.officials import Person, person_find
from .services.funds import PAYABLE_STATUSES

MAX_EXPORT_DAYS = 366


class PersonField(forms.CharField):
    """A person by public id or registry number; cleans to a ``Person`` (or None when blank)."""

    default_error_messages = {
        "unknown": _("No person has this public id or registry number."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "help_text", _("The public id (as on the listing's address) or the registry number.")
        )
        super().__init__(**kwargs)

    def clean(self, value) -> Person | None:
        value = super().clean(value)
        if not value:
            return None
        person = person_find(value)
        if person is None:
            raise ValidationError(self.error_messages["unknown"], code="unknown")
        return person


def _not_future(day: datetime.date | None, message) -> None:
    if day and day > timezone.localdate():
        raise ValidationError(message)


class StatementForm(forms.Form):
    statement_date = forms.DateField(label=_("Date on the bank statement"), widget=DateInput)
    statement_line = forms.CharField(
        label=_("Statement line"),
        max_length=200,
        help_text=_("As printed on the statement: sender and description."),
    )

    def clean_statement_date(self):
        day = self.cleaned_data["statement_date"]
        _not_future(day, _("The statement date cannot be in the future."))
        return day


class MatchForm(StatementForm):
    received_amount = RupiahField(label=_("Amount on the statement (Rp)"), min_value=1)

    field_order = ["received_amount", "statement_date", "statement_line"]


class TransferRecordForm(StatementForm):
    amount = RupiahField(label=_("Amount on the statement (Rp)"), min_value=1)
    person = PersonField(
        label=_("For a person (empty: the general fund)"),
        required=False,
    )
    email = forms.EmailField(
        label=_("Donor's e-mail address (optional, for the receipt)"), required=False
    )
    name = forms.CharField(label=_("Donor's name (optional)"), max_length=120, required=False)

    field_order = ["amount", "statement_date", "statement_line", "person", "email", "name"]

    def clean_person(self):
        person = self.cleaned_data["person"]
        if person is not None and person.status not in PAYABLE_STATUSES:
            raise ValidationError(_("Gifts can be earmarked only for people listed or reached."))
        return person


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectTransferForm(ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _("The donor is told this reason by e-mail.")
        self.fields["reason"].error_messages["required"] = _(
            "Say why the transfer is rejected: the donor is told."
        )


class DecisionForm(forms.Form):
    APPROVE, REJECT = "approve", "reject"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (required to reject)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.REJECT and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say why it is rejected."))
        return cleaned

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE


class ReceiptSearchForm(forms.Form):
    receipt = forms.CharField(
        label=_("Receipt number"),
        max_length=24,
        help_text=_("For example RK-2026-000123."),
    )


class RefundForm(forms.Form):
    amount = RupiahField(label=_("Amount to refund (Rp)"), min_value=1)
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class TransferRefundForm(forms.Form):
    """A refund paid by transfer: the donor's account, asked only for this."""

    amount = RupiahField(label=_("Amount to refund (Rp)"), min_value=1)
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    payee_bank = forms.CharField(label=_("Donor's bank"), max_length=80)
    payee_account = forms.CharField(
        label=_("Donor's account number"),
        max_length=40,
        help_text=_("Kept encrypted, and only its last four digits once the refund is paid."),
    )
    payee_name = forms.CharField(label=_("Account holder, as the bank shows it"), max_length=120)


class TransferRefundConfirmForm(forms.Form):
    reference = forms.CharField(label=_("Transfer reference, from the bank"), max_length=120)
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))


class TransferRefundCancelForm(forms.Form):
    reason = forms.CharField(label=_("Why it is cancelled"), max_length=300)


class FundTransferForm(forms.Form):
    source = PersonField(label=_("From a person's pot (empty: the general fund)"), required=False)
    target = PersonField(label=_("To a person's pot (empty: the general fund)"), required=False)
    amount = RupiahField(label=_("Amount (Rp)"), min_value=1)
    reason = forms.CharField(
        label=_("Decision and reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the person is reached; what is left goes to the general fund."),
    )

    def clean(self):
        cleaned = super().clean()
        source, target = cleaned.get("source"), cleaned.get("target")
        both_read = "source" in cleaned and "target" in cleaned
        if both_read and (source.pk if source else None) == (target.pk if target else None):
            raise ValidationError(_("A transfer moves money between two different funds."))
        return cleaned


class CollectionPeriodForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    permit_number = forms.CharField(label=_("Permit number"), max_length=120, required=False)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=DateInput)
    cap_percent = forms.IntegerField(
        label=_("Operating-cost cap (%)"),
        min_value=0,
        max_value=100,
        help_text=_("PP 29/1980 Pasal 6: at most 10% of what is collected."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cap_percent"].initial = settings.OPERATING_COST_CAP_PERCENT

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The period must end on or after the day it starts."))
        return cleaned


class OperatingCostForm(forms.Form):
    description = forms.CharField(label=_("What for"), max_length=200)
    amount = RupiahField(label=_("Amount (Rp)"), min_value=1)
    incurred_on = forms.DateField(label=_("Date"), widget=DateInput)
    proof = forms.FileField(
        label=_("Proof (photo or PDF, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,.pdf"}),
    )


class DisbursementForm(forms.Form):
    warung = forms.ModelChoiceField(
        label=_("Warung"),
        queryset=Warung.objects.filter(contract_status=Warung.Contract.ACTIVE).order_by("name"),
    )
    reference = forms.CharField(label=_("Transfer reference"), max_length=120)
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput)
    proof = forms.FileField(
        label=_("Proof of payment (photo or PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,.pdf"}),
    )
    proof_summary = forms.CharField(
        label=_("Summary of the proof (public)"),
        max_length=200,
        help_text=_("What the proof shows, without personal data: shown on the public page."),
    )

    def clean_paid_on(self):
        day = self.cleaned_data["paid_on"]
        _not_future(day, _("The payment date cannot be in the future."))
        return day


class DisbursementLineForm(forms.Form):
    person = PersonField(label=_("Person"))
    period_start = forms.DateField(label=_("From"), widget=DateInput)
    period_end = forms.DateField(label=_("Until"), widget=DateInput)
    portions = forms.IntegerField(label=_("Portions"), min_value=1)
    amount = RupiahField(label=_("Amount (Rp)"), min_value=1)
    from_general = forms.BooleanField(label=_("Paid from the general fund"), required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("A line's period must end after it starts."))
        return cleaned


DisbursementLineFormSet = forms.formset_factory(
    DisbursementLineForm, extra=3, min_num=1, validate_min=True, max_num=60, validate_max=True
)


class ModerationForm(forms.Form):
    APPROVE, REJECT = "approve", "reject"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Show the message")), (REJECT, _("Do not show it"))],
        widget=forms.RadioSelect,
    )


class ExportForm(forms.Form):
    GIFTS, DISBURSEMENTS, LEDGER = "gifts", "disbursements", "ledger"

    kind = forms.ChoiceField(
        label=_("What"),
        choices=[
            (GIFTS, _("Gifts received")),
            (DISBURSEMENTS, _("Disbursements with their lines")),
            (LEDGER, _("Ledger entries")),
        ],
        widget=forms.RadioSelect,
    )
    start = forms.DateField(label=_("From (WIB)"), widget=DateInput)
    end = forms.DateField(label=_("Until (WIB, inclusive)"), widget=DateInput)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end must be on or after the start."))
            elif (end - start).days >= MAX_EXPORT_DAYS:
                self.add_error(
                    "end", _("Export at most %(days)d days at once.") % {"days": MAX_EXPORT_DAYS}
                )
        return cleaned
