"""Reading bank statement exports: encodings, separators, Indonesian and English number formats,
dates, credit/debit columns or a signed amount (donations.statement_csv)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from donations import statement_csv as sc

D = datetime.date


@pytest.fixture(autouse=True)
def _in_english():
    """The refusals are read in English here; their Indonesian is the catalogue's."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("raw", "sen"),
    [
        ("1.250.000,00", 125_000_000),
        ("1,250,000.00", 125_000_000),
        ("1250000", 125_000_000),
        ("1250000.00", 125_000_000),
        ("50.000", 5_000_000),
        ("50,000", 5_000_000),
        ("50.123", 5_012_300),
        ("1.234,56", 123_456),
        ("Rp 75.000", 7_500_000),
        ("-50.000,00", -5_000_000),
        ("(50.000)", -5_000_000),
        ("50.000-", -5_000_000),
        ("1.250.000,00 CR", 125_000_000),
        ("1.250.000,00 DB", -125_000_000),
        ("", None),
    ],
)
def test_amounts_in_the_formats_banks_write(raw, sen):
    assert sc.parse_sen(raw) == sen


@pytest.mark.parametrize("raw", ["abc", "12,3456", "1.2.3,4567", "--5"])
def test_a_cell_that_is_not_an_amount_is_refused(raw):
    with pytest.raises(ValueError):
        sc.parse_sen(raw)


@pytest.mark.parametrize(
    ("raw", "date"),
    [
        ("05/03/2025", D(2025, 3, 5)),
        ("5-3-2025", D(2025, 3, 5)),
        ("05.03.2025", D(2025, 3, 5)),
        ("2025-03-05", D(2025, 3, 5)),
        ("2025-03-05 10:22:01", D(2025, 3, 5)),
        ("31/02/2025", None),
        ("Saldo Awal", None),
        ("", None),
    ],
)
def test_dates_day_first_or_iso(raw, date):
    assert sc.parse_date(raw) == date


@pytest.mark.parametrize(
    "data",
    [
        "Tanggal;Keterangan;Kredit\n01/03/2025;TRF CAFÉ;50.000\n".encode(),
        "Tanggal;Keterangan;Kredit\n01/03/2025;TRF CAFÉ;50.000\n".encode("utf-8-sig"),
        "Tanggal;Keterangan;Kredit\n01/03/2025;TRF CAFÉ;50.000\n".encode("cp1252"),
        "Tanggal;Keterangan;Kredit\n01/03/2025;TRF CAFÉ;50.000\n".encode("utf-16"),
    ],
    ids=["utf-8", "utf-8 with BOM", "cp1252", "utf-16"],
)
def test_encodings(data):
    rows = sc.table(sc.decode(data))
    assert rows[0] == ["Tanggal", "Keterangan", "Kredit"]
    assert rows[1][1] == "TRF CAFÉ"


def test_a_spreadsheet_or_binary_file_is_refused_with_a_message():
    with pytest.raises(ValidationError, match="not a CSV"):
        sc.decode(b"PK\x03\x04rest-of-a-zip")


def test_comma_separated_with_quoted_amounts_and_a_preamble():
    text = (
        "Rekening,0011223344\n"
        "Periode,01/03/2025,31/03/2025\n"
        "Date,Description,Debit,Credit,Balance\n"
        '2025-03-01,"TRF RK-ABCD EFGH",,"1,250,000.00","2,250,000.00"\n'
        '2025-03-02,BIAYA ADM,"5,000.00",,"2,245,000.00"\n'
        "Total,,,,\n"
    )
    rows = sc.table(text)
    assert sc.headers(rows) == ["Date", "Description", "Debit", "Credit", "Balance"]
    mapping = {
        "date": "Date",
        "description": "Description",
        "debit": "Debit",
        "credit": "Credit",
        "balance": "Balance",
    }
    read = sc.read(rows, mapping)
    assert [(r.date, r.sen, r.balance) for r in read.rows] == [
        (D(2025, 3, 1), 125_000_000, "225000000"),
        (D(2025, 3, 2), -500_000, "224500000"),
    ]
    assert read.skipped == [6]  # the total line


def test_a_signed_amount_column():
    rows = sc.table(
        "Tgl;Uraian;Mutasi\n01/03/2025;SETORAN;+50.000,00\n02/03/2025;GAJI;-1.000.000\n"
    )
    read = sc.read(rows, {"date": "Tgl", "description": "Uraian", "amount": "Mutasi"})
    assert [r.sen for r in read.rows] == [5_000_000, -100_000_000]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"description": "B", "credit": "C"}, "date"),
        ({"date": "A", "description": "B"}, "credit column"),
        ({"date": "A", "description": "B", "credit": "C", "amount": "D"}, "credit column"),
        ({"date": "A", "description": "A", "credit": "C"}, "once"),
    ],
)
def test_a_mapping_missing_a_column_or_doubling_one_is_refused(mapping, message):
    with pytest.raises(ValidationError, match=message):
        sc.mapping_check(mapping)


def test_a_file_without_the_mapped_headers_asks_for_a_new_mapping():
    rows = sc.table("X;Y;Z\n1;2;3\n")
    with pytest.raises(ValidationError, match="map its columns again"):
        sc.read(rows, {"date": "Tanggal", "description": "Keterangan", "credit": "Kredit"})
