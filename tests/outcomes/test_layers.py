"""The outcome figures read every app, so they sit on top: no app below imports them (the
demo seeder, which fills every app, is the one caller outside ``config``)."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
BELOW = (
    "core",
    "accounts",
    "notifications",
    "portal",
    "donations",
    "volunteers",
    "community",
    "meals",
)
SEEDER = ROOT / "portal" / "management" / "commands" / "seed_demo.py"


def imported_modules(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_app_below_imports_the_outcome_figures():
    offenders = []
    for app in BELOW:
        for path in (ROOT / app).rglob("*.py"):
            if path == SEEDER or "migrations" in path.parts:
                continue
            if any(m == "outcomes" or m.startswith("outcomes.") for m in imported_modules(path)):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
