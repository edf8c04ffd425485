"""Who may do what with residents' reports and data-rights requests (docs/architecture.md: referrals
are the data officers', concerns and rights requests the reviewers' of the kecamatan)."""

from __future__ import annotations

from typing import Any

from accounts.models import Role
from accounts.permissions import has_any_role
from portal.permissions import ERASE_ROLES

__all__ = [
    "CONCERN_ROLES",
    "ERASE_ROLES",
    "REFERRAL_ROLES",
    "RIGHTS_ROLES",
    "may_decide_concerns",
    "may_erase",
    "may_handle_rights",
    "may_work_referrals",
]

# Who works the referrals queue: Diskominfo's data officers, for the whole regency.
REFERRAL_ROLES = frozenset({Role.DATA_OFFICER, Role.ADMINISTRATOR})
CONCERN_ROLES = frozenset({Role.REVIEWER, Role.LEAD_REVIEWER})
RIGHTS_ROLES = frozenset({Role.REVIEWER, Role.LEAD_REVIEWER})
# ERASE_ROLES is the lifecycle's: lead reviewers alone erase, so the irreversible step has a
# second pair of eyes when a reviewer recorded the request.


def may_work_referrals(user: Any) -> bool:
    return has_any_role(user, REFERRAL_ROLES)


def may_decide_concerns(user: Any) -> bool:
    return has_any_role(user, CONCERN_ROLES)


def may_handle_rights(user: Any) -> bool:
    return has_any_role(user, RIGHTS_ROLES)


def may_erase(user: Any) -> bool:
    return has_any_role(user, ERASE_ROLES)
