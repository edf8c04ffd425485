"""Reads about people, filtered by the acting user's role and scope."""

from typing import Any, TypeVar

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

from .models import AuditEvent, Role, RoleGrant, User
from .permissions import is_administrator
from .registry import AccountOwner
from .scope import Purpose, kecamatan_in_scope

__all__ = [
    "Purpose",
    "account_owner",
    "audit_events_by_actor",
    "audit_events_for_user",
    "get_in_scope",
    "kecamatan_in_scope",
    "lead_reviewers",
    "reviewers_of_kecamatan",
    "user_has_totp",
    "users_with_role",
]


def account_owner(user: User) -> AccountOwner:
    """The account holder as the personal-data steps see them: the addresses they proved.
    The account's own e-mail counts only once verified (an unconfirmed sign-up may have typed
    someone else's)."""
    emails = {
        address.lower()
        for address in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }
    return AccountOwner(user=user, verified_emails=tuple(sorted(emails)))


def user_has_totp(user: User) -> bool:
    return bool(Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists())


def users_with_role(role: str) -> QuerySet[User]:
    """The active users holding ``role`` (whoever an alert or a digest for that role reaches)."""
    return User.objects.filter(
        is_active=True, pk__in=RoleGrant.objects.filter(role=role).values("user")
    )


def lead_reviewers() -> QuerySet[User]:
    return users_with_role(Role.LEAD_REVIEWER)


def reviewers_of_kecamatan(kecamatan_id: int) -> QuerySet[User]:
    """The active reviewers granted ``kecamatan_id``; when it has none, the lead reviewers (an
    alert about a person there must reach somebody)."""
    reviewers = User.objects.filter(
        is_active=True,
        pk__in=RoleGrant.objects.filter(role=Role.REVIEWER, kecamatan=kecamatan_id).values("user"),
    )
    if not reviewers.exists():
        return lead_reviewers()
    return reviewers


M = TypeVar("M", bound=Model)


def get_in_scope(in_scope: QuerySet[M], *, user: User, target: str, **lookup: Any) -> M:
    """The one object of ``in_scope`` matching ``lookup``, or 404.

    When the object exists but lies outside the user's scope the answer is the same 404 (no
    hint that it exists), and the attempt is written to the audit log.
    """
    try:
        return in_scope.get(**lookup)
    except ObjectDoesNotExist:
        if in_scope.model._default_manager.filter(**lookup).exists():
            from .services import audit_record  # noqa: PLC0415 -- services import selectors

            audit_record(actor=user, action=AuditEvent.Action.SCOPE_DENIED, target=target)
        raise Http404 from None


def audit_events_by_actor(user: User) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(actor_ref=user.public_ref).order_by("created_at", "id")


def audit_events_for_user(
    user: User, *, action: str = "", actor_ref: str = ""
) -> QuerySet[AuditEvent]:
    """The audit log as ``user`` may read it: all of it for an administrator, nothing else."""
    if not is_administrator(user):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if actor_ref:
        events = events.filter(actor_ref=actor_ref)
    return events
