"""The giving form and the forms of the money pages."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import RupiahField
from core.money import format_rupiah

from .models import Gift
from .services.giving import amount_check, method_limits


class GiveForm(forms.Form):
    ONCE, MONTHLY = "once", "monthly"
    CARD, BANK = "card", "bank"
    # The form's choice → the payment method (Gift.Method) whose limits apply.
    METHODS = {CARD: Gift.Method.CARD, BANK: Gift.Method.BANK_TRANSFER}

    amount = RupiahField(
        label=_("Amount (Rp)"),
        min_value=None,
    )
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=[(ONCE, _("Once")), (MONTHLY, _("Every month (card)"))],
        initial=ONCE,
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(
        label=_("Pay by"),
        choices=[(CARD, _("Card")), (BANK, _("Bank transfer (once only)"))],
        initial=CARD,
        widget=forms.RadioSelect,
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("For your receipt and a link to your gifts. Never shown publicly."),
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=120, required=False)
    show_name = forms.BooleanField(
        label=_("Show my name on the public pages (otherwise: “a kind person”)"),
        required=False,
    )
    message = forms.CharField(
        label=_("A short message (optional, shown after a check)"),
        max_length=280,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    attempt = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.is_bound:
            self.initial.setdefault("attempt", uuid.uuid4())
        if user is not None and user.is_authenticated:
            # A signed-in donor's receipts go to their account's address.
            del self.fields["email"]
        self.fields["amount"].help_text = _(
            "Whole rupiah, for example 50.000. The smallest gift is Rp%(min)s."
        ) % {"min": format_rupiah(self.minimum)}
        # A method whose range is narrower than every gift's says so before the donor types.
        overall = (settings.DONATION_MIN_RUPIAH, settings.DONATION_MAX_RUPIAH)
        ranges = []
        for method in self.METHODS.values():
            low, high = method_limits(method)
            if (low, high) != overall:
                ranges.append(
                    _("%(method)s: Rp%(min)s to Rp%(max)s.")
                    % {
                        "method": method.label,
                        "min": format_rupiah(low),
                        "max": format_rupiah(high),
                    }
                )
        if ranges:
            self.fields["method"].help_text = " ".join(ranges)

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount is None:
            raise ValidationError(_("Write the amount in digits, for example 50.000."))
        amount_check(amount)
        return amount

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("frequency") == self.MONTHLY and cleaned.get("method") == self.BANK:
            self.add_error(
                "method", _("Monthly gifts are by card. Choose card, or give once by transfer.")
            )
        elif cleaned.get("amount") is not None and cleaned.get("method") in self.METHODS:
            try:
                amount_check(cleaned["amount"], method=self.METHODS[cleaned["method"]])
            except ValidationError as error:
                self.add_error("amount", error)
        if cleaned.get("show_name") and not cleaned.get("name", "").strip():
            self.add_error("name", _("Write the name to show, or leave the box unticked."))
        return cleaned

    @property
    def minimum(self) -> int:
        """The smallest gift of any method the form offers."""
        return min(method_limits(method)[0] for method in self.METHODS.values())
