"""Who reads the outcome figures in full (counts, no person): every official but school
coordinators."""

from typing import Any

from accounts.models import OFFICIAL_ROLES, Role
from accounts.permissions import has_any_role

FIGURES_ROLES = frozenset(OFFICIAL_ROLES - {Role.SCHOOL_COORDINATOR})


def may_see_figures(user: Any) -> bool:
    return has_any_role(user, FIGURES_ROLES)
