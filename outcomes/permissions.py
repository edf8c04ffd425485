"""Who reads the outcome figures in full (counts, no person): every official but school
coordinators."""

from accounts.models import OFFICIAL_ROLES, Role

FIGURES_ROLES = frozenset(OFFICIAL_ROLES - {Role.SCHOOL_COORDINATOR})
