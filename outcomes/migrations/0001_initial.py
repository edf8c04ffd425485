# The stored outcome figures moved here from meals: the table stays as it is (state only), and
# the content type follows the model so that permissions and admin log entries keep pointing
# at it.

import django.db.models.deletion
from django.db import migrations, models


def content_type_to_outcomes(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="outcomes", model="monthlyoutcome").exists():
        ContentType.objects.filter(app_label="meals", model="monthlyoutcome").update(
            app_label="outcomes"
        )


def content_type_to_meals(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="meals", model="monthlyoutcome").exists():
        ContentType.objects.filter(app_label="outcomes", model="monthlyoutcome").update(
            app_label="meals"
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("meals", "0002_inspections_plans_deliveries"),
        ("portal", "0006_former_nik"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="MonthlyOutcome",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("month", models.DateField()),
                        ("listed", models.PositiveIntegerField(default=0)),
                        ("reached", models.PositiveIntegerField(default=0)),
                        ("funded", models.PositiveIntegerField(default=0)),
                        ("served_elsewhere", models.PositiveIntegerField(default=0)),
                        ("meals_planned", models.PositiveIntegerField(default=0)),
                        ("meals_delivered", models.PositiveIntegerField(default=0)),
                        ("not_home", models.PositiveIntegerField(default=0)),
                        ("refused", models.PositiveIntegerField(default=0)),
                        ("warung_active", models.PositiveIntegerField(default=0)),
                        ("warung_valid", models.PositiveIntegerField(default=0)),
                        ("visits", models.PositiveIntegerField(default=0)),
                        ("referrals_verified", models.PositiveIntegerField(default=0)),
                        ("computed_at", models.DateTimeField()),
                        (
                            "kecamatan",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="portal.kecamatan",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "meals_monthlyoutcome",
                        "ordering": ["month", "kecamatan__name"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("month", "kecamatan"),
                                name="one_outcome_per_month_kecamatan",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("kecamatan__isnull", True)),
                                fields=("month",),
                                name="one_regency_outcome_per_month",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_outcomes, content_type_to_meals),
    ]
