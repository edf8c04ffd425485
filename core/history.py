"""The one shape of a status history row: who, when, from, to, why.

Each app's concrete history model inherits it and adds the foreign key to its record (and
overrides ``from_status``/``to_status`` to carry its choices). ``core.transitions`` is what
writes these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StatusHistory(models.Model):
    # The field the "why" of a move goes to; a history that names it otherwise says so.
    REASON_FIELD = "reason"

    # Empty on the first row: the record came into being with ``to_status``.
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    # Kept as a foreign key for the officials' pages; an account deleted later leaves the row
    # (its decision stays on record) with no actor.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who moved it when no person did: "gateway", "reconciliation", "waiting list".
    actor_label = models.CharField(max_length=60, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"
