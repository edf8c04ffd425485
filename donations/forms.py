"""The giving form and the forms of the money pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundWidget
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.forms import RupiahField
from core.money import format_rupiah, parse_rupiah

from .models import Gift
from .services.giving import amount_check, method_limits


@dataclass(frozen=True)
class Preset:
    """An amount the giving form offers with one tap, named by the meals it buys."""

    key: str  # what the form posts: the server looks the amount up again
    amount: int
    label: str | Promise


def meal_presets() -> list[Preset]:
    """A day, a week and a month of meals for one person, from the portion cost (the same
    figures as a listing's monthly need: PORTION_COST_RUPIAH x MEALS_PER_DAY a day). An amount
    outside what any gift may be is not offered."""
    day = settings.PORTION_COST_RUPIAH * settings.MEALS_PER_DAY
    presets = [
        Preset("day", day, _("1 day of meals")),
        Preset("week", day * 7, _("1 week of meals")),
        Preset("month", day * settings.DAYS_PER_MONTH, _("1 month of meals")),
    ]
    low, high = settings.DONATION_MIN_RUPIAH, settings.DONATION_MAX_RUPIAH
    return [preset for preset in presets if low <= preset.amount <= high]


class GiveForm(forms.Form):
    ONCE, MONTHLY = "once", "monthly"
    CARD, BANK = "card", "bank"
    OTHER = "other"
    # The form's choice → the payment method (Gift.Method) whose limits apply.
    METHODS = {CARD: Gift.Method.CARD, BANK: Gift.Method.BANK_TRANSFER}

    # A tapped amount (a key of meal_presets(), or "other" for the amount typed below it).
    # Without a choice the typed amount counts, as it always did.
    preset = forms.ChoiceField(label=_("How much"), required=False, widget=forms.RadioSelect)
    amount = RupiahField(
        label=_("Another amount (Rp)"),
        min_value=None,
        required=False,
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
        help_text=_("For your receipt. Never shown publicly."),
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
        self.presets = meal_presets()
        self.fields["preset"].choices = [(p.key, p.label) for p in self.presets] + [
            (self.OTHER, _("Another amount"))
        ]
        if not self.is_bound:
            self.initial.setdefault("attempt", uuid.uuid4())
        if user is not None and user.is_authenticated:
            # A signed-in donor's receipts go to their account's address.
            del self.fields["email"]
        # Shown while the box is empty; the stylesheet folds the box away once a preset is
        # tapped and the box is still empty.
        self.fields["amount"].widget.attrs["placeholder"] = "50.000"
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

    def _preset_amount(self, key: str | None) -> int | None:
        return next((p.amount for p in self.presets if p.key == key), None)

    def _clean_chosen_amount(self, cleaned: dict) -> None:
        """The amount is the tapped preset's, looked up here, or the one typed. A preset and
        a different typed amount together (a browser without the page's script keeps both)
        is refused rather than guessed."""
        if "amount" in self.errors or "preset" in self.errors:
            cleaned.pop("amount", None)
            return
        typed = cleaned.get("amount")
        chosen = self._preset_amount(cleaned.get("preset"))
        if chosen is not None:
            if typed is not None and typed != chosen:
                self.add_error(
                    "amount",
                    _(
                        "You chose Rp%(chosen)s and also wrote Rp%(typed)s. To give "
                        "Rp%(typed)s, choose “Another amount”; otherwise clear the box."
                    )
                    % {"chosen": format_rupiah(chosen), "typed": format_rupiah(typed)},
                )
                return
            typed = chosen
        elif typed is None:
            self.add_error(
                "amount",
                _("An amount is required: choose one above, or write another amount."),
            )
            return
        try:
            amount_check(typed)
        except ValidationError as error:
            self.add_error("amount", error)
            return
        cleaned["amount"] = typed

    def clean(self):
        cleaned = super().clean()
        self._clean_chosen_amount(cleaned)
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
    def preset_tiles(self) -> list[tuple[BoundWidget, Preset | None]]:
        """Each choice of amount with its preset (None for "another amount"), for the tiles."""
        by_key = {p.key: p for p in self.presets}
        return [(choice, by_key.get(choice.data["value"])) for choice in self["preset"]]

    @property
    def chosen_amount(self) -> int | None:
        """The amount the submit button names when the page is drawn: the one chosen or
        typed in a submission shown again (the page's script names it as the donor taps)."""
        if not self.is_bound:
            return None
        chosen = self._preset_amount(self.data.get("preset"))
        if chosen is not None:
            return chosen
        try:
            return parse_rupiah(self.data.get("amount", "")) or None
        except ValidationError:
            return None

    @property
    def minimum(self) -> int:
        """The smallest gift of any method the form offers."""
        return min(method_limits(method)[0] for method in self.METHODS.values())
