"""The one table of allowed moves for each kind of community record, and the one service
that makes a move and writes its history row."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from accounts.models import User

from ..models import Concern, History, Referral, RightsRequest

R, C, Q = Referral.Status, Concern.Status, RightsRequest.Status

# (from, to) of each model. The table says which moves exist; who may make them is decided by
# the service that offers the move (its roles), scope by the caller's selector.
TRANSITIONS: dict[type[models.Model], frozenset[tuple[str, str]]] = {
    Referral: frozenset(
        {
            (R.UNVERIFIED, R.OPEN),  # the reporter typed the code back
            (R.OPEN, R.VERIFIED),
            (R.OPEN, R.ALREADY_KNOWN),
            (R.OPEN, R.NOT_ELIGIBLE),
            (R.OPEN, R.NOT_FOUND),
        }
    ),
    Concern: frozenset({(C.UNVERIFIED, C.OPEN), (C.OPEN, C.ANSWERED)}),
    RightsRequest: frozenset({(Q.OPEN, Q.DONE), (Q.OPEN, Q.REFUSED)}),
}
_LINK = {Referral: "referral", Concern: "concern", RightsRequest: "rights_request"}


class MoveRefused(ValidationError):
    pass


def status_move(
    *,
    obj: Referral | Concern | RightsRequest,
    to_status: str,
    actor: User | None,
    note: str = "",
    actor_label: str = "",
    fields: tuple[str, ...] = (),
) -> History:
    """Move ``obj`` (locked by the caller) to ``to_status`` if the table allows it, saving
    ``status`` and ``fields`` with update_fields, and write the history row."""
    model = type(obj)
    origin = obj.status
    if (origin, to_status) not in TRANSITIONS[model]:
        raise MoveRefused(
            _("This is no longer possible: the report is “%(status)s”.")
            % {"status": model.Status(origin).label}
        )
    obj.status = to_status
    obj.save(update_fields=["status", *fields])
    return History.objects.create(
        **{_LINK[model]: obj},
        from_status=origin,
        to_status=to_status,
        actor=actor,
        actor_label=actor_label if actor is None else "",
        note=note,
    )


def history_start(*, obj, actor: User | None, actor_label: str = "") -> History:
    return History.objects.create(
        **{_LINK[type(obj)]: obj},
        from_status="",
        to_status=obj.status,
        actor=actor,
        actor_label=actor_label if actor is None else "",
    )
