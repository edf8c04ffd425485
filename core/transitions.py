"""The one way a status with a history moves: a table of allowed moves, one helper.

Each app declares a ``Workflow`` per model next to its services: the model, its concrete
history model (a ``core.history.StatusHistory``), the foreign key that links them, and the
table of ``(from, to)`` moves, each optionally with a ``Rule`` (who may make it, whether the
maker may not also check it, whether a reason is needed, what the record must hold first).
``("", to)`` moves are the statuses a record may be created with. A move not in the table is
refused and changes nothing.

Four ways to move:

- ``move``: the caller holds the record current (its row locked); saves the status and the named
  fields with ``update_fields`` and writes one history row.
- ``move_if``: a conditional ``UPDATE … WHERE pk = … AND status = <from>``, for events that may
  arrive twice or at once (gateway webhooks): only the one that changed the row writes history;
  the other gets ``None`` and changes nothing.
- ``move_many``: every row of a queryset in one status to another, its history rows written
  with ``bulk_create``.

A new record is made by ``move`` too: an instance not saved yet moves from no status to one of
its starting statuses, and is saved with its first history row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .history import StatusHistory

M = TypeVar("M", bound=models.Model)
H = TypeVar("H", bound=StatusHistory)


@dataclass(frozen=True)
class Rule:
    # Any of these roles may make the move; None: who may ask is the calling service's check.
    # A move with no actor (``actor=None``) is the portal's own and skips the role check.
    roles: frozenset[str] | None = None
    # Whoever made or last edited the record may not make this move (``Workflow.is_maker``).
    maker_checker: bool = False
    needs_reason: bool = False
    # What the record itself lacks for this move, as the refusal to show ("" when it is
    # ready): a rule about the row, asked of the record as it is under the caller's lock.
    requires: Callable[[Any], str] | None = None


class TransitionRefused(ValidationError):
    """A move the table does not allow, or its rule refuses."""


def _refused_default(workflow: Workflow, origin: str, to: str) -> str:
    return _("This is no longer possible: it is “%(status)s”.") % {
        "status": workflow.label(origin) or "—"
    }


class Workflow(Generic[M, H]):
    def __init__(
        self,
        *,
        model: type[M],
        history: type[H],
        link: str,
        moves: Mapping[tuple[str, str], Rule] | Iterable[tuple[str, str]],
        refused: type[ValidationError] = TransitionRefused,
        refused_message: Callable[[Workflow, str, str], str] = _refused_default,
        is_maker: Callable[[M, Any], bool] | None = None,
        maker_message: str | Promise = "",
        field: str = "status",
    ) -> None:
        self.model = model
        self.history = history
        self.link = link
        self.moves: dict[tuple[str, str], Rule] = (
            dict(moves) if isinstance(moves, Mapping) else {move: Rule() for move in moves}
        )
        self.refused = refused
        self.refused_message = refused_message
        self.is_maker = is_maker
        self.maker_message = maker_message
        self.field = field
        self.choices = dict(model._meta.get_field(field).choices or [])  # type: ignore[union-attr]

    def __repr__(self) -> str:
        return f"<Workflow {self.model.__name__}>"

    def label(self, status: str) -> str:
        return str(self.choices.get(status, status))

    # --- The table -----------------------------------------------------------------------

    def check(
        self, origin: str, to: str, *, obj: M | None = None, actor: Any = None, reason: str = ""
    ) -> Rule:
        """The rule of the move ``origin`` → ``to`` for ``actor``, or the refusal."""
        if to not in self.choices:
            raise self.refused(_("Unknown status: %(status)s.") % {"status": to})
        rule = self.moves.get((origin, to))
        if rule is None:
            raise self.refused(self.refused_message(self, origin, to))
        if actor is not None and rule.roles is not None and not actor.has_role(*rule.roles):
            raise PermissionDenied(_("Your role may not make this change."))
        if self._maker_refused(rule, obj, actor):
            raise self.refused(str(self.maker_message))
        if rule.requires is not None and obj is not None:
            missing = rule.requires(obj)
            if missing:
                raise self.refused(missing)
        if rule.needs_reason and not reason.strip():
            raise self.refused(_("Please give a reason for this change."))
        return rule

    def _maker_refused(self, rule: Rule, obj: M | None, actor: Any) -> bool:
        return bool(
            rule.maker_checker
            and actor is not None
            and obj is not None
            and self.is_maker is not None
            and self.is_maker(obj, actor)
        )

    def allowed(self, obj: M, actor: Any) -> list[str]:
        """The statuses ``actor`` may move ``obj`` to now (a page's buttons)."""
        origin = getattr(obj, self.field)
        return [
            to
            for (source, to), rule in self.moves.items()
            if source == origin
            and (
                actor is None
                or (
                    (rule.roles is None or actor.has_role(*rule.roles))
                    and not self._maker_refused(rule, obj, actor)
                )
            )
        ]

    # --- Moves ---------------------------------------------------------------------------

    def move(
        self,
        obj: M,
        to: str,
        *,
        actor: Any = None,
        actor_label: str = "",
        reason: str = "",
        fields: Sequence[str] = (),
        history: Mapping[str, Any] | None = None,
    ) -> H:
        """Move ``obj``, which the caller holds current (row locked, or not saved yet), to
        ``to``; save the status and ``fields`` (set on ``obj`` by the caller) and write the
        history row. A record not saved yet is created, from no status."""
        adding = obj._state.adding
        origin = "" if adding else getattr(obj, self.field)
        self.check(origin, to, obj=obj, actor=actor, reason=reason)
        setattr(obj, self.field, to)
        with transaction.atomic():
            if adding:
                obj.save()
            else:
                obj.save(update_fields=[self.field, *fields])
            return self._record(obj, origin, to, actor, actor_label, reason, history)

    def move_if(
        self,
        obj: M,
        to: str,
        *,
        expected: str | None = None,
        actor: Any = None,
        actor_label: str = "",
        reason: str = "",
        values: Mapping[str, Any] | None = None,
        history: Mapping[str, Any] | None = None,
    ) -> H | None:
        """Move ``obj`` from ``expected`` (default: the status it was read with) to ``to`` in
        one ``UPDATE … WHERE pk = … AND status = expected``, with ``values`` in the same
        statement. ``None`` when the row had moved already (a repeated or concurrent event):
        nothing is changed and no history written."""
        origin = getattr(obj, self.field) if expected is None else expected
        self.check(origin, to, obj=obj, actor=actor, reason=reason)
        values = dict(values or {})
        with transaction.atomic():
            won = self.model._default_manager.filter(pk=obj.pk, **{self.field: origin}).update(
                **{self.field: to}, **values
            )
            if not won:
                return None
            setattr(obj, self.field, to)
            for name, value in values.items():
                setattr(obj, name, value)
            return self._record(obj, origin, to, actor, actor_label, reason, history)

    def move_many(
        self,
        queryset: QuerySet[M],
        to: str,
        *,
        origin: str,
        actor: Any = None,
        actor_label: str = "",
        reason: str = "",
    ) -> int:
        """Move every row of ``queryset`` that is in ``origin`` to ``to``; one history row
        each, written with ``bulk_create``. Returns how many moved."""
        rule = self.check(origin, to, actor=actor, reason=reason)
        if rule.requires is not None:
            # Its condition is about each record: a bulk move would skip it.
            raise TypeError(f"{origin} -> {to} asks each record first: move them one by one.")
        with transaction.atomic():
            # Locked, so that the rows updated are exactly the rows given a history row.
            pks = list(
                queryset.filter(**{self.field: origin})
                .select_for_update()
                .values_list("pk", flat=True)
            )
            if not pks:
                return 0
            moved = self.model._default_manager.filter(pk__in=pks, **{self.field: origin}).update(
                **{self.field: to}
            )
            self.history._default_manager.bulk_create(
                [
                    self.history(
                        **{f"{self.link}_id": pk},
                        **self._row(origin, to, actor, actor_label, reason),
                    )
                    for pk in pks
                ]
            )
        return moved

    def start(self, obj: M, *, actor: Any = None, actor_label: str = "", reason: str = "") -> H:
        """The first history row of a record saved already in its starting status."""
        to = getattr(obj, self.field)
        self.check("", to, obj=obj, actor=actor, reason=reason)
        return self._record(obj, "", to, actor, actor_label, reason, None)

    # --- History -------------------------------------------------------------------------

    def _row(
        self, origin: str, to: str, actor: Any, actor_label: str, reason: str
    ) -> dict[str, Any]:
        return {
            "from_status": origin,
            "to_status": to,
            "actor": actor,
            "actor_label": actor_label,
            self.history.REASON_FIELD: reason,
        }

    def _record(
        self,
        obj: M,
        origin: str,
        to: str,
        actor: Any,
        actor_label: str,
        reason: str,
        extra: Mapping[str, Any] | None,
    ) -> H:
        return self.history._default_manager.create(
            **{self.link: obj},
            **self._row(origin, to, actor, actor_label, reason),
            **(extra or {}),
        )
