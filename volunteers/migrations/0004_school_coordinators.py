"""A school coordinator's school moves from accounts' RoleGrant into volunteers, so that
accounts depends on no domain app. The rows are copied here; accounts/0006 then drops the
column. Also follows Kecamatan into regions (state only: its table is unchanged)."""

import django.db.models.deletion
from django.db import migrations, models


def copy_schools(apps, schema_editor):
    RoleGrant = apps.get_model("accounts", "RoleGrant")
    SchoolCoordinator = apps.get_model("volunteers", "SchoolCoordinator")
    db = schema_editor.connection.alias
    grants = RoleGrant.objects.using(db).filter(school__isnull=False)
    SchoolCoordinator.objects.using(db).bulk_create(
        SchoolCoordinator(grant_id=pk, school_id=school_id)
        for pk, school_id in grants.values_list("pk", "school_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_audit_actions_callable"),
        ("regions", "0001_initial"),
        ("volunteers", "0003_student_and_slot_histories"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="school",
                    name="kecamatan",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="schools",
                        to="regions.kecamatan",
                        verbose_name="kecamatan",
                    ),
                ),
                migrations.AlterField(
                    model_name="visitslot",
                    name="kecamatan",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="visit_slots",
                        to="regions.kecamatan",
                        verbose_name="kecamatan",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="SchoolCoordinator",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "grant",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="school_link",
                        to="accounts.rolegrant",
                        verbose_name="role",
                    ),
                ),
                (
                    "school",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="coordinators",
                        to="volunteers.school",
                        verbose_name="school",
                    ),
                ),
            ],
            options={
                "verbose_name": "school coordinator",
                "verbose_name_plural": "school coordinators",
            },
        ),
        # Backwards, accounts/0006 copies the schools back before this table goes.
        migrations.RunPython(copy_schools, migrations.RunPython.noop),
    ]
