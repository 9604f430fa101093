"""``hub.protect``: sealing at rest, lookup digests, masks, the sealed field."""

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from hub.gm import GMError, hmac_sm3_hex
from hub.protect import (
    SealedTextField,
    digest,
    mask_id,
    mask_phone,
    mask_secret,
    seal,
    unseal,
)

ID_NUMBER = "44010619900307123X"


def test_seal_round_trips_and_hides_the_value():
    blob = seal(ID_NUMBER, purpose="id")
    assert isinstance(blob, bytes)
    assert ID_NUMBER.encode() not in blob
    assert unseal(blob, purpose="id") == ID_NUMBER


def test_unseal_accepts_a_memoryview_as_the_database_returns_it():
    assert unseal(memoryview(seal("张三", purpose="name")), purpose="name") == "张三"


def test_sealing_twice_gives_different_blobs():
    assert seal(ID_NUMBER, purpose="id") != seal(ID_NUMBER, purpose="id")


def test_a_blob_sealed_for_one_purpose_cannot_be_unsealed_as_another():
    blob = seal("13800138000", purpose="phone")
    with pytest.raises(GMError) as info:
        unseal(blob, purpose="id")
    assert info.value.reason == "bad_tag"


def test_a_blob_sealed_under_another_master_key_is_refused(settings):
    blob = seal(ID_NUMBER, purpose="id")
    settings.HUB_MASTER_KEY = "0f" * 16
    with pytest.raises(GMError) as info:
        unseal(blob, purpose="id")
    assert info.value.reason == "bad_tag"


def test_a_master_key_that_is_not_32_hex_is_refused(settings):
    settings.HUB_MASTER_KEY = "not-a-key"
    with pytest.raises(GMError) as info:
        seal("x", purpose="id")
    assert info.value.reason == "bad_key"


def test_digest_is_the_keyed_sm3_of_purpose_and_normalised_value(settings):
    expected = hmac_sm3_hex(settings.HUB_DIGEST_KEY.encode(), f"id:{ID_NUMBER}")
    assert digest(ID_NUMBER) == expected
    assert len(expected) == 64


def test_digest_ignores_case_and_surrounding_spaces():
    assert digest(" 44010619900307123x\n") == digest(ID_NUMBER)


def test_digest_depends_on_the_purpose():
    assert digest("13800138000", purpose="phone") != digest("13800138000", purpose="id")


def test_digest_depends_on_the_digest_key(settings):
    before = digest(ID_NUMBER)
    settings.HUB_DIGEST_KEY = "another-digest-key"
    assert digest(ID_NUMBER) != before


def test_digest_is_not_the_plain_sm3():
    from hub.gm import sm3_hex

    assert digest(ID_NUMBER) != sm3_hex(ID_NUMBER)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("440106199003071231", "4401**********1231"),
        ("44010619900307123X", "4401**********123X"),
        ("E12345678", "E1*****78"),
        ("H0123456789", "H0*******89"),
        ("110105491231002", "1101*******1002"),
        ("12345678", "1*******"),
        ("A1", "A*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id(value, masked):
    assert mask_id(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13800138000", "138****8000"),
        ("+8613800138000", "+86*******8000"),
        ("83001234", "****1234"),
        ("8300123", "***0123"),
        ("123456", "******"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("hosp-a-token", "******en"),
        ("12345678", "******"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_secret(value, masked):
    assert mask_secret(value) == masked


def test_masks_never_contain_the_middle_of_the_value():
    assert "19900307" not in mask_id("440106199003071231")
    assert "0013" not in mask_phone("13800138000")
    assert "hosp" not in mask_secret("hosp-a-token")


@pytest.mark.django_db
@isolate_apps("hub")
def test_sealed_field_stores_ciphertext_and_reads_back_text():
    class Patient(models.Model):
        idcard = SealedTextField(purpose="id")
        phone = SealedTextField(purpose="phone", null=True)

        class Meta:
            app_label = "hub"
            db_table = "test_gm_sealed_patient"

        def __str__(self):
            return str(self.pk)

    with connection.schema_editor() as editor:
        editor.create_model(Patient)
    try:
        row = Patient.objects.create(idcard=ID_NUMBER, phone=None)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT idcard, phone FROM test_gm_sealed_patient WHERE id = %s", [row.pk]
            )
            raw_idcard, raw_phone = cursor.fetchone()
        assert raw_phone is None
        assert ID_NUMBER.encode() not in bytes(raw_idcard)
        assert unseal(bytes(raw_idcard), purpose="id") == ID_NUMBER

        loaded = Patient.objects.get(pk=row.pk)
        assert loaded.idcard == ID_NUMBER
        assert loaded.phone is None

        loaded.phone = "13800138000"
        loaded.save(update_fields=["phone"])
        assert Patient.objects.get(pk=row.pk).phone == "13800138000"

        # A row created without a value holds BinaryField's implicit b"":
        # it reads back as empty text, not as a broken seal.
        blank = Patient.objects.create()
        assert Patient.objects.get(pk=blank.pk).idcard == ""
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Patient)


def test_sealed_field_keeps_its_purpose_in_migrations_and_hides_itself():
    field = SealedTextField(purpose="phone", null=True)
    _, path, _, kwargs = field.deconstruct()
    assert path == "hub.protect.SealedTextField"
    assert kwargs == {"purpose": "phone", "null": True}
    assert field.editable is False
    assert field.value_to_string(object()) == ""


def test_sealed_field_to_python_unseals_bytes_and_passes_text():
    field = SealedTextField(purpose="id")
    assert field.to_python(seal(ID_NUMBER, purpose="id")) == ID_NUMBER
    assert field.to_python(ID_NUMBER) == ID_NUMBER
    assert field.to_python(None) is None
