"""The sandbox checkout page (dev and test only; 404 when the sandbox is off)."""

import secrets

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from ..gateways.sandbox import event_post, invoice_object, session_object
from ..models import SandboxSession, Sponsorship

OUTCOMES = ("pay", "delayed_success", "delayed_failure", "cancel")


def _page(request, session: SandboxSession, *, status: int = 200):
    context = {"session": session, "amount": session.amount_sen // 100}
    return render(request, "donations/sandbox_checkout.html", context, status=status)


def _sandbox_only() -> None:
    if not settings.PAYMENTS_SANDBOX:
        raise Http404


@require_http_methods(["GET", "POST"])
def checkout(request, session_id: str):
    _sandbox_only()
    session = get_object_or_404(SandboxSession, session_id=session_id)
    if request.method == "GET" or session.status != "open":
        return _page(request, session)
    outcome = request.POST.get("outcome")
    if outcome not in OUTCOMES:
        return _page(request, session, status=400)
    if outcome == "cancel":
        return redirect(session.cancel_url)
    with transaction.atomic():
        session = SandboxSession.objects.select_for_update().get(pk=session.pk)
        if session.status != "open":
            return redirect(session.success_url)
        session.status = "complete"
        if session.mode == "subscription":
            session.subscription_id = f"sub_sandbox_{secrets.token_hex(8)}"
        else:
            session.payment_intent_id = f"pi_sandbox_{secrets.token_hex(8)}"
        session.save(update_fields=["status", "subscription_id", "payment_intent_id"])
    if session.mode == "subscription":
        event_post("checkout.session.completed", session_object(session, payment_status="paid"))
        event_post("invoice.paid", invoice_object(session))
    elif outcome == "pay":
        event_post("checkout.session.completed", session_object(session, payment_status="paid"))
    else:
        event_post("checkout.session.completed", session_object(session, payment_status="unpaid"))
        succeeded = outcome == "delayed_success"
        event_post(
            "checkout.session.async_payment_succeeded"
            if succeeded
            else "checkout.session.async_payment_failed",
            session_object(session, payment_status="paid" if succeeded else "unpaid"),
        )
    return redirect(session.success_url)


@require_POST
def next_month(request, ref):
    """Bill the next month of a sandbox sponsorship, as Stripe would on its date."""
    _sandbox_only()
    sponsorship = get_object_or_404(
        Sponsorship, public_ref=ref, status=Sponsorship.Status.ACTIVE, gateway="sandbox"
    )
    session = get_object_or_404(SandboxSession, subscription_id=sponsorship.subscription_id)
    event_post("invoice.paid", invoice_object(session))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("donations:thanks", args=[sponsorship.public_ref])
    return redirect(target)
