"""Reading a Diskominfo file: CSV or XLSX by content, its encoding and delimiter, and the
header row that maps its columns to our fields."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook

HEADER_SEARCH_ROWS = 20


@dataclass(frozen=True)
class Column:
    """One column of docs/import-format.md: its header as the format writes it, the other
    headers that mean the same, and the pipeline's field it fills."""

    header: str
    field: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    # In the templates officials download: one column per thing to fill in. Left out: the
    # columns read only to be dropped (never ask for what is not kept), and the combined
    # RT RW cell, which RT and RW say better.
    in_template: bool = True


# Read so that they are not reported as unknown, and dropped: the programme needs neither
# (UU PDP: data minimisation).
IGNORED = "ignored"

IMPORT_COLUMNS = (
    Column("NIK", "nik", required=True),
    Column("NO KK", IGNORED, in_template=False),
    Column("NAMA", "name", required=True),
    Column("JENIS KELAMIN", "sex", required=True),
    Column("TEMPAT LAHIR", IGNORED, in_template=False),
    Column("TANGGAL LAHIR", "birth_date", required=True),
    Column("ALAMAT", "address", required=True),
    Column("RT", "rt"),
    Column("RW", "rw"),
    Column("RT RW", "rt_rw", in_template=False),
    Column("KODE DESA", "village_code"),
    Column("DESA", "village_name", aliases=("KELURAHAN", "DESA KELURAHAN")),
    Column("KECAMATAN", "kecamatan_name"),
    Column("NO HP KELUARGA", "family_phone"),
    Column("KONDISI", "conditions"),
    Column("STATUS LAYANAN", "service_status"),
    Column("CATATAN", "notes"),
    Column("TANGGAL PENDATAAN", "data_collected_on"),
)


class FileRefused(Exception):
    """The file cannot be read at all: nothing is written."""


def normalise_header(value: Any) -> str:
    return re.sub(r"[\s_\-]+", "_", str(value or "").strip().lower()).strip("_")


# Every header the importer knows, normalised (see ``normalise_header``) → its field.
COLUMNS = {
    normalise_header(name): column.field
    for column in IMPORT_COLUMNS
    for name in (column.header, *column.aliases)
}


@dataclass
class Table:
    """The rows of a file as dicts of raw cell values keyed by our field names."""

    rows: Iterator[tuple[int, dict[str, Any]]]
    unknown_columns: list[str]


def _map_header(cells: Iterable[Any]) -> tuple[dict[int, str], list[str]] | None:
    mapping, unknown = {}, []
    for position, cell in enumerate(cells):
        name = normalise_header(cell)
        if not name:
            continue
        if name in COLUMNS:
            mapping[position] = COLUMNS[name]
        else:
            unknown.append(str(cell).strip())
    known = set(mapping.values())
    if "nik" in known and len(known - {"nik"}) >= 3:
        return mapping, unknown
    return None


def _table(records: Iterator[list[Any]]) -> Table:
    """Find the header within the first rows (title rows above it are common), then yield the
    data rows below it with their row numbers as the spreadsheet shows them."""
    number = 0
    for record in records:
        number += 1
        found = _map_header(record)
        if found:
            mapping, unknown = found
            break
        if number >= HEADER_SEARCH_ROWS:
            raise FileRefused(_no_header())
    else:
        raise FileRefused(_no_header())

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        n = number
        for record in records:
            n += 1
            row: dict[str, Any] = {}
            for position, key in mapping.items():
                value = record[position] if position < len(record) else None
                if isinstance(value, str):
                    value = value.strip()
                if value not in (None, ""):
                    row.setdefault(key, value)
            if row:  # blank lines are not rows
                yield n, row

    return Table(rows=rows(), unknown_columns=unknown)


def _no_header() -> str:
    return _(
        "No header row with a NIK column and at least three other known columns was found in "
        "the first %(n)d rows."
    ) % {"n": HEADER_SEARCH_ROWS}


def _detect_encoding(stream: IO[bytes]) -> str:
    start = stream.read(4)
    stream.seek(0)
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(1 << 16):
            if b"\x00" in chunk:
                raise FileRefused(_("This is not a CSV or XLSX file."))
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        # Excel's "CSV" on Indonesian Windows writes Windows-1252.
        return "cp1252"
    finally:
        stream.seek(0)


def _csv_records(stream: IO[bytes]) -> Iterator[list[str]]:
    encoding = _detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        sample = text.read(1 << 15)
        text.seek(0)
        yield from csv.reader(text, delimiter=_guess_delimiter(sample))
    finally:
        # The stream is the caller's: a wrapper that is garbage-collected would close it.
        text.detach()


def _guess_delimiter(sample: str) -> str:
    # The header decides: whichever of ',' and ';' yields a header with more known columns.
    best, best_score = ",", -1
    for delimiter in (",", ";"):
        lines = sample.splitlines()[:HEADER_SEARCH_ROWS]
        score = max(
            (
                len({COLUMNS.get(normalise_header(c)) for c in row} - {None})
                for row in csv.reader(lines, delimiter=delimiter)
            ),
            default=0,
        )
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _xlsx_records(stream: IO[bytes]) -> Iterator[list[Any]]:
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise FileRefused(_("The XLSX file cannot be read: it may be damaged.")) from error
    sheet = workbook.worksheets[0]
    return (list(row) for row in sheet.iter_rows(values_only=True))


def read_table(stream: IO[bytes]) -> Table:
    """Open a CSV or XLSX file (by content, not by name) and find its header."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise FileRefused(_("The file is empty."))
    if size > settings.IMPORT_MAX_BYTES:
        raise FileRefused(
            _("The file is larger than %(mb)d MB: split it into smaller files.")
            % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    if stream.read(4) == b"PK\x03\x04":
        stream.seek(0)
        return _table(_xlsx_records(stream))
    stream.seek(0)
    return _table(_csv_records(stream))


def sha256_of(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while chunk := stream.read(1 << 16):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def unknown_columns_note(columns: list[str]) -> str:
    return _("Unknown columns, ignored: %(columns)s") % {"columns": ", ".join(columns)}
