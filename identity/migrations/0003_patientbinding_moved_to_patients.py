"""``PatientBinding`` moved to the ``patients`` app (layout change, 2026-12): drop it
from this app's state only. The table stays; ``patients/migrations/0001`` adopts
it and ``patients/migrations/0002`` renames it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0002_patient_binding"),
        ("patients", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="PatientBinding")],
        ),
    ]
