"""Every status with a history moves through ``core.transitions``: nothing else writes it.

A status written by hand skips the table of allowed moves and leaves no history row, and the
history is what officials and auditors read (who, when, from, to, why). This test reads the
source of every app (not migrations, not tests) and fails on a hand-written status.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "accounts",
    "attention",
    "community",
    "config",
    "core",
    "donations",
    "meals",
    "notifications",
    "portal",
    "regions",
    "volunteers",
)

# The models whose status is a lifecycle with a history table.
COVERED = frozenset(
    {
        "Recipient",
        "Booking",
        "Referral",
        "Concern",
        "RightsRequest",
        "MealPlan",
        "Gift",
        "Sponsorship",
        "Refund",
        "FundTransfer",
        "Disbursement",
        "VisitSlot",
        "Student",
        "Item",
    }
)

# The one module that writes a covered status.
TRANSITION_MODULES = frozenset({"core/transitions.py"})

# Machinery with a ``status`` of its own that is not a lifecycle with history; the webhook
# outcomes (``WebhookEvent.outcome``) and import batches have no ``status`` field at all.
MACHINERY = {
    "notifications/services.py": "the outbox's lease: pending → sending → sent or back",
    "donations/views/sandbox.py": "the sandbox gateway's stand-in for Stripe's checkout session",
    "donations/gateways/sandbox.py": "the sandbox gateway's stand-in for Stripe's checkout session",
    "donations/gateways/midtrans/sandbox.py": "the Midtrans sandbox's stand-in for its transaction",
    "donations/views/midtrans_sandbox.py": "the Midtrans sandbox's stand-in for its transaction",
}

WRITING_CALLS = frozenset({"update", "create", "update_or_create", "get_or_create"})


def _sources() -> list[Path]:
    files = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                files.append(path)
    return files


def _root_name(node: ast.AST) -> str | None:
    """The name a chain like ``Gift.objects.filter(...).update`` starts from."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def _is_other_model(name: str | None) -> bool:
    """A class name we know is not covered (``Notification.objects...``)."""
    return name is not None and name[:1].isupper() and name not in COVERED


def _has_status_keyword(call: ast.Call) -> bool:
    return any(keyword.arg == "status" for keyword in call.keywords)


def _lists_status(node: ast.AST) -> bool:
    return isinstance(node, ast.List | ast.Tuple | ast.Set) and any(
        isinstance(item, ast.Constant) and item.value == "status" for item in node.elts
    )


def violations_in(source: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and part.attr == "status":
                    found.append((node.lineno, f"{ast.unparse(part)} = …"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in COVERED and _has_status_keyword(node):
                found.append((node.lineno, f"{func.id}(status=…)"))
            if (
                func.id == "setattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value == "status"
            ):
                found.append((node.lineno, "setattr(…, 'status', …)"))
            continue
        if not isinstance(func, ast.Attribute):
            continue
        if _is_other_model(_root_name(func.value)):
            continue
        if func.attr in WRITING_CALLS and _has_status_keyword(node):
            found.append((node.lineno, f".{func.attr}(status=…)"))
        if func.attr == "bulk_update":
            fields = [*node.args[1:2], *(k.value for k in node.keywords if k.arg == "fields")]
            if any(_lists_status(field) for field in fields):
                found.append((node.lineno, ".bulk_update(…, ['status', …])"))
        if func.attr == "save":
            for keyword in node.keywords:
                if keyword.arg == "update_fields" and _lists_status(keyword.value):
                    found.append((node.lineno, ".save(update_fields=['status', …])"))
    return found


def all_violations() -> list[str]:
    report = []
    for path in _sources():
        relative = path.relative_to(ROOT).as_posix()
        if relative in TRANSITION_MODULES or relative in MACHINERY:
            continue
        for line, what in violations_in(path.read_text(encoding="utf-8")):
            report.append(f"{relative}:{line}: {what}")
    return report


def test_no_status_is_written_outside_the_transition_helper():
    found = all_violations()
    assert not found, (
        f"{len(found)} status writes outside core.transitions (use the app's workflow):\n"
        + "\n".join(found)
    )


@pytest.mark.parametrize(
    "source",
    [
        "gift.status = Gift.Status.PAID",
        "self.record.status = 'x'",
        "Gift.objects.filter(pk=1, status='pending').update(status='failed')",
        "Sponsorship.objects.create(donor=d, status='active')",
        "qs.update(status='expired')",
        "Booking.objects.update_or_create(pk=1, defaults={}, status='x')",
        "Student(user=u, status='confirmed')",
        "Gift.objects.bulk_update(gifts, ['status'])",
        "gift.save(update_fields=['status', 'paid_at'])",
        "setattr(gift, 'status', 'paid')",
    ],
)
def test_the_checker_sees_each_way_of_writing_a_status(source):
    assert violations_in(source)


@pytest.mark.parametrize(
    "source",
    [
        "Gift.objects.filter(status='paid')",
        "Notification.objects.filter(pk=1).update(status='sent')",
        "Count('pk', filter=Q(status='open'))",
        "gift.message_status = 'approved'",
        "history.create(to_status='paid')",
        "render(request, 'x.html', status=404)",
    ],
)
def test_the_checker_lets_reads_and_other_machinery_be(source):
    assert not violations_in(source)
