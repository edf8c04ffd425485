"""The glossary (docs/glossary.md) holds: the Indonesian the portal shows, its own catalogue
and its corrections of allauth's, never uses a word the glossary rules out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CATALOGUES = [
    ROOT / "locale" / "id" / "LC_MESSAGES" / "django.po",
    ROOT / "locale_allauth" / "id" / "LC_MESSAGES" / "django.po",
]
NEVER = {
    "anda (lower case)": re.compile(r"\banda\b"),
    "e-mail": re.compile(r"\b[Ee]-mail\b"),
    "sandi without kata": re.compile(r"(?<![Kk]ata )\b[Ss]andi\b"),
    "Kata Sandi mid-sentence": re.compile(r"(?<=\w )Kata Sandi\b"),
    "silahkan": re.compile(r"\b[Ss]ilahkan\b"),
    "seorang dermawan": re.compile(r"\bseorang dermawan\b", re.IGNORECASE),
    "data diri for a person": re.compile(r"^Data diri$"),
}


def _msgstrs(path: Path) -> list[str]:
    """Every translated string of a catalogue (fuzzy ones are not used, so not read)."""
    found = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = block.splitlines()
        start = next((i for i, line in enumerate(lines) if line.startswith("msgstr")), None)
        if start is None or "#, fuzzy" in block:
            continue
        found.append(
            "".join(
                re.sub(r'^(msgstr(\[\d+\])? )?"|"$', "", line)
                for line in lines[start:]
                if line.startswith(('"', "msgstr"))
            )
        )
    return found


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.parent.name)
def test_no_catalogue_says_what_the_glossary_rules_out(path):
    breaches = [
        (rule, text)
        for text in _msgstrs(path)
        for rule, pattern in NEVER.items()
        if pattern.search(text)
    ]
    assert breaches == []


# A name, not a literal in the call: makemessages would otherwise copy allauth's string into the
# portal's own catalogue.
ALLAUTH_LOGIN_REFUSED = "The email address and/or password you specified are not correct."


def test_allauths_sign_in_speaks_as_the_portal_does():
    """allauth's own Indonesian says "anda"; the corrections catalogue wins over it."""
    with translation.override("id"):
        said = translation.gettext(ALLAUTH_LOGIN_REFUSED)
    assert "Anda" in said and "anda" not in said and "kata sandi" in said


def test_the_person_a_visit_is_about_is_a_lansia():
    with translation.override("id"):
        assert translation.gettext("Person") == "Lansia"
