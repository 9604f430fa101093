"""Bindings give way to phones of record (identity.PatientPhone).

Until now a phone could sign in for a patient when a hospital had sent that
phone in an SMS authorization that was then verified: the hospital chose the
number, so a hospital could bind its own phone to anyone. Those bindings
(``sms_authorization``) are dropped. A binding made by a face check at a
hospital kiosk (the live face matched the ID card's chip photo, and the
patient gave the phone there) is a trusted source: it becomes the patient's
phone of record (source ``face_kiosk``), unless the patient already has one.
The binding table is then removed.
"""

from django.db import migrations


def bindings_to_phones_of_record(apps, schema_editor):
    alias = schema_editor.connection.alias
    Binding = apps.get_model("patients", "PatientBinding")
    Authorization = apps.get_model("relay", "Authorization")
    PatientPhone = apps.get_model("identity", "PatientPhone")
    kiosk = Binding.objects.using(alias).filter(source="face_kiosk").order_by("confirmed_at")
    for binding in kiosk:
        if PatientPhone.objects.using(alias).filter(patient_digest=binding.patient_digest).exists():
            continue
        kind, _sep, pk = binding.evidence.partition(":")
        if kind != "authorization" or not pk.isdigit():
            continue
        auth = (
            Authorization.objects.using(alias)
            .filter(
                pk=int(pk),
                method="face",
                patient_digest=binding.patient_digest,
                phone_digest=binding.phone_digest,
            )
            .exclude(granted_at=None)
            .first()
        )
        if auth is None or not auth.phone:
            continue
        PatientPhone.objects.using(alias).create(
            patient_digest=binding.patient_digest,
            card_type=auth.card_type,
            idcard=auth.patient_idcard,
            phone=auth.phone,
            phone_digest=binding.phone_digest,
            source="face_kiosk",
            evidence=binding.evidence,
            recorded_at=binding.confirmed_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_rename_table"),
        ("identity", "0004_patient_phone"),
        ("relay", "0002_rename_table"),
    ]

    operations = [
        migrations.RunPython(bindings_to_phones_of_record, migrations.RunPython.noop),
        migrations.DeleteModel(name="PatientBinding"),
    ]
