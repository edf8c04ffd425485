"""Giving: the form (to a listing or to the fund), the checkout redirect, the thank-you page,
and the bank-transfer instructions."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.forms import add_refusal, posted
from core.throttle import address_limited, address_spend
from portal.models import Recipient
from portal.selectors.public import monthly_meal_cost, public_profile_get, public_recipient_id
from portal.services.lifecycle import PUBLIC_STATUSES

from ..forms import GiveForm
from ..forms_bank import ProofForm
from ..gateways import GatewayError
from ..models import Gift, Sponsorship
from ..selectors.progress import listing_progress
from ..services.bank import proof_attach
from ..services.giving import GiftIntent, checkout_open, giving_start

logger = logging.getLogger(__name__)


def _give(request, *, profile=None, recipient_id=None):
    form = GiveForm(posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        description = (
            _("Rantang Kasih: meals for %(pseudonym)s") % {"pseudonym": profile.pseudonym}
            if profile
            else _("Rantang Kasih fund")
        )
        intent = GiftIntent(
            amount=data["amount"],
            monthly=data["frequency"] == GiveForm.MONTHLY,
            bank_transfer=data["method"] == GiveForm.BANK,
            method=GiveForm.METHODS[data["method"]],
            recipient_id=recipient_id,
            description=description,
            email=data.get("email") or request.user.email,
            name=data["name"],
            show_name=data["show_name"],
            message=data["message"],
            language=translation.get_language() or settings.LANGUAGE_CODE,
            attempt=data["attempt"],
        )
        user = request.user if request.user.is_authenticated else None
        try:
            record = giving_start(intent=intent, user=user)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            if isinstance(record, Gift) and record.gateway == Gift.Gateway.BANK:
                return redirect("donations:transfer", ref=record.public_ref)
            thanks = request.build_absolute_uri(
                reverse("donations:thanks", args=[record.public_ref])
            )
            back = request.build_absolute_uri(request.path)
            try:
                url = checkout_open(
                    record=record, description=description, success_url=thanks, cancel_url=back
                )
            except GatewayError:
                logger.warning("checkout could not be opened for %s", record.public_ref)
                form.add_error(None, _checkout_unreachable(record))
            else:
                return redirect(url)
    context = {
        "form": form,
        "profile": profile,
        "progress": listing_progress(recipient_id) if recipient_id else None,
        "monthly_cost": monthly_meal_cost(),
        "minimum": form.minimum,
        "portion_cost": settings.PORTION_COST_RUPIAH,
        "meals_per_day": settings.MEALS_PER_DAY,
        "sandbox": settings.PAYMENTS_SANDBOX,
    }
    return render(request, "donations/give.html", context)


def _checkout_unreachable(record: Gift | Sponsorship) -> str:
    if isinstance(record, Gift) and record.payment_method and record.payment_method != "card":
        return _(
            "The payment service cannot be reached just now. Nothing was charged: please try "
            "again in a few minutes, or choose another way to pay."
        )
    return _(
        "The card payment service cannot be reached just now. Nothing was "
        "charged: please try again in a few minutes, or give by bank transfer."
    )


# Hosted Checkout: Chrome applies form-action to the redirect that follows the form's POST
# (docs/architecture.md, "Facts about the tools"), so the giving pages, and only they, may send
# the donor to Stripe's Checkout, and to Midtrans's Snap page (of its production or its
# sandbox API, as the key is) where Midtrans is enabled.
_checkout_hosts = ["https://checkout.stripe.com"]
if settings.MIDTRANS_ENABLED:
    _checkout_hosts.append(
        "https://app.midtrans.com"
        if settings.MIDTRANS_PRODUCTION
        else "https://app.sandbox.midtrans.com"
    )
_checkout_redirect = csp_update({"form-action": _checkout_hosts})


@require_http_methods(["GET", "HEAD", "POST"])
@_checkout_redirect
def give_fund(request):
    return _give(request)


@require_http_methods(["GET", "HEAD", "POST"])
@_checkout_redirect  # type: ignore[arg-type]
def give_listing(request, public_id: str):
    profile = public_profile_get(public_id)
    return _give(request, profile=profile, recipient_id=public_recipient_id(public_id))


def thanks(request, ref):
    """Where the checkout sends the donor back. It records nothing: money is recorded from
    the gateway's signed event. It says the one thing that is true of the payment now, and
    invites the donor to share the page they gave through."""
    record = Gift.objects.filter(public_ref=ref).first()
    if record is None:
        record = get_object_or_404(Sponsorship, public_ref=ref)
    elif record.gateway == Gift.Gateway.BANK:
        # A transfer's state and what to do next are on its instructions page.
        return redirect("donations:transfer", ref=record.public_ref)
    listing = _public_listing(record.recipient_id)
    monthly = isinstance(record, Sponsorship)
    # A sponsorship's receipt is its first month's.
    receipt_number = (
        Gift.objects.filter(sponsorship=record, status=Gift.Status.PAID)
        .order_by("paid_at", "pk")
        .values_list("receipt_number", flat=True)
        .first()
        if monthly
        else record.receipt_number
    )
    return render(
        request,
        "donations/thanks.html",
        {
            "record": record,
            "monthly": monthly,
            "state": _thanks_state(record),
            "receipt_number": receipt_number or "",
            "listing": listing,
            "share": _share_links(listing),
            "sandbox": record.gateway == Gift.Gateway.SANDBOX,
            "sandbox_midtrans": record.gateway == Gift.Gateway.MIDTRANS_SANDBOX,
            # A virtual account is paid later, from a bank app or an ATM: until then the gift
            # waits for the donor, not for the payment service.
            "awaiting_transfer": isinstance(record, Gift)
            and record.status == Gift.Status.PENDING
            and record.payment_method.startswith("va_"),
        },
    )


def _public_listing(recipient_id: int | None) -> Mapping[str, Any] | None:
    """The listing's address and pseudonym only, and only while it is published."""
    if recipient_id is None:
        return None
    return (
        Recipient.objects.filter(pk=recipient_id, status__in=PUBLIC_STATUSES)
        .values("public_id", "pseudonym")
        .first()
    )


def _thanks_state(record: Gift | Sponsorship) -> str:
    """One word for what the thank-you page may say of the payment now."""
    states: dict[str, str]
    if isinstance(record, Sponsorship):
        states = {
            Sponsorship.Status.ACTIVE: "received",
            Sponsorship.Status.ENDED: "ended",
            Sponsorship.Status.ABANDONED: "expired",
        }
    else:
        states = {
            Gift.Status.PAID: "received",
            Gift.Status.FAILED: "failed",
            Gift.Status.EXPIRED: "expired",
            Gift.Status.FLAGGED: "held",
        }
    return states.get(record.status, "waiting")


def _share_links(listing: Mapping[str, Any] | None) -> dict[str, str]:
    """What the donor may pass on: the listing's public page (the fund's giving page when the
    gift was for the fund or the person is no longer listed), as plain links with no
    tracking parameters."""
    if listing:
        path = reverse("portal:listing_detail", args=[listing["public_id"]])
        text = _("Help give daily meals to %(pseudonym)s, an elderly person in Banyuwangi:") % {
            "pseudonym": listing["pseudonym"]
        }
    else:
        path = reverse("donations:give_fund")
        text = _("Help give daily meals to elderly people in Banyuwangi:")
    url = settings.PORTAL_BASE_URL + path
    return {"url": url, "whatsapp": "https://wa.me/?" + urlencode({"text": f"{text} {url}"})}


@require_http_methods(["GET", "HEAD", "POST"])
def transfer(request, ref):
    """Bank-transfer instructions with the gift's unique reference, and the proof upload."""
    gift = get_object_or_404(Gift, public_ref=ref, gateway=Gift.Gateway.BANK)
    form = ProofForm(posted(request), posted(request, files=True))
    if request.method == "POST":
        if gift.status not in (Gift.Status.AWAITING_TRANSFER, Gift.Status.PROOF_SUBMITTED):
            raise Http404
        if address_limited(request, scope="proofs", limit=settings.DONATION_PROOFS_PER_IP_PER_HOUR):
            form.add_error(
                None, _("Too many uploads from this connection. Please try again in an hour.")
            )
            return render(
                request, "donations/transfer.html", _transfer_context(gift, form), status=429
            )
        if form.is_valid():
            # Spent before the proof is cleaned: the cleaning is the cost being limited.
            address_spend(request, scope="proofs")
            try:
                proof_attach(gift=gift, upload=form.cleaned_data["proof"])
            except ValidationError as error:
                form.add_error("proof", error)
            else:
                messages.success(
                    request,
                    _("Thank you: your proof was received. A finance officer will check it."),
                )
                return redirect("donations:transfer", ref=gift.public_ref)
    return render(request, "donations/transfer.html", _transfer_context(gift, form))


def _transfer_context(gift: Gift, form) -> dict:
    listing = _public_listing(gift.recipient_id)
    return {
        "gift": gift,
        "listing": listing,
        "share": _share_links(listing),
        "form": form,
        "bank": settings.BANK_TRANSFER_BANK,
        "account_number": settings.BANK_TRANSFER_ACCOUNT_NUMBER,
        "account_name": settings.BANK_TRANSFER_ACCOUNT_NAME,
        "max_mb": settings.DONATION_PROOF_MAX_BYTES // (1024 * 1024),
    }
