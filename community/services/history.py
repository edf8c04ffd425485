"""The one table of allowed moves for each kind of community record, and the one service
that makes a move and writes its history row."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from accounts.models import User
from core import transitions

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
# The status each record is made in (its first history row).
_START = {Referral: R.UNVERIFIED, Concern: C.UNVERIFIED, RightsRequest: Q.OPEN}


class MoveRefused(transitions.TransitionRefused):
    pass


def _refused(workflow: transitions.Workflow[Any, History], origin: str, to: str) -> str:
    return _("This is no longer possible: the report is “%(status)s”.") % {
        "status": workflow.model.Status(origin).label
    }


WORKFLOWS: dict[type[models.Model], transitions.Workflow[Any, History]] = {
    model: transitions.Workflow(
        model=model,
        history=History,
        link=_LINK[model],
        moves={("", _START[model]), *moves},
        refused=MoveRefused,
        refused_message=_refused,
    )
    for model, moves in TRANSITIONS.items()
}


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
    return WORKFLOWS[type(obj)].move(
        obj,
        to_status,
        actor=actor,
        actor_label=actor_label if actor is None else "",
        reason=note,
        fields=fields,
    )


def history_start(
    *, obj: Referral | Concern | RightsRequest, actor: User | None, actor_label: str = ""
) -> History:
    return WORKFLOWS[type(obj)].start(
        obj, actor=actor, actor_label=actor_label if actor is None else ""
    )
