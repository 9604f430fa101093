"""Masked read-only displays shared by the admin classes."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


@admin.display(description=_("paastoken"))
def paastoken_masked(obj) -> str:
    return obj.paastoken_masked if obj.pk else ""


@admin.display(description=_("SM4 key"))
def sm4_key_masked(obj) -> str:
    return obj.sm4_key_masked if obj.pk else ""


@admin.display(description=_("contact phone"))
def contact_phone_masked(obj) -> str:
    return obj.contact_phone_masked if obj.pk else ""
