"""Benchmark: import N generated valid rows into PostgreSQL; print rows/s and peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rantang_bench \
        .venv/bin/python bench/import_bench.py [--rows 100000] [--xlsx]

First the file is only read and its rows validated (one process, nothing written): the
imports' rows/s are also given as a share of that parse-only pass of the same file.
It uses a throwaway test database (created and dropped here). Without DATABASE_URL it falls
back to SQLite and says so. Goal: at least 5,000 rows/s and under 250 MB on 2 cores.
Peak memory is the maximum resident set size of the importing process and of the largest
worker process (``--workers``), Python and Django included; the workers share most of their
pages with the parent (fork), so the sum overstates what the machine uses.
"""

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["PORTAL_ENV"] = "test"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection
from django.test.utils import setup_test_environment

from bench.summary import quick_option, record

HEADER = [
    "NIK", "NO KK", "NAMA", "JENIS KELAMIN", "TEMPAT LAHIR", "TANGGAL LAHIR", "ALAMAT", "RT",
    "RW", "KODE DESA", "NO HP KELUARGA", "KONDISI", "STATUS LAYANAN", "CATATAN",
]  # fmt: skip
CONDITIONS = ["hidup_sendiri", "disabilitas", "sakit_kronis", "tidak_mampu_masak"]


def generate(path: Path, rows: int, villages: list[str]) -> None:
    rng = random.Random(3510)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(HEADER)
        for i in range(rows):
            female = i % 2 == 0
            day, month, year = 1 + i % 28, 1 + i % 12, 1930 + i % 35
            nik_day = day + 40 if female else day
            # Unique NIKs: the serial (0001-9999) and the kecamatan part count i up.
            serial, region = i % 9999 + 1, (i // 9999) % 100
            nik = f"3510{region:02d}{nik_day:02d}{month:02d}{year % 100:02d}{serial:04d}"
            writer.writerow([
                nik, f"35100{i:011d}", f"Nama Lansia {i}", "P" if female else "L", "Banyuwangi",
                f"{day:02d}-{month:02d}-{year}", f"Dusun {i % 97} No. {i % 50}", f"{i % 20:03d}",
                f"{i % 9:03d}", rng.choice(villages), f"0812{i:08d}"[:13],
                ";".join(rng.sample(CONDITIONS, k=1 + i % 2)), "belum_terjangkau",
                "Catatan petugas",
            ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="as import_recipients --workers")
    quick_option(parser, rows=20_000)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        from portal.models import ImportBatch, Recipient
        from portal.services.imports import import_file
        from regions.models import Village

        villages = list(Village.objects.values_list("code", flat=True))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "export.csv"
            generate(path, args.rows, villages)
            size_mb = path.stat().st_size / 1e6
            print(
                f"database: {connection.vendor}; rows: {args.rows:,}; file: {size_mb:.1f} MB; "
                f"workers: {args.workers}"
            )
            # The same file read and its rows validated (the format's rules), in this one process
            # and writing nothing: what the import costs beyond parsing is the rest.
            from django.utils import timezone

            from portal.services.imports.reading import read_table
            from portal.services.imports.rows import Villages, validate_row

            start = time.perf_counter()
            with path.open("rb") as stream:
                known, today = Villages.load(), timezone.localdate()
                parsed = sum(
                    not validate_row(number, raw, villages=known, today=today).rejected
                    for number, raw in read_table(stream).rows
                )
            parse_rate = args.rows / (time.perf_counter() - start)
            print(f"{'parse only':<16} {parse_rate:>8,.0f} rows/s  ({parsed:,} valid, one process)")
            record(
                f"import: parse-only pass (read + validate, 1 process), {args.rows:,} rows",
                "",
                f"{parse_rate:,.0f} rows/s",
                None,
            )
            for label in ("first import", "same file again"):
                start = time.perf_counter()
                with path.open("rb") as stream:
                    batch = import_file(
                        stream,
                        file_name=path.name,
                        channel=ImportBatch.Channel.CLI,
                        actor=None,
                        workers=args.workers,
                    )
                seconds = time.perf_counter() - start
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                print(
                    f"{label:<16} {args.rows / seconds:>8,.0f} rows/s  ({seconds:.1f} s)  "
                    f"peak RSS {peak:.0f} MB (+ {worker:.0f} MB per worker process)  "
                    f"{batch.summary}"
                )
                record(
                    f"import: {label}, {args.rows:,} rows ({connection.vendor})",
                    "",
                    f"{args.rows / seconds:,.0f} rows/s "
                    f"= {args.rows / seconds / parse_rate:.0%} of the parse-only pass",
                    None,
                )
                record(
                    f"import: {label}, peak RSS",
                    "< 250 MB",
                    f"{peak:.0f} MB (+ {worker:.0f} MB per worker)",
                    peak < 250,
                )
        print(f"recipients in the database: {Recipient.objects.count():,}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
