"""The pipeline every door runs (CLI, upload page, API, manual form): validate, dedupe within the
file, create or update, and record the outcome on the batch."""

from __future__ import annotations

import datetime
import multiprocessing
from collections.abc import Iterable
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.services import notification_enqueue

from ...models import (
    FormerNik,
    ImportBatch,
    Recipient,
    RecipientTransition,
    Source,
    Status,
    mask_nik,
)
from ..lifecycle import TRANSITIONS, recipient_transition
from .reading import FileRefused, read_table, sha256_of, unknown_columns_note
from .rows import VILLAGE_COLUMNS, Row, Villages, age_band, warning_label
from .writing import CHUNK_ROWS, Outcome, chunked, copy_insert, prepare_rows, report_write

_WORKER_STATE: dict[str, Any] = {}


def _worker_init(villages: Villages, today: datetime.date) -> None:
    _WORKER_STATE.update(villages=villages, today=today)


def _prepare_in_worker(raw_rows: list[tuple[int, dict[str, Any]]]) -> list[Row]:
    return prepare_rows(raw_rows, **_WORKER_STATE)


class Pipeline:
    """Validates and writes rows in chunks. ``run`` is the one entry point every door uses."""

    def __init__(self, *, batch: ImportBatch, actor: User | None, source: str = Source.IMPORT):
        self.batch = batch
        self.actor = actor
        self.source = source
        self.label = f"import:{batch.channel}"
        self.villages = Villages.load()
        self.today = timezone.localdate()
        self.seen: set[bytes] = set()
        self.outcome = Outcome()

    def run(self, rows: Iterable[tuple[int, dict[str, Any]]], *, workers: int = 1) -> Outcome:
        """Validate and write ``rows``. With ``workers`` > 1 (the command line, on PostgreSQL)
        validation and encryption of each chunk run in that many forked processes while this
        one writes: they are most of an import's work, and Fernet holds the GIL."""
        chunks = chunked(rows, CHUNK_ROWS)
        if workers > 1 and connection.vendor == "postgresql":
            context = multiprocessing.get_context("fork")
            with context.Pool(
                workers, initializer=_worker_init, initargs=(self.villages, self.today)
            ) as pool:
                for prepared in pool.imap(_prepare_in_worker, chunks):
                    self._write(self._dedupe(prepared))
        else:
            for chunk in chunks:
                self._write(
                    self._dedupe(prepare_rows(chunk, villages=self.villages, today=self.today))
                )
        return self.outcome

    def _dedupe(self, rows: list[Row]) -> list[Row]:
        # The file's order decides: the first row with a NIK wins, later ones are rejected.
        for row in rows:
            if not row.rejected:
                digest = bytes.fromhex(row.nik_hash)[:8]
                if digest in self.seen:
                    row.reason = _("This NIK already appeared in an earlier row of the file.")
                self.seen.add(digest)
        return rows

    def _note(self, row: Row, kind: str, reason: str) -> None:
        self.outcome.report.append((row.number, mask_nik(row.nik), kind, reason))

    @transaction.atomic
    def _write(self, rows: list[Row]) -> None:
        accepted = [r for r in rows if not r.rejected]
        hashes = [r.nik_hash for r in accepted]
        columns = ("pk", "nik_hash", "status", "import_fingerprint", "locked_fields", "warnings")
        existing = {
            r.nik_hash: r for r in Recipient.objects.filter(nik_hash__in=hashes).only(*columns)
        }
        unknown = [h for h in hashes if h not in existing]
        if unknown:
            # A NIK an official corrected still names the same person in a later export.
            for former in FormerNik.objects.filter(nik_hash__in=unknown).select_related(
                "recipient"
            ):
                existing[former.nik_hash] = former.recipient
        to_create: list[dict[str, Any]] = []
        for row in rows:
            known = None if row.rejected else existing.get(row.nik_hash)
            if known is not None and known.status == Status.ERASED:
                row.reason = _(
                    "This person's data was erased at their request: they cannot be imported again."
                )
            if row.rejected:
                self.outcome.rejected += 1
                self._note(row, "rejected", row.reason)
                continue
            for code in row.warnings:
                self._note(row, "warning", warning_label(code))
            current = existing.get(row.nik_hash)
            if current is None:
                to_create.append(self._new(row))
            else:
                self._update(current, row)
            if row.warnings:
                self.outcome.warned += 1
        if to_create:
            copy_insert(Recipient, to_create)
            ids = dict(
                Recipient.objects.filter(
                    nik_hash__in=[r["nik_hash"] for r in to_create]
                ).values_list("nik_hash", "pk")
            )
            reasons: dict[str, str] = {
                Source.MANUAL: _("Entered by hand"),
                Source.REFERRAL: _("Entered after a verified community referral"),
            }
            reason = reasons.get(self.source, _("Imported"))
            actor_id = self.actor.pk if self.actor else None
            label = "" if self.actor else self.label
            copy_insert(
                RecipientTransition,
                [
                    {
                        "recipient_id": ids[r["nik_hash"]],
                        "from_status": "",
                        "to_status": r["status"],
                        "actor_id": actor_id,
                        "actor_label": label,
                        "reason": reason,
                    }
                    for r in to_create
                ],
            )
            self.outcome.created += len(to_create)

    def _new(self, row: Row) -> dict[str, Any]:
        """The new record's columns ({attname: value}) for ``copy_insert``."""
        return {
            **row.data,
            **row.sealed,
            "nik_hash": row.nik_hash,
            "age_band": age_band(row.data["birth_date"], self.today),
            "status": (
                Status.SERVED_ELSEWHERE if row.service_status == "terjangkau" else Status.CANDIDATE
            ),
            "source": self.source,
            "warnings": sorted(set(row.warnings)),
            "import_fingerprint": row.fingerprint,
            "last_import_id": self.batch.pk,
            "entered_by_id": self.actor.pk if self.actor else None,
        }

    def _update(self, current: Recipient, row: Row) -> None:
        print_ = row.fingerprint
        warnings = set(current.warnings) | set(row.warnings)
        changed: list[str] = []
        if print_ != current.import_fingerprint:
            # Only a row that differs from what was last imported is decrypted and compared.
            stored = Recipient.objects.get(pk=current.pk)
            for name, value in row.data.items():
                if getattr(stored, name) == value:
                    continue
                # The village decides the kecamatan: locking the village locks both.
                field_name = VILLAGE_COLUMNS.get(name, name)
                if field_name in stored.locked_fields:
                    code = f"locked_field_differs:{field_name}"
                    if code not in warnings:
                        self._note(row, "warning", warning_label(code))
                    warnings.add(code)
                    continue
                setattr(current, name, value)
                changed.append(name)
            if "birth_date" in changed:
                current.age_band = age_band(row.data["birth_date"], self.today)
                changed.append("age_band")
        fields = list(changed)
        if print_ != current.import_fingerprint:
            current.import_fingerprint = print_
            fields.append("import_fingerprint")
        if warnings != set(current.warnings):
            current.warnings = sorted(warnings)
            fields.append("warnings")
        moved = False
        if row.service_status == "terjangkau" and (
            (current.status, Status.SERVED_ELSEWHERE) in TRANSITIONS
        ):
            recipient_transition(
                recipient=current,
                to_status=Status.SERVED_ELSEWHERE,
                actor=None,
                actor_label=self.label,
                reason=_("The import says this person is already served (terjangkau)."),
            )
            moved = True
        if changed or moved:
            current.last_import = self.batch
            fields.append("last_import")
            self.outcome.updated += 1
        else:
            self.outcome.unchanged += 1
        if fields:
            current.save(update_fields=[*fields, "updated_at"])


class _DryRun(Exception):
    pass


def import_rows(
    rows: Iterable[tuple[int, dict[str, Any]]],
    *,
    batch: ImportBatch,
    actor: User | None,
    dry_run: bool = False,
    source: str = Source.IMPORT,
    preface: Iterable[tuple[int, str, str, str]] = (),
    workers: int = 1,
) -> Outcome:
    """Run rows through the pipeline and record the outcome on ``batch`` (saved first, so its
    id is in the report's name). A dry run goes through exactly the same writes inside a
    transaction that is then rolled back."""
    if batch.pk is None:
        batch.save()
    pipeline = Pipeline(batch=batch, actor=actor, source=source)
    pipeline.outcome.report.extend(preface)
    if dry_run:
        try:
            with transaction.atomic():
                pipeline.run(rows, workers=workers)
                raise _DryRun
        except _DryRun:
            pass
    else:
        pipeline.run(rows, workers=workers)
    outcome = pipeline.outcome
    batch.created, batch.updated = outcome.created, outcome.updated
    batch.unchanged, batch.rejected, batch.warned = (
        outcome.unchanged,
        outcome.rejected,
        outcome.warned,
    )
    batch.report_file = report_write(outcome, batch)
    batch.finished_at = timezone.now()
    batch.save()
    return outcome


def import_finished_notify(batch: ImportBatch) -> None:
    """Tell the official who ran an import what it did (in the import's transaction)."""
    if batch.actor is None:
        return
    notification_enqueue(
        template="import_finished",
        dedup_key=f"import_finished:{batch.pk}",
        user=batch.actor,
        context={
            "file_name": batch.file_name or batch.external_id,
            "created": batch.created,
            "updated": batch.updated,
            "unchanged": batch.unchanged,
            "rejected": batch.rejected,
            "warned": batch.warned,
            "batch_id": batch.pk,
        },
    )


def import_file(
    stream: IO[bytes],
    *,
    file_name: str,
    channel: str,
    actor: User | None,
    actor_label: str = "",
    dry_run: bool = False,
    workers: int = 1,
) -> ImportBatch:
    """Import a Diskominfo file. Raises FileRefused (after recording the refusal) when the file
    cannot be read at all; nothing about recipients is written then."""
    batch = ImportBatch(
        channel=channel,
        state=ImportBatch.State.DRY_RUN if dry_run else ImportBatch.State.DONE,
        actor=actor,
        actor_label=actor_label,
        file_name=file_name[:255],
        file_sha256=sha256_of(stream),
    )
    try:
        table = read_table(stream)
    except FileRefused as error:
        batch.state = ImportBatch.State.REFUSED
        batch.refusal = str(error)
        batch.finished_at = timezone.now()
        batch.save()
        raise
    batch.save()
    preface = []
    if table.unknown_columns:
        preface.append((0, "", "warning", unknown_columns_note(table.unknown_columns)))
    import_rows(
        table.rows, batch=batch, actor=actor, dry_run=dry_run, preface=preface, workers=workers
    )
    return batch
