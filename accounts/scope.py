"""Which kecamatan a user may read, asked for one purpose at a time.

A user may hold several roles, and each role reaches differently for each kind of record:
a health inspector's regency covers warung and their inspections, not the people fed there;
a coordinator's school places them in a kecamatan for visits, not for the registry. Scope is
therefore never a union of everything a user's roles reach: it is the union over the roles
that *have* the purpose asked about. The table follows the table of roles and the person-page
matrix of docs/architecture.md.
"""

from __future__ import annotations

import enum

from django.db.models import Q, QuerySet

from regions.models import Kecamatan

from . import registry
from .models import Role, RoleGrant, User


class Purpose(enum.StrEnum):
    # The registry of people: review, records, manual entry, the region pages.
    REGISTRY = "registry"
    # Concerns about listings and data-rights requests (referrals are the data officers').
    COMMUNITY = "community"
    # People's meal plans and the delivery lists with their addresses.
    MEALS = "meals"
    # Warung partners and their health inspections.
    WARUNG = "warung"
    # Organising and following visit slots.
    VISITS = "visits"
    # Visit reports and the people visited (the elderly person's wellbeing: health data).
    VISIT_REPORTS = "visit_reports"
    # Gifts, sponsorships and disbursements.
    MONEY = "money"


class Reach(enum.Enum):
    REGENCY = "regency"
    # The kecamatan listed on the role's grant (a reviewer's one or more).
    GRANT = "grant"
    # The kecamatan of the school on the role's grant (a school coordinator's).
    SCHOOL = "school"


R = Role
REGENCY, GRANT, SCHOOL = Reach.REGENCY, Reach.GRANT, Reach.SCHOOL

# purpose -> {role: reach}. A role missing from a purpose contributes nothing to it, whatever
# it reaches elsewhere. Administrators reach everything (docs/architecture.md, roles).
SCOPE: dict[Purpose, dict[str, Reach]] = {
    Purpose.REGISTRY: {
        R.DATA_OFFICER: REGENCY,
        R.REVIEWER: GRANT,
        R.LEAD_REVIEWER: REGENCY,
        R.ADMINISTRATOR: REGENCY,
    },
    # The data officer's regency is for the referrals that lead into the registry.
    Purpose.COMMUNITY: {
        R.DATA_OFFICER: REGENCY,
        R.REVIEWER: GRANT,
        R.LEAD_REVIEWER: REGENCY,
        R.ADMINISTRATOR: REGENCY,
    },
    # Reviewers decide who is reached; a health inspector never sees who is fed.
    Purpose.MEALS: {
        R.REVIEWER: GRANT,
        R.LEAD_REVIEWER: REGENCY,
        R.ADMINISTRATOR: REGENCY,
    },
    # Dinas Kesehatan inspects every warung of the regency.
    Purpose.WARUNG: {
        R.REVIEWER: GRANT,
        R.LEAD_REVIEWER: REGENCY,
        R.HEALTH_INSPECTOR: REGENCY,
        R.ADMINISTRATOR: REGENCY,
    },
    # A coordinator's school counts here only: they arrange their students' visits near it.
    Purpose.VISITS: {
        R.REVIEWER: GRANT,
        R.LEAD_REVIEWER: REGENCY,
        R.SCHOOL_COORDINATOR: SCHOOL,
        R.ADMINISTRATOR: REGENCY,
    },
    Purpose.VISIT_REPORTS: {
        R.REVIEWER: GRANT,
        R.LEAD_REVIEWER: REGENCY,
        R.ADMINISTRATOR: REGENCY,
    },
    Purpose.MONEY: {
        R.FINANCE_OFFICER: REGENCY,
        R.REVIEWER: GRANT,
        R.LEAD_REVIEWER: REGENCY,
        R.ADMINISTRATOR: REGENCY,
    },
}


def kecamatan_in_scope(user: User, *, purpose: Purpose) -> QuerySet[Kecamatan]:
    """The kecamatan whose records of ``purpose`` ``user`` may see (none for a visitor)."""
    if not user.is_authenticated:
        return Kecamatan.objects.none()
    table = SCOPE[purpose]
    reaches: dict[Reach, list[str]] = {}
    for role in user.roles:
        if role in table:
            reaches.setdefault(table[role], []).append(role)
    if Reach.REGENCY in reaches:
        return Kecamatan.objects.all()
    where = Q(pk__in=[])
    if Reach.GRANT in reaches:
        where |= Q(
            pk__in=RoleGrant.objects.filter(user=user, role__in=reaches[Reach.GRANT]).values(
                "kecamatan"
            )
        )
    if Reach.SCHOOL in reaches:
        where |= Q(
            pk__in=registry.coordinator_schools().kecamatan(
                RoleGrant.objects.filter(user=user, role__in=reaches[Reach.SCHOOL])
            )
        )
    return Kecamatan.objects.filter(where)
