"""Fields of the complaint API's request serializers (``complaints.serializers``).

They run the checks of ``complaints.intake`` rather than DRF's own
conversions, so that each bad input keeps its stable ``errorCode`` (a
``ValidationError`` whose code is that errorCode), while their DRF types and
options (``max_length``, choices, a pattern) still describe them in the schema.
"""

from __future__ import annotations

import re

from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints.errors import ComplaintsCode
from complaints.intake import (
    MAX_CIPHER_HEX,
    SM4_HEX,
    callback_url,
    clean_text,
    decrypt_field,
    record_date,
    refusal,
)
from complaints.lifecycle import State
from complaints.models import Category
from hub.errors import Code

# --- Body fields ------------------------------------------------------------------------------


class _Checked:
    """A JSON value checked by ``intake.clean_text`` and then by ``check``.

    Absent, ``null`` and blank all mean "not given" (``blank`` is the value
    then): DRF would refuse ``null`` or a number with its own codes.
    """

    blank = ""
    multiline = False
    missing: str | None = None
    text_limit: int

    def get_value(self, dictionary):
        return dictionary.get(self.field_name)

    def run_validation(self, data=None):
        text = clean_text(
            data,
            self.field_name,
            required=self.required,
            max_length=self.text_limit,
            multiline=self.multiline,
            missing=self.missing,
        )
        return self.check(text) if text else self.blank

    def check(self, text: str):
        return text


class TextField(_Checked, serializers.CharField):
    """Text up to ``max_length``, which must match ``pattern`` (a validator
    with its own code and message) when given. ``missing``: the message when
    a required text is not given (``FIELD_MISSING``/``FIELD_EMPTY``)."""

    def __init__(
        self,
        *,
        multiline: bool = False,
        missing: str | None = None,
        pattern: RegexValidator | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if pattern is not None:
            self.validators.append(pattern)
        self.text_limit = self.max_length
        self.multiline = multiline
        self.missing = missing

    def check(self, text: str) -> str:
        self.run_validators(text)
        return text


class SealedField(TextField):
    """SM4/ECB hex under the caller's hub key (``context["key_hex"]``); its
    value is the plaintext, which must match ``plain`` (else the code
    ``invalid``); not given: ``None``.

    The hex pattern is listed for the schema only: ``decrypt_field`` refuses
    anything else (``SM4_BAD_CIPHERTEXT``, ``SM4_DECRYPT_FAILED``), so the
    validators are not run on top of it.
    """

    blank = None

    def __init__(self, *, plain: re.Pattern, invalid: str, **kwargs):
        super().__init__(
            max_length=MAX_CIPHER_HEX,
            pattern=RegexValidator(SM4_HEX, code=Code.SM4_BAD_CIPHERTEXT),
            **kwargs,
        )
        self.plain = plain
        self.invalid = invalid

    def check(self, text: str) -> str:
        return decrypt_field(
            self.context["key_hex"], self.field_name, text, self.plain, self.invalid
        )


class CategoryField(_Checked, serializers.ChoiceField):
    text_limit = 32

    def __init__(self, **kwargs):
        super().__init__(choices=Category.values, **kwargs)

    def check(self, text: str) -> str:
        if text not in self.choices:
            raise refusal(
                ComplaintsCode.CATEGORY_UNKNOWN,
                _("category must be one of: %(choices)s.") % {"choices": ", ".join(self.choices)},
            )
        return text


class RecordDateField(_Checked, serializers.DateField):
    text_limit = 10

    def check(self, text: str):
        return record_date(text)


class CallbackUrlField(_Checked, serializers.URLField):
    """Accepted from the province feed only (``context["allow_callback"]``),
    under its agreed ``context["callback_prefix"]``."""

    text_limit = 500

    def check(self, text: str) -> str:
        return callback_url(
            text,
            allowed=self.context["allow_callback"],
            prefix=self.context.get("callback_prefix", ""),
        )


# --- Query fields -----------------------------------------------------------------------------


class _Query:
    """A query parameter, taken as sent (not stripped) and checked by
    ``run_validation`` alone."""

    def get_value(self, dictionary):
        return dictionary.get(self.field_name)


ROLES = ("routed", "raised")  # the first is the default


# A plain enum: a ChoiceField would also list the choices in the description.
@extend_schema_field({"type": "string", "enum": sorted(ROLES)})
class RoleField(_Query, serializers.CharField):
    """Whose complaints: those routed to the caller or those it raised."""

    def run_validation(self, data=None) -> str:
        role = data or ROLES[0]
        if role not in ROLES:
            raise refusal(Code.FILTER_INVALID, _("role must be routed or raised."))
        return role


class StateFilterField(_Query, serializers.CharField):
    """Comma-separated states; the value is their list (empty: any state)."""

    def run_validation(self, data=None) -> list[str]:
        states = [s for s in (data or "").split(",") if s]
        if any(s not in State.values for s in states):
            raise refusal(
                Code.FILTER_INVALID,
                _("state must be among: %(states)s.") % {"states": ", ".join(State.values)},
            )
        return states
