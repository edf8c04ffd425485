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
from .services.giving import amount_check, method_in_a_sentence, method_limits


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


@dataclass(frozen=True)
class MethodGroup:
    """Ways to pay as people know them: one name for a kind of payment (an e-wallet, a virtual
    account) and the choices in it; a group of one is a choice on its own (QRIS, card)."""

    key: str
    legend: str | Promise | None  # None: a choice on its own, named by its label
    values: tuple[str, ...]  # the form's values
    note: str | Promise = ""


class GiveForm(forms.Form):
    ONCE, MONTHLY = "once", "monthly"
    CARD, BANK = "card", "bank"
    QRIS = Gift.Method.QRIS.value
    OTHER = "other"
    # The form's choice → the payment method (Gift.Method) it is. A transfer posts "bank", as
    # it always did; every other choice posts its method's own value.
    METHODS = {
        QRIS: Gift.Method.QRIS,
        Gift.Method.GOPAY.value: Gift.Method.GOPAY,
        Gift.Method.SHOPEEPAY.value: Gift.Method.SHOPEEPAY,
        Gift.Method.VA_BCA.value: Gift.Method.VA_BCA,
        Gift.Method.VA_BNI.value: Gift.Method.VA_BNI,
        Gift.Method.VA_BRI.value: Gift.Method.VA_BRI,
        Gift.Method.VA_MANDIRI.value: Gift.Method.VA_MANDIRI,
        Gift.Method.VA_PERMATA.value: Gift.Method.VA_PERMATA,
        CARD: Gift.Method.CARD,
        BANK: Gift.Method.BANK_TRANSFER,
    }
    # Monthly gifts renew on a card: every other method is for a gift once.
    MONTHLY_METHODS = frozenset({CARD})
    # OVO and DANA are taken by neither gateway; QRIS is paid from any wallet or bank app.
    GROUPS = (
        MethodGroup("qris", None, (QRIS,)),
        MethodGroup(
            "ewallet",
            _("E-wallet"),
            (Gift.Method.GOPAY.value, Gift.Method.SHOPEEPAY.value),
            _(
                "Another e-wallet (OVO, DANA, LinkAja…)? Choose QRIS: any e-wallet or bank "
                "app pays it."
            ),
        ),
        MethodGroup(
            "va",
            _("Virtual account"),
            (
                Gift.Method.VA_BCA.value,
                Gift.Method.VA_BNI.value,
                Gift.Method.VA_BRI.value,
                Gift.Method.VA_MANDIRI.value,
                Gift.Method.VA_PERMATA.value,
            ),
            _("A number of your own to pay from your bank's app or an ATM; it confirms itself."),
        ),
        MethodGroup("card", None, (CARD,)),
        MethodGroup("bank", None, (BANK,)),
    )

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
    # QRIS first and chosen: the way most people in Indonesia pay.
    method = forms.ChoiceField(
        label=_("Pay by"),
        choices=[
            (QRIS, _("QRIS")),
            (Gift.Method.GOPAY.value, "GoPay"),
            (Gift.Method.SHOPEEPAY.value, "ShopeePay"),
            # Inside the group "Virtual account": the bank's name is enough.
            (Gift.Method.VA_BCA.value, "BCA"),
            (Gift.Method.VA_BNI.value, "BNI"),
            (Gift.Method.VA_BRI.value, "BRI"),
            (Gift.Method.VA_MANDIRI.value, _("Mandiri Bill")),
            (Gift.Method.VA_PERMATA.value, "Permata"),
            (CARD, _("Card")),
            (BANK, _("Bank transfer, with proof")),
        ],
        initial=QRIS,
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
        # A method whose range is narrower than every gift's says so on its tile, before the
        # donor types.
        self.method_hints: dict[str, str] = {}
        overall_low, overall_high = settings.DONATION_MIN_RUPIAH, settings.DONATION_MAX_RUPIAH
        for value, method in self.METHODS.items():
            low, high = method_limits(method)
            if low != overall_low:
                self.method_hints[value] = _("Rp%(min)s to Rp%(max)s") % {
                    "min": format_rupiah(low),
                    "max": format_rupiah(high),
                }
            elif high != overall_high:
                self.method_hints[value] = _("up to Rp%(max)s") % {"max": format_rupiah(high)}

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
        if (
            cleaned.get("frequency") == self.MONTHLY
            and cleaned.get("method")
            and cleaned["method"] not in self.MONTHLY_METHODS
        ):
            self.add_error(
                "method",
                _("Monthly gifts are by card. Choose card, or give once by %(method)s.")
                % {"method": method_in_a_sentence(self.METHODS[cleaned["method"]])},
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
    def method_groups(self) -> list[dict]:
        """The ways to pay, grouped, each choice with its radio and whether it takes monthly
        gifts; the first group (QRIS) is shown at once, the others behind "Other ways"."""
        by_value = {choice.data["value"]: choice for choice in self["method"]}
        return [
            {
                "group": group,
                "choices": [
                    {
                        "radio": by_value[value],
                        "monthly": value in self.MONTHLY_METHODS,
                        "hint": self.method_hints.get(value, ""),
                    }
                    for value in group.values
                ],
            }
            for group in self.GROUPS
        ]

    @property
    def other_method_chosen(self) -> bool:
        """A choice behind "Other ways" is the one shown: the fold is drawn open."""
        value = self["method"].value()
        return bool(value) and value not in self.GROUPS[0].values

    @property
    def minimum(self) -> int:
        """The smallest gift of any method the form offers."""
        return min(method_limits(method)[0] for method in self.METHODS.values())
