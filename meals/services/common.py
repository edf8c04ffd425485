"""Shared pieces of the meals services: who may do what, who hears alerts."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Role, RoleGrant, User

# docs/architecture.md, "Roles and scope": reviewers (their kecamatan) and lead reviewers decide
# who is reached, so they make and change meal plans and hand the warung its delivery link.
PLAN_ROLES = frozenset({Role.REVIEWER, Role.LEAD_REVIEWER})
# Dinas Kesehatan inspects the warung (the regency).
INSPECTOR_ROLES = frozenset({Role.HEALTH_INSPECTOR})
# Who opens the meals pages (warung, inspections, plans): each sees what the page allows.
MEALS_READ_ROLES = frozenset(
    {Role.REVIEWER, Role.LEAD_REVIEWER, Role.HEALTH_INSPECTOR, Role.ADMINISTRATOR}
)
# Inspection photos may show the warung's people: inspectors and administrators only.
PHOTO_ROLES = frozenset({Role.HEALTH_INSPECTOR, Role.ADMINISTRATOR})


def kecamatan_reviewers(kecamatan_id: int) -> QuerySet[User]:
    """The reviewers of a kecamatan; the lead reviewers when it has none (an alert must
    reach somebody)."""
    reviewers = User.objects.filter(
        is_active=True, role_grants__role=Role.REVIEWER, role_grants__kecamatan=kecamatan_id
    ).distinct()
    if reviewers.exists():
        return reviewers
    return User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.filter(role=Role.LEAD_REVIEWER).values("user"),
    )
