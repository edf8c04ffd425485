"""Kecamatan and Village now belong to regions (regions/0001 took them over with their
tables); portal forgets them once every app's foreign keys point there (state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_school_link_in_volunteers"),
        ("community", "0002_regions"),
        ("meals", "0005_regions"),
        ("outcomes", "0002_regions"),
        ("portal", "0006_former_nik"),
        ("regions", "0001_initial"),
        ("volunteers", "0004_school_coordinators"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="recipient",
                    name="kecamatan",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="recipients",
                        to="regions.kecamatan",
                        verbose_name="kecamatan",
                    ),
                ),
                migrations.AlterField(
                    model_name="recipient",
                    name="village",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="recipients",
                        to="regions.village",
                        verbose_name="village",
                    ),
                ),
                migrations.RemoveField(model_name="village", name="kecamatan"),
                migrations.DeleteModel(name="Kecamatan"),
                migrations.DeleteModel(name="Village"),
            ],
        ),
    ]
