"""``gdehr ping [--base-url URL]``: a live end-to-end check against the province
(or the simulator). Sends one real signed ``codeAuthRec/save`` with the
configured account and prints the verdict in the seed's order (§9.1):
protocol (HTTP status), business (``returnCode``/``returnDesc``), state.

The default patient is a synthetic ID number and ``张三``, as in the seed's own
joint test; pass ``--revoke`` to withdraw it again afterwards.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from hub.protect import mask_id
from hub.province.client import (
    SAVE_PATH,
    ProvinceAccount,
    ProvinceError,
    revoke_authorization,
    save_authorization,
)
from hub.province.simulator.state import DEMO_ACCOUNT, DEMO_ORGS

logger = logging.getLogger("hub.province")

DEMO_ORG_CODE, DEMO_ORG_NAME = next(iter(DEMO_ORGS.items()))
# Synthetic, with a valid GB 11643 check digit; nobody's real number.
PING_ID_NUMBER = "11010519491231002X"
PING_PATIENT_NAME = "张三"


def register(subparsers) -> None:
    ping = subparsers.add_parser(
        "ping",
        help="send one signed codeAuthRec/save and print protocol, business, state",
        description=(
            "Send a real signed codeAuthRec/save with the configured province account "
            "(the city's, else, outside production, the simulator's demo account) and "
            "print the verdict: protocol (HTTP), business (returnCode/returnDesc), state."
        ),
    )
    ping.add_argument("--base-url", help="the province (default: settings.PROVINCE_BASE_URL)")
    ping.add_argument("--org-code", default=DEMO_ORG_CODE, help="orgCode (default: the demo org)")
    ping.add_argument("--org-name", default=DEMO_ORG_NAME, help="orgName (default: the demo org)")
    ping.add_argument("--id-number", default=PING_ID_NUMBER, help="the patient's ID number")
    ping.add_argument("--patient-name", default=PING_PATIENT_NAME)
    ping.add_argument("--auth-days", type=int, default=7, help="authDays (the seed's sample: 7)")
    ping.add_argument("--revoke", action="store_true", help='send status "0" (revoke)')
    ping.set_defaults(handler=handle_ping)


def _as_client_account(account) -> ProvinceAccount:
    if isinstance(account, ProvinceAccount):
        return account
    return ProvinceAccount(
        paasid=account.paasid,
        paastoken=account.paastoken,
        sm4_key=account.sm4_key,
        app_id=account.app_id,
        call_sys_code=account.call_sys_code,
    )


def configured_account() -> tuple[ProvinceAccount, str]:
    """The account to ping with and where it came from: the city's province
    account from the registry when one is configured; otherwise the simulator's
    demo account, except in production, where that is an error."""
    try:
        from hospitals.selectors import city_province_account
    except ImportError:
        city_province_account = None
    if city_province_account is not None:
        try:
            account = city_province_account()
        except DatabaseError:  # not migrated yet: the crypto tools work without a database
            logger.info("gdehr ping: no database to read the city's province account from")
            account = None
        if account is not None:
            return _as_client_account(account), "the city's province account"
    if settings.HUB_ENV == "production":
        raise CommandError(
            "no city province account is configured (admin: province accounts, "
            "'city platform default'); the demo account is refused in production"
        )
    return ProvinceAccount(**DEMO_ACCOUNT), "the simulator's demo account"


def handle_ping(command: BaseCommand, options: dict) -> None:
    account, source = configured_account()
    base_url = (options.get("base_url") or settings.PROVINCE_BASE_URL).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise CommandError("--base-url must start with http:// or https://")
    revoke = options.get("revoke", False)
    call = revoke_authorization if revoke else save_authorization
    id_number = options["id_number"]
    out = command.stdout
    out.write(f"account: {account.paasid} ({source})")
    out.write(f"POST {base_url}{SAVE_PATH}")
    try:
        result = call(
            account,
            base_url=base_url,
            id_number=id_number,
            patient_name=options["patient_name"],
            org_code=options["org_code"],
            org_name=options["org_name"],
            auth_days=options["auth_days"],
            timeout=(settings.PROVINCE_CONNECT_TIMEOUT, settings.PROVINCE_READ_TIMEOUT),
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    except ProvinceError as exc:
        _verdict(command, exc.http_status, exc.return_code, exc.return_desc, exc.latency_ms)
        kind = "transient, retry later" if exc.transient else "permanent"
        out.write(f"state: not {'revoked' if revoke else 'authorized'} ({kind}: {exc})")
        raise CommandError(f"ping failed: {exc}") from exc
    _verdict(command, result.http_status, result.return_code, result.return_desc, result.latency_ms)
    who = f"org {options['org_code']}, patient {mask_id(id_number.strip())}"
    if revoke:
        out.write(f"state: revoked ({who})")
    else:
        out.write(f"state: authorized for {options['auth_days']} days ({who})")


def _verdict(command, http_status, return_code, return_desc, latency_ms) -> None:
    out = command.stdout
    if http_status is None:
        out.write(f"protocol: no HTTP answer after {latency_ms:.0f} ms")
    else:
        out.write(f"protocol: HTTP {http_status} ({latency_ms:.0f} ms)")
    if return_code is None:
        out.write("business: no returnCode (the answer is not the province's JSON)")
    else:
        out.write(f"business: returnCode {return_code}, returnDesc {return_desc}")
