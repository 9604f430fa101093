"""Secrets: the province-issued accounts the hub calls the province with, and the
hub-issued credentials hospitals sign their calls with. Every secret is sealed
(SM4-GCM under HUB_MASTER_KEY) and never shown again after entry or issue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.protect import SealedTextField, mask_secret


class ProvinceAccount(models.Model):
    """The gateway account and application parameters the province issued."""

    name = models.CharField(_("name"), max_length=100)
    paasid = models.CharField(_("paasid"), max_length=128)
    paastoken = SealedTextField(_("paastoken"), purpose="province-paastoken")
    sm4_key = SealedTextField(_("SM4 key"), purpose="province-sm4-key")
    app_id = models.CharField(_("appId"), max_length=128)
    call_sys_code = models.CharField(_("callSysCode"), max_length=64)
    is_city_default = models.BooleanField(
        _("city platform default"),
        default=False,
        help_text=_("The account used for every hospital without an override."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    secrets_rotated_at = models.DateTimeField(_("secrets last entered"), default=timezone.now)

    class Meta:
        verbose_name = _("province account")
        verbose_name_plural = _("province accounts")
        ordering = ["-is_city_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_city_default"],
                condition=Q(is_city_default=True),
                name="one_city_default_province_account",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.paasid})"

    @property
    def paastoken_masked(self) -> str:
        return mask_secret(self.paastoken)

    @property
    def sm4_key_masked(self) -> str:
        return mask_secret(self.sm4_key)


class HubCredentialQuerySet(models.QuerySet):
    def usable(self, at=None):
        """Not retired, or retired but still inside its overlap window."""
        at = at or timezone.now()
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=at))


class HubCredential(models.Model):
    """A hub-issued paasid/paastoken/SM4 key of one hospital system.

    Rotation issues a new credential and sets ``valid_until`` on the old one
    (now + the overlap window); both sign successfully until then.
    """

    hospital = models.ForeignKey(
        "hospitals.Hospital",
        on_delete=models.CASCADE,
        related_name="credentials",
        verbose_name=_("hospital"),
    )
    system = models.ForeignKey(
        "hospitals.IntegratedSystem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credentials",
        verbose_name=_("system"),
    )
    paasid = models.CharField(_("paasid"), max_length=128, unique=True)
    paastoken = SealedTextField(_("paastoken"), purpose="hub-paastoken")
    sm4_key = SealedTextField(_("SM4 key"), purpose="hub-sm4-key")
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("issued by"),
    )
    valid_until = models.DateTimeField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("Empty = current. Set when rotated: the end of the overlap window."),
    )

    objects = HubCredentialQuerySet.as_manager()

    class Meta:
        verbose_name = _("hub credential")
        verbose_name_plural = _("hub credentials")
        ordering = ["hospital", "-created_at"]

    def __str__(self) -> str:
        return self.paasid

    def is_usable(self, at=None) -> bool:
        at = at or timezone.now()
        return self.valid_until is None or self.valid_until > at

    @property
    def paastoken_masked(self) -> str:
        return mask_secret(self.paastoken)

    @property
    def sm4_key_masked(self) -> str:
        return mask_secret(self.sm4_key)
