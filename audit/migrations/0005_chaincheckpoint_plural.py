from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_systems"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="chaincheckpoint",
            options={
                "verbose_name": "chain checkpoint",
                "verbose_name_plural": "chain checkpoints",
            },
        ),
    ]
