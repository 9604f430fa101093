"""Rename ``hub_authorization`` to ``relay_authorization`` and move its content
type from ``hub`` to ``relay``, so the permissions granted on it and the admin
history that points at it follow the model."""

from django.db import migrations


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label="relay", model="authorization").exists():
        types.filter(app_label="hub", model="authorization").update(app_label="relay")


def restore_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label="hub", model="authorization").exists():
        types.filter(app_label="relay", model="authorization").update(app_label="hub")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("relay", "0001_initial"),
        ("hub", "0002_authorization_moved_to_relay"),
    ]

    operations = [
        migrations.AlterModelTable(name="authorization", table=None),
        migrations.RunPython(move_content_type, restore_content_type),
    ]
