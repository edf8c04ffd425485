"""A donor's own gifts and sponsorships: from their account, or through the signed link in a
receipt (guests). A monthly sponsorship is cancelled from here."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.time import today_wib

from ..models import Donor, Sponsorship
from ..selectors.donors import donors_of_user, sponsorships_news
from ..selectors.progress import donor_gifts, donor_sponsorships
from ..services.receipts import donor_from_token, donor_token
from ..services.sponsorships import sponsorship_cancel, sponsorship_updates_set

_SESSION_KEY = "donations.donor_key"


def _page(request: HttpRequest, donors: list[Donor]) -> HttpResponse:
    sponsorships = donor_sponsorships(donors)
    # What a reached person's sponsor is told of this month so far: the same few queries
    # however many sponsorships the page lists.
    news = sponsorships_news(sponsorships, day=today_wib())
    # A sponsorship is stopped through its own donor record's link: one person may have
    # several (an account, and guest gifts made with each of their addresses).
    for sponsorship in sponsorships:
        sponsorship.token = donor_token(sponsorship.donor)  # type: ignore[attr-defined]
        sponsorship.news = news.get(sponsorship.pk)  # type: ignore[attr-defined]
    context = {
        "donor": donors[0] if donors else None,
        "gifts": donor_gifts(donors),
        "sponsorships": sponsorships,
        "sandbox": settings.PAYMENTS_SANDBOX,
    }
    return render(request, "donations/donor.html", context)


@login_required
def donor_home(request: HttpRequest) -> HttpResponse:
    """Every gift made from the account or with one of its verified addresses, guest gifts
    from before the account included."""
    return _page(request, list(donors_of_user(request.user)))  # type: ignore[arg-type]


def donor_link(request, token: str):
    donor = donor_from_token(token)
    if donor is None:
        return render(request, "donations/donor_link_invalid.html", status=404)
    # The receipt PDFs on this page are opened in the same browser session.
    request.session[_SESSION_KEY] = donor.key
    return _page(request, [donor])


def donors_for_request(request: HttpRequest) -> list[Donor]:
    """The donor records this browser has shown to be its own: the signed-in person's (their
    account and verified addresses), and the one whose signed link it opened."""
    donors = list(donors_of_user(request.user)) if request.user.is_authenticated else []
    key = request.session.get(_SESSION_KEY)
    if key and all(donor.key != key for donor in donors):
        donors.extend(Donor.objects.filter(key=key, erased_at__isnull=True))
    return donors


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
