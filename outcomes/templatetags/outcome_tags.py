from decimal import Decimal

from django import template
from django.utils.translation import gettext_lazy as _

from core import numbers

register = template.Library()

FIGURE_LABELS = {
    "listed": _("People listed"),
    "reached": _("Reached"),
    "funded": _("Funded by sponsors"),
    "served_elsewhere": _("Served elsewhere"),
    "meals_planned": _("Meals planned"),
    "meals_delivered": _("Meals delivered"),
    "not_home": _("Not at home"),
    "refused": _("Refused"),
    "warung_active": _("Warung"),
    "warung_valid": _("Warung with a valid inspection"),
    "visits": _("Student visits"),
    "referrals_verified": _("Referrals verified"),
    "reached_visited": _("Reached people visited"),
    "newly_reached": _("Reached for the first time"),
    "days_to_reach_median": _("Median days from listing to reached"),
}


@register.simple_tag
def figure_label(name: str) -> str:
    return FIGURE_LABELS.get(name, name)  # type: ignore[return-value]


@register.simple_tag
def figure_value(figures, name: str) -> str:
    return numbers.format_count(getattr(figures, name))


@register.simple_tag
def per_person(count: int, people: int) -> str:
    if not people:
        return numbers.NO_FIGURE
    return numbers.format_number(count / people, 1)


def _amount(value: float | Decimal | None, unit: str) -> str:
    """A share as a share is written everywhere (core.numbers: "50,0%", no space to break
    at), or a number of days, both with one decimal."""
    if value is None:
        return numbers.NO_FIGURE
    if unit == "%":
        return numbers.format_percent(value, numbers.SHARE_DIGITS)
    return _("%(days)s days") % {"days": numbers.format_number(value, 1)}


@register.simple_tag
def indicator_value(comparison) -> str:
    return _amount(comparison.value, comparison.unit)


@register.simple_tag
def indicator_target(comparison) -> str:
    return _amount(comparison.target, comparison.unit)


@register.simple_tag
def target_amount(change) -> str:
    return _amount(change.value, change.unit)


@register.simple_tag
def indicator_standing(comparison) -> str:
    """In words, never by colour alone: met, short by how much, or why there is nothing."""
    if comparison.target is None:
        return str(_("no target set"))
    if comparison.value is None:
        return str(_("no figure"))
    if comparison.met:
        return str(_("target met"))
    gap = numbers.format_number(comparison.gap, 1)
    if comparison.unit == "%":
        return _("short by %(points)s points") % {"points": gap}
    return _("%(days)s days too slow") % {"days": gap}
