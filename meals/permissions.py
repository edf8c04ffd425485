"""Who may do what in the meals part (docs/architecture.md, "Roles and scope"); which warung
and people each reaches is ``accounts.scope``'s."""

from __future__ import annotations

from typing import Any

from accounts.models import Role
from accounts.permissions import has_any_role

# Reviewers (their kecamatan) and lead reviewers decide who is reached, so they make and
# change meal plans and hand the warung its delivery link.
PLAN_ROLES = frozenset({Role.REVIEWER, Role.LEAD_REVIEWER})
# Dinas Kesehatan inspects the warung (the regency).
INSPECTOR_ROLES = frozenset({Role.HEALTH_INSPECTOR})
# Who opens the meals pages (warung, inspections, plans): each sees what the page allows.
MEALS_READ_ROLES = frozenset(
    {Role.REVIEWER, Role.LEAD_REVIEWER, Role.HEALTH_INSPECTOR, Role.ADMINISTRATOR}
)
# Inspection photos may show the warung's people: inspectors and administrators only.
INSPECTION_PHOTO_ROLES = frozenset({Role.HEALTH_INSPECTOR, Role.ADMINISTRATOR})
# Warung partners are the payees of disbursements: the finance side keeps their register.
WARUNG_REGISTER_ROLES = frozenset({Role.FINANCE_OFFICER, Role.ADMINISTRATOR})


def may_plan_meals(user: Any) -> bool:
    return has_any_role(user, PLAN_ROLES)


def may_inspect(user: Any) -> bool:
    return has_any_role(user, INSPECTOR_ROLES)


def may_read_meals(user: Any) -> bool:
    return has_any_role(user, MEALS_READ_ROLES)


def may_see_inspection_photos(user: Any) -> bool:
    return has_any_role(user, INSPECTION_PHOTO_ROLES)


def may_keep_warung_register(user: Any) -> bool:
    return has_any_role(user, WARUNG_REGISTER_ROLES)
