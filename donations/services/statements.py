"""Bank statements: a finance officer uploads the bank's export of the programme's account,
the portal proposes which open transfers its credits pay, and a second officer confirms the
proposals in one step; each then goes through ``transfer_match`` (the uploader is the first
officer) and ``transfer_confirm`` (the second), exactly as a match made by hand.

Lines that are not gifts are third parties' data (salaries, fees, other people's transfers):
debits are never stored, a credit's description is dropped when its upload is closed, and the
rows are purged ``BANK_STATEMENT_KEEP_DAYS`` after their date (docs/data-protection.md).
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from accounts.permissions import is_second_person
from accounts.pii import keyed_hash
from accounts.services import audit_record
from core.uploads import size_check

from .. import statement_csv
from ..models import BankAccount, Gift, StatementLine, StatementUpload
from ..permissions import may_work_on_finance
from .bank import OPEN, transfer_confirm, transfer_match
from .giving import _REFERENCE_ALPHABET
from .transitions import STATEMENT_UPLOADS

Outcome = StatementLine.Outcome
_REFERENCE = re.compile(rf"RK([{_REFERENCE_ALPHABET}]{{8}})")


def _finance_officer(actor: User) -> None:
    if not may_work_on_finance(actor):
        raise PermissionDenied


def references_in(description: str) -> list[str]:
    """The gift references a description may hold, whatever spaces, dashes or case the donor
    or the bank put in them ("rk-abcd efgh", "RK ABCDEFGH")."""
    squeezed = re.sub(r"[^0-9A-Z]", "", description.upper())
    found: list[str] = []
    for start in range(len(squeezed) - 9):
        match = _REFERENCE.match(squeezed, start)
        if match and f"RK-{match.group(1)}" not in found:
            found.append(f"RK-{match.group(1)}")
    return found


def _fingerprint(account: BankAccount, row: statement_csv.StatementRow, occurrence: int) -> str:
    description = row.description.upper()
    return keyed_hash(
        f"statement-line|{account.number}|{row.date.isoformat()}|{row.sen}|"
        f"{description}|{row.balance}|{occurrence}"
    )


def _read_file(upload: UploadedFile[bytes]) -> bytes:
    size_check(upload, max_bytes=settings.BANK_STATEMENT_MAX_BYTES, what=_("statement file"))
    upload.seek(0)
    data: bytes = upload.read()
    return data


def statement_upload(
    *, account: BankAccount, actor: User, upload: UploadedFile[bytes], remap: bool = False
) -> StatementUpload:
    """Read an uploaded statement of ``account``. Without a mapping of its columns (the
    account's first upload, or ``remap``), or when the file lacks the mapped headers, the file
    is staged privately and the upload waits for ``statement_mapping_set``."""
    _finance_officer(actor)
    data = _read_file(upload)
    rows = statement_csv.table(statement_csv.decode(data))
    staged = remap or not account.mapping or statement_csv.header_find(rows, account.mapping) < 0
    if staged and not statement_csv.headers(rows):
        raise ValidationError(
            _("No header row was found in this file: is it the bank's CSV export?")
        )
    with transaction.atomic():
        record = StatementUpload(
            account=account,
            uploaded_by_ref=actor.public_ref,
            file_sha256=hashlib.sha256(data).hexdigest(),
        )
        if staged:
            record.staged.save("statement.csv", ContentFile(data), save=False)
        STATEMENT_UPLOADS.move(
            record,
            StatementUpload.Status.MAPPING if staged else StatementUpload.Status.OPEN,
            actor=actor,
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.STATEMENT_UPLOADED,
            target=f"donations.statementupload:{record.pk}",
            details={"account": account.pk, "bytes": len(data), "staged": staged},
        )
        if not staged:
            _lines_add(record, rows)
    return record


def staged_headers(record: StatementUpload) -> list[str]:
    """The header cells of a staged file, for the mapping form."""
    if record.status != StatementUpload.Status.MAPPING or not record.staged:
        return []
    with record.staged.open("rb") as handle:
        data = handle.read()
    return statement_csv.headers(statement_csv.table(statement_csv.decode(data)))


def statement_mapping_set(
    *, record: StatementUpload, actor: User, mapping: Mapping[str, str]
) -> StatementUpload:
    """Keep the officer's column mapping on the account, then read the staged file with it and
    delete the file."""
    _finance_officer(actor)
    clean = {name: (mapping.get(name) or "").strip() for name in statement_csv.MAPPING_FIELDS}
    statement_csv.mapping_check(clean)
    with transaction.atomic():
        record = StatementUpload.objects.select_for_update().get(pk=record.pk)
        if record.status != StatementUpload.Status.MAPPING or not record.staged:
            raise ValidationError(_("This statement has already been read."))
        with record.staged.open("rb") as handle:
            rows = statement_csv.table(statement_csv.decode(handle.read()))
        account = BankAccount.objects.select_for_update().get(pk=record.account_id)
        account.mapping = clean
        account.mapped_at = timezone.now()
        account.save(update_fields=["mapping", "mapped_at"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.STATEMENT_MAPPED,
            target=f"donations.bankaccount:{account.pk}",
            details={"upload": record.pk},
        )
        name, storage = record.staged.name or "", record.staged.storage
        record.staged = ""
        STATEMENT_UPLOADS.move(record, StatementUpload.Status.OPEN, actor=actor, fields=["staged"])
        record.account = account
        _lines_add(record, rows)
        transaction.on_commit(lambda: storage.delete(name))
    return record


def _lines_add(record: StatementUpload, rows: list[list[str]]) -> None:
    """The upload's new credit lines, then the proposals. Under the account's row lock: two
    overlapping statements uploaded at once add each line once."""
    account = BankAccount.objects.select_for_update().get(pk=record.account_id)
    read = statement_csv.read(rows, account.mapping)
    today = timezone.localdate()
    oldest = today - datetime.timedelta(days=settings.BANK_STATEMENT_KEEP_DAYS)
    seen: Counter[tuple[datetime.date, int, str, str]] = Counter()
    candidates: list[StatementLine] = []
    debits = skipped = 0
    for row in read.rows:
        key = (row.date, row.sen, row.description.upper(), row.balance)
        occurrence = seen[key]
        seen[key] += 1
        if row.sen < 0:
            debits += 1  # someone else's money leaving: never stored
            continue
        if not oldest <= row.date <= today:
            skipped += 1  # past the keeping period (it would be purged at once), or future
            continue
        candidates.append(
            StatementLine(
                account=account,
                upload=record,
                fingerprint=_fingerprint(account, row, occurrence),
                date=row.date,
                amount=row.sen // 100,
                whole=row.sen % 100 == 0,
                description=row.description[:300],
                row_number=row.number,
                outcome=Outcome.UNMATCHED,
            )
        )
    known = set(
        StatementLine.objects.filter(
            account=account, fingerprint__in=[line.fingerprint for line in candidates]
        ).values_list("fingerprint", flat=True)
    )
    new = [line for line in candidates if line.fingerprint not in known]
    StatementLine.objects.bulk_create(new)
    record.rows_read = len(read.rows) + len(read.skipped)
    record.credits_new = len(new)
    record.credits_known = len(candidates) - len(new)
    record.debits = debits
    record.rows_skipped = len(read.skipped) + skipped
    fields = ["rows_read", "credits_new", "credits_known", "debits", "rows_skipped"]
    if new:
        record.save(update_fields=fields)
    else:  # nothing to confirm: closed at once
        record.confirmed_at = timezone.now()
        STATEMENT_UPLOADS.move(
            record,
            StatementUpload.Status.CONFIRMED,
            actor_label="system:nothing_new",
            fields=[*fields, "confirmed_at"],
        )
    if new:
        _propose(record)


def _propose(record: StatementUpload) -> None:
    """Which open transfer each new credit pays: the one whose reference its description
    holds, when the amount is exactly the gift's; else the one open transfer of exactly its
    amount. A gift two lines could pay, or an amount two transfers share, is not proposed
    (listed as ambiguous): a person decides."""
    lines = list(record.lines.all())
    open_gifts = list(Gift.objects.filter(gateway=Gift.Gateway.BANK, status__in=OPEN))
    by_reference = {gift.bank_reference: gift for gift in open_gifts if gift.bank_reference}
    by_amount: dict[int, list[Gift]] = defaultdict(list)
    for gift in open_gifts:
        by_amount[gift.amount].append(gift)
    mentioned = {ref for line in lines for ref in references_in(line.description)}
    # A reference of a gift already decided (a donor who paid twice): never matched by amount
    # to whoever holds that amount now.
    decided = set(
        Gift.objects.filter(bank_reference__in=mentioned)
        .exclude(status__in=OPEN)
        .values_list("bank_reference", flat=True)
    )
    waiting = set(
        StatementLine.objects.filter(
            outcome=Outcome.PROPOSED, upload__status=StatementUpload.Status.OPEN
        )
        .exclude(upload=record)
        .values_list("gift_id", flat=True)
    )
    for line in lines:
        line.outcome, line.via, line.gift = Outcome.UNMATCHED, "", None
        references = references_in(line.description)
        gifts = [by_reference[ref] for ref in references if ref in by_reference]
        if len(gifts) > 1:
            line.outcome = Outcome.AMBIGUOUS
        elif gifts:
            line.gift, line.via = gifts[0], StatementLine.Via.REFERENCE
            line.outcome = (
                Outcome.PROPOSED if line.whole and gifts[0].amount == line.amount else Outcome.LOOK
            )
        elif any(ref in decided for ref in references) or not line.whole:
            line.outcome = Outcome.UNMATCHED
        else:
            # A transfer is made after the gift: an older credit of the same amount is not it.
            same = [
                gift
                for gift in by_amount.get(line.amount, [])
                if timezone.localdate(gift.created_at) <= line.date
            ]
            if len(same) == 1:
                line.gift, line.via, line.outcome = (
                    same[0],
                    StatementLine.Via.AMOUNT,
                    Outcome.PROPOSED,
                )
            elif same:
                line.outcome = Outcome.AMBIGUOUS
    proposed = Counter(line.gift_id for line in lines if line.outcome == Outcome.PROPOSED)
    for line in lines:
        if line.outcome == Outcome.PROPOSED and (
            proposed[line.gift_id] > 1 or line.gift_id in waiting
        ):
            line.outcome = Outcome.AMBIGUOUS
    StatementLine.objects.bulk_update(lines, ["outcome", "via", "gift"])


@dataclass
class Confirmation:
    confirmed: list[Gift] = field(default_factory=list)
    refused: list[tuple[StatementLine, str]] = field(default_factory=list)


def may_confirm_statement(user: User, record: StatementUpload) -> bool:
    """The second officer: a finance officer who did not upload the statement."""
    return (
        may_work_on_finance(user)
        and record.status == StatementUpload.Status.OPEN
        and is_second_person(user, record.uploaded_by_ref)
    )


def statement_confirm(
    *, record: StatementUpload, actor: User, line_ids: Collection[int]
) -> Confirmation:
    """The second officer confirms the ticked proposals of an upload and closes it: each goes
    through ``transfer_match`` (by the uploader) and ``transfer_confirm`` (by ``actor``) once;
    the descriptions of the upload's lines are then dropped. Confirming a closed upload (a
    second click, another officer at the same moment) is refused and changes nothing."""
    _finance_officer(actor)
    result = Confirmation()
    with transaction.atomic():
        record = StatementUpload.objects.select_for_update().get(pk=record.pk)
        if record.status != StatementUpload.Status.OPEN:
            raise ValidationError(_("This statement has already been confirmed."))
        if not is_second_person(actor, record.uploaded_by_ref):
            raise ValidationError(
                _("A second finance officer must confirm: you uploaded this statement.")
            )
        matcher = User.objects.filter(public_ref=record.uploaded_by_ref).first()
        if matcher is None or not may_work_on_finance(matcher):
            raise ValidationError(
                _(
                    "The officer who uploaded this statement is no longer a finance "
                    "officer: upload it again."
                )
            )
        chosen = record.lines.filter(outcome=Outcome.PROPOSED, pk__in=list(line_ids))
        for line in chosen.select_related("gift").order_by("date", "row_number"):
            if line.gift is None:  # a proposal without its gift (deleted): nothing to pay
                continue
            try:
                with transaction.atomic():
                    transfer_match(
                        gift=line.gift,
                        actor=matcher,
                        received_amount=line.amount,
                        statement_date=line.date,
                        statement_line=line.description,
                    )
                    gift = transfer_confirm(gift=line.gift, actor=actor)
            except ValidationError as error:
                # Matched or rejected by hand meanwhile: that decision stands.
                result.refused.append((line, " ".join(error.messages)))
                continue
            line.outcome = Outcome.MATCHED
            line.save(update_fields=["outcome"])
            result.confirmed.append(gift)
        # Closed: whatever was not matched is not a gift we know of; its description goes.
        record.lines.exclude(outcome=Outcome.MATCHED).update(
            outcome=Outcome.NOT_GIFT, description=""
        )
        record.lines.filter(outcome=Outcome.MATCHED).update(description="")
        record.confirmed_by_ref = actor.public_ref
        record.confirmed_at = timezone.now()
        STATEMENT_UPLOADS.move(
            record,
            StatementUpload.Status.CONFIRMED,
            actor=actor,
            fields=["confirmed_by_ref", "confirmed_at"],
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.STATEMENT_CONFIRMED,
            target=f"donations.statementupload:{record.pk}",
            details={
                "confirmed": len(result.confirmed),
                "refused": len(result.refused),
                "amount": sum(gift.received_amount or 0 for gift in result.confirmed),
            },
        )
    return result


def statement_lines_purge(*, today: datetime.date | None = None) -> int:
    """Delete the statement lines past the keeping period (a matched gift keeps its own copy
    of what it needs), and staged files never mapped after a day. Returns the lines deleted."""
    today = today or timezone.localdate()
    oldest = today - datetime.timedelta(days=settings.BANK_STATEMENT_KEEP_DAYS)
    deleted, _counts = StatementLine.objects.filter(date__lt=oldest).delete()
    stale = StatementUpload.objects.filter(
        status=StatementUpload.Status.MAPPING,
        uploaded_at__lt=timezone.now() - datetime.timedelta(days=1),
    )
    for record in stale:
        if record.staged:
            record.staged.delete(save=False)
        record.staged = ""
        STATEMENT_UPLOADS.move(
            record,
            StatementUpload.Status.EXPIRED,
            actor_label="system:statement_purge",
            fields=["staged"],
        )
    return deleted
