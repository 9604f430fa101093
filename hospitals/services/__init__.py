"""Writes on the registry. Every function is keyword-only, takes ``actor=`` and
writes its operation-log row in the same transaction."""

from hospitals.services.credentials import (
    IssuedCredential,
    hub_credential_issue,
    hub_credential_revoke,
    hub_credential_rotate,
)
from hospitals.services.onboarding import (
    ALLOWED_MOVES,
    allowed_next_stages,
    hospital_advance_stage,
)
from hospitals.services.province import (
    hospital_set_province_account,
    province_account_rotate,
    province_account_save,
)
from hospitals.services.registry import (
    hospital_create,
    hospital_reactivate,
    hospital_suspend,
    hospital_update,
)

__all__ = [
    "ALLOWED_MOVES",
    "IssuedCredential",
    "allowed_next_stages",
    "hospital_advance_stage",
    "hospital_create",
    "hospital_reactivate",
    "hospital_set_province_account",
    "hospital_suspend",
    "hospital_update",
    "hub_credential_issue",
    "hub_credential_revoke",
    "hub_credential_rotate",
    "province_account_rotate",
    "province_account_save",
]
