"""Who may do what with student visits (docs/architecture.md: reviewers organise visit slots
in their kecamatan, lead reviewers in the regency, coordinators for their school; students
book)."""

from __future__ import annotations

from typing import Any

from accounts.models import Role
from accounts.permissions import has_any_role

# Who organises visits (makes slots, cancels them, takes attendance), each in their own reach.
ORGANISER_ROLES = frozenset({Role.REVIEWER, Role.LEAD_REVIEWER, Role.SCHOOL_COORDINATOR})
# Dinas Sosial's reviewers: they read visit reports (the elderly person's wellbeing: health
# data) and arrange visits for any school, not only one of their own.
REVIEWER_ROLES = frozenset({Role.REVIEWER, Role.LEAD_REVIEWER})
# A lead reviewer runs any visit of the regency.
REGENCY_ORGANISER_ROLES = frozenset({Role.LEAD_REVIEWER})
COORDINATOR_ROLES = frozenset({Role.SCHOOL_COORDINATOR})
STUDENT_ROLES = frozenset({Role.STUDENT})


def may_organise_visits(user: Any) -> bool:
    return has_any_role(user, ORGANISER_ROLES)


def may_read_reports(user: Any) -> bool:
    return has_any_role(user, REVIEWER_ROLES)


def may_serve_any_school(user: Any) -> bool:
    return has_any_role(user, REVIEWER_ROLES)


def organises_regency_wide(user: Any) -> bool:
    return has_any_role(user, REGENCY_ORGANISER_ROLES)


def may_coordinate_school(user: Any) -> bool:
    return has_any_role(user, COORDINATOR_ROLES)
