"""Who sees and who may take which attention item (decisions.md, "One target, many
agencies": the owner column of the table of items)."""

from __future__ import annotations

from typing import Any

from accounts.models import Role
from accounts.permissions import has_any_role
from accounts.scope import Purpose

from .models import Kind

__all__ = ["KIND_PURPOSE", "OWNER_ROLE", "QUEUE_ROLES", "may_read_queue"]

# The role that owns each kind; lead reviewers may take every item (they are where each one
# escalates to).
OWNER_ROLE: dict[str, str] = {
    Kind.MISSED_DELIVERIES: Role.REVIEWER,
    Kind.UNMARKED_DAY: Role.REVIEWER,
    Kind.REPORT_FLAG: Role.REVIEWER,
    Kind.WARUNG_SUSPENDED: Role.REVIEWER,
    Kind.INSPECTION_OVERDUE: Role.HEALTH_INSPECTOR,
    Kind.CONCERN: Role.REVIEWER,
    Kind.RIGHTS_REQUEST: Role.REVIEWER,
}
# The purpose a kind's kecamatan is asked for (accounts.scope).
KIND_PURPOSE: dict[str, Purpose] = {
    Kind.MISSED_DELIVERIES: Purpose.MEALS,
    Kind.UNMARKED_DAY: Purpose.MEALS,
    Kind.REPORT_FLAG: Purpose.VISIT_REPORTS,
    Kind.WARUNG_SUSPENDED: Purpose.MEALS,
    Kind.INSPECTION_OVERDUE: Purpose.WARUNG,
    Kind.CONCERN: Purpose.COMMUNITY,
    Kind.RIGHTS_REQUEST: Purpose.COMMUNITY,
}
# Administrators read the queue; they take nothing (they are not an agency's officer).
QUEUE_ROLES = frozenset(
    {Role.REVIEWER, Role.LEAD_REVIEWER, Role.HEALTH_INSPECTOR, Role.ADMINISTRATOR}
)
TAKE_ROLES = frozenset({Role.REVIEWER, Role.LEAD_REVIEWER, Role.HEALTH_INSPECTOR})


def may_read_queue(user: Any) -> bool:
    return has_any_role(user, QUEUE_ROLES)
