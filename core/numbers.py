"""Numbers as people read them, one way per language (docs/architecture.md, "Numbers").

- **Counts** group thousands: Indonesian ``1.234``, English ``1,234``.
- **Decimals** (hours, visits per person): Indonesian ``2,5``, English ``2.5``, thousands
  grouped as counts are.
- **Percentages**: the decimal mark of the language and no space before the sign, Indonesian
  ``3,9%`` (PUEBI writes the sign against the number), English ``3.9%``. A share worked out by
  division carries one decimal (``50,0%``: a column of shares lines up and a small share never
  shows as ``0%``); a whole number, a progress rounded to whole per cent or a rule set in whole
  per cent (the cost cap), is written whole (``45%``, ``10%``).
- **Rupiah** are not here: ``core.money`` writes them with a dot between thousands in both
  languages (``Rp1.250.000``, docs/domain.md), the way every receipt and banner in Banyuwangi
  does. English writes counts with a comma because English decimals take the dot: ``1.234``
  would read there as one point two three four; an amount in rupiah has its ``Rp`` and no
  decimals, so it cannot be misread.

Missing figures are written as an en dash (``NO_FIGURE``). Rounding is half up on the decimal value
written (2,25 → 2,3), never on the float's binary approximation.

Not for machines: SVG geometry, a ``<progress>`` value, data attributes, CSV files and the
open-data API keep plain numbers (a dot for decimals, no grouping) through ``|unlocalize`` or
``str()``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import translation

NO_FIGURE = "–"
# (decimal mark, thousands separator) per language; a language not listed is written the
# Indonesian way, the portal's default.
SEPARATORS = {"id": (",", "."), "en": (".", ",")}
SHARE_DIGITS = 1

Number = int | float | Decimal


def separators(language: str | None = None) -> tuple[str, str]:
    code = (language or translation.get_language() or "id").split("-")[0].lower()
    return SEPARATORS.get(code, SEPARATORS["id"])


def _decimal(value: Number) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def format_number(
    value: Number | None, digits: int = 0, *, trim: bool = False, language: str | None = None
) -> str:
    """``value`` with ``digits`` decimals (``trim``: none when they are all zero), thousands
    grouped, in the active language (or ``language``)."""
    number = None if value is None else _decimal(value)
    if number is None:
        return NO_FIGURE
    digits = max(digits, 0)
    rounded = number.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    if trim and rounded == rounded.to_integral_value():
        digits = 0
        rounded = rounded.quantize(Decimal(1))
    sign = "-" if rounded < 0 else ""  # never "-0,0"
    whole, _dot, fraction = f"{abs(rounded):f}".partition(".")
    decimal_mark, thousands = separators(language)
    groups: list[str] = []
    while len(whole) > 3:
        whole, group = whole[:-3], whole[-3:]
        groups.insert(0, group)
    text = thousands.join([whole, *groups])
    if digits:
        text += decimal_mark + fraction[:digits].ljust(digits, "0")
    return sign + text


def format_count(value: int | None, *, language: str | None = None) -> str:
    """1234 → ``1.234`` (Indonesian), ``1,234`` (English)."""
    return format_number(value, 0, language=language)


def format_decimal(
    value: Number | None, digits: int = 1, *, trim: bool = True, language: str | None = None
) -> str:
    """2.5 → ``2,5`` / ``2.5``; with ``trim`` (the default) 3.0 → ``3``."""
    return format_number(value, digits, trim=trim, language=language)


def format_percent(
    value: Number | None, digits: int | None = None, *, language: str | None = None
) -> str:
    """3.94 → ``3,9%`` / ``3.9%``; an int is whole (10 → ``10%``) unless ``digits`` says."""
    if value is None or isinstance(value, bool):
        return NO_FIGURE
    if digits is None:
        digits = 0 if isinstance(value, int) else SHARE_DIGITS
    text = format_number(value, digits, language=language)
    return text if text == NO_FIGURE else f"{text}%"


def format_hours(minutes: int, *, language: str | None = None) -> str:
    """Minutes as hours with at most one decimal: 90 → ``1,5`` / ``1.5``, 120 → ``2``."""
    return format_decimal(Decimal(minutes) / 60, 1, language=language)
