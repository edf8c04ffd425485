"""``{{ amount|rupiah }}``: whole rupiah as people write them, ``Rp720.000``."""

from django import template

register = template.Library()


@register.filter
def rupiah(value) -> str:
    # A dot separates thousands in both languages (docs/domain.md): it is how the amount is
    # written on every receipt and banner in Banyuwangi, and Rp has no minor unit in use.
    if value is None or value == "" or isinstance(value, bool):
        return ""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")
