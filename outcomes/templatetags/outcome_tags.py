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
}


@register.simple_tag
def figure_label(name: str) -> str:
    return FIGURE_LABELS.get(name, name)  # type: ignore[return-value]


@register.simple_tag
def figure_value(figures, name: str) -> str:
    return number_format(getattr(figures, name), force_grouping=True)


@register.simple_tag
def per_person(count: int, people: int) -> str:
    if not people:
        return "–"
    return number_format(count / people, decimal_pos=1)
