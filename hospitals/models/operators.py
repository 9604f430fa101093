"""Links a back-office user to the one hospital they operate for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class HospitalOperator(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="hospital_operator",
        verbose_name=_("user"),
    )
    hospital = models.ForeignKey(
        "hospitals.Hospital",
        on_delete=models.CASCADE,
        related_name="operators",
        verbose_name=_("hospital"),
    )

    class Meta:
        verbose_name = _("hospital operator")
        verbose_name_plural = _("hospital operators")

    def __str__(self) -> str:
        return f"{self.user} @ {self.hospital.org_code}"
