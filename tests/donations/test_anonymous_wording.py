"""A gift without a shown name is "a kind person" on the public pages, in the words the giving
form promises, in both languages. The form once promised "seseorang yang baik hati" while the
transparency page said "seorang dermawan".

The Indonesian is read from the catalogues as they will be compiled: the committed one, with
the translations still waiting in locale/pending/ (merged into it before a release) on top."""

import ast
import pathlib
import re

from django.conf import settings

FORM_LABEL = "Show my name on the public pages (otherwise: “a kind person”)"
# Every public string that names an anonymous donor.
PUBLIC_WORDINGS = ("from a kind person", "A kind person")


def po_entries(path: pathlib.Path) -> dict[str, str]:
    """msgid → msgstr of a .po file (singular entries, fuzzy ones left out)."""
    entries: dict[str, str] = {}
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        if "#, fuzzy" in block or "msgid_plural" in block:
            continue
        parts: dict[str, list[str]] = {}
        current = None
        for line in block.splitlines():
            line = line.strip()
            keyword = re.match(r"(msgid|msgstr)\s+(\".*\")$", line)
            if keyword:
                current = keyword.group(1)
                parts[current] = [keyword.group(2)]
            elif line.startswith('"') and current:
                parts[current].append(line)
        if "msgid" in parts and "msgstr" in parts:
            msgid = "".join(ast.literal_eval(s) for s in parts["msgid"])
            msgstr = "".join(ast.literal_eval(s) for s in parts["msgstr"])
            if msgid and msgstr:
                entries[msgid] = msgstr
    return entries


def indonesian() -> dict[str, str]:
    locale = pathlib.Path(settings.BASE_DIR) / "locale"
    catalogue = po_entries(locale / "id" / "LC_MESSAGES" / "django.po")
    for pending in sorted((locale / "pending").glob("*.po")):
        catalogue.update(po_entries(pending))
    return catalogue


def promised(label: str) -> str:
    return re.search(r"“(.+?)”", label).group(1)


def test_the_form_promises_the_words_the_public_pages_use_in_english():
    words = promised(FORM_LABEL)
    assert words == "a kind person"
    for public in PUBLIC_WORDINGS:
        assert public.lower().endswith(words)


def test_the_form_promises_the_words_the_public_pages_use_in_indonesian():
    catalogue = indonesian()
    words = promised(catalogue[FORM_LABEL])
    shown = [catalogue[public] for public in PUBLIC_WORDINGS if public in catalogue]
    assert shown, "the public wording has no Indonesian"
    for text in shown:
        assert text.lower().endswith(words.lower()), (text, words)


def test_the_giving_form_shows_the_promise(client, recipient):
    html = client.get(
        f"/en/donasi/untuk/{recipient.public_id}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert FORM_LABEL in html
