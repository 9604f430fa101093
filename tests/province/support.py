"""Helpers for the province tests: raw signed requests built by hand, the way
an integrator following the seed would, so the simulator is checked
independently of our client."""

from __future__ import annotations

import hashlib
import json
import random
import time

import requests

from hub.gm import sm4_encrypt_ecb_hex
from hub.province.simulator.state import DEMO_ACCOUNT, DEMO_ORGS

DEMO_KEY = DEMO_ACCOUNT["sm4_key"]
DEMO_APP_ID = DEMO_ACCOUNT["app_id"]
DEMO_ORG_CODE, DEMO_ORG_NAME = next(iter(DEMO_ORGS.items()))
# Valid resident ID numbers (GB 11643 check digits, spec §6 vectors); synthetic people.
ID_A = "11010519491231002X"
ID_B = "440106199003071231"


def seed_signature(timestamp: str, token: str, nonce: str) -> str:
    """``echo -n "$ts$token$nonce$ts" | sha256sum | awk '{print toupper($1)}'``."""
    return hashlib.sha256(f"{timestamp}{token}{nonce}{timestamp}".encode()).hexdigest().upper()


def record(**overrides) -> dict:
    rec = {
        "authDays": 30,
        "patientIdcard": sm4_encrypt_ecb_hex(DEMO_KEY, ID_A),
        "patientName": "张三",
        "orgCode": DEMO_ORG_CODE,
        "orgName": DEMO_ORG_NAME,
        "status": "1",
        "appId": DEMO_APP_ID,
    }
    rec.update(overrides)
    return {"codeAuthRec": rec}


def post_signed(
    url: str,
    body: dict | list | str | bytes,
    *,
    paasid: str = DEMO_ACCOUNT["paasid"],
    token: str = DEMO_ACCOUNT["paastoken"],
    timestamp: int | None = None,
    nonce: str | None = None,
    content_type: str = "application/json",
    lower_case_signature: bool = False,
) -> requests.Response:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or str(random.randint(0, 32767))  # like the seed's $RANDOM
    signature = seed_signature(ts, token, nonce)
    if lower_case_signature:
        signature = signature.lower()
    if isinstance(body, dict | list):
        body = json.dumps(body, ensure_ascii=False)
    if isinstance(body, str):
        body = body.encode("utf-8")
    return requests.post(
        url,
        data=body,
        headers={
            "Content-Type": content_type,
            "x-tif-paasid": paasid,
            "x-tif-timestamp": ts,
            "x-tif-nonce": nonce,
            "x-tif-signature": signature,
        },
        timeout=5,
    )
