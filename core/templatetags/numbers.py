"""``{% load numbers %}``: the filters of ``core.numbers`` for templates, the only way a
template writes a number people read (a test over the templates refuses ``floatformat`` and a
space before ``%``).

- ``{{ n|count }}``: 1.234 / 1,234.
- ``{{ hours|decimal }}``: at most one decimal, none when whole (2,5 / 3); ``|decimal:1``
  always one (1,0); ``|decimal:"-2"`` at most two.
- ``{{ share|percent }}``: one decimal for a share, whole for an int (3,9% / 10%);
  ``|percent:0`` whole.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from core import numbers

register = template.Library()


def _number(value: Any) -> int | float | Decimal | None:
    """What a template hands over: a number, or a string of one (a view's context may hold
    either); anything else is no figure."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = value if isinstance(value, float | Decimal) else Decimal(str(value).strip())
    except ArithmeticError:
        return None
    return number if Decimal(number).is_finite() else None


def _digits(arg: Any, default: int) -> int:
    try:
        return int(arg)
    except (TypeError, ValueError):
        return default


@register.filter(is_safe=True)
def count(value: Any) -> str:
    number = _number(value)
    if isinstance(number, float | Decimal) and number != int(number):
        return numbers.format_decimal(number)
    return numbers.format_count(None if number is None else int(number))


@register.filter(is_safe=True)
def decimal(value: Any, arg: Any = -1) -> str:
    digits = _digits(arg, -1)
    return numbers.format_decimal(_number(value), abs(digits), trim=digits < 0)


@register.filter(is_safe=True)
def percent(value: Any, arg: Any = None) -> str:
    number = _number(value)
    digits = None if arg is None else _digits(arg, numbers.SHARE_DIGITS)
    return numbers.format_percent(number, digits)
