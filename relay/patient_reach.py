"""How the hub reaches the patient of a request: never through a channel the
calling hospital chooses.

- ``sms``: the code goes to the patient's phone of record (identity's
  ``PatientPhone``). A phone the hospital sends is only compared with it. With
  no phone of record the city decides (``SMS_UNRECORDED_PHONE``): ``refuse``
  (409 ``PHONE_NOT_ON_RECORD``), or ``allow`` to the hospital's phone, the
  consent then marked ``unrecorded`` (verified on an unverified phone).
- ``authcode``: the patient reads the code on their own pages (signed in with
  their phone of record) or by a push channel that reaches them; with
  neither, the request is refused at once (409 ``NO_CODE_CHANNEL``) rather
  than left pending with a code nobody can see.
- ``face``: a passed face check at a hospital kiosk records the phone the
  patient gave there as their phone of record, when they have none yet (a
  kiosk never replaces a phone of record).
"""

from __future__ import annotations

from django.conf import settings

from hub import phone_blocks
from hub.protect import digest
from identity import phones
from identity.models import PhoneSource
from identity.push import get_push_backend, patient_resolver_register
from relay.errors import RelayCode, relay_error
from relay.models import Authorization, PhoneCheck


def sms_target(*, patient_digest: str, phone: str | None) -> tuple[str, str]:
    """``(phone the code goes to, PhoneCheck)`` for an SMS request."""
    record = phones.phone_of_record(patient_digest=patient_digest)
    # A phone the city blocked (alerts: codes for too many patients) gets none.
    phone_blocks.refuse_if_blocked(record.phone if record is not None else phone)
    if record is not None:
        if not phone:
            return record.phone, PhoneCheck.NOT_GIVEN
        if digest(phone, purpose="phone") == record.phone_digest:
            return record.phone, PhoneCheck.MATCHES
        return record.phone, PhoneCheck.DIFFERS
    if getattr(settings, "SMS_UNRECORDED_PHONE", "refuse") != "allow":
        raise relay_error(RelayCode.PHONE_NOT_ON_RECORD)
    if not phone:
        raise relay_error(RelayCode.PHONE_REQUIRED)
    return phone, PhoneCheck.UNRECORDED


def check_code_channel(*, patient_digest: str) -> None:
    """Refuse an authorization-code request the patient could never read: no
    phone of record (their pages) and no push channel that reaches this
    patient (the push backend is asked per patient: WeChat reaches a patient
    with a live binding only; the console/locmem stand-ins reach everyone)."""
    if phones.phone_of_record(patient_digest=patient_digest) is not None:
        return
    if get_push_backend().reaches(patient_digest):
        return
    raise relay_error(RelayCode.NO_CODE_CHANNEL)


def _patient_of_authorization(pk: str) -> str | None:
    """Whose code ``authorization:<pk>`` is, for the push backends."""
    if not pk.isdigit():
        return None
    return Authorization.objects.filter(pk=int(pk)).values_list("patient_digest", flat=True).first()


# identity pushes a code knowing only its reference; the relay tells whose it is.
patient_resolver_register("authorization", _patient_of_authorization)


def kiosk_phone_record(*, authorization: Authorization, actor) -> None:
    """After a passed face check: the phone given at the kiosk becomes the
    patient's phone of record if they have none."""
    auth = authorization
    if not auth.phone or phones.phone_of_record(patient_digest=auth.patient_digest):
        return
    phones.phone_of_record_set(
        id_number=auth.patient_idcard,
        card_type=auth.card_type,
        phone=auth.phone,
        source=PhoneSource.FACE_KIOSK,
        evidence=f"authorization:{auth.pk}",
        actor=actor,
    )
