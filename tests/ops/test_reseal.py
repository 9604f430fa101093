"""Rotating HUB_MASTER_KEY: every sealed value re-sealed, resumable, refusing strangers."""

import pytest
from django.db import connection, models
from django.test import override_settings
from django.test.utils import isolate_apps

from hub.ops.reseal import ResealError, reseal
from hub.protect import SealedTextField

OLD = "00112233445566778899aabbccddeeff"
NEW = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
OTHER = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"


@pytest.fixture
def sealed_model():
    with isolate_apps("hub"):

        class Patient(models.Model):
            idcard = SealedTextField(purpose="test-id")
            phone = SealedTextField(purpose="test-phone", null=True)

            class Meta:
                app_label = "hub"
                db_table = "test_ops_reseal_patient"

            def __str__(self):
                return str(self.pk)

        with connection.schema_editor() as editor:
            editor.create_model(Patient)
        try:
            yield Patient
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Patient)


def _create(model, key, **values):
    with override_settings(HUB_MASTER_KEY=key):
        return model.objects.create(**values)


def _read(model, key):
    with override_settings(HUB_MASTER_KEY=key):
        return sorted((p.idcard, p.phone) for p in model.objects.all())


@pytest.mark.django_db
def test_every_sealed_value_opens_under_the_new_key(sealed_model):
    _create(sealed_model, OLD, idcard="440106199003071231", phone="13800138000")
    _create(sealed_model, OLD, idcard="44010619900307123X", phone=None)

    report = reseal(old_key_hex=OLD, new_key_hex=NEW, models=[sealed_model])

    assert report.resealed == {"hub.Patient.idcard": 2, "hub.Patient.phone": 1}
    assert _read(sealed_model, NEW) == [
        ("440106199003071231", "13800138000"),
        ("44010619900307123X", None),
    ]


@pytest.mark.django_db
def test_a_second_run_finds_everything_already_done(sealed_model):
    _create(sealed_model, OLD, idcard="440106199003071231", phone="13800138000")
    reseal(old_key_hex=OLD, new_key_hex=NEW, models=[sealed_model])

    again = reseal(old_key_hex=OLD, new_key_hex=NEW, models=[sealed_model])

    assert again.resealed == {"hub.Patient.idcard": 0, "hub.Patient.phone": 0}
    assert again.already == {"hub.Patient.idcard": 1, "hub.Patient.phone": 1}


@pytest.mark.django_db
def test_a_dry_run_writes_nothing(sealed_model):
    _create(sealed_model, OLD, idcard="440106199003071231")
    report = reseal(old_key_hex=OLD, new_key_hex=NEW, dry_run=True, models=[sealed_model])
    assert report.resealed["hub.Patient.idcard"] == 1
    assert _read(sealed_model, OLD) == [("440106199003071231", None)]


@pytest.mark.django_db
def test_a_value_under_an_unknown_key_stops_the_run_and_names_the_row(sealed_model):
    row = _create(sealed_model, OTHER, idcard="440106199003071231")
    with pytest.raises(ResealError, match=rf"hub.Patient.idcard row {row.pk}: opens under neither"):
        reseal(old_key_hex=OLD, new_key_hex=NEW, models=[sealed_model])
    assert _read(sealed_model, OTHER) == [("440106199003071231", None)]


def test_the_same_key_twice_is_refused():
    with pytest.raises(ResealError):
        reseal(old_key_hex=OLD, new_key_hex=OLD, models=[])


def test_every_installed_sealed_column_is_found():
    from hub.ops.reseal import sealed_columns

    found = {(m._meta.label, f.name) for m, f in sealed_columns()}
    assert {
        ("hospitals.HubCredential", "paastoken"),
        ("hospitals.HubCredential", "sm4_key"),
    } <= found


@pytest.mark.django_db
def test_batches_walk_the_whole_table(sealed_model, monkeypatch):
    monkeypatch.setattr("hub.ops.reseal.BATCH", 2)
    for n in range(5):
        _create(sealed_model, OLD, idcard=f"44010619900307{n:03d}1")
    report = reseal(old_key_hex=OLD, new_key_hex=NEW, models=[sealed_model])
    assert report.resealed["hub.Patient.idcard"] == 5
    assert len(_read(sealed_model, NEW)) == 5


def test_the_command_line_wants_the_old_key_in_the_environment(monkeypatch, capsys):
    from hub.ops.reseal import main

    monkeypatch.delenv("HUB_MASTER_KEY_OLD", raising=False)
    assert main(["--dry-run"]) == 2
    assert "HUB_MASTER_KEY_OLD" in capsys.readouterr().err
