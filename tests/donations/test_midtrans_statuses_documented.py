"""The Midtrans statuses the operator reads about (docs/operations.md, "Midtrans") are exactly
the statuses the portal maps (``donations.gateways.midtrans.parse.STATUSES``), in the same
order, each said to do what its event does: a status added to the parser without telling the
operator, or a list left behind, fails here."""

from __future__ import annotations

import re
from pathlib import Path

from donations.gateways.midtrans.parse import STATUSES

ROOT = Path(__file__).resolve().parents[2]

# What the operator's list says each kind of event does.
SAYS = {
    "payment_pending": "nothing yet",
    "payment_settled": "the money arrived",
    "checkout_expired": "expired",
    "payment_failed": "the payment failed",
    "refund_total_changed": "the refunded total",
    "unhandled": "recorded and ignored",
}


def _documented() -> list[tuple[str, str]]:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    section = text.split("\n## Midtrans\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\s*- `([a-z_]+)`: (.+)$", section, flags=re.MULTILINE)


def test_the_operations_guide_lists_exactly_the_statuses_the_portal_maps():
    assert [status for status, _says in _documented()] == list(STATUSES)


def test_each_documented_status_says_what_its_event_does():
    for status, says in _documented():
        assert SAYS[STATUSES[status]] in says, status
