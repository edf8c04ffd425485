"""The attention queue's words in templates: a kind's label in the reader's language (a
message's stored context keeps the kind's value, rendered when it is sent)."""

from django import template

from attention.models import Kind

register = template.Library()


@register.filter
def kind_label(value: str) -> str:
    try:
        return str(Kind(value).label)
    except ValueError:
        return value
