"""The sandbox checkout page (dev and test only; 404 when the sandbox is off)."""

import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..gateways.sandbox import event_post, invoice_object, session_object
from ..models import SandboxSession, Sponsorship

logger = logging.getLogger(__name__)

OUTCOMES = ("pay", "delayed_success", "delayed_failure", "cancel")


def _page(request, session: SandboxSession, *, status: int = 200, **extra):
    context = {"session": session, "amount": session.amount_sen // 100, **extra}
    return render(request, "donations/sandbox_checkout.html", context, status=status)


def _refused(status: int) -> str:
    return _(
        "The portal refused the payment service's message (status %(status)s), so nothing "
        "was recorded. You can try again."
    ) % {"status": status}


def _sandbox_only() -> None:
    if not settings.PAYMENTS_SANDBOX:
        raise Http404


def _events_post(events: list[tuple[str, dict]]) -> int | None:
    """Post the events in order, as Stripe would; the status of the first the webhook refused
    (the later ones are not sent), None when it took them all."""
    for event_type, obj in events:
        status = event_post(event_type, obj)
        if not 200 <= status < 300:
            logger.warning("the webhook refused the sandbox's %s: %s", event_type, status)
            return status
    return None


@require_http_methods(["GET", "HEAD", "POST"])
def checkout(request, session_id: str):
    _sandbox_only()
    session = get_object_or_404(SandboxSession, session_id=session_id)
    if request.method != "POST" or session.status != "open":
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
        # A session paid again after a refused event keeps its ids: Stripe's retry of an
        # event names the same payment.
        if session.mode == "subscription":
            session.subscription_id = session.subscription_id or _sandbox_id("sub")
        else:
            session.payment_intent_id = session.payment_intent_id or _sandbox_id("pi")
        session.save(update_fields=["status", "subscription_id", "payment_intent_id"])
    refused = _events_post(_checkout_events(session, outcome))
    if refused is not None:
        # Nothing of this payment was recorded (the webhook answers 2xx once it has recorded
        # an event), so the checkout is open again for the donor to pay, as a failed
        # payment leaves a Stripe Checkout open.
        SandboxSession.objects.filter(pk=session.pk, status="complete").update(status="open")
        session.refresh_from_db()
        return _page(request, session, status=502, error=_refused(refused))
    return redirect(session.success_url)


def _sandbox_id(prefix: str) -> str:
    return f"{prefix}_sandbox_{secrets.token_hex(8)}"


def _checkout_events(session: SandboxSession, outcome: str) -> list[tuple[str, dict]]:
    completed = "checkout.session.completed"
    if session.mode == "subscription":
        return [
            (completed, session_object(session, payment_status="paid")),
            ("invoice.paid", invoice_object(session)),
        ]
    if outcome == "pay":
        return [(completed, session_object(session, payment_status="paid"))]
    succeeded = outcome == "delayed_success"
    return [
        (completed, session_object(session, payment_status="unpaid")),
        (
            "checkout.session.async_payment_succeeded"
            if succeeded
            else "checkout.session.async_payment_failed",
            session_object(session, payment_status="paid" if succeeded else "unpaid"),
        ),
    ]


@require_POST
def next_month(request, ref):
    """Bill the next month of a sandbox sponsorship, as Stripe would on its date."""
    _sandbox_only()
    sponsorship = get_object_or_404(
        Sponsorship, public_ref=ref, status=Sponsorship.Status.ACTIVE, gateway="sandbox"
    )
    session = get_object_or_404(SandboxSession, subscription_id=sponsorship.subscription_id)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("donations:thanks", args=[sponsorship.public_ref])
    refused = _events_post([("invoice.paid", invoice_object(session))])
    if refused is not None:
        return _page(
            request,
            session,
            status=502,
            error=_refused(refused),
            next_month_of=sponsorship,
            back=target,
        )
    return redirect(target)
