"""An installation made before Kecamatan and Village moved into regions (and the coordinator's
school into volunteers) migrates to head with every row and every reference intact.

The dump (tests/fixtures/README.md) is loaded into a scratch database of this test's own and
migrated by ``manage.py migrate``, as an upgrade would run it."""

import gzip
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models

from tests.conftest import missing_service

DUMP = Path(__file__).resolve().parent.parent / "fixtures" / "seed_demo_before_regions.sql.gz"
COPY = re.compile(r"^COPY public\.(\w+) \(([^)]*)\) FROM stdin;$")
# Rows that migrate itself adds to: the migrations it applies, and the content types and
# permissions of models that are new.
GROWING = {"django_migrations", "django_content_type", "auth_permission"}

FOREIGN_KEYS = """
    SELECT c.conname, cl.relname, array_agg(a.attname ORDER BY k.ord),
           fcl.relname, array_agg(fa.attname ORDER BY k.ord)
    FROM pg_constraint c
    JOIN pg_class cl ON cl.oid = c.conrelid
    JOIN pg_class fcl ON fcl.oid = c.confrelid
    JOIN pg_namespace n ON n.oid = cl.relnamespace
    CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(attnum, fattnum, ord)
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
    JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = k.fattnum
    WHERE c.contype = 'f' AND n.nspname = 'public'
    GROUP BY c.conname, cl.relname, fcl.relname
"""


def dump_rows(text: str) -> dict[str, list[dict[str, str | None]]]:
    """Every table of a plain pg_dump with its rows (pg_dump writes a COPY even for an empty
    table), values as COPY's text format has them."""
    tables: dict[str, list[dict[str, str | None]]] = {}
    table = None
    for line in text.splitlines():
        if table is None:
            match = COPY.match(line)
            if match:
                table, columns = match[1], [c.strip().strip('"') for c in match[2].split(",")]
                tables[table] = []
        elif line == "\\.":
            table = None
        else:
            values = [None if v == "\\N" else v for v in line.split("\t")]
            tables[table].append(dict(zip(columns, values, strict=True)))
    return tables


@pytest.fixture
def scratch_db(postgres):
    """A database of this test's own on the test server, dropped afterwards."""
    if not shutil.which("psql"):
        missing_service("this test needs psql to load the dump")
    import psycopg

    conf = connection.settings_dict
    server = {
        "host": conf["HOST"] or "localhost",
        "port": conf["PORT"] or 5432,
        "user": conf["USER"],
        "password": conf["PASSWORD"] or None,
    }
    name = f"rk_dump_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dbname=conf["NAME"], autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{quote(server['password'], safe='')}" if server["password"] else ""
    url = f"postgres://{quote(server['user'])}{password}@{server['host']}:{server['port']}/{name}"
    try:
        with psycopg.connect(dbname=name, **server) as db:
            yield url, db
    finally:
        with psycopg.connect(dbname=conf["NAME"], autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(command: list[str], **kwargs) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=100, **kwargs)
    assert result.returncode == 0, f"{' '.join(command[:3])}...\n{result.stdout}{result.stderr}"


def test_the_dump_migrates_to_head_with_every_row_and_reference(scratch_db):
    url, db = scratch_db
    text = gzip.decompress(DUMP.read_bytes()).decode()
    before = dump_rows(text)
    run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url], input=text)
    env = {**os.environ, "DATABASE_URL": url, "PORTAL_ENV": "dev"}
    run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=settings.BASE_DIR, env=env)

    def query(sql: str, *params) -> list[tuple]:
        return db.execute(sql, params).fetchall()

    tables = {r[0] for r in query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert set(before) <= tables, "a table of the old installation is gone"
    assert "volunteers_schoolcoordinator" in tables

    # Row counts: every table as it was, but for what migrate itself writes.
    for table, rows in before.items():
        (count,) = query(f'SELECT count(*) FROM "{table}"')[0]
        if table in GROWING:
            assert count >= len(rows), table
        else:
            assert count == len(rows), table
    applied = set(query("SELECT app, name FROM django_migrations"))
    assert {(r["app"], r["name"]) for r in before["django_migrations"]} <= applied
    assert ("regions", "0001_initial") in applied
    assert len(before["portal_kecamatan"]) == 25 and len(before["portal_village"]) == 217

    # Every foreign key of the database holds: each value it carries exists where it points.
    constraints = query(FOREIGN_KEYS)
    for name, table, columns, target, target_columns in constraints:
        on = " AND ".join(
            f't."{tc}" = c."{col}"' for col, tc in zip(columns, target_columns, strict=True)
        )
        present = " AND ".join(f'c."{col}" IS NOT NULL' for col in columns)
        (orphans,) = query(
            f'SELECT count(*) FROM "{table}" c WHERE {present} '
            f'AND NOT EXISTS (SELECT 1 FROM "{target}" t WHERE {on})'
        )[0]
        assert orphans == 0, f"{name}: {orphans} rows of {table} point at nothing in {target}"
    # ... and every foreign key Django's models declare (their state after the move) is one
    # the database enforces, pointing at the table the model says.
    enforced = {(t, c[0], ft, fc[0]) for _n, t, c, ft, fc in constraints if len(c) == 1}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.db_table not in tables:
            continue
        for field in meta.local_fields:
            if isinstance(field, models.ForeignKey) and field.db_constraint:
                target = field.target_field
                key = (meta.db_table, field.column, target.model._meta.db_table, target.column)
                assert key in enforced, f"{meta.label}.{field.name} is not enforced: {key}"

    # The content types moved with the models (same ids, so permissions and admin history
    # follow); none is left behind in portal. Every other one is still there under its id (a
    # model that moved to another app keeps its name).
    old_types = {(r["app_label"], r["model"]): r["id"] for r in before["django_content_type"]}
    rows = query("SELECT id, app_label, model FROM django_content_type")
    types = {(app, model): str(pk) for pk, app, model in rows}
    by_id = {str(pk): model for pk, _app, model in rows}
    for model in ("kecamatan", "village"):
        assert types[("regions", model)] == old_types[("portal", model)]
        assert ("portal", model) not in types
    assert all(by_id.get(pk) == model for (_app, model), pk in old_types.items())

    # The coordinator's school: carried over into volunteers, and gone from accounts.
    schools = {
        (int(r["id"]), int(r["school_id"]))
        for r in before["accounts_rolegrant"]
        if r["school_id"] is not None
    }
    assert schools, "the demo data has a school coordinator"
    links = set(query("SELECT grant_id, school_id FROM volunteers_schoolcoordinator"))
    assert links == schools
    columns = query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts_rolegrant'"
    )
    assert ("school_id",) not in columns

    # Audit targets are a stable format: the trail written before the move reads the same
    # (tests/community/test_rights.py finds such events in a person's export).
    old_targets = Counter(r["target"] for r in before["accounts_auditevent"])
    assert Counter(t for (t,) in query("SELECT target FROM accounts_auditevent")) == old_targets
