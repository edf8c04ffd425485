"""The upload page's door into the import pipeline: stage, preview, confirm or discard.

An uploaded file is dry-run through ``portal.services.imports`` at once (its batch records
what would happen and the report lists every rejected and warned row), then kept in private
storage with its batch in the ``staged`` state. Confirming imports the staged file for real
into the same batch; confirming and discarding both delete the file, and so does
``staged_imports_purge`` after 24 hours (docs/architecture.md, "Personal data").
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import IO

from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from accounts.services import audit_record
from accounts.storage import private_storage

from ..models import ImportBatch
from ..selectors.import_batches import ReportLine, import_report_lines
from .imports import FileRefused, import_file, import_finished_notify, import_rows
from .imports.reading import read_table, sha256_of, unknown_columns_note

STAGED_DIR = "imports/staged"
STAGED_MAX_AGE = datetime.timedelta(hours=24)
PREVIEW_LINES = 100

State = ImportBatch.State


class StagingError(Exception):
    """The staged file cannot be imported (it is gone or was changed): nothing was written."""


def import_stage(*, stream: IO[bytes], file_name: str, actor: User) -> ImportBatch:
    """Keep an uploaded file for confirmation and dry-run it through the pipeline.

    Raises FileRefused when the file cannot be read at all: the pipeline records the refusal
    on the batch, and the file is not kept.
    """
    storage = private_storage()
    stream.seek(0)
    # A random name: the uploaded file's own name may carry a person's name or a path.
    staged = storage.save(f"{STAGED_DIR}/{secrets.token_hex(16)}.upload", File(stream))
    try:
        # The preview reads the stored copy: what is confirmed later is what was previewed.
        with storage.open(staged, "rb") as stored:
            batch = import_file(
                stored,
                file_name=file_name,
                channel=ImportBatch.Channel.UPLOAD,
                actor=actor,
                dry_run=True,
            )
    except BaseException:
        storage.delete(staged)
        raise
    batch.staged_file = staged
    batch.state = State.STAGED
    batch.save(update_fields=["staged_file", "state"])
    return batch


@dataclass(frozen=True)
class Preview:
    batch: ImportBatch
    lines: list[ReportLine]
    truncated: bool

    @property
    def is_staged(self) -> bool:
        return self.batch.state == State.STAGED


def import_preview(*, batch: ImportBatch, limit: int = PREVIEW_LINES) -> Preview:
    """What a batch did (or, while staged, would do): its counts and the first lines of its
    report; the whole report is downloaded."""
    lines, truncated = import_report_lines(batch=batch, limit=limit)
    return Preview(batch=batch, lines=lines, truncated=truncated)


def import_confirm(*, batch_id: int, actor: User) -> tuple[ImportBatch, bool]:
    """Import a staged file for real, once. Returns the batch and whether this call imported
    it: a second confirmation (a double click, the back button) finds the batch no longer
    staged and imports nothing. The row lock makes a concurrent second call wait for the
    first and then see its outcome."""
    storage = private_storage()
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.state != State.STAGED:
            return batch, False
        staged, preview_report = batch.staged_file, batch.report_file
        try:
            stream = storage.open(staged, "rb") if staged else None
        except FileNotFoundError:
            stream = None
        if stream is None:
            raise StagingError(_("The staged file is gone: please upload it again."))
        with stream:
            if sha256_of(stream) != batch.file_sha256:
                raise StagingError(
                    _("The staged file has changed since its preview: please upload it again.")
                )
            batch.staged_file = ""
            try:
                table = read_table(stream)
            except FileRefused as error:
                batch.state, batch.refusal = State.REFUSED, str(error)
                batch.finished_at = timezone.now()
                batch.save(update_fields=["state", "refusal", "staged_file", "finished_at"])
            else:
                batch.state = State.DONE
                preface = []
                if table.unknown_columns:
                    preface.append((0, "", "warning", unknown_columns_note(table.unknown_columns)))
                import_rows(table.rows, batch=batch, actor=actor, preface=preface)
                import_finished_notify(batch)
    # Deleted only after the atomic block: an import that fails leaves the file staged.
    storage.delete(staged)
    if preview_report and preview_report != batch.report_file:
        storage.delete(preview_report)
    return batch, batch.state == State.DONE


def _unstage(batch_id: int, *, older_than: datetime.datetime | None = None) -> bool:
    """Discard a staged batch and delete its file; False when it is no longer staged."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.state != State.STAGED:
            return False
        if older_than is not None and batch.started_at >= older_than:
            return False
        staged = batch.staged_file
        batch.state, batch.staged_file = State.DISCARDED, ""
        batch.finished_at = timezone.now()
        batch.save(update_fields=["state", "staged_file", "finished_at"])
    if staged:
        private_storage().delete(staged)
    return True


def import_discard(*, batch_id: int, actor: User) -> bool:
    """Discard a staged file: it is deleted and nothing is imported. The preview's report
    stays with the batch, as a record of what was refused. False when the batch was not
    staged (already confirmed, discarded or expired)."""
    return _unstage(batch_id)


def staged_imports_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete staged files older than 24 hours and mark their batches discarded, and delete
    any file in the staging folder that no staged batch holds (left by a crash between
    saving it and recording it). Returns how many files were deleted."""
    cutoff = (now or timezone.now()) - STAGED_MAX_AGE
    deleted = 0
    stale = ImportBatch.objects.filter(state=State.STAGED, started_at__lt=cutoff)
    for pk in stale.values_list("pk", flat=True):
        deleted += _unstage(pk, older_than=cutoff)

    storage = private_storage()
    try:
        _folders, files = storage.listdir(STAGED_DIR)
    except FileNotFoundError:
        return deleted
    held = set(
        ImportBatch.objects.filter(state=State.STAGED)
        .exclude(staged_file="")
        .values_list("staged_file", flat=True)
    )
    for file in files:
        name = f"{STAGED_DIR}/{file}"
        if name not in held and storage.get_modified_time(name) < cutoff:
            storage.delete(name)
            deleted += 1
    return deleted


def import_report_download(*, batch: ImportBatch, actor: User) -> tuple[str, str]:
    """The private-storage name of a batch's report and the name to download it as; the
    access is written to the audit log (the report names people by masked NIK)."""
    if not batch.report_file or not private_storage().exists(batch.report_file):
        raise Http404
    audit_record(
        actor=actor,
        action=AuditEvent.Action.IMPORT_REPORT_DOWNLOADED,
        target=f"portal.importbatch:{batch.pk}",
    )
    return batch.report_file, _("import-report-%(number)d.csv") % {"number": batch.pk}
