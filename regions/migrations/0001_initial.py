"""Kecamatan and Village move here from portal, with their rows, tables and content types.

The tables keep their names (see the models' Meta), so the move is a change of Django's state
only: portal/0001 made the tables and portal/0002 loaded Banyuwangi's regions into them, on
every install, before this migration runs. The content types move too, so that permissions
and admin history that name them follow."""

import django.db.models.deletion
from django.db import migrations, models


def move_content_types(apps, schema_editor, *, source="portal", target="regions"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    for model in ("kecamatan", "village"):
        if not types.filter(app_label=target, model=model).exists():
            types.filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="regions", target="portal")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("portal", "0002_load_wilayah_3510"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Kecamatan',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=8, unique=True, verbose_name='code')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                    ],
                    options={
                        'verbose_name': 'kecamatan',
                        'verbose_name_plural': 'kecamatan',
                        'db_table': 'portal_kecamatan',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Village',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=13, unique=True, verbose_name='code')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('kind', models.CharField(choices=[('desa', 'desa'), ('kelurahan', 'kelurahan')], max_length=10, verbose_name='kind')),
                        ('kecamatan', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='villages', to='regions.kecamatan', verbose_name='kecamatan')),
                    ],
                    options={
                        'verbose_name': 'village',
                        'verbose_name_plural': 'villages',
                        'db_table': 'portal_village',
                        'ordering': ['kecamatan__name', 'name'],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
