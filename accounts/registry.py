"""How the apps above accounts take part in its work.

Imports run one way (docs/architecture.md): accounts may not import the apps that hold a
person's other records, yet deleting an account must reach them, and a school coordinator's
grant names a school that volunteers keeps. Each app fills what it owns here from its
``AppConfig.ready()`` by an explicit call, so that ``grep register_`` finds every hook.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from .models import RoleGrant, User

# Runs when an account is deleted, inside the deletion's transaction, before the row goes.
ErasureStep = Callable[[User], None]


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
    of_grants: Callable[[Iterable[RoleGrant]], dict[int, School]]
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


_erasure_steps: list[ErasureStep] = []
_hooks: dict[str, Any] = {}


def register_erasure_step(step: ErasureStep) -> None:
    if step not in _erasure_steps:
        _erasure_steps.append(step)


def erasure_steps() -> tuple[ErasureStep, ...]:
    return tuple(_erasure_steps)


def register_coordinator_schools(schools: CoordinatorSchools) -> None:
    _hooks["coordinator_schools"] = schools


def coordinator_schools() -> CoordinatorSchools:
    return _required("coordinator_schools")


def register_account_mail_sender(sender: AccountMailSender) -> None:
    _hooks["account_mail_sender"] = sender


def account_mail_sender() -> AccountMailSender:
    return _required("account_mail_sender")


def _required(name: str) -> Any:
    try:
        return _hooks[name]
    except KeyError:
        raise ImproperlyConfigured(f"No installed app registered accounts' {name}.") from None
