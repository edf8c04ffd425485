"""``{{ amount|rupiah }}``: whole rupiah as people write them, ``Rp720.000`` (core.money)."""

from django import template

from core import money

register = template.Library()


@register.filter
def rupiah(value) -> str:
    # A template may hand over nothing, a string or a boolean: those show as nothing.
    if value is None or value == "" or isinstance(value, bool):
        return ""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return ""
    return money.rupiah(amount)
