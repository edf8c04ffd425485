"""Kecamatan and Village moved into regions; their tables did not (state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="referral",
                    name="kecamatan",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.kecamatan",
                        verbose_name="kecamatan",
                    ),
                ),
                migrations.AlterField(
                    model_name="referral",
                    name="village",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.village",
                        verbose_name="village",
                    ),
                ),
            ],
        ),
    ]
