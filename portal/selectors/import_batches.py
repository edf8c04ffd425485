"""Reads for the import pages and the batch API: the record of each import and its report."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import IO, cast

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import ngettext

from accounts.models import User
from accounts.registry import Waiting
from accounts.selectors import Purpose, get_in_scope, kecamatan_in_scope
from accounts.storage import private_storage
from regions.models import Village

from ..models import ImportBatch
from ..permissions import may_import


def import_batch_list(*, user: User) -> QuerySet[ImportBatch]:
    """Every import (all doors), newest first, for data officers and administrators."""
    if not may_import(user):
        return ImportBatch.objects.none()
    return ImportBatch.objects.select_related("actor").order_by("-started_at", "-pk")


def data_officer_waiting(user: User) -> list[Waiting]:
    """What waits on the import pages: uploaded files previewed and neither confirmed nor
    discarded yet (anyone's: every import is the regency's; the hourly purge discards them
    after 24 hours)."""
    staged = import_batch_list(user=user).filter(state=ImportBatch.State.STAGED).count()
    return [
        Waiting(
            staged,
            ngettext(
                "%(count)s uploaded file waits for confirmation",
                "%(count)s uploaded files wait for confirmation",
                staged,
            )
            % {"count": staged},
            reverse("portal:import_history"),
        )
    ]


def import_batch_get(*, user: User, pk: int) -> ImportBatch:
    return get_in_scope(
        import_batch_list(user=user), user=user, target=f"portal.importbatch:{pk}", pk=pk
    )


def entry_villages_for_user(user: User) -> QuerySet[Village]:
    """The villages an official may enter a person in (or accept a referral into): those of
    the kecamatan in their registry scope."""
    return (
        Village.objects.filter(kecamatan__in=kecamatan_in_scope(user, purpose=Purpose.REGISTRY))
        .select_related("kecamatan")
        .order_by("kecamatan__name", "name")
    )


@dataclass(frozen=True)
class ReportLine:
    """One line of an import's report. Row 0 is about the whole file (unknown columns)."""

    row: int
    nik: str
    rejected: bool
    reason: str


def import_report_lines(
    *, batch: ImportBatch, limit: int | None = None
) -> tuple[list[ReportLine], bool]:
    """The report's lines (at most ``limit``) and whether more were left out. The report is
    streamed: a capped preview of a large file reads only the lines it shows."""
    if not batch.report_file:
        return [], False
    lines: list[ReportLine] = []
    try:
        stored = private_storage().open(batch.report_file, "rb")
    except FileNotFoundError:
        return [], False
    with stored:
        # Opened "rb" above: a binary file.
        text = io.TextIOWrapper(cast(IO[bytes], stored.file), encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        next(reader, None)  # the header
        for record in reader:
            if limit is not None and len(lines) >= limit:
                return lines, True
            number, nik, outcome, reason = (*record, "", "", "", "")[:4]
            lines.append(
                ReportLine(
                    row=int(number) if number.isdigit() else 0,
                    nik=nik,
                    rejected=outcome == "rejected",
                    reason=reason,
                )
            )
    return lines, False
