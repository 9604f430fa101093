"""Alibaba Cloud RPC request signature, version 1.0 (HMAC-SHA1), as documented
for Dysmsapi ``SendSms``. Pure functions, no Django.

1. Every parameter except ``Signature`` is percent-encoded (UTF-8, RFC 3986:
   ``A-Z a-z 0-9 - _ . ~`` kept, space as ``%20``, ``*`` as ``%2A``), sorted by
   name and joined as ``name=value`` with ``&``: the canonicalized query.
2. ``StringToSign = METHOD + "&" + enc("/") + "&" + enc(canonicalized query)``.
3. ``Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))``,
   sent as one more (percent-encoded) parameter.

The provider's documented example (``testId``/``testSecret``) is a test vector
in ``tests/identity/test_sms_aliyun.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote


def percent_encode(value: str) -> str:
    # quote() keeps only RFC 3986 unreserved characters when safe="" (Python
    # 3.7+ counts "~" among them), so space -> %20 and "*" -> %2A as required.
    return quote(str(value), safe="", encoding="utf-8")


def canonicalized_query(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{percent_encode(name)}={percent_encode(params[name])}"
        for name in sorted(params)
        if name != "Signature"
    )


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return "&".join(
        (method.upper(), percent_encode("/"), percent_encode(canonicalized_query(params)))
    )


def signature(access_key_secret: str, method: str, params: Mapping[str, str]) -> str:
    mac = hmac.new(
        (access_key_secret + "&").encode("utf-8"),
        string_to_sign(method, params).encode("utf-8"),
        hashlib.sha1,
    )
    return base64.b64encode(mac.digest()).decode("ascii")


def signed_body(access_key_secret: str, method: str, params: Mapping[str, str]) -> str:
    """The form body (or query string) of a signed request."""
    signed = dict(params)
    signed["Signature"] = signature(access_key_secret, method, params)
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in signed.items())
