"""The monthly report written out: its header, sections, tables and numbers, in the active
language, once for both the printable page and the PDF (``outcomes.documents``), so the two
always say the same.

Numbers are written in the block below and nowhere else in the report, through
``core.numbers`` as every page writes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _

from core.numbers import NO_FIGURE, format_count, format_decimal, format_percent

from .models import Indicator
from .selectors.figures import Figures
from .selectors.report import MonthlyReport
from .selectors.targets import Comparison, indicator_values
from .templatetags.outcome_tags import FIGURE_LABELS

# --- Numbers -------------------------------------------------------------------------------------
# Through ``core.numbers``, as every page writes them: counts grouped per language, shares and
# days with one decimal (kept, so a column of figures lines up), "%" without a space.

NONE = NO_FIGURE


def count(value: int | None) -> str:
    return format_count(value)


def decimal(value: float | None) -> str:
    return format_decimal(value, 1, trim=False)


def percent(value: float | None) -> str:
    return NONE if value is None else format_percent(float(value), 1)


def days(value: float | None) -> str:
    return NONE if value is None else _("%(days)s days") % {"days": decimal(value)}


def per_person(part: int, people: int) -> str:
    return NONE if not people else decimal(part / people)


# --- The report's words ---------------------------------------------------------------------------


def label(name: str) -> str:
    return str(FIGURE_LABELS[name])


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    value: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    lines: list[Line]


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list[str]]
    total: list[str]  # the regency's row


def _line(figures: Figures, name: str) -> Line:
    value = getattr(figures, name)
    text = days(value) if name == "days_to_reach_median" else count(value)
    return Line(name, label(name), text)


def _share(indicator: Indicator, shares: dict[str, float | None]) -> Line:
    return Line(indicator.value, str(indicator.label), percent(shares[indicator]))


def figure_sections(figures: Figures) -> list[Section]:
    """Every figure of one area's month, grouped as an official reads them."""
    shares = indicator_values(figures)
    return [
        Section(
            "people",
            _("People"),
            [
                _line(figures, "listed"),
                _line(figures, "reached"),
                _share(Indicator.REACHED, shares),
                _line(figures, "newly_reached"),
                _line(figures, "days_to_reach_median"),
                _line(figures, "funded"),
                _share(Indicator.FUNDED, shares),
                _line(figures, "served_elsewhere"),
            ],
        ),
        Section(
            "meals",
            _("Meals"),
            [
                _line(figures, "meals_planned"),
                _line(figures, "meals_delivered"),
                _share(Indicator.DELIVERED, shares),
                _line(figures, "not_home"),
                _line(figures, "refused"),
            ],
        ),
        Section(
            "warung",
            _("Warung"),
            [_line(figures, "warung_active"), _line(figures, "warung_valid")],
        ),
        Section(
            "visits",
            _("Visits and referrals"),
            [
                _line(figures, "visits"),
                Line(
                    "visits_per_reached",
                    _("Visits per reached person"),
                    per_person(figures.visits, figures.reached),
                ),
                _line(figures, "reached_visited"),
                _share(Indicator.VISITED, shares),
                _line(figures, "referrals_verified"),
            ],
        ),
    ]


def standing(comparison: Comparison) -> str:
    """In words, never by colour alone (as the figures page says it)."""
    if comparison.target is None:
        return _("no target set")
    if comparison.value is None:
        return _("no figure")
    if comparison.met:
        return _("target met")
    if comparison.unit == "%":
        return _("short by %(points)s points") % {"points": decimal(comparison.gap)}
    return _("%(days)s days too slow") % {"days": decimal(comparison.gap)}


def _amount(value: float | None, unit: str) -> str:
    return percent(value) if unit == "%" else days(value)


def target_table(comparisons: list[Comparison]) -> Table:
    return Table(
        "targets",
        _("Against the targets"),
        [_("Indicator"), _("This month"), _("Target"), _("Standing")],
        [
            [c.label, _amount(c.value, c.unit), _amount(c.target, c.unit), standing(c)]
            for c in comparisons
        ],
        [],
    )


def _people_row(figures: Figures) -> list[str]:
    shares = indicator_values(figures)
    return [
        count(figures.listed),
        count(figures.reached),
        percent(shares[Indicator.REACHED]),
        count(figures.newly_reached),
        days(figures.days_to_reach_median),
        count(figures.funded),
        count(figures.served_elsewhere),
    ]


def _meals_row(figures: Figures) -> list[str]:
    shares = indicator_values(figures)
    return [
        count(figures.meals_planned),
        count(figures.meals_delivered),
        percent(shares[Indicator.DELIVERED]),
        count(figures.not_home),
        count(figures.refused),
        f"{count(figures.warung_valid)} / {count(figures.warung_active)}",
        count(figures.visits),
        count(figures.referrals_verified),
    ]


def kecamatan_tables(report: MonthlyReport) -> list[Table]:
    """The regency's report: each kecamatan's figures in two tables that fit an A4 page's
    width, the regency's total as their first row."""
    if not report.is_regency:
        return []
    kecamatan = _("Kecamatan")
    return [
        Table(
            "kecamatan-people",
            _("People per kecamatan"),
            [
                kecamatan,
                label("listed"),
                label("reached"),
                _("Reached share"),
                label("newly_reached"),
                label("days_to_reach_median"),
                label("funded"),
                label("served_elsewhere"),
            ],
            [[row.name, *_people_row(row.figures)] for row in report.kecamatan],
            [report.area.name, *_people_row(report.figures)],
        ),
        Table(
            "kecamatan-meals",
            _("Meals, warung and visits per kecamatan"),
            [
                kecamatan,
                label("meals_planned"),
                label("meals_delivered"),
                _("Delivered share"),
                label("not_home"),
                label("refused"),
                _("Warung valid / all"),
                label("visits"),
                label("referrals_verified"),
            ],
            [[row.name, *_meals_row(row.figures)] for row in report.kecamatan],
            [report.area.name, *_meals_row(report.figures)],
        ),
    ]


@dataclass(frozen=True)
class Heading:
    programme: str
    title: str
    area: str
    month: str
    period: str
    generated: str
    note: str


def heading(report: MonthlyReport) -> Heading:
    # Days and the month's name only (1 to 31 Maret 2026, with an en dash): nothing to translate.
    period = f"{report.month.day}–{formats.date_format(report.last_day, 'j F Y')}"
    if report.running:
        period = _("%(period)s (the month running: figures up to that day)") % {"period": period}
    generated = _("Generated on %(date)s at %(time)s WIB") % {
        "date": formats.date_format(report.generated_at, "j F Y"),
        "time": report.generated_at.strftime("%H:%M"),
    }
    return Heading(
        programme=_("Rantang Kasih Banyuwangi"),
        title=_("Monthly outcome report"),
        area=report.area.name,
        month=formats.date_format(report.month, "F Y"),
        period=period,
        generated=generated,
        note=_(
            "Computed from the records when generated. People are counted where they lived at "
            "the end of the month (or on the last day shown); meals by the day, where the "
            "person lived that day. Counts only: no person is named."
        ),
    )
