"""Banyuwangi's 25 kecamatan and 217 villages (Kepmendagri No. 300.2.2-2138 Tahun 2025), from
portal/data/wilayah_3510.csv. Reference data that officials' scopes refer to, so it is loaded
by a migration; demo data never is."""

import csv
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "wilayah_3510.csv"


def load(apps, schema_editor):
    Kecamatan = apps.get_model("portal", "Kecamatan")
    Village = apps.get_model("portal", "Village")
    with CSV_PATH.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    kecamatan = {}
    for row in rows:
        if row["tingkat"] == "kecamatan":
            kecamatan[row["kode"]], _ = Kecamatan.objects.update_or_create(
                code=row["kode"], defaults={"name": row["nama"].strip()}
            )
    for row in rows:
        if row["tingkat"] in {"desa", "kelurahan"}:
            parent = kecamatan[row["kode"].rsplit(".", 1)[0]]
            Village.objects.update_or_create(
                code=row["kode"],
                defaults={"name": row["nama"].strip(), "kind": row["tingkat"], "kecamatan": parent},
            )


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
