"""Province-issued accounts: entry, secret rotation, the city default, overrides.

Secrets are sealed on save and never displayed again (admin shows masks).
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hospitals.errors import HospitalsCode
from hospitals.models import Hospital, ProvinceAccount
from hospitals.selectors import credentials_cache_clear
from hospitals.services._audit import record
from hub.errors import HubError

_KEY_RE = re.compile(r"^[0-9a-fA-F]{32}$")


def _invalid(message: str) -> HubError:
    return HubError(HospitalsCode.INVALID_PROVINCE_ACCOUNT, message, 400)


def _check(*, paasid: str, paastoken: str, sm4_key: str, app_id: str, call_sys_code: str) -> None:
    if not paasid.strip() or not app_id.strip() or not call_sys_code.strip():
        raise _invalid(_("paasid, appId and callSysCode are required."))
    if not paastoken:
        raise _invalid(_("The paastoken is required."))
    if not _KEY_RE.match(sm4_key or ""):
        raise _invalid(_("An SM4 key is 32 hexadecimal characters."))


def _public(account: ProvinceAccount) -> dict:
    return {
        "name": account.name,
        "paasid": account.paasid,
        "app_id": account.app_id,
        "call_sys_code": account.call_sys_code,
        "is_city_default": account.is_city_default,
    }


def province_account_save(
    *,
    actor,
    name: str,
    paasid: str,
    paastoken: str,
    sm4_key: str,
    app_id: str,
    call_sys_code: str,
    is_city_default: bool = False,
    account: ProvinceAccount | None = None,
) -> ProvinceAccount:
    """Enter a province account (or overwrite one with newly issued values)."""
    _check(
        paasid=paasid,
        paastoken=paastoken,
        sm4_key=sm4_key,
        app_id=app_id,
        call_sys_code=call_sys_code,
    )
    with transaction.atomic():
        before = _public(account) if account is not None else None
        if is_city_default:
            qs = ProvinceAccount.objects.filter(is_city_default=True)
            if account is not None:
                qs = qs.exclude(pk=account.pk)
            qs.update(is_city_default=False)
        account = account or ProvinceAccount()
        account.name = name.strip() or paasid.strip()
        account.paasid = paasid.strip()
        account.paastoken = paastoken
        account.sm4_key = sm4_key.lower()
        account.app_id = app_id.strip()
        account.call_sys_code = call_sys_code.strip()
        account.is_city_default = is_city_default
        account.secrets_rotated_at = timezone.now()
        account.save()
        record(
            actor=actor,
            action="province_account.save",
            target=account,
            before=before,
            after=_public(account),
        )
    credentials_cache_clear()
    return account


def province_account_rotate(
    *,
    actor,
    account: ProvinceAccount,
    paastoken: str | None = None,
    sm4_key: str | None = None,
) -> ProvinceAccount:
    """Replace the secrets of an account with the ones the province re-issued."""
    if not paastoken and not sm4_key:
        raise _invalid(_("Give a new paastoken, a new SM4 key or both."))
    if sm4_key and not _KEY_RE.match(sm4_key):
        raise _invalid(_("An SM4 key is 32 hexadecimal characters."))
    with transaction.atomic():
        account = ProvinceAccount.objects.select_for_update().get(pk=account.pk)
        fields = ["secrets_rotated_at"]
        if paastoken:
            account.paastoken = paastoken
            fields.append("paastoken")
        if sm4_key:
            account.sm4_key = sm4_key.lower()
            fields.append("sm4_key")
        account.secrets_rotated_at = timezone.now()
        account.save(update_fields=fields)
        record(
            actor=actor,
            action="province_account.rotate",
            target=account,
            after={"rotated": [f for f in fields if f != "secrets_rotated_at"]},
        )
    credentials_cache_clear()
    return account


def hospital_set_province_account(
    *, actor, hospital: Hospital, account: ProvinceAccount | None
) -> Hospital:
    """Give a hospital its own province account, or (None) the city's again."""
    with transaction.atomic():
        hospital = Hospital.objects.select_for_update().get(pk=hospital.pk)
        before = hospital.province_account_id
        hospital.province_account = account
        hospital.save(update_fields=["province_account", "updated_at"])
        record(
            actor=actor,
            action="hospital.province_account",
            target=hospital,
            before={"province_account": before},
            after={"province_account": account.pk if account else None},
        )
    credentials_cache_clear()
    return hospital
