"""Writing accepted rows: chunks, the encrypted identity columns, COPY on PostgreSQL, and the
report file."""

from __future__ import annotations

import csv
import datetime
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.files import File
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.pii import EncryptedTextField
from accounts.storage import private_storage

from ...models import IDENTITY_FIELDS, ImportBatch, Recipient
from .rows import Row, Villages, fingerprint, validate_row

CHUNK_ROWS = 500


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warned: int = 0
    # (row number, masked NIK, "rejected" | "warning", reason) for the report.
    report: list[tuple[int, str, str, str]] = field(default_factory=list)


def chunked(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_ENCRYPTED: dict[str, EncryptedTextField[Any, Any]] | None = None


def _encrypted_fields() -> dict[str, EncryptedTextField[Any, Any]]:
    global _ENCRYPTED
    if _ENCRYPTED is None:
        _ENCRYPTED = {
            f.attname: f
            for f in Recipient._meta.concrete_fields
            if isinstance(f, EncryptedTextField) and f.attname in IDENTITY_FIELDS
        }
    return _ENCRYPTED


def prepare_rows(
    raw_rows: list[tuple[int, dict[str, Any]]], *, villages: Villages, today: datetime.date
) -> list[Row]:
    """Validate rows, and for accepted ones compute the fingerprint and the encrypted identity
    columns (the CPU-heavy part of an import, which ``Pipeline.run`` may spread over
    processes)."""
    fields = _encrypted_fields()
    rows = []
    for number, raw in raw_rows:
        row = validate_row(number, raw, villages=villages, today=today)
        if not row.rejected:
            # Ids rather than the model instance: rows may travel between processes.
            village = row.data.pop("village")
            row.data["village_id"] = village.pk
            row.data["kecamatan_id"] = village.kecamatan_id
            row.fingerprint = fingerprint(row.data)
            row.sealed = {
                name: f.seal(row.data[name]) for name, f in fields.items() if name in row.data
            }
        rows.append(row)
    return rows


def copy_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Insert new rows given as {attname: value}; missing fields take the model's defaults.

    On PostgreSQL through COPY, values converted once per column kind, without model
    instances: for a large import, Django's bulk_create spent more time building objects and
    its INSERT than the server spent storing them. Encryption is the field's own."""
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create([model(**row) for row in rows], batch_size=CHUNK_ROWS)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    converters = [_column_converter(f) for f in fields]
    # django-stubs types Field.column as optional; concrete fields are those that have one.
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)  # type: ignore[arg-type]
    table = connection.ops.quote_name(model._meta.db_table)
    defaults = [_default_maker(f, timezone.now()) for f in fields]
    plan = list(zip(fields, converters, defaults, strict=True))
    sql = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [
                    convert(row[f.attname] if f.attname in row else default())
                    for f, convert, default in plan
                ]
            )


def _default_maker(field: models.Field[Any, Any], now: datetime.datetime) -> Callable[[], Any]:
    """A function giving the field's value for a row that does not set it: a fresh value for
    a callable default (a public id), the same value otherwise."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda: now
    if field.has_default() and callable(field.default):
        return field.get_default
    value = field.get_default()
    return lambda: value


def _column_converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    if isinstance(field, EncryptedTextField):
        return lambda value: field.get_prep_value(value)
    if isinstance(field, models.JSONField):
        return lambda value: json.dumps(value)
    return lambda value: value


def report_write(outcome: Outcome, batch: ImportBatch) -> str:
    """Save the report (row, masked NIK, outcome, reason) in private storage; its name."""
    with tempfile.TemporaryFile(mode="w+b") as buffer:
        text = io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow([_("row"), "NIK", _("outcome"), _("reason")])
        for number, nik, kind, reason in outcome.report:
            # The outcome is a code ("rejected" or "warning") that programs can rely on; the
            # reason is in the reader's language.
            writer.writerow([number, nik, kind, reason])
        text.flush()
        buffer.seek(0)
        name = private_storage().save(
            f"imports/{batch.started_at:%Y/%m}/report-{batch.pk}.csv", File(buffer)
        )
        text.detach()
    return name
