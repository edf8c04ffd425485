"""A monthly sponsorship ends when the donor cancels it (here) or the gateway ends it
(``customer.subscription.deleted``, which records the end)."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .. import gateways
from ..gateways import GatewayError
from ..models import Sponsorship


def sponsorship_cancel(*, sponsorship: Sponsorship) -> None:
    """Ask the gateway to stop charging. The sponsorship is ended when the gateway confirms
    with its event, so a failed call leaves it active and says so."""
    if sponsorship.status != Sponsorship.Status.ACTIVE or not sponsorship.subscription_id:
        raise ValidationError(_("This sponsorship is not active."))
    try:
        gateways.gateway_named(sponsorship.gateway).subscription_cancel(sponsorship.subscription_id)
    except GatewayError:
        raise ValidationError(
            _("The payment service cannot be reached just now; please try again later.")
        ) from None


def sponsorship_updates_set(*, sponsorship: Sponsorship, on: bool) -> None:
    """The donor's choice of the monthly update e-mail (guests have no account whose
    preferences could hold it)."""
    Sponsorship.objects.filter(pk=sponsorship.pk).update(updates=on)
    sponsorship.updates = on


# A monthly sponsorship follows its person: it goes on while they are listed, reached (their
# meals are what it pays for) or briefly taken down; it stops when they leave the programme.
_SPONSORABLE = ("published", "reached", "suspended")


def sponsorships_of_departed_end() -> int:
    """Stop charging sponsors of people who left the programme (withdrawn, erased at their
    request, served elsewhere). The gateway's ``customer.subscription.deleted`` event ends
    each sponsorship and tells its donor; what is left in the person's pot is moved by a
    recorded transfer decision. Returns how many were asked to stop."""
    departed = (
        Sponsorship.objects.filter(status=Sponsorship.Status.ACTIVE, recipient__isnull=False)
        .exclude(recipient__status__in=_SPONSORABLE)
        .exclude(subscription_id__isnull=True)
    )
    asked = 0
    for sponsorship in departed:
        if sponsorship.subscription_id is None:
            continue  # not reached: the query excludes them
        try:
            gateways.gateway_named(sponsorship.gateway).subscription_cancel(
                sponsorship.subscription_id
            )
        except GatewayError:
            logging.getLogger(__name__).warning(
                "could not stop sponsorship %s; the next reconciliation tries again",
                sponsorship.public_ref,
            )
            continue
        asked += 1
    return asked
