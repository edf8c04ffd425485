"""Who may do what on the registry of elderly residents (docs/architecture.md, "Roles and scope").

Which kecamatan each role reaches is ``accounts.scope``'s; which status moves each role may
make is the lifecycle's table, built from these sets.
"""

from __future__ import annotations

from typing import Any

from accounts.models import Role, User
from accounts.permissions import has_any_role, is_second_person

from .models import Recipient

# Who reads the registry (the review queue, records, the region pages) and enters a person by
# hand: the officials who work on it, and administrators.
REGISTRY_ROLES = frozenset(
    {Role.DATA_OFFICER, Role.REVIEWER, Role.LEAD_REVIEWER, Role.ADMINISTRATOR}
)
# Who works on a record: corrects identity, reveals the NIK, clears warnings, moves it between
# statuses (each move by the lifecycle's table), takes a photo down (always safe, so at once).
RECORD_WORK_ROLES = frozenset({Role.DATA_OFFICER, Role.REVIEWER, Role.LEAD_REVIEWER})
# Dinas Sosial's reviewers: approve, the public profile, photos and their consent.
REVIEW_ROLES = frozenset({Role.REVIEWER, Role.LEAD_REVIEWER})
# Erasure at the person's request is a lead reviewer's (the rights-request workflow).
ERASE_ROLES = frozenset({Role.LEAD_REVIEWER})
# The Diskominfo import and its record: the whole regency's.
IMPORT_ROLES = frozenset({Role.DATA_OFFICER, Role.ADMINISTRATOR})
# The person page (decisions.md, "One target, many agencies"): each role sees its sections of
# the people its scope reaches (portal.selectors.person); a health inspector has none.
PERSON_PAGE_ROLES = frozenset(
    {
        Role.REVIEWER,
        Role.LEAD_REVIEWER,
        Role.DATA_OFFICER,
        Role.FINANCE_OFFICER,
        Role.SCHOOL_COORDINATOR,
        Role.ADMINISTRATOR,
    }
)
# The batch API is Diskominfo's system speaking for a data officer.
BATCH_API_ROLES = frozenset({Role.DATA_OFFICER})


def may_read_registry(user: Any) -> bool:
    return has_any_role(user, REGISTRY_ROLES)


def may_work_on_record(user: Any) -> bool:
    return has_any_role(user, RECORD_WORK_ROLES)


def may_review(user: Any) -> bool:
    return has_any_role(user, REVIEW_ROLES)


def may_import(user: Any) -> bool:
    return has_any_role(user, IMPORT_ROLES)


def may_use_batch_api(user: Any) -> bool:
    return has_any_role(user, BATCH_API_ROLES)


def may_check_recipient(user: User, recipient: Recipient) -> bool:
    """Maker-checker on a record: whoever entered or last edited it may not approve it."""
    return is_second_person(user, recipient.entered_by_id, recipient.last_edited_by_id)
