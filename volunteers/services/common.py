"""Small shared pieces of the visit services: who organises what."""

from accounts.models import Role, RoleGrant, User

# Who may organise visits (make slots, cancel them, take attendance): the table of roles gives
# visit slots to reviewers (their kecamatan) and lead reviewers (all a reviewer may), and a
# school's slots to its coordinators.
ORGANISER_ROLES = frozenset({Role.REVIEWER, Role.LEAD_REVIEWER, Role.SCHOOL_COORDINATOR})
# Who reads visit reports (the elderly person's wellbeing: health data).
REPORT_ROLES = frozenset({Role.REVIEWER, Role.LEAD_REVIEWER})


def reviewer_kecamatan_ids(user: User) -> set[int]:
    return set(
        RoleGrant.objects.filter(user=user, role=Role.REVIEWER)
        .exclude(kecamatan=None)
        .values_list("kecamatan", flat=True)
    )


def coordinator_school_id(user: User) -> int | None:
    return (
        RoleGrant.objects.filter(user=user, role=Role.SCHOOL_COORDINATOR)
        .values_list("school_id", flat=True)
        .first()
    )
