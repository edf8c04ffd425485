"""The warung's delivery list through its signed link: no account, one warung, one day.

A link that does not open (forged, another purpose, outside its two days) answers 404 with a
plain page, like a plan that is not on that day's list: nothing tells what exists. The
token is in the address, so pages say ``no-referrer`` and are never cached or indexed. Below
the day's list, the warung's own payments of this month and the two before (totals and state,
from ``donations`` through ``meals.registry``): what the warung was paid is the warung's to see.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from core.time import months_before, today_wib

from ..forms import DeliveryMarkForm
from ..registry import warung_payouts
from ..selectors.deliveries import delivery_plan_get, delivery_rows
from ..services.deliveries import LinkInvalid, delivery_link_open, delivery_mark

# How many months of the warung's payments its daily link shows, the current one included.
PAYOUT_MONTHS = 3


def signed_link(view):
    @wraps(view)
    def wrapper(request, token: str, *args, **kwargs):
        try:
            warung, day = delivery_link_open(token)
        except LinkInvalid:
            raise Http404 from None
        response = view(request, token, warung, day, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(wrapper)


@require_safe
@signed_link
def delivery_list(request, token, warung, day):
    rows = delivery_rows(warung, day)
    # The warung's own payments: this month (WIB) and the two before, whatever day the link
    # is of.
    since = months_before(today_wib(), PAYOUT_MONTHS - 1)
    return render(
        request,
        "meals/delivery_list.html",
        {
            "warung": warung,
            "day": day,
            "rows": rows,
            "token": token,
            "form": DeliveryMarkForm(),
            "done": sum(1 for row in rows if row.mark),
            "payouts": warung_payouts(warung.pk, since=since),
            "payouts_since": since,
        },
    )


@require_POST
@signed_link
def delivery_mark_view(request, token, warung, day, plan_id: int):
    plan = delivery_plan_get(warung, day, plan_id)
    form = DeliveryMarkForm(request.POST)
    if form.is_valid():
        try:
            delivery_mark(
                plan=plan,
                day=day,
                mark=form.cleaned_data["mark"],
                concern=form.cleaned_data["concern"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Choose delivered, not at home or refused."))
    return redirect(reverse("meals:delivery_list", args=[token]) + f"#plan-{plan.pk}")


@require_safe
@signed_link
def delivery_print(request, token, warung, day):
    return render(
        request,
        "meals/delivery_print.html",
        {"warung": warung, "day": day, "rows": delivery_rows(warung, day, channel="print")},
    )
