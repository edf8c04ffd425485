"""axe-core in the browser tests: the locked package (package.json, package-lock.json; ``npm ci``
puts it in node_modules/), injected into a page through Playwright and run there.

The script goes in with ``page.evaluate``: the DevTools protocol runs it, so the portal's Content
Security Policy, which forbids inline scripts and would refuse a ``<script>`` tag, does not
apply to it, and the page itself is left as the portal served it.

    violations = axe_violations(page)                 # serious and critical only
    assert not violations, format_violations(page.url, violations)
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AXE_DIR = ROOT / "node_modules" / "axe-core"
# The impacts that fail a test; axe also reports "minor" and "moderate".
FAILING_IMPACTS = ("serious", "critical")


class AxeMissing(Exception):
    """node_modules/axe-core is absent, or is not the version package.json pins."""


def pinned_version() -> str:
    return json.loads((ROOT / "package.json").read_text())["devDependencies"]["axe-core"]


@cache
def axe_source() -> str:
    """axe.min.js as installed by ``npm ci``; refuses another version than the pinned one (a
    node_modules left over from before the pin moved)."""
    script = AXE_DIR / "axe.min.js"
    if not script.exists():
        raise AxeMissing(f"axe-core is not installed ({script} is missing): run `npm ci`")
    installed = json.loads((AXE_DIR / "package.json").read_text())["version"]
    if installed != pinned_version():
        raise AxeMissing(
            f"node_modules has axe-core {installed}, package.json pins {pinned_version()}: "
            "run `npm ci`"
        )
    return script.read_text(encoding="utf-8")


# Every rule axe runs by default (WCAG 2.0-2.2 A/AA and best practices); only violations come
# back, with the few fields a reader needs.
_RUN = """
async (impacts) => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => impacts.includes(v.impact))
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.join(" "),
        html: n.html,
        summary: n.failureSummary || "",
      })),
    }));
}
"""


def axe_violations(page, impacts: tuple[str, ...] = FAILING_IMPACTS) -> list[dict[str, Any]]:
    """Run axe on the page as it is now; its violations of ``impacts``."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(_RUN, list(impacts))


def format_violations(where: str, violations: list[dict[str, Any]], *, nodes: int = 4) -> str:
    """One block per rule: its impact, what it asks, and the first few elements it found."""
    lines = [f"{where}: {len(violations)} serious or critical accessibility violation(s)"]
    for violation in violations:
        lines.append(
            f"  [{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({len(violation['nodes'])} element(s); {violation['helpUrl']})"
        )
        for node in violation["nodes"][:nodes]:
            html = " ".join(node["html"].split())
            lines.append(f"      {node['target']}: {html[:160]}")
            summary = " ".join(node["summary"].split())
            if summary:
                lines.append(f"        {summary[:300]}")
        if len(violation["nodes"]) > nodes:
            lines.append(f"      … and {len(violation['nodes']) - nodes} more")
    return "\n".join(lines)
