"""Benchmark: the cost of personal-data encryption, and of a key rotation.

Prints figures; asserts nothing. Run with the test settings so that it uses its own database:

    PORTAL_ENV=test .venv/bin/python bench/pii_crypto.py [--rows 20000]

With DATABASE_URL set it measures PostgreSQL; otherwise an in-memory SQLite database.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PORTAL_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import setup_test_environment

from accounts import pii
from bench.summary import quick_option, record


def timed(label: str, count: int, fn) -> float:
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    print(f"{label:<42} {count:>8} in {seconds:7.3f} s = {count / seconds:>10,.0f} /s")
    record(f"pii: {label} ({connection.vendor})", "", f"{count / seconds:,.0f} /s", None)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=500, help="rotate_pii_keys batches")
    quick_option(parser, rows=5000)
    args = parser.parse_args()
    rows = args.rows

    print(f"database: {connection.vendor}, rows: {rows}")
    values = [f"35100941074{i:05d}" for i in range(rows)]
    timed("encrypt a NIK", rows, lambda: [pii.encrypt(v) for v in values])
    tokens = [pii.encrypt(v) for v in values]
    timed("decrypt a NIK", rows, lambda: [pii.decrypt(t) for t in tokens])
    timed("keyed hash of a NIK", rows, lambda: [pii.keyed_hash(v) for v in values])

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        from tests.pii_testapp.models import Dossier

        old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        settings.PII_ENCRYPTION_KEYS = [old_key]
        birth = datetime.date(1950, 1, 1)
        objects = [
            Dossier(label=str(i), nik=v, name=f"Nama Lengkap {i}", birth_date=birth)
            for i, v in enumerate(values)
        ]
        timed(
            "insert rows with 3 encrypted fields",
            rows,
            lambda: Dossier.objects.bulk_create(objects, batch_size=1000),
        )
        timed("read rows with 3 encrypted fields", rows, lambda: list(Dossier.objects.all()))
        settings.PII_ENCRYPTION_KEYS = [new_key, old_key]
        with open(os.devnull, "w") as devnull:
            timed(
                f"rotate_pii_keys, batches of {args.batch_size}",
                rows,
                lambda: call_command("rotate_pii_keys", batch_size=args.batch_size, stdout=devnull),
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
