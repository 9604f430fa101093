"""The joint test with the province before go-live: the hospital's screen
recording (10-30 s, checked with ffprobe), when it was e-mailed to the
province with the city's mailbox copied, and the province's confirmation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _recording_path(instance: JointTestRecording, filename: str) -> str:
    return f"onboarding/{instance.hospital.org_code}/joint-test/{filename}"


class JointTestRecording(models.Model):
    hospital = models.ForeignKey(
        "hospitals.Hospital",
        on_delete=models.CASCADE,
        related_name="joint_test_recordings",
        verbose_name=_("hospital"),
    )
    system = models.ForeignKey(
        "hospitals.IntegratedSystem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("system"),
    )
    file = models.FileField(_("recording"), upload_to=_recording_path, max_length=255)
    duration_seconds = models.FloatField(_("duration (s)"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    emailed_to = models.JSONField(_("e-mailed to"), default=list, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed by the province"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("confirmation recorded by"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("joint-test recording")
        verbose_name_plural = _("joint-test recordings")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.hospital.org_code} joint test {self.uploaded_at:%Y-%m-%d}"
