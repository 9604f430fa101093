"""``hospital_id`` integers become foreign keys to hospitals.Hospital, in the
state only: same ``hospital_id`` bigint column, no database constraint, the
existing indexes and unique constraint keep their columns and names."""

import django.db.models.deletion
from django.db import migrations, models


def _fk(null: bool):
    return models.ForeignKey(
        blank=null,
        null=null,
        db_constraint=False,
        db_index=False,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to="hospitals.hospital",
        verbose_name="hospital",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("hospitals", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="accesslog", name="audit_acc_hosp"),
                migrations.RemoveField(model_name="accesslog", name="hospital_id"),
                migrations.AddField(model_name="accesslog", name="hospital", field=_fk(True)),
                migrations.AddIndex(
                    model_name="accesslog",
                    index=models.Index(fields=["hospital", "created_at"], name="audit_acc_hosp"),
                ),
                migrations.RemoveField(model_name="calllog", name="hospital_id"),
                migrations.AddField(model_name="calllog", name="hospital", field=_fk(True)),
                migrations.RemoveConstraint(
                    model_name="usagecounter", name="audit_usage_hosp_day_kind"
                ),
                migrations.RemoveField(model_name="usagecounter", name="hospital_id"),
                migrations.AddField(model_name="usagecounter", name="hospital", field=_fk(False)),
                migrations.AddConstraint(
                    model_name="usagecounter",
                    constraint=models.UniqueConstraint(
                        fields=("hospital", "day", "kind"), name="audit_usage_hosp_day_kind"
                    ),
                ),
            ],
        ),
    ]
