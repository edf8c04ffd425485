"""A monthly sponsorship ends when the donor cancels it (here) or the gateway ends it
(``customer.subscription.deleted``, which records the end)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..gateways import GatewayError, gateway
from ..models import Sponsorship


def sponsorship_cancel(*, sponsorship: Sponsorship) -> None:
    """Ask the gateway to stop charging. The sponsorship is ended when the gateway confirms
    with its event, so a failed call leaves it active and says so."""
    if sponsorship.status != Sponsorship.Status.ACTIVE or not sponsorship.subscription_id:
        raise ValidationError(_("This sponsorship is not active."))
    try:
        gateway().subscription_cancel(sponsorship.subscription_id)
    except GatewayError:
        raise ValidationError(
            _("The payment service cannot be reached just now; please try again later.")
        ) from None
