"""Reads about people, filtered by the acting user's role and scope."""

from dataclasses import dataclass
from typing import Any, TypeVar

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404
from django.urls import reverse

from . import registry
from .models import AuditEvent, Role, RoleGrant, User
from .permissions import is_administrator
from .registry import AccountOwner, RoleWork, Waiting
from .scope import Purpose, kecamatan_in_scope

__all__ = [
    "Purpose",
    "account_owner",
    "audit_events_by_actor",
    "audit_events_for_user",
    "get_in_scope",
    "kecamatan_in_scope",
    "landing_url",
    "lead_reviewers",
    "reviewers_of_kecamatan",
    "user_has_totp",
    "users_with_role",
    "work_pages",
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


# --- Where a person's work is (docs/architecture.md, "Roles and scope") -------------------------


@dataclass(frozen=True)
class WorkPage:
    """One page of a person's work, as the chooser and the officials' area show it."""

    url_name: str
    url: str
    title: Any
    roles: tuple[Any, ...]  # the names of the roles whose work it is (lazy translations)
    # What waits there, each line counted (the zero ones left out); None when the page
    # counts nothing.
    waiting: tuple[Waiting, ...] | None

    @property
    def key(self) -> str:
        """Names the page for the stylesheet and the tests ("portal-review_queue")."""
        return self.url_name.replace(":", "-")


def _role_works(user: User) -> dict[str, list[RoleWork]]:
    """The registered work of each role ``user`` holds, by page, in the order of ``Role``."""
    pages: dict[str, list[RoleWork]] = {}
    for role in Role.values:
        work = registry.role_work(role) if role in user.roles else None
        if work is not None:
            pages.setdefault(work.url_name, []).append(work)
    return pages


def work_pages(user: User) -> list[WorkPage]:
    """Each page of ``user``'s work with what waits there, counted in the scope of that page
    (each app's own selector: one or two queries a page)."""
    pages = []
    for url_name, works in _role_works(user).items():
        sources = [work.waiting for work in works if work.waiting is not None]
        waiting = None
        if sources:
            waiting = tuple(line for source in sources for line in source(user) if line.count)
        pages.append(
            WorkPage(
                url_name=url_name,
                url=reverse(url_name),
                title=works[0].title,
                roles=tuple(Role(work.role).label for work in works),
                waiting=waiting,
            )
        )
    return pages


def landing_url(user: User) -> str:
    """Where ``user`` lands after signing in: the page of their work when their roles have
    one, the chooser when they have several, their account when none."""
    pages = list(_role_works(user))
    if not pages:
        return reverse("accounts:home")
    if len(pages) == 1:
        return reverse(pages[0])
    return reverse("accounts:start")
