"""Who may read the outbox and send a notification again."""

from __future__ import annotations

from typing import Any

from accounts.models import Role
from accounts.permissions import has_any_role

# The outbox holds every message's recipient: administrators, and lead reviewers who chase
# the alerts that did not arrive.
OUTBOX_ROLES = frozenset({Role.ADMINISTRATOR, Role.LEAD_REVIEWER})


def may_read_outbox(user: Any) -> bool:
    return has_any_role(user, OUTBOX_ROLES)
