"""Template tags of donations: the sandbox banner and a listing card's progress.

``{% payments_sandbox as sandbox %}`` says whether card payments go to the sandbox gateway
(every page shows it then). ``{% listing_progress_of profile as progress %}`` finds a card's
progress in the page's ``listings_progress`` (computed once for the whole page by
``donations.selectors.progress.public_listings_progress``): a card never queries on its own.
``{% paid_by method gateway %}`` says how a gift was paid ("Card (Stripe)").
"""

from django import template
from django.conf import settings

from ..models import paid_by_label

register = template.Library()


@register.simple_tag
def payments_sandbox() -> bool:
    return bool(settings.PAYMENTS_SANDBOX)


@register.simple_tag(takes_context=True)
def listing_progress_of(context, profile):
    found = context.get("listings_progress") or {}
    return found.get(getattr(profile, "public_id", None))


@register.simple_tag
def paid_by(method: str, gateway: str) -> str:
    """How a gift was paid, in the language being rendered (an e-mail is rendered in the
    donor's, from the codes its context keeps)."""
    return paid_by_label(method or "", gateway or "")
