"""The public impact page /dampak/ (stored monthly figures, counts only, charts and tables) and
the officials' figures page, computed from the records."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import official_required
from core.pagecache import IMPACT, cache_public_page
from core.time import today_wib
from regions.models import Kecamatan

from .charts import paired_bars
from .documents import monthly_report_pdf
from .forms import MonthForm, RankForm, ReportForm, TargetForm
from .models import Indicator
from .permissions import FIGURES_ROLES, LIST_ROLES, REPORT_ROLES, TARGET_ROLES, may_set_targets
from .reports import figure_sections, heading, kecamatan_tables, target_table
from .selectors.figures import FIGURE_NAMES, outcome_figures
from .selectors.lists import KINDS, people_list
from .selectors.public import PUBLIC_FIGURES, public_outcomes, public_regency_series, stored_months
from .selectors.report import monthly_report, report_areas
from .selectors.targets import compare, target_history, targets_in_force
from .services import outcome_target_set, outcomes_refresh


def _trend(series) -> list:
    """Each stored month of ``series`` (oldest first) with its indicators against the targets
    in force at that month's end."""
    return [(o.month, compare(o, targets_in_force(o.month), None, public=True)) for o in series]


@require_safe
@cache_public_page(IMPACT, params=MonthForm.base_fields.keys())
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
    targets = targets_in_force(month)
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
            "regency_targets": compare(regency, targets, None, public=True) if regency else [],
            "kecamatan_targets": [
                (o.kecamatan, compare(o, targets, o.kecamatan_id, public=True))
                for o in kecamatan
                if o.listed  # nobody listed: no figure to compare, a long empty table on a phone
            ],
            "trend": _trend(series),
            "indicators": Indicator.choices,
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
    by_name = [(label, f) for _pk, (label, f) in _with_ids(computed, names)]
    regency = computed.pop(None)
    rows = [(_("Kabupaten Banyuwangi"), regency), *by_name]
    targets = targets_in_force(month)
    rank_form = RankForm(request.GET or None)
    rank_by = rank_form.indicator()
    areas = [
        (label, compare(f, targets, pk))
        for pk, (label, f) in _with_ids(computed, names)
        if f.listed  # nobody listed there: nothing to rank
    ]

    def distance(row):
        gap = next(c.gap for c in row[1] if c.indicator == rank_by)
        return (gap is None, -(gap or 0), row[0])

    return render(
        request,
        "outcomes/figures.html",
        {
            "form": form,
            "month": month,
            "rows": rows,
            "names": FIGURE_NAMES,
            "public": PUBLIC_FIGURES,
            "regency_targets": compare(regency, targets, None),
            "ranked": sorted(areas, key=distance),
            "rank_by": rank_by,
            "rank_label": Indicator(rank_by).label,
            "indicators": Indicator.choices,
            "trend": _trend(public_regency_series(12)),
            "may_set_targets": may_set_targets(request.user),
            "may_see_lists": request.user.has_role(*LIST_ROLES),
        },
    )


def _with_ids(computed, names):
    return sorted(
        ((pk, (names[pk], f)) for pk, f in computed.items() if pk in names),
        key=lambda row: row[1][0],
    )


@official_required(*TARGET_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def targets(request):
    """The regency's targets: set one (a new row; the old ones stay) and read their history."""
    year = today_wib().year
    form = TargetForm(request.POST or None, initial={"year": year})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            outcome_target_set(
                actor=request.user,
                year=data["year"],
                kecamatan=data["kecamatan"],
                indicator=data["indicator"],
                value=data["value"],
                reason=data["reason"],
            )
        except ValidationError as error:
            form.add_error("value", error)
        else:
            messages.success(request, _("The target is set. Earlier months keep theirs."))
            return redirect("outcomes:targets")
    shown = form.cleaned_data.get("year") if form.is_bound and form.is_valid() else None
    return render(
        request,
        "outcomes/targets.html",
        {"form": form, "year": shown or year, "history": target_history(shown or year)},
        status=400 if form.is_bound and form.errors else 200,
    )


LIST_TITLES = {
    "not-reached": gettext_lazy("Listed over 60 days and not reached"),
    "not-visited": gettext_lazy("Reached and not visited for 30 days"),
    "unfunded": gettext_lazy("Unfunded this month"),
}


@official_required(*LIST_ROLES)
@require_safe
@never_cache
def people(request, kind: str):
    """One officials-only list, in the user's registry scope (each opening logged)."""
    if kind not in KINDS:
        raise Http404
    return render(
        request,
        "outcomes/people_list.html",
        {
            "kind": kind,
            "title": LIST_TITLES[kind],
            "titles": LIST_TITLES,
            "people": people_list(request.user, kind),
        },
    )


def _report(request):
    """(the form, the areas, the report or None). The report is None when the month is
    refused (the form says why) or the user has no area to report on."""
    areas = report_areas(request.user)
    form = ReportForm(request.GET or None, today=today_wib())
    if not form.is_bound:
        form = ReportForm({}, today=today_wib())
    if not form.is_valid() or not areas:
        return form, areas, None
    area = form.cleaned_data["wilayah"] or areas[0].code
    # Outside the user's scope: the same 404 as an unknown area (and logged).
    report = monthly_report(user=request.user, area=area, month=form.cleaned_data["bulan"])
    return form, areas, report


def _report_page(request, form, areas, report):
    context = {"form": form, "areas": areas, "report": report}
    if report is not None:
        context.update(
            head=heading(report),
            sections=figure_sections(report.figures),
            targets=target_table(report.comparisons),
            tables=kecamatan_tables(report),
            query=request.GET.urlencode(),
        )
    status = 400 if form.errors else 200
    return render(request, "outcomes/report.html", context, status=status)


@official_required(*REPORT_ROLES)
@require_safe
@never_cache
def report(request):
    """The printable monthly report of one area: the page prints without the portal around it
    (A4), and offers the same as a PDF."""
    return _report_page(request, *_report(request))


@official_required(*REPORT_ROLES)
@require_safe
@never_cache
def report_pdf(request):
    form, areas, chosen = _report(request)
    if chosen is None:
        # A refused month (or no area): the page that says why, not a broken file.
        return _report_page(request, form, areas, chosen)
    response = HttpResponse(monthly_report_pdf(chosen), content_type="application/pdf")
    name = f"laporan-capaian-{chosen.area.code.replace('.', '')}-{chosen.month:%Y-%m}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
