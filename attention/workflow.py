"""The table of an attention item's moves (``core.transitions``)."""

from __future__ import annotations

from core.transitions import Rule, Workflow

from .models import Item, ItemStatus, ItemTransition

S = ItemStatus
# Who moved an item when no official did: the service whose condition ended it, or the beat.
PORTAL = "portal"

ITEMS: Workflow[Item, ItemTransition] = Workflow(
    model=Item,
    history=ItemTransition,
    link="item",
    moves={
        ("", S.OPEN): Rule(),
        (S.OPEN, S.TAKEN): Rule(),
        # Resolving an open item takes it too: the resolver is named on it.
        (S.OPEN, S.RESOLVED): Rule(needs_reason=True),
        (S.TAKEN, S.RESOLVED): Rule(needs_reason=True),
        (S.OPEN, S.CLOSED): Rule(),
        (S.TAKEN, S.CLOSED): Rule(),
    },
)
