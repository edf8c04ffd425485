"""Imports run one way (docs/architecture.md): regions depends on nothing of ours, and
accounts on nothing above it; the apps above reach accounts through accounts.registry."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ABOVE_ACCOUNTS = {
    "portal",
    "notifications",
    "volunteers",
    "donations",
    "community",
    "meals",
    "outcomes",
}


def imported_apps(app: str) -> dict[str, set[str]]:
    """The top-level packages each module of ``app`` imports, at module level or inside a
    function (migrations excepted: their dependencies are history)."""
    found = {}
    for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(settings.BASE_DIR))] = names
    return found


@pytest.mark.parametrize(
    ("app", "forbidden"),
    [("accounts", ABOVE_ACCOUNTS), ("regions", ABOVE_ACCOUNTS | {"accounts"})],
)
def test_an_app_imports_nothing_above_it(app, forbidden):
    offending = {m: sorted(n & forbidden) for m, n in imported_apps(app).items() if n & forbidden}
    assert offending == {}
