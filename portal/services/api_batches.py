"""The batch API's door into the import pipeline, and the tokens that open it.

Diskominfo's system POSTs the rows of its export as JSON objects keyed by the column names of
docs/import-format.md. Keys are matched exactly as a file's headers are (``normalise_header``),
rows are numbered by their 1-based position in the array, and everything else is
``portal.services.imports``: the same validation, the same writes, the same report.

A batch is identified by its sender and the sender's own ``batch_id``: the first POST imports
and records it, any later POST with that id returns the recorded result and imports nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from knox.models import AuthToken

from accounts.models import AuditEvent, User
from accounts.services import audit_record

from ..models import ImportBatch
from ..permissions import may_use_batch_api
from .imports import import_finished_notify, import_rows
from .imports.reading import COLUMNS, normalise_header, unknown_columns_note

MAX_ROWS = 5_000
TOKEN_DAYS = 90
API_CREDENTIAL_ISSUED = AuditEvent.Action.API_TOKEN_CREATED


def rows_from_records(
    records: list[dict[str, Any]],
) -> tuple[Iterator[tuple[int, dict[str, Any]]], list[str]]:
    """The records as the pipeline's rows (row number, raw values by field) and the keys no
    column matches, in order of first appearance."""
    unknown: dict[str, None] = {}
    for record in records:
        for key in record:
            name = normalise_header(key)
            if name and name not in COLUMNS:
                unknown.setdefault(str(key).strip())

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, record in enumerate(records, start=1):
            row: dict[str, Any] = {}
            for key, value in record.items():
                field = COLUMNS.get(normalise_header(key))
                if field is None:
                    continue
                if isinstance(value, str):
                    value = value.strip()
                if value is not None and value != "":
                    row.setdefault(field, value)
            yield number, row

    return rows(), list(unknown)


def api_batch_import(
    *, actor: User, batch_id: str, records: list[dict[str, Any]]
) -> tuple[ImportBatch, bool]:
    """Import a batch once per (sender, batch_id). Returns the batch and whether this call
    imported it; a repeat returns the first call's batch.

    The batch row is inserted first, inside the import's transaction: a concurrent repeat
    waits on the unique (actor, external_id) constraint until the first commits, then finds
    its batch. Callers have checked the shape (``records`` is a list of flat objects, at most
    MAX_ROWS).
    """
    existing = ImportBatch.objects.filter(actor=actor, external_id=batch_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                channel=ImportBatch.Channel.API,
                state=ImportBatch.State.DONE,
                actor=actor,
                external_id=batch_id,
            )
            rows, unknown = rows_from_records(records)
            preface = [(0, "", "warning", unknown_columns_note(unknown))] if unknown else []
            import_rows(rows, batch=batch, actor=actor, preface=preface)
            import_finished_notify(batch)
    except IntegrityError:
        existing = ImportBatch.objects.filter(actor=actor, external_id=batch_id).first()
        if existing is None:
            raise
        return existing, False
    return batch, True


def api_token_create(
    *, email: str, days: int = TOKEN_DAYS, actor_label: str = ""
) -> tuple[str, datetime.datetime]:
    """A new API token for a data officer: the token itself (shown once: knox keeps only its
    hash) and when it expires."""
    if days < 1:
        raise ValidationError(_("A token must be valid for at least one day."))
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise ValidationError(_("No active account has the address %(email)s.") % {"email": email})
    if not may_use_batch_api(user):
        raise ValidationError(
            _("%(email)s is not a data officer: only data officers may use the batch API.")
            % {"email": user.email}
        )
    instance, token = AuthToken.objects.create(user=user, expiry=datetime.timedelta(days=days))
    audit_record(
        actor=None,
        actor_label=actor_label,
        action=API_CREDENTIAL_ISSUED,
        target=f"accounts.user:{user.public_ref}",
        details={"expiry": instance.expiry.isoformat()},
    )
    return token, instance.expiry
