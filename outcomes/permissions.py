"""Who reads the outcome figures in full (counts, no person): every official but school
coordinators."""

from typing import Any

from accounts.models import OFFICIAL_ROLES, Role
from accounts.permissions import has_any_role

FIGURES_ROLES = frozenset(OFFICIAL_ROLES - {Role.SCHOOL_COORDINATOR})


def may_see_figures(user: Any) -> bool:
    return has_any_role(user, FIGURES_ROLES)


# The regency sets its targets: lead reviewers and administrators (issue 18).
TARGET_ROLES = frozenset({Role.LEAD_REVIEWER, Role.ADMINISTRATOR})
# The officials-only lists name people and tell their meals, visits and money together: the
# roles that see every section of a person (docs/architecture.md, the person-page matrix),
# each within their registry scope.
LIST_ROLES = frozenset({Role.REVIEWER, Role.LEAD_REVIEWER, Role.ADMINISTRATOR})


def may_set_targets(user: Any) -> bool:
    return has_any_role(user, TARGET_ROLES)
