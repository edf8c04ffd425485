"""The monthly outcome report for officials: one area (a kecamatan, or the regency with each
kecamatan beside it) and one WIB month, computed now from the records by the same selector as
the officials' figures page (``outcome_figures``), so the report and the page never differ.

Scope: the roles whose scope is the regency report on the regency and on every kecamatan; a
reviewer only on the kecamatan of their grant (``outcomes.permissions``). An area outside the
user's scope is the same 404 as an unknown one, and the attempt is logged.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Role, User
from accounts.scope import Purpose, kecamatan_in_scope
from accounts.selectors import get_in_scope
from accounts.services import audit_record
from core.time import WIB, next_month
from regions.models import Kecamatan

from ..permissions import may_report_regency
from .figures import Figures, outcome_figures
from .targets import Comparison, compare, targets_in_force

# The value of the area field that names the whole regency.
REGENCY = "kabupaten"


def report_kecamatan(user: User) -> QuerySet[Kecamatan]:
    """The kecamatan ``user`` may print the report of."""
    if may_report_regency(user):
        return Kecamatan.objects.all()
    if user.has_role(Role.REVIEWER):
        return kecamatan_in_scope(user, purpose=Purpose.REGISTRY)
    return Kecamatan.objects.none()


@dataclass(frozen=True)
class Area:
    code: str  # REGENCY or the kecamatan's code
    name: str


def report_areas(user: User) -> list[Area]:
    """The areas ``user`` may choose, the regency first when they may, then by name."""
    areas = [Area(REGENCY, _("Kabupaten Banyuwangi"))] if may_report_regency(user) else []
    areas += [
        Area(code, name)
        for code, name in report_kecamatan(user).order_by("name").values_list("code", "name")
    ]
    return areas


@dataclass(frozen=True)
class KecamatanRow:
    name: str
    figures: Figures


@dataclass(frozen=True)
class MonthlyReport:
    area: Area
    month: datetime.date  # the first day
    last_day: datetime.date  # the month's last day, or today for the month running
    running: bool  # the month has not ended: figures up to ``last_day``
    generated_at: datetime.datetime  # WIB
    figures: Figures
    comparisons: list[Comparison]
    # The regency's report: every kecamatan's figures, by name; empty for a kecamatan.
    kecamatan: list[KecamatanRow]

    @property
    def is_regency(self) -> bool:
        return self.area.code == REGENCY


def _area(user: User, code: str) -> tuple[Area, int | None]:
    if code == REGENCY:
        if not may_report_regency(user):
            audit_record(
                actor=user, action=AuditEvent.Action.SCOPE_DENIED, target="outcomes.report:regency"
            )
            raise Http404
        return Area(REGENCY, _("Kabupaten Banyuwangi")), None
    kecamatan = get_in_scope(
        report_kecamatan(user), user=user, target=f"portal.kecamatan:{code}", code=code
    )
    return Area(kecamatan.code, kecamatan.name), kecamatan.pk


def monthly_report(
    *, user: User, area: str, month: datetime.date, now: datetime.datetime | None = None
) -> MonthlyReport:
    """The report of ``area`` (REGENCY or a kecamatan's code) for the WIB month of ``month``.
    Raises Http404 when the area is unknown or outside the user's scope (logged)."""
    chosen, kecamatan_id = _area(user, area)
    now = now or timezone.now()
    first = month.replace(day=1)
    computed = outcome_figures(month=first, now=now)
    today = now.astimezone(WIB).date()
    month_end = next_month(first) - datetime.timedelta(days=1)
    rows: list[KecamatanRow] = []
    if kecamatan_id is None:
        names = Kecamatan.objects.order_by("name").values_list("pk", "name")
        rows = [KecamatanRow(name, computed[pk]) for pk, name in names if pk in computed]
    return MonthlyReport(
        area=chosen,
        month=first,
        last_day=min(month_end, today),
        running=today <= month_end,
        generated_at=now.astimezone(WIB),
        figures=computed[kecamatan_id],
        comparisons=compare(computed[kecamatan_id], targets_in_force(first, now=now), kecamatan_id),
        kecamatan=rows,
    )
