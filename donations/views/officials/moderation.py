"""Donors' public messages waiting for a check, and what needs a person: flagged gifts and
gateway events that wait or were flagged."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import official_required
from core.forms import add_refusal, posted

from ...forms_officials import ModerationForm
from ...permissions import FINANCE_READ_ROLES, FINANCE_WORK_ROLES, may_work_on_finance
from ...selectors.officials import (
    fees_refused,
    flagged_gifts,
    gateway_events_attention,
    gift_get,
    messages_pending,
)
from ...services.giving import gift_message_moderate


@official_required(*FINANCE_READ_ROLES)
@require_safe
def message_queue(request):
    return render(
        request,
        "donations/officials/messages.html",
        {
            "gifts": messages_pending(request.user)[:200],
            "can_work": may_work_on_finance(request.user),
        },
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def message_moderate(request, ref):
    gift = gift_get(request.user, ref)
    form = ModerationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == ModerationForm.APPROVE
        try:
            gift_message_moderate(gift=gift, actor=request.user, approve=approve)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("The message is shown.") if approve else _("The message will not be shown."),
            )
            return redirect("donations:fin_messages")
    return render(
        request, "donations/officials/message_moderate.html", {"gift": gift, "form": form}
    )


@official_required(*FINANCE_READ_ROLES)
@require_safe
def attention(request):
    return render(
        request,
        "donations/officials/attention.html",
        {
            "gifts": flagged_gifts(request.user)[:200],
            "fees_refused": fees_refused(request.user)[:200],
            "events": gateway_events_attention(request.user)[:200],
        },
    )
