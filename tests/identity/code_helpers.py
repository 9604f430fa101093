"""Helpers shared by the code-rule tests."""

import pytest

from identity.errors import IdentityCode, IdentityError

PHONE = "13800138000"
REF = "authorization:42"


def sent_code(outbox) -> str:
    return outbox[-1].params["code"]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def expect(error_code: IdentityCode, call, /, **kwargs) -> IdentityError:
    with pytest.raises(IdentityError) as info:
        call(**kwargs)
    assert info.value.code == error_code
    return info.value
