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


# The printable monthly report (docs/architecture.md, roles and scopes): the roles whose scope
# is the regency print the regency's report and any kecamatan's; a reviewer prints only the
# kecamatan of their grant (their registry scope), never the regency's total, which sums
# kecamatan outside it. Coordinators read no figures at all.
REPORT_ROLES = FIGURES_ROLES
REPORT_REGENCY_ROLES = frozenset(FIGURES_ROLES - {Role.REVIEWER})


def may_report_regency(user: Any) -> bool:
    return has_any_role(user, REPORT_REGENCY_ROLES)
