"""The coordinator's school now lives in volunteers (copied there by volunteers/0004); the
column and its check constraint go. Also follows Kecamatan into regions (state only)."""

from django.db import migrations, models


def copy_schools_back(apps, schema_editor):
    RoleGrant = apps.get_model("accounts", "RoleGrant")
    SchoolCoordinator = apps.get_model("volunteers", "SchoolCoordinator")
    db = schema_editor.connection.alias
    for grant_id, school_id in SchoolCoordinator.objects.using(db).values_list(
        "grant_id", "school_id"
    ):
        RoleGrant.objects.using(db).filter(pk=grant_id).update(school_id=school_id)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_audit_actions_callable"),
        ("regions", "0001_initial"),
        ("volunteers", "0004_school_coordinators"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="rolegrant",
                    name="kecamatan",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        to="regions.kecamatan",
                        verbose_name="kecamatan",
                    ),
                ),
            ],
        ),
        migrations.RemoveConstraint(
            model_name="rolegrant",
            name="school_only_for_coordinators",
        ),
        # Backwards: the column is back (empty) here, filled, then the constraint returns.
        migrations.RunPython(migrations.RunPython.noop, copy_schools_back),
        migrations.RemoveField(
            model_name="rolegrant",
            name="school",
        ),
    ]
