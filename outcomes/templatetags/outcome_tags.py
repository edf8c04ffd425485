from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

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
    value = getattr(figures, name)
    if value is None:
        return "–"
    return number_format(value, force_grouping=True)


@register.simple_tag
def per_person(count: int, people: int) -> str:
    if not people:
        return "–"
    return number_format(count / people, decimal_pos=1)


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    number = number_format(value, decimal_pos=1)
    # A no-break space: "50,0 %" never breaks between the number and its sign on a phone.
    return f"{number}\u00a0%" if unit == "%" else _("%(days)s days") % {"days": number}


@register.simple_tag
def indicator_value(comparison) -> str:
    return _amount(comparison.value, comparison.unit)


@register.simple_tag
def indicator_target(comparison) -> str:
    return _amount(comparison.target, comparison.unit)


@register.simple_tag
def indicator_standing(comparison) -> str:
    """In words, never by colour alone: met, short by how much, or why there is nothing."""
    if comparison.target is None:
        return str(_("no target set"))
    if comparison.value is None:
        return str(_("no figure"))
    if comparison.met:
        return str(_("target met"))
    gap = number_format(comparison.gap, decimal_pos=1)
    if comparison.unit == "%":
        return _("short by %(points)s points") % {"points": gap}
    return _("%(days)s days too slow") % {"days": gap}
