"""The consent model, adopted from the ``hub`` app (layout change, 2026-12).

Before the layout change ``Authorization`` belonged to the ``hub`` app and its
table was created by ``hub/migrations/0001_initial``. This migration only tells
Django's state that the model now lives here, on the same table (no SQL);
``0002`` renames the table and moves the content type (and with it the
permissions and admin history). A new installation runs ``hub.0001`` (creates
the table), this, then ``0002``; an existing one runs this and ``0002``: in both
every row stays.
"""

import django.db.models.deletion
from django.db import migrations, models

import hub.protect


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("hospitals", "0001_initial"),
        ("hub", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Authorization',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('method', models.CharField(choices=[('appointment', 'online appointment'), ('sms', 'SMS code'), ('authcode', 'authorization code'), ('face', 'face 1:1')], max_length=16, verbose_name='method')),
                        ('state', models.CharField(choices=[('pending', 'pending'), ('granted', 'granted'), ('revoked', 'revoked'), ('expired', 'expired'), ('refused', 'refused'), ('locked', 'locked')], default='pending', max_length=16, verbose_name='state')),
                        ('patient_idcard', hub.protect.SealedTextField(purpose='authorization-idcard', verbose_name='ID number')),
                        ('patient_digest', models.CharField(editable=False, max_length=64)),
                        ('card_type', models.CharField(blank=True, default='', max_length=2, verbose_name='card type')),
                        ('patient_name', hub.protect.SealedTextField(purpose='authorization-name', verbose_name='patient name')),
                        ('patient_ref', models.CharField(blank=True, default='', max_length=64, verbose_name='patient id in the hospital')),
                        ('phone', hub.protect.SealedTextField(blank=True, null=True, purpose='phone', verbose_name='phone number')),
                        ('phone_digest', models.CharField(blank=True, default='', editable=False, max_length=64)),
                        ('staff_no', models.CharField(blank=True, default='', max_length=64, verbose_name='staff number')),
                        ('staff_name', models.CharField(blank=True, default='', max_length=64, verbose_name='staff name')),
                        ('auth_days', models.PositiveSmallIntegerField(default=30, verbose_name='days of validity')),
                        ('verify_failures', models.PositiveSmallIntegerField(default=0, verbose_name='failed face checks')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('granted_at', models.DateTimeField(blank=True, null=True, verbose_name='granted')),
                        ('valid_until', models.DateTimeField(blank=True, null=True, verbose_name='valid until')),
                        ('ended_at', models.DateTimeField(blank=True, null=True, verbose_name='ended')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('sync_state', models.CharField(choices=[('none', 'nothing to send'), ('pending', 'pending'), ('synced', 'synced'), ('failed', 'failed')], default='none', max_length=16, verbose_name='province sync')),
                        ('sync_status', models.CharField(blank=True, default='', max_length=1, verbose_name='status to send')),
                        ('sync_version', models.PositiveIntegerField(default=0)),
                        ('sync_attempts', models.PositiveIntegerField(default=0, verbose_name='sync attempts')),
                        ('sync_reason', models.CharField(blank=True, default='', max_length=255, verbose_name='sync reason')),
                        ('sync_next_at', models.DateTimeField(blank=True, null=True, verbose_name='next sync attempt')),
                        ('sync_claim', models.CharField(blank=True, default='', editable=False, max_length=32)),
                        ('sync_claimed_until', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('synced_at', models.DateTimeField(blank=True, null=True, verbose_name='synced')),
                        ('hospital', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='authorizations', to='hospitals.hospital', verbose_name='hospital')),
                    ],
                    options={
                        'verbose_name': 'authorization',
                        'verbose_name_plural': 'authorizations',
                        'ordering': ['-created_at', '-id'],
                        'db_table': 'hub_authorization',
                        'indexes': [models.Index(fields=['hospital', 'patient_digest', '-granted_at', '-id'], name='hub_auth_patient'), models.Index(fields=['hospital', '-created_at'], name='hub_auth_hospital_list'), models.Index(condition=models.Q(('state', 'granted')), fields=['valid_until'], name='hub_auth_granted_until'), models.Index(condition=models.Q(('sync_state', 'pending')), fields=['sync_next_at'], name='hub_auth_sync_due')],
                    },
                ),
            ],
        ),
    ]
