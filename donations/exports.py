"""CSV exports for the finance officers, safe to open in a spreadsheet.

A text cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is written with a leading apostrophe: a donor's message, a
statement line or a warung's name typed as ``=HYPERLINK(...)`` stays text (OWASP, "CSV
Injection"). Numbers the portal itself computed are written as numbers, so a negative ledger
amount stays a number. Donors' addresses and names are never exported.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from accounts.services import audit_record

from .models import Decision, Gift, Transaction
from .selectors.officials import (
    disbursement_lines_for_export,
    gifts_for_export,
    ledger_entries_for_export,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """The cell as text a spreadsheet will not evaluate."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _wib(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _for(pseudonym: str | None, public_id: str | None) -> str:
    if public_id is None:
        return _("general fund")
    return f"{pseudonym or '—'} ({public_id})"


def _gift_rows(rows: Iterable[Mapping[str, Any]]) -> Iterator[list]:
    gateways = dict(Gift.Gateway.choices)
    methods = dict(Gift.Method.choices)
    statuses = dict(Gift.Status.choices)
    yield [
        _("receipt number"),
        _("date (WIB)"),
        _("amount (Rp)"),
        _("fee (Rp)"),
        _("refunded (Rp)"),
        _("gateway"),
        _("payment method"),
        _("status"),
        _("for"),
    ]
    for row in rows:
        yield [
            row["receipt_number"],
            _wib(row["paid_at"]),
            row["received_amount"] or row["amount"],
            row["fee"],
            row["refunded"],
            str(gateways.get(row["gateway"], row["gateway"])),
            # Empty while the gateway has not said how the donor paid.
            str(methods.get(row["payment_method"], row["payment_method"])),
            str(statuses.get(row["status"], row["status"])),
            _for(row["recipient__pseudonym"], row["recipient__public_id"]),
        ]


def _disbursement_rows(rows: Iterable[Mapping[str, Any]]) -> Iterator[list]:
    decisions = dict(Decision.choices)
    yield [
        _("disbursement"),
        _("paid on"),
        _("warung"),
        _("transfer reference"),
        _("status"),
        _("summary of the proof"),
        _("for"),
        _("paid from"),
        _("from"),
        _("until"),
        _("portions"),
        _("amount (Rp)"),
    ]
    for row in rows:
        yield [
            row["disbursement_id"],
            row["disbursement__paid_on"].isoformat(),
            row["disbursement__warung__name"],
            row["disbursement__reference"],
            str(decisions.get(row["disbursement__status"], row["disbursement__status"])),
            row["disbursement__proof_summary"],
            _for(row["recipient__pseudonym"], row["recipient__public_id"]),
            _("general fund") if row["from_general"] else _("the person's pot"),
            row["period_start"].isoformat(),
            row["period_end"].isoformat(),
            row["portions"],
            row["amount"],
        ]


def _ledger_rows(rows: Iterable[Mapping[str, Any]]) -> Iterator[list]:
    kinds = dict(Transaction.Kind.choices)
    yield [
        _("transaction"),
        _("date (WIB)"),
        _("kind"),
        _("source"),
        _("memo"),
        _("account"),
        _("amount (Rp)"),
    ]
    for row in rows:
        yield [
            row["transaction_id"],
            _wib(row["transaction__occurred_at"]),
            str(kinds.get(row["transaction__kind"], row["transaction__kind"])),
            row["transaction__external_id"],
            row["transaction__memo"],
            row["account"],
            row["amount"],
        ]


EXPORTS = {
    "gifts": (gifts_for_export, _gift_rows, "donasi"),
    "disbursements": (disbursement_lines_for_export, _disbursement_rows, "penyaluran"),
    "ledger": (ledger_entries_for_export, _ledger_rows, "buku-besar"),
}


def csv_text(rows: Iterable[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return buffer.getvalue()


def donations_export(
    *, actor: User, kind: str, start: datetime.date, end: datetime.date
) -> tuple[str, str]:
    """The CSV text of one export and its file name; the export is on record."""
    select, shape, stem = EXPORTS[kind]
    text = csv_text(shape(select(actor, start=start, end=end)))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DONATIONS_EXPORTED,
        target=f"donations.export:{kind}",
        details={"start": start.isoformat(), "end": end.isoformat()},
    )
    return text, f"{stem}-{start.isoformat()}-{end.isoformat()}.csv"
