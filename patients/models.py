"""Which ID numbers a signed-in phone may act for.

A phone number unlocks a patient's requests and codes only through a trusted
path, never because someone typed an ID number next to it (that would let
anyone agree to a hospital viewing a stranger's record):

* ``sms_authorization``: a hospital sent this phone for that patient in an
  SMS authorization (the doctor checked the number with the patient, user
  manual §3.1.3) AND the code sent to the phone came back to the doctor, so
  the authorization was granted. A pending or failed SMS request binds
  nothing.
* ``face_kiosk``: a face authorization at a hospital kiosk passed (the live
  face matched the ID card's chip photo) and the hospital sent the phone the
  patient gave there; signing in proves possession of that phone.

Only digests are stored (``hub.protect.digest``): the phone digest of the
sign-in, the ID digest of the authorizations (``purpose="id"``).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BindingSource(models.TextChoices):
    SMS_AUTHORIZATION = "sms_authorization", _("SMS authorization verified at a hospital")
    FACE_KIOSK = "face_kiosk", _("face check at a hospital kiosk")


class PatientBinding(models.Model):
    phone_digest = models.CharField(max_length=64, editable=False)
    patient_digest = models.CharField(max_length=64, editable=False)
    source = models.CharField(_("bound by"), max_length=32, choices=BindingSource.choices)
    # What proved it, e.g. "authorization:42" (ids only, no personal data).
    evidence = models.CharField(_("evidence"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("bound at"), default=timezone.now)
    # The latest time the trusted path was walked again; a binding not
    # confirmed for PATIENT_BINDING_MAX_AGE_DAYS stops counting (mobile
    # numbers are recycled by the carriers).
    confirmed_at = models.DateTimeField(_("last confirmed"), default=timezone.now)

    class Meta:
        verbose_name = _("patient binding")
        verbose_name_plural = _("patient bindings")
        constraints = [
            models.UniqueConstraint(
                fields=["phone_digest", "patient_digest"], name="identity_binding_unique"
            )
        ]
        indexes = [models.Index(fields=["phone_digest"], name="identity_binding_phone")]

    def __str__(self) -> str:
        # No personal data: digests are shown shortened.
        return f"binding {self.phone_digest[:8]} -> {self.patient_digest[:8]} ({self.source})"
