"""The ledger in the database itself: entries and transactions are never updated or deleted,
and a transaction whose entries do not sum to zero cannot commit.

The balance check is a deferred constraint trigger: it runs at COMMIT, once every entry of the
transaction is written, so the service may insert them one statement at a time. TRUNCATE stays
possible for the table owner (the test suite empties tables with it). SQLite (dev and tests
only) gets the append-only guard; the balance is checked there by the service alone."""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION donations_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: a correction is a new transaction', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER donations_entry_append_only BEFORE UPDATE OR DELETE ON donations_entry
    FOR EACH ROW EXECUTE FUNCTION donations_ledger_append_only();
CREATE TRIGGER donations_transaction_append_only BEFORE UPDATE OR DELETE ON donations_transaction
    FOR EACH ROW EXECUTE FUNCTION donations_ledger_append_only();

CREATE OR REPLACE FUNCTION donations_transaction_balanced() RETURNS trigger AS $$
DECLARE
    total numeric;
BEGIN
    SELECT COALESCE(SUM(amount), 0) INTO total FROM donations_entry
        WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (sum %)', NEW.transaction_id, total;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER donations_entry_balanced AFTER INSERT ON donations_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION donations_transaction_balanced();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS donations_entry_balanced ON donations_entry;
DROP FUNCTION IF EXISTS donations_transaction_balanced();
DROP TRIGGER IF EXISTS donations_entry_append_only ON donations_entry;
DROP TRIGGER IF EXISTS donations_transaction_append_only ON donations_transaction;
DROP FUNCTION IF EXISTS donations_ledger_append_only();
"""
SQLITE_TABLES = ("donations_entry", "donations_transaction")


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # params=None: the '%' of RAISE's format must reach PostgreSQL as written.
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        for table in SQLITE_TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
            )


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for table in SQLITE_TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")


class Migration(migrations.Migration):
    dependencies = [("donations", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
