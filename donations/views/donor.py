"""A donor's own gifts and sponsorships: from their account, or through the signed link in a
receipt (guests). A monthly sponsorship is cancelled from here."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..models import Donor, Sponsorship
from ..selectors.progress import donor_gifts, donor_sponsorships
from ..services.receipts import donor_from_token, donor_token
from ..services.sponsorships import sponsorship_cancel, sponsorship_updates_set

_SESSION_KEY = "donations.donor_key"


def _page(request, donor: Donor | None, *, token: str = ""):
    context = {
        "donor": donor,
        "gifts": donor_gifts(donor) if donor else [],
        "sponsorships": donor_sponsorships(donor) if donor else [],
        "token": token,
        "sandbox": settings.PAYMENTS_SANDBOX,
    }
    return render(request, "donations/donor.html", context)


@login_required
def donor_home(request):
    donor = Donor.objects.filter(user=request.user).first()
    return _page(request, donor, token=donor_token(donor) if donor else "")


def donor_link(request, token: str):
    donor = donor_from_token(token)
    if donor is None:
        return render(request, "donations/donor_link_invalid.html", status=404)
    # The receipt PDFs on this page are opened in the same browser session.
    request.session[_SESSION_KEY] = donor.key
    return _page(request, donor, token=token)


def donor_for_request(request) -> Donor | None:
    """The donor this browser has shown to be: signed in, or through their signed link."""
    if request.user.is_authenticated:
        donor = Donor.objects.filter(user=request.user).first()
        if donor is not None:
            return donor
    key = request.session.get(_SESSION_KEY)
    return Donor.objects.filter(key=key).first() if key else None


@require_POST
def sponsorship_cancel_view(request, token: str, ref):
    donor = donor_from_token(token)
    if donor is None:
        raise Http404
    sponsorship = get_object_or_404(Sponsorship, public_ref=ref, donor=donor)
    try:
        sponsorship_cancel(sponsorship=sponsorship)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Your monthly sponsorship is cancelled: no further month will be charged."),
        )
    return redirect("donations:donor_link", token=token)


@require_POST
def sponsorship_updates_view(request, token: str, ref):
    donor = donor_from_token(token)
    if donor is None:
        raise Http404
    sponsorship = get_object_or_404(Sponsorship, public_ref=ref, donor=donor)
    on = request.POST.get("updates") == "on"
    sponsorship_updates_set(sponsorship=sponsorship, on=on)
    messages.success(
        request,
        _("You will get a short update each month.")
        if on
        else _("No more monthly updates for this sponsorship. Receipts still come."),
    )
    return redirect("donations:donor_link", token=token)
