"""The manual entry form's door into the import pipeline: one person, one row.

The form's values become one raw row keyed like a file's columns, and the pipeline validates
and writes it exactly as it would a row of a Diskominfo file (channel ``manual``, source
``manual``). The entry is all or nothing:

- accepted: the person is created with their first history row, under an ImportBatch of the
  ``manual`` channel whose report lists the row's warnings;
- rejected by a row rule, or naming a NIK already in the registry (a known person is
  corrected on their record, where the correction is locked and reviewed, not re-entered):
  nothing is written, no ImportBatch either, and the reason is returned to the form.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.storage import private_storage

from ..models import ImportBatch, Recipient, Source
from .imports import import_rows


class EntryRefused(Exception):
    """The entry was not saved; the message says why."""


def manual_entry_create(
    *, raw: dict[str, Any], actor: User, source: str = Source.MANUAL
) -> tuple[Recipient, list[str]]:
    """Save one person entered by ``actor``. Returns the new record and the warnings that
    flag it for review; raises EntryRefused (nothing written) otherwise. ``source`` is
    ``referral`` when the person was entered after a verified community referral."""
    report = ""
    try:
        with transaction.atomic():
            batch = ImportBatch(
                channel=ImportBatch.Channel.MANUAL, state=ImportBatch.State.DONE, actor=actor
            )
            outcome = import_rows([(1, raw)], batch=batch, actor=actor, source=source)
            report = batch.report_file
            if outcome.rejected:
                reasons = [r for _n, _nik, kind, r in outcome.report if kind == "rejected"]
                raise EntryRefused(reasons[0] if reasons else _("The entry was refused."))
            if not outcome.created:
                raise EntryRefused(
                    _(
                        "A person with this NIK is already in the registry: correct their "
                        "record instead of entering them again."
                    )
                )
            recipient = Recipient.objects.get(last_import=batch)
    except EntryRefused:
        # The transaction took back the rows; the report file is outside it.
        if report:
            private_storage().delete(report)
        raise
    warnings = [reason for _n, _nik, kind, reason in outcome.report if kind == "warning"]
    return recipient, warnings
