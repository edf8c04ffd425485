"""What the finance officers' statement pages read. The lines of an open upload carry third
parties' descriptions: opening one is logged."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import AuditEvent, User
from accounts.services import audit_record

from ..models import Gift, StatementLine, StatementUpload
from ..permissions import may_work_on_finance
from ..services.bank import OPEN

Outcome = StatementLine.Outcome


def statement_uploads(user: User) -> QuerySet[StatementUpload]:
    if not may_work_on_finance(user):
        raise Http404
    return StatementUpload.objects.select_related("account").order_by("-uploaded_at")


def statement_get(user: User, pk: int) -> StatementUpload:
    if not may_work_on_finance(user):
        raise Http404
    record = StatementUpload.objects.select_related("account").filter(pk=pk).first()
    if record is None:
        raise Http404
    return record


@dataclass
class StatementReview:
    proposed: list[StatementLine]
    ambiguous: list[StatementLine]
    look: list[StatementLine]
    unmatched: list[StatementLine]
    matched: list[StatementLine]
    pending: list[Gift]  # open transfers no line of this upload is proposed for


def statement_review(user: User, record: StatementUpload) -> StatementReview:
    """An upload's lines by outcome, and the open transfers it does not pay. Logged when the
    lines still carry descriptions (an open upload)."""
    if not may_work_on_finance(user):
        raise Http404
    lines = list(record.lines.select_related("gift").order_by("date", "row_number"))
    if record.status == StatementUpload.Status.OPEN:
        audit_record(
            actor=user,
            action=AuditEvent.Action.STATEMENT_VIEWED,
            target=f"donations.statementupload:{record.pk}",
        )
    by: dict[str, list[StatementLine]] = {value: [] for value in Outcome.values}
    for line in lines:
        by[line.outcome].append(line)
    proposed_ids = {line.gift_id for line in by[Outcome.PROPOSED] if line.gift_id is not None}
    pending = list(
        Gift.objects.filter(gateway=Gift.Gateway.BANK, status__in=OPEN)
        .exclude(pk__in=proposed_ids)
        .order_by("created_at")[:200]
    )
    return StatementReview(
        proposed=by[Outcome.PROPOSED],
        ambiguous=by[Outcome.AMBIGUOUS],
        look=by[Outcome.LOOK],
        unmatched=by[Outcome.UNMATCHED],
        matched=by[Outcome.MATCHED],
        pending=pending,
    )
