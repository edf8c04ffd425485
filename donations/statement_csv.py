"""Reading a bank's statement export (CSV): pure functions, no database.

Banks export in many shapes: UTF-8 with or without a byte-order mark, or Windows' cp1252;
``;`` or ``,`` (or a tab) between cells; amounts as ``1.250.000,00``, ``1,250,000.00`` or
plain digits, signed or with a ``CR``/``DB`` marker, or in separate credit and debit columns;
dates as dd/mm/yyyy or yyyy-mm-dd. Preamble lines (the account holder, the period) often come
before the header row. The officer says once per account which header is which column
(``MAPPING_FIELDS``).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAPPING_FIELDS = ("date", "description", "credit", "debit", "amount", "balance")
_DELIMITERS = (";", ",", "\t")
_SAMPLE_ROWS = 40

_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YMD = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$")
_NUMBER = re.compile(r"^[0-9.,]+$")


@dataclass(frozen=True)
class StatementRow:
    """A credit or debit read from the file: ``sen`` is signed (a credit is positive)."""

    number: int  # the row in the file, counted from 1, for the officer
    date: datetime.date
    sen: int
    description: str
    balance: str  # the running balance as the bank wrote it, normalised ("" when none)


@dataclass(frozen=True)
class StatementRead:
    rows: list[StatementRow]
    skipped: list[int]  # row numbers not read (no date, no amount, unreadable)


def decode(data: bytes) -> str:
    """The file's text: UTF-16 or UTF-8 by their byte-order marks, else UTF-8, else cp1252,
    else latin-1 (which reads every byte)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if data.startswith(b"PK\x03\x04") or b"\x00" in data[:4096]:
        raise ValidationError(
            _(
                "This is not a CSV file. Export the statement as CSV from the bank, "
                "or save it as CSV."
            )
        )
    data = data.removeprefix(codecs.BOM_UTF8)
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def table(text: str) -> list[list[str]]:
    """The file's rows, split by the separator that gives the most rows of the same width."""
    lines = text.splitlines()
    best: tuple[int, int, str] = (0, 0, ",")
    sample = "\n".join(lines[:_SAMPLE_ROWS])
    for delimiter in _DELIMITERS:
        widths = Counter(
            len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if len(row) > 1
        )
        if not widths:
            continue
        width, count = widths.most_common(1)[0]
        if width >= 3 and (count, width) > best[:2]:
            best = (count, width, delimiter)
    if best[0] == 0:
        raise ValidationError(_("No table was found in this file: is it the bank's CSV export?"))
    return [
        [cell.strip() for cell in row]
        for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=best[2])
    ]


def parse_date(raw: str) -> datetime.date | None:
    text = raw.strip().lstrip("'")
    if not text:
        return None
    text = text.split()[0]  # "2024-05-01 10:22:05"
    try:
        if match := _DMY.match(text):
            day, month, year = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
        if match := _YMD.match(text):
            year, month, day = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
    except ValueError:
        return None
    return None


def parse_sen(raw: str) -> int | None:
    """An amount in sen (hundredths of a rupiah), signed: None for an empty cell; ValueError
    for a cell that is not an amount."""
    text = raw.strip().upper().replace("\u00a0", "").replace(" ", "").lstrip("'")
    text = text.removeprefix("IDR").removeprefix("RP")
    if not text:
        return None
    sign = 1
    if text.endswith(("CR", "DB")):
        sign = -1 if text.endswith("DB") else 1
        text = text[:-2]
    if text.startswith("(") and text.endswith(")"):
        sign, text = -1, text[1:-1]
    if text[:1] in "+-":
        sign, text = (-1 if text[0] == "-" else 1) * sign, text[1:]
    elif text.endswith("-"):
        sign, text = -sign, text[:-1]
    if not text or not _NUMBER.match(text):
        raise ValueError(raw)
    dot, comma = text.rfind("."), text.rfind(",")
    decimal = ""
    if dot >= 0 and comma >= 0:
        decimal = "." if dot > comma else ","
    elif dot >= 0 or comma >= 0:
        mark = "." if dot >= 0 else ","
        parts = text.split(mark)
        # One mark followed by exactly three digits groups thousands ("50.000", "50,000").
        if len(parts) == 2 and len(parts[1]) != 3:
            decimal = mark
    if decimal:
        whole, fraction = text.rsplit(decimal, 1)
        if not fraction.isdigit() or len(fraction) > 2:
            raise ValueError(raw)
    else:
        whole, fraction = text, ""
    whole = whole.replace(".", "").replace(",", "")
    if not whole.isdigit() and whole:
        raise ValueError(raw)
    return sign * (int(whole or "0") * 100 + int(fraction.ljust(2, "0") or "0"))


def header_find(rows: Sequence[Sequence[str]], mapping: Mapping[str, str] | None = None) -> int:
    """The index of the header row: the first row holding every mapped header (when a mapping
    is given), else the first row of at least three cells none of which is a date."""
    if mapping:
        wanted = {name.casefold() for name in mapping.values() if name}
        for index, row in enumerate(rows[:_SAMPLE_ROWS]):
            if wanted <= {cell.casefold() for cell in row if cell}:
                return index
        return -1
    for index, row in enumerate(rows[:_SAMPLE_ROWS]):
        cells = [cell for cell in row if cell]
        if len(cells) >= 3 and not any(parse_date(cell) for cell in cells):
            return index
    return -1


def mapping_check(mapping: Mapping[str, str]) -> None:
    if not mapping.get("date") or not mapping.get("description"):
        raise ValidationError(_("Choose the columns of the date and of the description."))
    if bool(mapping.get("amount")) == bool(mapping.get("credit")):
        raise ValidationError(
            _(
                "Choose either the credit column (with the debit column if there is one) "
                "or one signed amount column."
            )
        )
    used = [name for name in mapping.values() if name]
    if len(used) != len(set(used)):
        raise ValidationError(_("Each column can be chosen once only."))


def normalise(text: str) -> str:
    return " ".join(text.split())


def read(rows: Sequence[Sequence[str]], mapping: Mapping[str, str]) -> StatementRead:
    """The dated rows with an amount, below the header row that the mapping names."""
    mapping_check(mapping)
    start = header_find(rows, mapping)
    if start < 0:
        raise ValidationError(
            _("The columns mapped for this account are not in this file: map its columns again.")
        )
    header = [cell.casefold() for cell in rows[start]]
    where = {field: header.index(name.casefold()) for field, name in mapping.items() if name}

    def cell(row: Sequence[str], field: str) -> str:
        index = where.get(field)
        return row[index] if index is not None and index < len(row) else ""

    read_rows: list[StatementRow] = []
    skipped: list[int] = []
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        if not any(row):
            continue
        date = parse_date(cell(row, "date"))
        try:
            if "amount" in where:
                sen = parse_sen(cell(row, "amount"))
            else:
                credit = parse_sen(cell(row, "credit")) or 0
                debit = parse_sen(cell(row, "debit")) or 0
                sen = abs(credit) - abs(debit) if credit or debit else None
            balance = parse_sen(cell(row, "balance"))
        except ValueError:
            skipped.append(number)
            continue
        if date is None or not sen:
            skipped.append(number)  # an opening balance, a total, a footer
            continue
        read_rows.append(
            StatementRow(
                number=number,
                date=date,
                sen=sen,
                description=normalise(cell(row, "description")),
                balance="" if balance is None else str(balance),
            )
        )
    return StatementRead(rows=read_rows, skipped=skipped)


def headers(rows: Sequence[Sequence[str]]) -> list[str]:
    """The header row's cells, for the officer to map (empty when none is found)."""
    index = header_find(rows)
    return [cell for cell in rows[index] if cell] if index >= 0 else []
