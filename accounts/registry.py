"""How the apps above accounts take part in its work.

Imports run one way (docs/architecture.md): accounts may not import the apps that hold a
person's other records, yet deleting an account must reach them, a school coordinator's
grant names a school that volunteers keeps, and signing in lands each role on a page of
another app, with what waits there counted. Each app fills what it owns here from its
``AppConfig.ready()`` by an explicit call, so that ``grep register_`` finds every hook.
"""

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from .models import RoleGrant, User


class Subject(enum.StrEnum):
    """Whose personal data a step exports or erases: an account holder (a donor, a student,
    a reporter, an official), or an elderly person of the registry (their rights requests
    are made through the officials, since they have no account)."""

    ACCOUNT = "account"
    RECIPIENT = "recipient"


@dataclass(frozen=True)
class AccountOwner:
    """What ties rows to an account holder beyond a foreign key to the user: the e-mail
    addresses they proved (allauth's verified addresses, lower-cased). Records made as a guest
    with one of them (gifts, referrals confirmed by e-mail) are theirs; a phone number is
    never proven to be theirs, so records tied to a phone are not."""

    user: User
    verified_emails: tuple[str, ...]


# An account step receives an AccountOwner and returns its app's part of the download,
# {section name: JSON-ready rows}; a recipient step receives a portal Recipient and returns
# {section name: rows} for the officials' readable page of an access request. Erase steps run
# inside the deletion's transaction, before the user row goes.
ExportStep = Callable[[Any], dict[str, Any]]
EraseStep = Callable[[Any], None]


@dataclass(frozen=True)
class PersonalData:
    """One app's personal data about one kind of subject, and how it leaves or goes.

    ``models`` are the "app_label.ModelName" labels whose rows the steps cover; ``exempt``
    names models that hold something personal-looking but are deliberately not exported or
    erased, each with the reason (kept by law, not personal, covered by another model).
    """

    app_label: str
    subject: Subject
    export: ExportStep | None
    erase: EraseStep | None
    models: tuple[str, ...]
    exempt: tuple[tuple[str, str], ...] = ()


class School(Protocol):
    pk: Any
    npsn: str
    name: str


@dataclass(frozen=True)
class CoordinatorSchools:
    """The schools a school coordinator's grant may be tied to, as accounts needs them."""

    # The school with this NPSN, or None.
    find: Callable[[str], School | None]
    # Ties a coordinator's grant to a school (one that find returned), replacing the one it had.
    link: Callable[[RoleGrant, Any], None]
    # The school each of these grants is tied to, by the grant's pk.
    of_grants: Callable[[Iterable[RoleGrant]], Mapping[int, School]]
    # The pks of the kecamatan the schools of these grants lie in (for scope).
    kecamatan: Callable[[QuerySet[RoleGrant]], QuerySet[Any]]


class AccountMailSender(Protocol):
    def __call__(
        self,
        *,
        to_address: str,
        user: User | None,
        language: str,
        subject: str,
        text: str,
        html: str,
    ) -> None: ...


@dataclass(frozen=True)
class Waiting:
    """Something that waits for a person on their work page: how many, said in a sentence
    that carries the number ("3 students to confirm"), and where exactly when it
    is a narrower view of the page (a filter)."""

    count: int
    text: str
    url: str = ""


# The counting for one role: given the signed-in user, what waits for them, read in the
# scope of the role's own page (one or two aggregate queries).
WaitingSource = Callable[[User], list[Waiting]]


@dataclass(frozen=True)
class RoleWork:
    """The page of one role's work, where a person holding that role lands after signing in."""

    role: str
    url_name: str
    title: Any  # a lazy translation
    waiting: WaitingSource | None = None


_personal_data: list[PersonalData] = []
_role_work: dict[str, RoleWork] = {}
_hooks: dict[str, Any] = {}


def register_personal_data(
    *,
    app_label: str,
    subject: Subject = Subject.ACCOUNT,
    export: ExportStep | None = None,
    erase: EraseStep | None = None,
    models: Iterable[str] = (),
    exempt: dict[str, str] | None = None,
) -> None:
    """Called from an app's ``AppConfig.ready()``: which of its models hold a subject's
    personal data and the steps that export and erase them. A test fails when a model with
    personal-looking fields is neither covered nor exempt with a reason."""
    entry = PersonalData(
        app_label=app_label,
        subject=subject,
        export=export,
        erase=erase,
        models=tuple(models),
        exempt=tuple(sorted((exempt or {}).items())),
    )
    if any(e.app_label == app_label and e.subject == subject for e in _personal_data):
        raise ImproperlyConfigured(f"{app_label} registered its {subject} data twice.")
    _personal_data.append(entry)


def personal_data(subject: Subject | None = None) -> tuple[PersonalData, ...]:
    return tuple(e for e in _personal_data if subject is None or e.subject == subject)


def register_coordinator_schools(schools: CoordinatorSchools) -> None:
    _hooks["coordinator_schools"] = schools


def coordinator_schools() -> CoordinatorSchools:
    return _required("coordinator_schools")


def register_account_mail_sender(sender: AccountMailSender) -> None:
    _hooks["account_mail_sender"] = sender


def account_mail_sender() -> AccountMailSender:
    return _required("account_mail_sender")


def register_role_work(
    *, role: str, url_name: str, title: Any, waiting: WaitingSource | None = None
) -> None:
    """Called from the ``AppConfig.ready()`` of the app that owns the page: ``role``'s work
    is on ``url_name`` (a URL without arguments), and ``waiting(user)`` counts what waits
    there. One page per role."""
    if role in _role_work:
        raise ImproperlyConfigured(f"The work page of {role} was registered twice.")
    _role_work[role] = RoleWork(role=role, url_name=url_name, title=title, waiting=waiting)


def role_work(role: str) -> RoleWork | None:
    return _role_work.get(role)


def _required(name: str) -> Any:
    try:
        return _hooks[name]
    except KeyError:
        raise ImproperlyConfigured(f"No installed app registered accounts' {name}.") from None
