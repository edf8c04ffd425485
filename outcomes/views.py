"""The public impact page /dampak/ (stored monthly figures, counts only, charts and tables) and
the officials' figures page, computed from the records."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from accounts.decorators import official_required
from core.pagecache import cache_public_page
from core.time import today_wib
from regions.models import Kecamatan

from .charts import paired_bars
from .forms import MonthForm
from .permissions import FIGURES_ROLES
from .selectors.figures import FIGURE_NAMES, outcome_figures
from .selectors.public import PUBLIC_FIGURES, public_outcomes, public_regency_series, stored_months
from .services import outcomes_refresh


@require_safe
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
        "outcomes/impact.html",
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


@official_required(*FIGURES_ROLES)
@require_safe
@never_cache
def figures(request):
    """Every indicator of a month, computed now from the records (not the stored copy)."""
    form = MonthForm(request.GET or None)
    month = form.month(today_wib())
    computed = outcome_figures(month=month)
    names = dict(Kecamatan.objects.values_list("pk", "name"))
    by_name = sorted(
        ((names[pk], f) for pk, f in computed.items() if pk in names), key=lambda row: row[0]
    )
    rows = [(_("Kabupaten Banyuwangi"), computed.pop(None)), *by_name]
    return render(
        request,
        "outcomes/figures.html",
        {
            "form": form,
            "month": month,
            "rows": rows,
            "names": FIGURE_NAMES,
            "public": PUBLIC_FIGURES,
        },
    )
