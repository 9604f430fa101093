"""The province viewer's own authorization screen (user manual §3.1, modes 2
and 3): when an org holds no live grant for the patient, the real viewer
offers 获取微信验证码 / 获取短信验证码 and 验证; the province itself sends the
code to the resident and, on the right code, records the consent (as a
``codeAuthRec/save`` grant would) and shows the record.

Everything here is the province's, not the hub's: the residents' phones on
file and the log of codes sent are the simulator's own.

- Residents on file: the demo residents (the same synthetic people as the
  hub's demo data), those of the config file's ``"residents"`` object
  (``{"<ID number>": "<phone>"}``) and of ``POST /_sim/control``
  ``{"residents": {...}}``; any other ID gets a synthetic mobile number
  derived from its SM3 digest, so every synthetic resident has one.
- The outbox: every code sent, in memory (``GET /_sim/outbox``, loopback
  only) and, when the simulator has an outbox file (``run_province``:
  ``var/province-sim-outbox.jsonl``), one JSON line each.

Rules (the guide gives no numbers; these are the hub's own code rules,
docs/verification.md): a code is 6 digits, valid 5 minutes; a new code no
sooner than 60 s after the last one for the same org and patient (the new
one replaces it); the 5th wrong code locks that org and patient out of the
screen for 30 minutes. A granted consent lasts 30 days (appendix 2).
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import Any

from hub.gm import sm3_hex

DEMO_RESIDENTS = {"44010619900307001X": "13800138000", "440106199003070028": "13800138001"}
CODE_LENGTH = 6
CODE_TTL_SECONDS = 300
COOLDOWN_SECONDS = 60
MAX_FAILURES = 5
LOCK_SECONDS = 1800
AUTH_DAYS = 30
CHANNELS = ("sms", "wechat")


def parse_residents(value: Any) -> dict[str, str]:
    """``{"<ID number>": "<11-digit mobile>"}``, validated whole."""
    if not isinstance(value, dict):
        raise ValueError("residents must be an object {ID number: phone}")
    out = {}
    for id_number, phone in value.items():
        if not (isinstance(id_number, str) and id_number.strip()):
            raise ValueError("every resident needs a non-empty ID number")
        if not (isinstance(phone, str) and len(phone) == 11 and phone.isascii()):
            raise ValueError("a resident's phone must be an 11-digit mobile number")
        if not (phone.isdigit() and phone.startswith("1")):
            raise ValueError("a resident's phone must be an 11-digit mobile number")
        out[id_number.strip().upper()] = phone
    return out


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


@dataclass
class Challenge:
    channel: str
    code: str
    sent_at: float
    expires_at: float
    failures: int = 0


@dataclass(frozen=True)
class Outcome:
    """What the screen tells the doctor: ``kind`` is one of ``sent``,
    ``cooldown``, ``locked``, ``no_code``, ``bad_code``, ``wrong``,
    ``expired``, ``granted``."""

    status: int
    kind: str
    message: str
    channel: str = ""


class ConsentDesk:
    """Codes in flight per (org code, ID number); thread-safe."""

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        rng: Random,
        residents: dict[str, str] | None = None,
        outbox_path: str | Path | None = None,
    ) -> None:
        self._clock = clock
        self._random = rng
        self._lock = threading.Lock()
        self.residents = {**DEMO_RESIDENTS, **(residents or {})}
        self.outbox_path = Path(outbox_path) if outbox_path else None
        self.outbox: list[dict[str, Any]] = []
        self._challenges: dict[tuple[str, str], Challenge] = {}
        self._locked_until: dict[tuple[str, str], float] = {}

    # -- residents ---------------------------------------------------------------
    def add_residents(self, residents: dict[str, str]) -> None:
        with self._lock:
            self.residents.update(residents)

    def phone_on_file(self, id_number: str) -> str:
        key = id_number.strip().upper()
        with self._lock:
            phone = self.residents.get(key)
        if phone:
            return phone
        digits = str(int(sm3_hex(key)[:16], 16) % 10**8).zfill(8)
        return "139" + digits

    # -- the screen's two actions ---------------------------------------------------
    def locked_for(self, org_code: str, id_number: str) -> int:
        """Seconds left of a lockout (0 = not locked)."""
        with self._lock:
            until = self._locked_until.get((org_code, id_number), 0.0)
        return max(0, int(until - self._clock() + 0.999))

    def send(self, *, org_code: str, org_name: str, id_number: str, channel: str) -> Outcome:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        key = (org_code, id_number)
        now = self._clock()
        locked = self.locked_for(org_code, id_number)
        if locked:
            return _locked(locked)
        with self._lock:
            previous = self._challenges.get(key)
            if previous is not None and now - previous.sent_at < COOLDOWN_SECONDS:
                wait = int(COOLDOWN_SECONDS - (now - previous.sent_at) + 0.999)
                return Outcome(429, "cooldown", f"验证码已发送，请 {wait} 秒后再重新获取")
            code = f"{self._random.randrange(10**CODE_LENGTH):0{CODE_LENGTH}d}"
            self._challenges[key] = Challenge(channel, code, now, now + CODE_TTL_SECONDS)
        phone = self.phone_on_file(id_number)
        self._deliver(
            channel,
            code,
            phone=phone,
            id_number=id_number,
            org_code=org_code,
            org_name=org_name,
            now=now,
        )
        minutes = CODE_TTL_SECONDS // 60
        if channel == "sms":
            message = f"短信验证码已发送至患者预留手机号 {mask_phone(phone)}，{minutes} 分钟内有效"
        else:
            message = (
                f"微信验证码已推送至患者的粤健通（微信消息），{minutes} 分钟内有效；"
                "患者也可在粤健通“健康档案调阅授权”中查看"
            )
        return Outcome(200, "sent", message, channel)

    def verify(self, *, org_code: str, id_number: str, code: str) -> Outcome:
        """``granted`` (the caller records the grant) or the refusal."""
        key = (org_code, id_number)
        locked = self.locked_for(org_code, id_number)
        if locked:
            return _locked(locked)
        code = code.strip()
        if len(code) != CODE_LENGTH or not (code.isascii() and code.isdigit()):
            return Outcome(400, "bad_code", f"请输入 {CODE_LENGTH} 位数字验证码")
        now = self._clock()
        with self._lock:
            challenge = self._challenges.get(key)
            if challenge is None:
                return Outcome(400, "no_code", "请先获取验证码")
            if challenge.expires_at <= now:
                del self._challenges[key]
                return Outcome(410, "expired", "验证码已过期，请重新获取")
            if hmac.compare_digest(challenge.code, code):
                del self._challenges[key]
                return Outcome(200, "granted", "验证通过", challenge.channel)
            challenge.failures += 1
            left = MAX_FAILURES - challenge.failures
            if left <= 0:
                del self._challenges[key]
                self._locked_until[key] = now + LOCK_SECONDS
                return _locked(LOCK_SECONDS)
        return Outcome(400, "wrong", f"验证码错误，还可尝试 {left} 次")

    # -- the province's own SMS / WeChat gateway -------------------------------------
    def _deliver(
        self,
        channel: str,
        code: str,
        *,
        phone: str,
        id_number: str,
        org_code: str,
        org_name: str,
        now: float,
    ) -> None:
        text = (
            f"【广东健康档案互通系统】{org_name}申请调阅您的健康档案，验证码 {code}，"
            f"{CODE_TTL_SECONDS // 60} 分钟内有效。同意请将验证码告知接诊医生，"
            f"授权 {AUTH_DAYS} 天内有效；如非本人就诊请勿告知他人。"
        )
        entry = {
            "sent_at": datetime.fromtimestamp(now, UTC).isoformat(),
            "channel": channel,
            # WeChat goes to the resident's 粤健通 account, not to a number.
            "phone": phone if channel == "sms" else "",
            "patient_sm3": sm3_hex(id_number),
            "org_code": org_code,
            "code": code,
            "text": text,
        }
        with self._lock:
            self.outbox.append(entry)
            if self.outbox_path is not None:
                self.outbox_path.parent.mkdir(parents=True, exist_ok=True)
                with self.outbox_path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _locked(seconds: int) -> Outcome:
    minutes = max(1, (seconds + 59) // 60)
    return Outcome(423, "locked", f"验证码错误次数过多，已锁定，请 {minutes} 分钟后再试")
