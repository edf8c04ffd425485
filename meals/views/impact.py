"""The public impact page /dampak/: stored monthly figures, counts only, charts and tables."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.cache import cache_public_page

from ..charts import paired_bars
from ..forms import MonthForm
from ..selectors.impact import public_outcomes, public_regency_series, stored_months
from ..services.common import today_wib
from ..services.outcomes import outcomes_refresh


@require_GET
@cache_public_page
def impact(request):
    form = MonthForm(request.GET or None)
    month = form.month(today_wib())
    outcomes = public_outcomes(month)
    if not outcomes and month == today_wib().replace(day=1):
        # The first visit of a month before the hourly refresh: store it now, once.
        outcomes_refresh(month=month)
        outcomes = public_outcomes(month)
    regency = outcomes[0] if outcomes else None
    kecamatan = outcomes[1:]
    series = public_regency_series(12)
    return render(
        request,
        "meals/impact.html",
        {
            "form": form,
            "month": month,
            "months": stored_months()[:24],
            "regency": regency,
            "kecamatan": kecamatan,
            "series": series,
            "people_chart": paired_bars([(o.kecamatan, o.listed, o.reached) for o in kecamatan]),
            "meals_chart": paired_bars(
                [(o.month.strftime("%m/%Y"), o.meals_planned, o.meals_delivered) for o in series],
                label_width=56,
            ),
            "legend_people": (_("listed"), _("reached")),
            "legend_meals": (_("planned"), _("delivered")),
        },
    )
