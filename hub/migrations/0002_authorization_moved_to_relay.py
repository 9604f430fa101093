"""``Authorization`` moved to the ``relay`` app (layout change, 2026-12): drop it
from this app's state only. The table stays; ``relay/migrations/0001`` adopts
it and ``relay/migrations/0002`` renames it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("hub", "0001_initial"),
        ("relay", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="Authorization")],
        ),
    ]
