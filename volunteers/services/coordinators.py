"""The school a school coordinator's grant is for. accounts gives the roles; volunteers keeps the
schools, and hands accounts these functions through accounts.registry (see apps.py)."""

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from accounts.models import RoleGrant
from accounts.registry import CoordinatorSchools

from ..models import School, SchoolCoordinator


def school_find(npsn: str) -> School | None:
    return School.objects.filter(npsn=npsn).first()


def coordinator_school_link(grant: RoleGrant, school: School) -> None:
    SchoolCoordinator.objects.update_or_create(grant=grant, defaults={"school": school})


def coordinator_schools_of(grants: Iterable[RoleGrant]) -> dict[int, School]:
    links = SchoolCoordinator.objects.filter(grant__in=[g.pk for g in grants]).select_related(
        "school"
    )
    return {link.grant_id: link.school for link in links}


def coordinator_school_kecamatan(grants: QuerySet[RoleGrant]) -> QuerySet[Any]:
    return SchoolCoordinator.objects.filter(grant__in=grants).values("school__kecamatan")


COORDINATOR_SCHOOLS = CoordinatorSchools(
    find=school_find,
    link=coordinator_school_link,
    of_grants=coordinator_schools_of,
    kecamatan=coordinator_school_kecamatan,
)
