"""``{% if user|may:"donations.work_on_finance" %}``: a template asks an app's predicate.

The name is ``<app>.<what>`` and stands for ``may_<what>(user)`` in ``<app>/permissions.py``,
so a page shows a link or a button by the same rule the view and the service apply, never by
a copy of the roles written into the template.
"""

from importlib import import_module

from django import template

register = template.Library()


@register.filter
def may(user, predicate: str) -> bool:
    app, _, what = predicate.partition(".")
    return bool(getattr(import_module(f"{app}.permissions"), f"may_{what}")(user))
