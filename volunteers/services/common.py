"""Small shared pieces of the visit services: where an official's grant is."""

from accounts.models import Role, RoleGrant, User

from ..models import SchoolCoordinator


def reviewer_kecamatan_ids(user: User) -> set[int]:
    return set(
        RoleGrant.objects.filter(user=user, role=Role.REVIEWER)
        .exclude(kecamatan=None)
        .values_list("kecamatan", flat=True)
    )


def coordinator_school_id(user: User) -> int | None:
    return (
        SchoolCoordinator.objects.filter(grant__user=user, grant__role=Role.SCHOOL_COORDINATOR)
        .values_list("school_id", flat=True)
        .first()
    )
