"""What a data officer is given to start from: the format page, the templates (CSV and
XLSX) made from the importer's own columns, and, after an import, the way on to its
records."""

import csv
import html
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from portal.import_format import HELP, column_guide, template_headers
from portal.models import ImportBatch, Recipient, Sex, Status
from portal.services.imports import import_file
from portal.services.imports.reading import COLUMNS, IMPORT_COLUMNS, normalise_header, read_table

DOC = Path(settings.BASE_DIR, "docs", "import-format.md").read_text(encoding="utf-8")

# A person to write into a downloaded template: every column of it filled in.
SITI = {
    "NIK": "3510094107450003",
    "NAMA": "Siti Aminah",
    "JENIS KELAMIN": "P",
    "TANGGAL LAHIR": "01-07-1945",
    "ALAMAT": "Dusun Krajan",
    "RT": "3",
    "RW": "12",
    "KODE DESA": "",
    "DESA": "Kembiritan",
    "KECAMATAN": "Genteng",
    "NO HP KELUARGA": "0812 3456 7890",
    "KONDISI": "hidup_sendiri; tidak_mampu_masak",
    "STATUS LAYANAN": "belum_terjangkau",
    "CATATAN": "Rumah di belakang masjid.",
    "TANGGAL PENDATAAN": "02-01-2026",
}


@pytest.fixture(autouse=True)
def _english(db):
    with translation.override("en"):
        yield


def url(name, *args) -> str:
    with translation.override("en"):
        return reverse(f"portal:{name}", args=args)


def text(response) -> str:
    return html.unescape(response.content.decode())


def download(client, kind) -> bytes:
    response = client.get(url("import_template", kind))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="rantang-kasih-templat-impor.{kind}"'
    )
    return response.content


def filled_csv(template: bytes, person: dict[str, str]) -> bytes:
    lines = template.decode("utf-8-sig").splitlines()
    header = next(csv.reader(lines))
    buffer = io.StringIO()
    buffer.write("\ufeff" + "\r\n".join(lines) + "\r\n")
    csv.writer(buffer).writerow([person[name] for name in header])
    return buffer.getvalue().encode("utf-8")


def filled_xlsx(template: bytes, person: dict[str, str]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    sheet.append([person[name] or None for name in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- The templates -----------------------------------------------------------------------


def test_the_templates_have_one_column_per_thing_to_fill_in_from_the_importer():
    headers = template_headers()
    assert headers == [c.header for c in IMPORT_COLUMNS if c.in_template]
    assert {"NIK", "NAMA", "JENIS KELAMIN", "TANGGAL LAHIR", "ALAMAT"} <= set(headers)
    # Nothing the programme does not keep is asked for.
    assert not {"NO KK", "TEMPAT LAHIR"} & set(headers)
    fields = [COLUMNS[normalise_header(h)] for h in headers]
    assert len(fields) == len(set(fields))


def test_the_csv_template_is_the_header_row_alone(client, officer):
    content = download(client, "csv")
    assert content.startswith(b"\xef\xbb\xbf")
    lines = content.decode("utf-8-sig").splitlines()
    assert lines == [",".join(template_headers())]
    table = read_table(io.BytesIO(content))
    assert list(table.rows) == []
    assert table.unknown_columns == []


def test_the_xlsx_template_is_the_header_row_alone_with_instructions_aside(client, officer):
    book = openpyxl.load_workbook(io.BytesIO(download(client, "xlsx")))
    data, instructions = book.worksheets
    assert data.title == "Data"
    assert [cell.value for cell in data[1]] == template_headers()
    assert data.max_row == 1
    # Text, so that Excel keeps a NIK's sixteen digits and a date as typed.
    for position in range(1, len(template_headers()) + 1):
        letter = openpyxl.utils.get_column_letter(position)
        assert data.column_dimensions[letter].number_format == "@", letter
    assert instructions.title == "Instructions"
    explained = [row[0] for row in instructions.iter_rows(min_row=6, values_only=True)]
    assert explained == template_headers()
    table = read_table(io.BytesIO(download(client, "xlsx")))
    assert list(table.rows) == [] and table.unknown_columns == []


def test_the_instructions_are_in_the_readers_language(client, officer):
    def title(language: str) -> str:
        with translation.override(language):
            address = reverse("portal:import_template", args=["xlsx"])
            expected = translation.gettext("Instructions")
        book = openpyxl.load_workbook(io.BytesIO(client.get(address).content))
        assert book.worksheets[1].title == expected
        return expected

    assert title("en") == "Instructions"
    title("id")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_downloaded_template_filled_with_a_person_imports(client, officer, kind):
    template = download(client, kind)
    filled = filled_csv(template, SITI) if kind == "csv" else filled_xlsx(template, SITI)
    response = client.post(
        url("import_upload"), {"file": SimpleUploadedFile(f"lansia.{kind}", filled)}
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.created, batch.rejected, batch.warned) == (1, 0, 0)
    client.post(url("import_detail", batch.pk), {"action": "confirm"})
    person = Recipient.objects.get()
    assert (person.name, person.sex, person.status) == ("Siti Aminah", Sex.FEMALE, Status.CANDIDATE)
    assert (person.village.name, person.kecamatan.name) == ("Kembiritan", "Genteng")
    assert (person.rt, person.rw) == ("003", "012")
    assert person.family_phone == "+6281234567890"
    assert person.condition_list == ["hidup_sendiri", "tidak_mampu_masak"]
    assert person.notes == "Rumah di belakang masjid."
    assert person.birth_date.isoformat() == "1945-07-01"
    assert person.data_collected_on.isoformat() == "2026-01-02"


def test_an_unknown_template_is_404(client, officer):
    assert client.get(url("import_template", "pdf")).status_code == 404


# --- The format page ---------------------------------------------------------------------


def doc_section(title: str) -> str:
    start = DOC.index(f"## {title}\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end != -1 else None]


def test_the_documented_columns_are_the_importers():
    table = [line for line in doc_section("Columns").splitlines() if line.startswith("| `")]
    documented = {
        normalise_header(name)
        for line in table
        for name in re.findall(r"`([^`]+)`", line.split("|")[1])
    }
    assert documented == set(COLUMNS)


def test_every_column_is_explained_and_nothing_else():
    assert set(HELP) == {column.header for column in IMPORT_COLUMNS}
    assert all(row.help for row in column_guide())


def test_the_format_page_lists_every_column_the_importer_reads(client, officer):
    response = client.get(url("import_format"))
    assert response.status_code == 200
    page = text(response)
    table = page[page.index('id="import-columns"') : page.index("</table>")]
    for column in IMPORT_COLUMNS:
        for name in (column.header, *column.aliases):
            assert f"<code>{name}</code>" in table, name
    assert "hidup_sendiri, disabilitas, sakit_kronis" in table
    assert url("import_template", "csv") in page
    assert url("import_template", "xlsx") in page


def test_the_format_page_keeps_as_many_rules_as_the_format(client, officer):
    """A rule added to docs/import-format.md fails here until the page says it too."""
    rules = doc_section("Row rules")
    rejected = re.findall(r"^\d+\. ", rules.split("accepted with a warning")[0], re.MULTILINE)
    warned = re.findall(r"^- ", rules.split("accepted with a warning")[1], re.MULTILINE)
    page = text(client.get(url("import_format")))

    def items(list_id: str, tag: str) -> int:
        start = page.index(f'id="{list_id}"')
        return page[start : page.index(f"</{tag}>", start)].count("<li>")

    assert (len(rejected), len(warned)) == (10, 8)
    assert items("rejected-rules", "ol") == len(rejected)
    assert items("warning-rules", "ul") == len(warned)


def test_the_upload_page_links_the_format_and_the_templates(client, officer):
    page = text(client.get(url("import_upload")))
    for address in (
        url("import_format"),
        url("import_template", "csv"),
        url("import_template", "xlsx"),
    ):
        assert f'href="{address}"' in page


# --- After the import --------------------------------------------------------------------

HEADER = ["NIK", "NAMA", "JENIS KELAMIN", "TANGGAL LAHIR", "ALAMAT", "KODE DESA"]
ROWS = [
    ["3510094107450003", "Siti Aminah", "P", "01-07-1945", "Dusun Krajan", "35.10.09.2001"],
    ["3510090101500001", "Ma'ruf", "L", "01/01/1950", "Jl. Mawar 1", "3510092002"],
    ["3.51009E+15", "Salah", "L", "01-01-1950", "Jl. Salah", "35.10.09.2001"],
]


def csv_of(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def test_the_result_says_what_was_done_and_leads_to_the_records_in_the_queue(client, officer):
    client.post(url("import_upload"), {"file": SimpleUploadedFile("a.csv", csv_of(ROWS))})
    batch = ImportBatch.objects.get()
    preview = text(client.get(url("import_detail", batch.pk)))
    assert 'id="import-next"' not in preview  # nothing is imported yet
    response = client.post(url("import_detail", batch.pk), {"action": "confirm"}, follow=True)
    page = " ".join(text(response).split())
    assert "The file was imported: 2 created, 0 updated, 1 skipped." in page
    assert "Created 2, updated 0, skipped 1 (unchanged or rejected)." in page
    link = f"{url('review_queue')}?batch={batch.pk}"
    assert f'href="{link}"' in page

    queue = client.get(link)
    assert {row.name for row in queue.context["rows"]} == {"Siti Aminah", "Ma'ruf"}


def test_an_import_that_changed_nothing_offers_no_records(client, officer):
    first = import_file(io.BytesIO(csv_of(ROWS[:1])), file_name="a", channel="cli", actor=None)
    again = import_file(io.BytesIO(csv_of(ROWS[:1])), file_name="a", channel="cli", actor=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    page = text(client.get(url("import_detail", again.pk)))
    assert "No record was created or updated." in page
    assert f"?batch={again.pk}" not in page
    assert f"?batch={first.pk}" in text(client.get(url("import_detail", first.pk)))
