"""Who may do what, the part every app shares: the administrator's role and maker-checker.

Each app keeps its own role sets and predicates in its ``permissions.py``; views (the
decorator's roles, the flags a template gets), selectors and services ask the same ones, so a
rule is written once. Which kecamatan a user reaches is ``accounts.scope``'s business.
"""

from __future__ import annotations

import uuid
from typing import Any

from .models import OFFICIAL_ROLES, Role, User

__all__ = [
    "ADMIN_ROLES",
    "OFFICIAL_ROLES",
    "has_any_role",
    "is_administrator",
    "is_maker",
    "is_second_person",
]

ADMIN_ROLES = frozenset({Role.ADMINISTRATOR})

# Who made a record is stored either as the user's key (the registry's ``entered_by``) or as
# their ``public_ref`` (the money records, which outlive the account): a maker is either.
Maker = int | uuid.UUID | None


def has_any_role(user: Any, roles: frozenset[str]) -> bool:
    """Whether ``user`` (perhaps a visitor) holds one of ``roles``."""
    return bool(user and user.is_authenticated and user.has_role(*roles))


def is_administrator(user: Any) -> bool:
    return has_any_role(user, ADMIN_ROLES)


def is_maker(user: User, *makers: Maker) -> bool:
    """Whether ``user`` is one of ``makers`` (each a user's pk or ``public_ref``; None for
    nobody)."""
    mine = {user.pk, user.public_ref}
    return any(maker is not None and maker in mine for maker in makers)


def is_second_person(user: User, *makers: Maker) -> bool:
    """Maker-checker: whoever made or last changed a record may not also approve it."""
    return not is_maker(user, *makers)
