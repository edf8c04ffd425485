"""Kecamatan moved into regions; its table did not (state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("meals", "0004_plan_history_shared_shape"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="mealplan",
                    name="kecamatan",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.kecamatan",
                    ),
                ),
                migrations.AlterField(
                    model_name="warung",
                    name="kecamatan",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="warung",
                        to="regions.kecamatan",
                        verbose_name="kecamatan",
                    ),
                ),
            ],
        ),
    ]
