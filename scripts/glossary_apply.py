#!/usr/bin/env python3
"""Apply the glossary (docs/glossary.md) to an Indonesian catalogue's msgstr, in place."""

import re
import sys

import polib

RULES = [
    (re.compile(r"\banda\b"), "Anda"),
    (re.compile(r"\bE-mail\b"), "Email"),
    (re.compile(r"\be-mail\b"), "email"),
    (re.compile(r"\bKata Sandi\b"), "kata sandi"),
    (re.compile(r"(?<!kata )(?<!Kata )\b[Ss]andi\b"), "kata sandi"),
    (re.compile(r"\bSilahkan\b"), "Silakan"),
    (re.compile(r"\bsilahkan\b"), "silakan"),
    (re.compile(r"\bLog [Mm]asuk\b"), "Masuk"),
    (re.compile(r"\bLog [Kk]eluar\b"), "Keluar"),
]


def apply(text: str) -> str:
    capital = text[:1].isupper()
    for pattern, repl in RULES:
        text = pattern.sub(repl, text)
    # a sentence or label that started with a capital keeps it
    if capital and text[:1].islower():
        text = text[0].upper() + text[1:]
    return text


def main(path: str, *, only_changed_into: str | None = None) -> None:
    catalogue = polib.pofile(path)
    out = polib.POFile()
    out.metadata = catalogue.metadata
    changed = 0
    for entry in catalogue:
        if entry.obsolete:
            continue
        strings = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        fixed = [apply(s) if s else s for s in strings]
        if fixed == strings:
            continue
        changed += 1
        if entry.msgid_plural:
            entry.msgstr_plural = {i: s for i, s in zip(entry.msgstr_plural, fixed, strict=True)}
        else:
            entry.msgstr = fixed[0]
        out.append(entry)
    if only_changed_into:
        out.save(only_changed_into)
    else:
        catalogue.save()
    print(path, "changed", changed)


if __name__ == "__main__":
    main(sys.argv[1], only_changed_into=sys.argv[2] if len(sys.argv) > 2 else None)
