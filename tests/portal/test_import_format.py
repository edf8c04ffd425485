"""Every rule of docs/import-format.md, through the one import pipeline."""

import csv
import datetime
import io
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from accounts.pii import keyed_hash
from portal.models import ImportBatch, Recipient, RecipientTransition, Status
from portal.services.imports import FileRefused, import_file
from portal.services.lifecycle import recipient_transition
from tests.factories import make_official

HEADER = ["NIK", "NAMA", "JENIS KELAMIN", "TANGGAL LAHIR", "ALAMAT", "KODE DESA"]
# Women: day + 40. 3510 09 | 410745 | 0003 → a woman born 1 July 1945.
SITI = ["3510094107450003", "Siti Aminah", "P", "01-07-1945", "Dusun Krajan RT 3", "35.10.09.2001"]
MARUF = ["3510090101500001", "Ma'ruf", "L", "01/01/1950", "Jl. Mawar 1", "3510092002"]
SUMI = ["3510055203400002", "Sumiati", "P", "1940-03-12", "Dusun Sumber", "35.10.05.2001"]


def csv_bytes(rows, *, header=HEADER, delimiter=",", encoding="utf-8", above=()):
    buffer = StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for line in above:
        writer.writerow(line)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, *, header=HEADER, above=()):
    book = openpyxl.Workbook()
    sheet = book.active
    for line in above:
        sheet.append(line)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(content: bytes, *, dry_run=False, name="data.csv") -> ImportBatch:
    return import_file(
        io.BytesIO(content), file_name=name, channel="cli", actor=None, dry_run=dry_run
    )


def counts(batch):
    return (batch.created, batch.updated, batch.unchanged, batch.rejected)


def report_rows(batch):
    from accounts.storage import private_storage

    with private_storage().open(batch.report_file) as f:
        text = f.read().decode("utf-8-sig")
    return list(csv.reader(StringIO(text)))[1:]


def reasons(batch) -> dict[int, str]:
    return {int(r[0]): r[3] for r in report_rows(batch) if r[2] in ("rejected", "ditolak")}


def warnings_of(nik: str) -> list[str]:
    return Recipient.objects.get(nik_hash=keyed_hash(nik)).warnings


@pytest.fixture(autouse=True)
def _english(db):
    with translation.override("en"):
        yield


# --- Files -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(",", "utf-8"), (";", "utf-8"), (",", "utf-8-sig"), (";", "utf-8-sig"), (";", "cp1252")],
)
def test_csv_in_every_accepted_shape(delimiter, encoding):
    name = "Ma’ruf Sumarsé"  # a curly apostrophe and an accent: different bytes in cp1252
    rows = [SITI, [MARUF[0], name, *MARUF[2:]]]
    batch = run(csv_bytes(rows, delimiter=delimiter, encoding=encoding))
    assert counts(batch) == (2, 0, 0, 0)
    assert Recipient.objects.get(nik_hash=keyed_hash(MARUF[0])).name == name


def test_xlsx_with_a_title_row_and_real_date_cells():
    rows = [
        [SITI[0], SITI[1], "P", datetime.datetime(1945, 7, 1), SITI[4], SITI[5]],
        MARUF,
    ]
    batch = run(xlsx_bytes(rows, above=[["DATA LANSIA BELUM TERJANGKAU 2026"], []]), name="x.xlsx")
    assert counts(batch) == (2, 0, 0, 0)
    siti = Recipient.objects.get(nik_hash=keyed_hash(SITI[0]))
    assert siti.birth_date == datetime.date(1945, 7, 1)


def test_xlsx_nik_stored_as_a_number_has_lost_digits_and_is_rejected():
    # Excel keeps 15 significant digits: a NIK typed as a number is never exact, even when
    # the cell happens to show 16 digits.
    rows = [[3.51009410745e15, *SITI[1:]], [int(MARUF[0]), *MARUF[1:]], SUMI]
    batch = run(xlsx_bytes(rows), name="x.xlsx")
    assert counts(batch) == (1, 0, 0, 2)
    assert "16 digits" in reasons(batch)[2]
    assert "16 digits" in reasons(batch)[3]


def test_header_is_found_below_title_rows_and_matched_loosely():
    header = ["nik", "Nama", "jenis-kelamin", "Tanggal_Lahir", "ALAMAT", "kode desa", "WARNA"]
    batch = run(csv_bytes([SITI], header=header, above=[["Judul"], ["Dinas"], []]))
    assert counts(batch) == (1, 0, 0, 0)
    assert any("WARNA" in r[3] for r in report_rows(batch))  # unknown column reported


def test_column_order_is_free():
    order = [4, 0, 5, 2, 1, 3]
    header = [HEADER[i] for i in order]
    batch = run(csv_bytes([[SITI[i] for i in order]], header=header))
    assert counts(batch) == (1, 0, 0, 0)


def test_a_header_below_row_20_is_not_found_and_the_file_is_refused():
    with pytest.raises(FileRefused, match="header"):
        run(csv_bytes([SITI], above=[[f"title {i}"] for i in range(20)]))
    assert not Recipient.objects.exists()
    assert ImportBatch.objects.get().state == ImportBatch.State.REFUSED


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\x00\x01\x02 binary", "not a CSV or XLSX"),
        (b"", "empty"),
        (b"nama,alamat,desa\nSiti,Krajan,Genteng\n", "header"),
        (b"PK\x03\x04 not really a zip", "cannot be read"),
    ],
)
def test_unreadable_files_are_refused_whole(content, message):
    with pytest.raises(FileRefused, match=message):
        run(content)
    assert not Recipient.objects.exists()


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(FileRefused, match="larger than"):
        run(csv_bytes([SITI, MARUF]))
    assert not Recipient.objects.exists()


# --- Row rules: rejected -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nik", "accepted"),
    [
        (" 3510 0941 0745 0003 ", True),
        ("\u00a03510094107450003", True),
        ("'3510094107450003", True),
        ("3.51009E+15", False),
        ("351009410745000", False),
        ("35100941074500031", False),
        ("35100941O7450003", False),
        ("3510093207450003", False),  # day 32
        ("3510097207450003", False),  # day 72
        ("3510090007450003", False),  # day 00
        ("3510094113450003", False),  # month 13
        ("3510094107450000", False),  # serial 0000
    ],
)
def test_nik_rules(nik, accepted):
    batch = run(csv_bytes([[nik, *SITI[1:]]]))
    assert counts(batch) == ((1, 0, 0, 0) if accepted else (0, 0, 0, 1))


@pytest.mark.parametrize("birth", ["", "31-02-1950", "1950-13-01", "kemarin"])
def test_a_missing_or_impossible_birth_date_is_rejected(birth):
    batch = run(csv_bytes([[*MARUF[:3], birth, *MARUF[4:]]]))
    assert counts(batch) == (0, 0, 0, 1)
    assert "birth date" in reasons(batch)[2]


@pytest.mark.parametrize("birth", ["01-01-1950", "01/01/1950", "1950-01-01"])
def test_every_date_format_is_read(birth):
    run(csv_bytes([[*MARUF[:3], birth, *MARUF[4:]]]))
    assert Recipient.objects.get().birth_date == datetime.date(1950, 1, 1)


def test_age_is_checked_on_the_data_collection_date():
    header = [*HEADER, "TANGGAL PENDATAAN"]
    # Born 2 June 1965: 60 on 2 June 2025, not yet on 1 June 2025.
    young = ["3510090206650001", "Warga", "L", "02-06-1965", "Jl. A", "35.10.09.2001"]
    batch = run(csv_bytes([[*young, "01-06-2025"]], header=header))
    assert counts(batch) == (0, 0, 0, 1)
    assert "under 60" in reasons(batch)[2]
    batch = run(csv_bytes([[*young, "02-06-2025"]], header=header))
    assert counts(batch) == (1, 0, 0, 0)


def test_a_child_is_never_lansia():
    child = ["3510090101150001", "Anak", "L", "01-01-2015", "Jl. A", "35.10.09.2001"]
    assert counts(run(csv_bytes([child]))) == (0, 0, 0, 1)


@pytest.mark.parametrize(
    ("header_tail", "place", "accepted"),
    [
        (["KODE DESA"], ["35.10.09.2001"], True),
        (["KODE DESA"], ["3510092001"], True),
        (["KODE DESA"], ["35.10.09.9999"], False),
        (["KODE DESA"], ["35.07.01.2001"], False),  # another regency
        (["DESA", "KECAMATAN"], ["Kembiritan", "Genteng"], True),
        (["DESA", "KECAMATAN"], ["Desa  KEMBIRITAN", "Kec. genteng"], True),
        (["DESA", "KECAMATAN"], ["Kel. Kebalenan", "Kecamatan Banyuwangi"], True),
        (["DESA", "KECAMATAN"], ["Kembiritan", "Muncar"], False),  # not that pair
        (["DESA", "KECAMATAN"], ["Pesanggaran", "Genteng"], False),
        (["DESA", "KECAMATAN"], ["Nowhere", "Genteng"], False),
    ],
)
def test_village_by_code_or_by_name_pair(header_tail, place, accepted):
    header = [*HEADER[:5], *header_tail]
    batch = run(csv_bytes([[*SITI[:5], *place]], header=header))
    assert counts(batch) == ((1, 0, 0, 0) if accepted else (0, 0, 0, 1))
    if not accepted:
        assert "217" in reasons(batch)[2]


def test_a_repeated_nik_in_one_file_keeps_the_first_row():
    second = [SITI[0], "Siti Lain", *SITI[2:]]
    batch = run(csv_bytes([SITI, MARUF, second]))
    assert counts(batch) == (2, 0, 0, 1)
    assert "earlier row" in reasons(batch)[4]
    assert Recipient.objects.get(nik_hash=keyed_hash(SITI[0])).name == "Siti Aminah"


def test_an_erased_person_is_refused():
    run(csv_bytes([SITI]))
    recipient = Recipient.objects.get()
    lead = make_official("lead_reviewer")
    recipient_transition(recipient=recipient, to_status=Status.ERASED, actor=lead, reason="UU PDP")
    batch = run(csv_bytes([SITI]))
    assert counts(batch) == (0, 0, 0, 1)
    assert "erased" in reasons(batch)[2]


@pytest.mark.parametrize(
    ("column", "label"),
    [(1, "NAMA"), (2, "JENIS KELAMIN"), (4, "ALAMAT")],
)
def test_a_missing_required_column_value_is_rejected(column, label):
    row = list(SITI)
    row[column] = ""
    batch = run(csv_bytes([row]))
    assert counts(batch) == (0, 0, 0, 1)
    assert label in reasons(batch)[2]


# --- Row rules: accepted with a warning ---------------------------------------------------------


def test_warnings_flag_the_row_for_review():
    header = [*HEADER, "KONDISI"]
    outside = ["3509094107450003", *SITI[1:], "hidup_sendiri"]  # NIK from Jember
    wrong_sex = ["3510090101500001", "Ma'ruf", "P", "01-01-1950", "Jl. Mawar", "35.10.09.2001", ""]
    wrong_date = ["3510055303400002", "Sumi", "P", "12-03-1940", "Dusun", "35.10.05.2001", ""]
    tags = ["3510094107450004", *SITI[1:], "hidup_sendiri; buta ,sakit_kronis"]
    batch = run(csv_bytes([outside, wrong_sex, wrong_date, tags], header=header))
    assert counts(batch) == (4, 0, 0, 0)
    assert batch.warned == 4
    assert warnings_of(outside[0]) == ["nik_outside_banyuwangi"]
    assert warnings_of(wrong_sex[0]) == ["nik_sex_mismatch"]
    assert warnings_of(wrong_date[0]) == ["nik_birth_date_mismatch"]
    assert warnings_of(tags[0]) == ["unknown_condition:buta"]
    tagged = Recipient.objects.get(nik_hash=keyed_hash(tags[0]))
    assert tagged.condition_list == ["hidup_sendiri", "sakit_kronis"]


def test_optional_columns_are_cleaned():
    header = [*HEADER, "NO KK", "RT", "RW", "NO HP KELUARGA", "CATATAN", "TEMPAT LAHIR"]
    row = [*MARUF, "3510090101000001", "3", "12", "0812 3456 7890", "Anak di Bali", "Genteng"]
    batch = run(csv_bytes([row], header=header))
    person = Recipient.objects.get()
    assert person.name == "Ma'ruf"  # apostrophe kept
    assert (person.rt, person.rw) == ("003", "012")
    assert person.family_phone == "+6281234567890"
    # Read, and not kept: the programme needs neither (data minimisation).
    assert not hasattr(person, "no_kk")
    assert not hasattr(person, "birth_place")
    assert not any("NO KK" in r[3] or "TEMPAT" in r[3] for r in report_rows(batch))
    assert person.notes == "Anak di Bali"
    assert person.age_band == "70-79" or person.age_band == "80+"


def test_terjangkau_is_counted_but_never_a_candidate():
    header = [*HEADER, "STATUS LAYANAN"]
    run(csv_bytes([[*SITI, "terjangkau"], [*MARUF, "belum_terjangkau"]], header=header))
    assert Recipient.objects.get(nik_hash=keyed_hash(SITI[0])).status == Status.SERVED_ELSEWHERE
    assert Recipient.objects.get(nik_hash=keyed_hash(MARUF[0])).status == Status.CANDIDATE


# --- Re-imports --------------------------------------------------------------------------------


def snapshot():
    with __import__("django.db", fromlist=["connection"]).connection.cursor() as cursor:
        cursor.execute("SELECT * FROM portal_recipient ORDER BY id")
        return cursor.fetchall()


def test_importing_the_same_file_twice_changes_nothing():
    content = csv_bytes([SITI, MARUF, SUMI])
    first = run(content)
    assert counts(first) == (3, 0, 0, 0)
    before = snapshot()
    history = RecipientTransition.objects.count()
    second = run(content)
    assert counts(second) == (0, 0, 3, 0)
    assert snapshot() == before
    assert RecipientTransition.objects.count() == history
    assert first.file_sha256 == second.file_sha256


def test_a_later_export_updates_changed_people_and_keeps_the_public_profile():
    run(csv_bytes([SITI, MARUF]))
    siti = Recipient.objects.get(nik_hash=keyed_hash(SITI[0]))
    siti.pseudonym, siti.story = "Mbah Sum", "Suka menanam cabai."
    siti.save(update_fields=["pseudonym", "story"])

    moved = [*SITI[:4], "Dusun Baru RT 7", "35.10.05.2001"]  # a new address in Muncar
    batch = run(csv_bytes([moved, MARUF]))
    assert counts(batch) == (0, 1, 1, 0)
    siti.refresh_from_db()
    assert siti.address == "Dusun Baru RT 7"
    assert siti.kecamatan.code == "35.10.05"
    assert (siti.pseudonym, siti.story) == ("Mbah Sum", "Suka menanam cabai.")
    assert siti.last_import == batch


def test_a_field_an_official_corrected_stays_and_raises_a_warning():
    run(csv_bytes([SITI]))
    siti = Recipient.objects.get()
    siti.address = "Dusun Krajan RT 3 RW 1 (dekat masjid)"
    siti.locked_fields = ["address"]
    siti.save(update_fields=["address", "locked_fields"])

    later = [*SITI[:4], "Dusun Krajan", SITI[5]]
    batch = run(csv_bytes([later]))
    siti.refresh_from_db()
    assert siti.address == "Dusun Krajan RT 3 RW 1 (dekat masjid)"
    assert "locked_field_differs:address" in siti.warnings
    assert any("corrected" in r[3] for r in report_rows(batch))
    # And the same export again: nothing new.
    again = run(csv_bytes([later]))
    assert counts(again) == (0, 0, 1, 0)


def test_terjangkau_in_a_later_export_takes_a_listing_off_the_public_site():
    header = [*HEADER, "STATUS LAYANAN"]
    run(csv_bytes([SITI], header=header))
    siti = Recipient.objects.get()
    siti.status = Status.PUBLISHED
    siti.save(update_fields=["status"])
    batch = run(csv_bytes([[*SITI, "terjangkau"]], header=header))
    assert counts(batch) == (0, 1, 0, 0)
    siti.refresh_from_db()
    assert siti.status == Status.SERVED_ELSEWHERE
    assert siti.transitions.last().actor_label == "import:cli"


def test_every_import_is_recorded_with_its_counts():
    run(csv_bytes([SITI, ["123", *MARUF[1:]]]), name="januari.csv")
    batch = ImportBatch.objects.get()
    assert batch.file_name == "januari.csv"
    assert len(batch.file_sha256) == 64
    assert batch.state == ImportBatch.State.DONE
    assert counts(batch) == (1, 0, 0, 1)
    assert batch.finished_at is not None


def test_the_report_lists_rejected_and_warned_rows_with_masked_niks():
    outside = ["3509094107450003", *SITI[1:]]
    batch = run(csv_bytes([outside, ["3510094107450000", *MARUF[1:]]]))
    rows = report_rows(batch)
    assert [r[0] for r in rows] == ["2", "3"]
    assert rows[0][1] == "3509••••••••0003"
    assert rows[1][1] == "3510••••••••0000"
    assert "3509094107450003" not in str(rows)
    assert [r[2] for r in rows] == ["warning", "rejected"]


def test_a_dry_run_writes_nothing_but_reports_what_would_happen():
    batch = run(csv_bytes([SITI, MARUF, ["1", *SUMI[1:]]]), dry_run=True)
    assert counts(batch) == (2, 0, 0, 1)
    assert batch.state == ImportBatch.State.DRY_RUN
    assert not Recipient.objects.exists()
    assert not RecipientTransition.objects.exists()


def test_new_records_start_their_history():
    run(csv_bytes([SITI]))
    first = RecipientTransition.objects.get()
    expected = ("", "candidate", "import:cli")
    assert (first.from_status, first.to_status, first.actor_label) == expected


# --- The command -------------------------------------------------------------------------------


def test_the_command_prints_the_counts_as_its_last_line(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(csv_bytes([SITI, MARUF, ["x", *SUMI[1:]]], delimiter=";"))
    out = StringIO()
    call_command("import_recipients", str(path), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1] == "created=2 updated=0 unchanged=0 rejected=1"
    report = next(line for line in lines if line.startswith("Report: "))[8:]
    with open(report, encoding="utf-8-sig") as f:
        assert "rejected" in f.read()

    out = StringIO()
    call_command("import_recipients", str(path), stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "created=0 updated=0 unchanged=2 rejected=1"


def test_the_command_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(csv_bytes([SITI]))
    out = StringIO()
    call_command("import_recipients", str(path), "--dry-run", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "created=1 updated=0 unchanged=0 rejected=0"
    assert not Recipient.objects.exists()


def test_the_command_fails_when_the_file_is_refused_whole(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"just,some,text\n1,2,3\n")
    with pytest.raises(CommandError, match="Refused"):
        call_command("import_recipients", str(path), stdout=StringIO())
    with pytest.raises(CommandError, match="No file"):
        call_command("import_recipients", str(tmp_path / "missing.csv"), stdout=StringIO())


def test_worker_processes_import_exactly_what_one_process_does(postgres):
    """The command line spreads validation and encryption over processes on PostgreSQL."""
    rows = [SITI, MARUF, SUMI, ["123", *MARUF[1:]], [SITI[0], "Again", *SITI[2:]]]
    rows += [
        [f"351009010151{n + 1:04d}", f"Warga {n}", "L", "01-01-1951",
         f"Jl. {n}", "35.10.09.2001"]
        for n in range(1200)  # more than two chunks of 500
    ]  # fmt: skip
    batch = import_file(
        io.BytesIO(csv_bytes(rows)), file_name="x.csv", channel="cli", actor=None, workers=2
    )
    assert counts(batch) == (1203, 0, 0, 2)
    assert "earlier row" in reasons(batch)[6]
    assert Recipient.objects.get(nik_hash=keyed_hash(MARUF[0])).name == "Ma'ruf"
    assert RecipientTransition.objects.count() == 1203
    again = import_file(
        io.BytesIO(csv_bytes(rows)), file_name="x.csv", channel="cli", actor=None, workers=2
    )
    assert counts(again) == (0, 0, 1203, 2)


def test_a_village_an_official_corrected_stays_with_its_kecamatan():
    run(csv_bytes([SITI]))
    siti = Recipient.objects.get()
    siti.locked_fields = ["village"]
    siti.save(update_fields=["locked_fields"])
    moved = [*SITI[:5], "35.10.05.2001"]  # the export now says Muncar
    run(csv_bytes([moved]))
    siti.refresh_from_db()
    assert (siti.village.code, siti.kecamatan.code) == ("35.10.09.2001", "35.10.09")
    assert "locked_field_differs:village" in siti.warnings
