"""Rename ``identity_patientbinding`` to ``patients_patientbinding`` and move its content
type from ``identity`` to ``patients``, so the permissions granted on it and the admin
history that points at it follow the model."""

from django.db import migrations


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label="patients", model="patientbinding").exists():
        types.filter(app_label="identity", model="patientbinding").update(app_label="patients")


def restore_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label="identity", model="patientbinding").exists():
        types.filter(app_label="patients", model="patientbinding").update(app_label="identity")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("patients", "0001_initial"),
        ("identity", "0003_patientbinding_moved_to_patients"),
    ]

    operations = [
        migrations.AlterModelTable(name="patientbinding", table=None),
        migrations.RunPython(move_content_type, restore_content_type),
    ]
