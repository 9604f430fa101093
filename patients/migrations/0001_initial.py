"""The patients' phone bindings, adopted from the ``identity`` app (layout
change, 2026-12).

``identity/migrations/0002`` created the table; this migration only tells
Django's state that the model now lives here, on the same table (no SQL).
``0002`` renames the table and moves the content type. New and existing
installations alike keep every row.
"""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("identity", "0002_patient_binding"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="PatientBinding",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("phone_digest", models.CharField(editable=False, max_length=64)),
                        ("patient_digest", models.CharField(editable=False, max_length=64)),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("sms_authorization", "SMS authorization verified at a hospital"),
                                    ("face_kiosk", "face check at a hospital kiosk"),
                                ],
                                max_length=32,
                                verbose_name="bound by",
                            ),
                        ),
                        (
                            "evidence",
                            models.CharField(
                                blank=True, default="", max_length=100, verbose_name="evidence"
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="bound at"
                            ),
                        ),
                        (
                            "confirmed_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="last confirmed"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "patient binding",
                        "verbose_name_plural": "patient bindings",
                        "db_table": "identity_patientbinding",
                        "indexes": [models.Index(fields=["phone_digest"], name="identity_binding_phone")],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("phone_digest", "patient_digest"), name="identity_binding_unique"
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
