"""The Diskominfo format as officials read it: a guide to each column, and the templates to
fill in (CSV and XLSX), all made from the importer's own column definition
(``portal.services.imports.reading.IMPORT_COLUMNS``), so that neither can drift from what
the importer reads.

The templates hold the header row and nothing else: an example row, however fictitious,
could be imported as a real person by a clerk who forgot to delete it. The XLSX template
explains each column on a second sheet, which the importer never reads (it reads the first).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .models import Condition
from .services.imports.reading import IMPORT_COLUMNS, Column

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TEMPLATE_FILE_NAME = "rantang-kasih-templat-impor"
# The first sheet, the one the importer reads.
DATA_SHEET = "Data"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What to write in each column, by its header. A column of the importer without a line here
# fails ``column_guide`` (and its test): a new column is explained before it is offered.
HELP: dict[str, StrOrPromise] = {
    "NIK": gettext_lazy(
        "The 16 digits of the person's KTP, as text: Excel drops the last digit of a "
        "16-digit number."
    ),
    "NO KK": gettext_lazy("Read and not kept: the programme does not need it. Leave it out."),
    "NAMA": gettext_lazy("Full name, as on the KTP."),
    "JENIS KELAMIN": gettext_lazy("L for a man, P for a woman."),
    "TEMPAT LAHIR": gettext_lazy(
        "Read and not kept: the programme does not need it. Leave it out."
    ),
    "TANGGAL LAHIR": gettext_lazy(
        "DD-MM-YYYY, for example 31-12-1950 (DD/MM/YYYY and YYYY-MM-DD are read too). "
        "The person must be 60 or older."
    ),
    "ALAMAT": gettext_lazy("Street or hamlet (dusun)."),
    "RT": gettext_lazy("The neighbourhood's number, for example 3 (kept as 003)."),
    "RW": gettext_lazy("The neighbourhood's number, for example 12 (kept as 012)."),
    "RT RW": gettext_lazy("Both in one cell, as 003/012: read only when RT and RW are empty."),
    "KODE DESA": gettext_lazy(
        "The village's code, for example 35.10.09.2001. Fill in this, or DESA and KECAMATAN."
    ),
    "DESA": gettext_lazy(
        "The village's name, together with KECAMATAN, when there is no KODE DESA."
    ),
    "KECAMATAN": gettext_lazy("The kecamatan's name, together with DESA."),
    "NO HP KELUARGA": gettext_lazy("A family member's phone number: 08…, 62… or +62…."),
    "KONDISI": gettext_lazy(
        "The person's conditions, separated by a semicolon or a comma: %(tags)s. Seen by "
        "officials only, never by the public."
    ),
    "STATUS LAYANAN": gettext_lazy(
        "belum_terjangkau (not reached yet: the default when empty) or terjangkau (already "
        "served elsewhere)."
    ),
    "CATATAN": gettext_lazy("A note for officials, at most 2,000 characters."),
    "TANGGAL PENDATAAN": gettext_lazy(
        "The day the data was collected, written as TANGGAL LAHIR. The age is checked on this "
        "day; when empty, on the day of the import."
    ),
}

# The village is given one way or the other: neither column is required on its own.
_VILLAGE_HEADERS = frozenset({"KODE DESA", "DESA", "KECAMATAN"})


@dataclass(frozen=True)
class GuideRow:
    header: str
    aliases: tuple[str, ...]
    required: str
    help: str
    in_template: bool


def _required(column: Column) -> str:
    if column.required:
        return _("Yes")
    if column.header in _VILLAGE_HEADERS:
        return _("KODE DESA, or DESA with KECAMATAN")
    return _("No")


def _help(column: Column) -> str:
    text = str(HELP[column.header])
    if column.header == "KONDISI":
        text %= {"tags": ", ".join(Condition.values)}
    return text


def column_guide() -> list[GuideRow]:
    """Every column the importer reads, in the format's order, as the reader's language
    explains it."""
    return [
        GuideRow(
            header=column.header,
            aliases=column.aliases,
            required=_required(column),
            help=_help(column),
            in_template=column.in_template,
        )
        for column in IMPORT_COLUMNS
    ]


def template_headers() -> list[str]:
    return [column.header for column in IMPORT_COLUMNS if column.in_template]


def template_csv() -> bytes:
    """The header row, comma-separated, in UTF-8 with a byte-order mark (so that Excel reads
    it as UTF-8)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(template_headers())
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """The header row on the first sheet, every column of it formatted as text (Excel would
    turn a NIK into 3.51009E+15 and 01-07-1945 into a date of its own locale); the
    instructions on a second sheet, which the importer does not read."""
    workbook = Workbook()
    # A new workbook's one sheet, the first: the one the importer reads.
    data = workbook.worksheets[0]
    data.title = DATA_SHEET
    headers = template_headers()
    data.append(headers)
    for position, header in enumerate(headers, start=1):
        letter = get_column_letter(position)
        data.column_dimensions[letter].number_format = "@"
        data.column_dimensions[letter].width = max(14, len(header) + 4)
        data.cell(row=1, column=position).font = Font(bold=True)
    data.freeze_panes = "A2"
    # Offered as lists, not enforced: the importer reads other spellings too (laki-laki).
    for header, choices in (
        ("JENIS KELAMIN", "L,P"),
        ("STATUS LAYANAN", "belum_terjangkau,terjangkau"),
    ):
        letter = get_column_letter(headers.index(header) + 1)
        choice = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        choice.add(f"{letter}2:{letter}10000")
        data.add_data_validation(choice)

    guide = workbook.create_sheet(_("Instructions")[:31])
    guide.append([_("How to fill in this file")])
    guide["A1"].font = Font(bold=True, size=13)
    guide.append(
        [
            _(
                "Fill in the first sheet (%(sheet)s): one person per row, from row 2, and keep "
                "its header row as it is. This sheet is not imported."
            )
            % {"sheet": DATA_SHEET}
        ]
    )
    guide.append([_("The columns are formatted as text, so that Excel keeps a NIK's 16 digits.")])
    guide.append([])
    guide.append([_("Column"), _("Required"), _("What to write")])
    for cell in guide[5]:
        cell.font = Font(bold=True)
    for row in column_guide():
        if row.in_template:
            guide.append([row.header, row.required, row.help])
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 22
    guide.column_dimensions["C"].width = 90
    for cells in guide.iter_rows(min_row=6):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
