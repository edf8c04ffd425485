import datetime

from django import template

register = template.Library()


@register.filter
def isodate(value):
    """An ISO date from a notification's context ("2026-12-05"), as a date for ``|date``."""
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return value
