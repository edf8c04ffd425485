"""Reads about people, filtered by the acting user's role and scope."""

from typing import TypeVar

from allauth.mfa.models import Authenticator
from django.db.models import Model, QuerySet
from django.http import Http404

from portal.models import Kecamatan

from .models import REGENCY_ROLES, AuditEvent, Role, RoleGrant, User


def user_has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def kecamatan_in_scope(user: User) -> QuerySet[Kecamatan]:
    """The kecamatan whose records ``user`` may see: all of them for regency-wide roles, their
    own for a reviewer, their school's for a school coordinator, none otherwise."""
    if not user.is_authenticated:
        return Kecamatan.objects.none()
    if user.roles & REGENCY_ROLES:
        return Kecamatan.objects.all()
    return Kecamatan.objects.filter(
        pk__in=RoleGrant.objects.filter(user=user, role=Role.REVIEWER).values("kecamatan")
    ) | Kecamatan.objects.filter(
        pk__in=RoleGrant.objects.filter(user=user, role=Role.SCHOOL_COORDINATOR).values(
            "school__kecamatan"
        )
    )


M = TypeVar("M", bound=Model)


def get_in_scope(in_scope: QuerySet[M], *, user: User, target: str, **lookup) -> M:
    """The one object of ``in_scope`` matching ``lookup``, or 404.

    When the object exists but lies outside the user's scope the answer is the same 404 (no
    hint that it exists), and the attempt is written to the audit log.
    """
    try:
        return in_scope.get(**lookup)
    except in_scope.model.DoesNotExist:
        if in_scope.model._default_manager.filter(**lookup).exists():
            from .services import audit_record

            audit_record(actor=user, action=AuditEvent.Action.SCOPE_DENIED, target=target)
        raise Http404 from None


def audit_events_by_actor(user: User) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(actor_ref=user.public_ref).order_by("created_at", "id")


def audit_events_for_user(
    user: User, *, action: str = "", actor_ref: str = ""
) -> QuerySet[AuditEvent]:
    """The audit log as ``user`` may read it: all of it for an administrator, nothing else."""
    if not user.has_role(Role.ADMINISTRATOR):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if actor_ref:
        events = events.filter(actor_ref=actor_ref)
    return events
