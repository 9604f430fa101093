"""Who complaints come from and go to besides hospitals' own API credentials.

``FeedCredential``: a hub-issued credential of a non-hospital submitter, the
province's complaint feed. It signs requests exactly like a hospital (x-tif,
its own paasid/paastoken) and encrypts ID and phone numbers under its own SM4
key; it may only submit complaints and read the ones it submitted. Hospital
credentials (``hospitals.HubCredential``) always belong to a hospital, so a
feeder gets its own table; paasids are kept unique across both.

``HospitalComplaintContact``: an e-mail address a hospital wants complaints
sent to, in addition to (or instead of) its callback URL.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from hospitals.principal import ApiPrincipal
from hub.protect import SealedTextField, mask_secret


class FeedCredential(ApiPrincipal, models.Model):
    name = models.CharField(_("name"), max_length=100)
    paasid = models.CharField(_("paasid"), max_length=128, unique=True)
    paastoken = SealedTextField(_("paastoken"), purpose="feed-paastoken")
    sm4_key = SealedTextField(_("SM4 key"), purpose="feed-sm4-key")
    is_enabled = models.BooleanField(_("enabled"), default=True)
    callback_url_prefix = models.CharField(
        _("allowed callback URL prefix"),
        max_length=300,
        blank=True,
        help_text=_(
            "When set, a complaint's callbackUrl must start with this prefix "
            "(e.g. https://feed.example.gov.cn/). Empty = any http(s) URL."
        ),
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("issued by"),
    )

    class Meta:
        verbose_name = _("complaint feed credential")
        verbose_name_plural = _("complaint feed credentials")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.paasid})"

    @property
    def paastoken_masked(self) -> str:
        return mask_secret(self.paastoken)

    def clean(self) -> None:
        from hospitals.models import HubCredential

        if self.paasid and HubCredential.objects.filter(paasid=self.paasid).exists():
            raise ValidationError({"paasid": _("This paasid belongs to a hospital credential.")})


class HospitalComplaintContact(models.Model):
    hospital = models.ForeignKey(
        "hospitals.Hospital",
        on_delete=models.CASCADE,
        related_name="complaint_contacts",
        verbose_name=_("hospital"),
    )
    email = models.EmailField(_("e-mail"))
    is_enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("complaint e-mail contact")
        verbose_name_plural = _("complaint e-mail contacts")
        constraints = [
            models.UniqueConstraint(fields=["hospital", "email"], name="complaint_contact_unique")
        ]

    def __str__(self) -> str:
        return self.email
