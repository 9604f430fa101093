"""The simulator's memory: accounts, registered orgs, authorizations, faults,
nonces. Thread-safe (one lock); accounts and orgs load from (and ``register_org``
saves to) a JSON file, everything else lives only in memory.

Config file (``PROVINCE_SIM_CONFIG``, default ``var/province-sim.json``)::

    {"accounts": [{"paasid": "...", "paastoken": "...", "sm4_key": "<32 hex>",
                   "app_id": "...", "call_sys_code": "..."}],
     "orgs": {"455404483": "演示第二医院"},
     "residents": {"<ID number>": "<phone on file>"}}

The demo account, the demo org and the demo residents are always present
(residents and the viewer's codes: ``consent``).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from hub.gm import parse_key_hex, sm3_hex
from hub.gm.nonces import MemoryNonceStore
from hub.province.simulator.consent import ConsentDesk, parse_residents

DEMO_ACCOUNT = {
    "paasid": "demo-paasid",
    "paastoken": "demo-paastoken",
    "sm4_key": "33edd0637a6cbd8e7d057fbc0944d621",
    "app_id": "ff8080818ab5cf57018b3bb2a4af0004",
    "call_sys_code": "zhspt",
}
DEMO_ORGS = {"455404482": "测试机构名称"}
MAX_HANG_SECONDS = 600.0
MAX_LATENCY_MS = 60_000
MAX_FAIL_NEXT = 100
DEFAULT_FAIL_STATUS = 503


@dataclass(frozen=True)
class SimAccount:
    paasid: str
    paastoken: str = field(repr=False)
    sm4_key: str = field(repr=False)
    app_id: str
    call_sys_code: str

    @classmethod
    def from_dict(cls, data: Any) -> SimAccount:
        if not isinstance(data, dict):
            raise ValueError("an account must be a JSON object")
        names = [f.name for f in fields(cls)]
        missing = [n for n in names if not isinstance(data.get(n), str) or not data.get(n)]
        if missing:
            raise ValueError(f"account fields missing or not strings: {', '.join(missing)}")
        parse_key_hex(data["sm4_key"])  # refuse a bad key at load time, not per request
        return cls(**{n: data[n] for n in names})


@dataclass
class Faults:
    """Injected misbehaviour: added latency, a share of failed answers (503 by
    default, or ``fail_status``: e.g. 408 or 429 from the gateway), a queue of
    statuses for the next saves (``fail_next``), business refusals
    (returnCode "0"), non-JSON bodies, hangs past the client's timeout."""

    latency_ms: float = 0.0
    fail_rate: float = 0.0
    business_fail: bool = False
    malformed: bool = False
    hang_seconds: float = 0.0
    fail_status: int = DEFAULT_FAIL_STATUS
    fail_next: list[int] = field(default_factory=list)

    @classmethod
    def from_env(cls, environ: dict[str, str] | os._Environ | None = None) -> Faults:
        env = os.environ if environ is None else environ
        faults = cls()
        faults.update(
            {
                key: env[var]
                for key, var in (
                    ("latency_ms", "PROVINCE_SIM_LATENCY_MS"),
                    ("fail_rate", "PROVINCE_SIM_FAIL_RATE"),
                    ("business_fail", "PROVINCE_SIM_BUSINESS_FAIL"),
                    ("malformed", "PROVINCE_SIM_MALFORMED"),
                    ("hang_seconds", "PROVINCE_SIM_HANG_SECONDS"),
                    ("fail_status", "PROVINCE_SIM_FAIL_STATUS"),
                    ("fail_next", "PROVINCE_SIM_FAIL_NEXT"),
                )
                if env.get(var, "") != ""
            }
        )
        return faults

    def update(self, values: dict[str, Any]) -> None:
        """Validate then apply; raises ``ValueError`` and changes nothing on bad input."""
        new = asdict(self)
        for key, value in values.items():
            if key in ("business_fail", "malformed"):
                new[key] = _as_bool(key, value)
            elif key in ("latency_ms", "fail_rate", "hang_seconds"):
                new[key] = _as_number(key, value)
            elif key == "fail_status":
                new[key] = _as_status(key, value)
            elif key == "fail_next":
                new[key] = _as_status_list(key, value)
            else:
                raise ValueError(f"unknown fault {key!r}")
        if not 0.0 <= new["fail_rate"] <= 1.0:
            raise ValueError("fail_rate must be between 0 and 1")
        if not 0.0 <= new["latency_ms"] <= MAX_LATENCY_MS:
            raise ValueError(f"latency_ms must be between 0 and {MAX_LATENCY_MS}")
        if not 0.0 <= new["hang_seconds"] <= MAX_HANG_SECONDS:
            raise ValueError(f"hang_seconds must be between 0 and {MAX_HANG_SECONDS:g}")
        for key, value in new.items():
            setattr(self, key, value)


def _as_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in (
        "1",
        "true",
        "yes",
        "on",
        "0",
        "false",
        "no",
        "off",
    ):
        return value.strip().lower() in ("1", "true", "yes", "on")
    raise ValueError(f"{key} must be a boolean")


def _as_status(key: str, value: Any) -> int:
    """An HTTP error status (400..599): an int, or its digits (environment)."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 400 <= value <= 599:
        raise ValueError(f"{key} must be an HTTP error status between 400 and 599")
    return value


def _as_status_list(key: str, value: Any) -> list[int]:
    """A list of HTTP error statuses, or (environment) their comma-separated digits."""
    if isinstance(value, str):
        value = [item for item in value.replace(" ", "").split(",") if item]
    if not isinstance(value, list):
        raise ValueError(f"{key} must be a list of HTTP error statuses")
    if len(value) > MAX_FAIL_NEXT:
        raise ValueError(f"{key} holds at most {MAX_FAIL_NEXT} statuses")
    return [_as_status(key, item) for item in value]


def _as_number(key: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{key} must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number") from None
    if number != number:  # NaN
        raise ValueError(f"{key} must be a number")
    return number


def load_config(path: str | Path | None) -> tuple[dict[str, SimAccount], dict[str, str]]:
    """Accounts by paasid and orgs by code: the demo ones plus the file's."""
    accounts = {DEMO_ACCOUNT["paasid"]: SimAccount(**DEMO_ACCOUNT)}
    orgs = dict(DEMO_ORGS)
    data = read_config_file(path)
    for item in data.get("accounts", []):
        account = SimAccount.from_dict(item)
        accounts[account.paasid] = account
    orgs.update(parse_orgs(data.get("orgs", {})))
    return accounts, orgs


def read_config_file(path: str | Path | None) -> dict[str, Any]:
    if not path or not Path(path).exists():
        return {}
    data = json.loads(Path(path).read_text(encoding="utf-8") or "{}")
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the simulator config must be a JSON object")
    return data


def write_config_file(path: str | Path, data: dict[str, Any]) -> None:
    """Atomic write: a half-written file would lose every registered org."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def parse_orgs(value: Any) -> dict[str, str]:
    """``{"code": "name"}`` or ``[{"org_code": ..., "org_name": ...}]``."""
    if isinstance(value, list):
        value = {
            item.get("org_code"): item.get("org_name") for item in value if isinstance(item, dict)
        }
    if not isinstance(value, dict):
        raise ValueError("orgs must be an object {code: name} or a list of {org_code, org_name}")
    orgs = {}
    for code, name in value.items():
        if not (isinstance(code, str) and code.strip() and isinstance(name, str) and name.strip()):
            raise ValueError("every org needs a non-empty code and name")
        orgs[code.strip()] = name.strip()
    return orgs


@dataclass
class Grant:
    org_code: str
    expires_at: float
    granted_at: float


class SimState:
    """Everything the simulator knows. ``clock`` is injectable for expiry tests."""

    def __init__(
        self,
        config_path: str | Path | None = None,
        faults: Faults | None = None,
        outbox_path: str | Path | None = None,
    ) -> None:
        self.config_path = config_path
        self.outbox_path = outbox_path
        self.generation = 0
        self.viewer_path = "/ebus/jiankangdangan/gdehr/viewer"
        self._lock = threading.RLock()
        self._env_faults = faults or Faults()
        self.reset()

    # -- lifecycle -------------------------------------------------------------
    def reset(self) -> None:
        """Back to the configured accounts and orgs; no grants, no nonces, the
        start-up faults; wakes any request hanging on an injected hang."""
        accounts, orgs = load_config(self.config_path)
        with self._lock:
            old_wake = getattr(self, "_wake", None)
            self.accounts: dict[str, SimAccount] = accounts
            self.orgs: dict[str, str] = orgs
            self.faults = Faults(**asdict(self._env_faults))
            self.nonces = MemoryNonceStore()
            self._grants: dict[tuple[str, str], Grant] = {}
            self.counts: Counter[str] = Counter()
            self.last_save: dict[str, Any] | None = None
            self.random = random.Random()
            self.clock = time.time
            # The viewer's own authorization screen (modes 2 and 3): residents'
            # phones on file, codes in flight, the codes sent.
            self.consents = ConsentDesk(
                clock=lambda: self.clock(),
                rng=self.random,
                residents=parse_residents(read_config_file(self.config_path).get("residents", {})),
                outbox_path=self.outbox_path,
            )
            self._wake = threading.Event()
            # Requests that started before a reset (e.g. woken from a hang) see
            # the generation change and give up instead of touching new state.
            self.generation += 1
        if old_wake is not None:
            old_wake.set()

    def control(self, values: dict[str, Any]) -> dict[str, Any]:
        """Apply a control request (see ``app``); validated whole before any change."""
        if not isinstance(values, dict):
            raise ValueError("the control body must be a JSON object")
        allowed = {
            "reset",
            "orgs",
            "accounts",
            "residents",
            "seed",
            *(f.name for f in fields(Faults)),
        }
        unknown = sorted(set(values) - allowed)
        if unknown:
            raise ValueError(f"unknown control keys: {', '.join(unknown)}")
        fault_values = {k: v for k, v in values.items() if k in {f.name for f in fields(Faults)}}
        base = self._env_faults if values.get("reset") else self.current_faults()
        trial = Faults(**asdict(base))
        trial.update(fault_values)
        orgs = parse_orgs(values.get("orgs", {}))
        accounts_in = values.get("accounts", [])
        if not isinstance(accounts_in, list):
            raise ValueError("accounts must be a list")
        accounts = [SimAccount.from_dict(item) for item in accounts_in]
        residents = parse_residents(values.get("residents", {}))
        seed = values.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError("seed must be an integer")
        if values.get("reset"):
            self.reset()
        with self._lock:
            self.faults.update(fault_values)
            self.orgs.update(orgs)
            for account in accounts:
                self.accounts[account.paasid] = account
            self.consents.add_residents(residents)
            if seed is not None:
                self.random.seed(seed)
        return self.snapshot()

    # -- lookups ---------------------------------------------------------------
    def account(self, paasid: str) -> SimAccount | None:
        with self._lock:
            return self.accounts.get(paasid)

    def account_by_app_id(self, app_id: str) -> SimAccount | None:
        with self._lock:
            for account in self.accounts.values():
                if account.app_id == app_id:
                    return account
        return None

    def org_name(self, org_code: str) -> str | None:
        with self._lock:
            return self.orgs.get(org_code)

    def register_org(self, org_code: str, org_name: str) -> None:
        with self._lock:
            self.orgs.update(parse_orgs({org_code: org_name}))

    # -- faults ----------------------------------------------------------------
    def current_faults(self) -> Faults:
        with self._lock:
            return Faults(**asdict(self.faults))

    def injected_status(self, faults: Faults) -> int | None:
        """The status an injected failure answers this save with, or None: the
        next queued one (``fail_next``, consumed), else ``fail_status`` for the
        ``fail_rate`` share."""
        with self._lock:
            if self.faults.fail_next:
                return self.faults.fail_next.pop(0)
        if self.roll_failure(faults.fail_rate):
            return faults.fail_status
        return None

    def roll_failure(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self.random.random() < rate

    def sleep(self, seconds: float) -> None:
        """An interruptible sleep: ``reset`` (and server shutdown) end it early."""
        if seconds > 0:
            with self._lock:
                wake = self._wake
            wake.wait(seconds)

    def wake_all(self) -> None:
        with self._lock:
            self._wake.set()

    # -- authorizations ----------------------------------------------------------
    def grant(self, org_code: str, id_number: str, auth_days: int) -> Grant:
        now = self.clock()
        grant = Grant(org_code=org_code, granted_at=now, expires_at=now + auth_days * 86400)
        with self._lock:
            self._grants[(org_code, id_number)] = grant
        return grant

    def revoke(self, org_code: str, id_number: str) -> bool:
        with self._lock:
            return self._grants.pop((org_code, id_number), None) is not None

    def live_grant(self, org_code: str, id_number: str) -> Grant | None:
        with self._lock:
            grant = self._grants.get((org_code, id_number))
        if grant is None or grant.expires_at <= self.clock():
            return None
        return grant

    def count(self, key: str) -> None:
        with self._lock:
            self.counts[key] += 1

    def snapshot(self) -> dict[str, Any]:
        """What ``GET /_sim/authorizations`` shows: counts and digests, never an ID."""
        now = self.clock()
        with self._lock:
            grants = [
                {
                    "org_code": org_code,
                    # The SM3 digest lets a test match a patient without the ID in clear.
                    "patient_sm3": sm3_hex(id_number),
                    "expires_at": int(grant.expires_at),
                    "live": grant.expires_at > now,
                }
                for (org_code, id_number), grant in sorted(self._grants.items())
            ]
            return {
                "grants": grants,
                "live": sum(1 for g in grants if g["live"]),
                "counts": dict(self.counts),
                "faults": asdict(self.faults),
                "orgs": dict(self.orgs),
                "accounts": sorted(self.accounts),
            }
