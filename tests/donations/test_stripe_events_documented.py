"""The Stripe events the webhook endpoint must be subscribed to are written down twice, for the
operator (docs/operations.md, "Payments", and .env.example); both lists are the events the
portal parses (``donations.gateways.stripe.parse.EVENT_TYPES``), so that adding a parser without
telling the operator, or a list left behind, fails here. An event missing from the dashboard
is never sent: without ``charge.dispute.funds_withdrawn`` a lost dispute's money would never
reach the ledger."""

from __future__ import annotations

import re
from pathlib import Path

from donations.gateways.stripe.parse import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]


def _operations_events() -> list[str]:
    """The bullets of the Payments section that are one event name each."""
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = text.split("\n## Payments\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\s*- `([a-z_]+(?:\.[a-z_]+)+)`$", section, flags=re.MULTILINE)


def _env_example_events() -> list[str]:
    """The indented comment lines just above ``STRIPE_SECRET_KEY=``: the names, comma-separated."""
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    block: list[str] = []
    for line in reversed(lines[: lines.index("STRIPE_SECRET_KEY=")]):
        if not line.startswith("#   "):
            break
        block.insert(0, line[1:])
    return [name.strip() for name in ",".join(block).split(",") if name.strip()]


def test_the_operations_guide_lists_exactly_the_events_the_portal_parses():
    assert _operations_events() == list(EVENT_TYPES)


def test_env_example_lists_exactly_the_events_the_portal_parses():
    assert _env_example_events() == list(EVENT_TYPES)
