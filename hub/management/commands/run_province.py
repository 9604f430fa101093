"""``python manage.py run_province --port PORT [--host HOST]``: serve the
province simulator (docs/province-simulator.md).

Accounts and orgs come from ``PROVINCE_SIM_CONFIG``; faults from
``PROVINCE_SIM_LATENCY_MS``, ``PROVINCE_SIM_FAIL_RATE``,
``PROVINCE_SIM_FAIL_STATUS``, ``PROVINCE_SIM_FAIL_NEXT``, ``PROVINCE_SIM_BUSINESS_FAIL``, ``PROVINCE_SIM_MALFORMED``,
``PROVINCE_SIM_HANG_SECONDS``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hub.province.simulator.server import serve
from hub.province.simulator.state import DEMO_ACCOUNT, Faults, SimState


def viewer_path() -> str:
    """The viewer answers at the path ``PROVINCE_VIEWER_URL`` names (its default
    is the simulator's own ``/ebus/jiankangdangan/gdehr/viewer``)."""
    return urlsplit(settings.PROVINCE_VIEWER_URL).path or "/"


class Command(BaseCommand):
    help = "Serve the province simulator (codeAuthRec/save and the record viewer)."
    requires_system_checks: list = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=settings.PROVINCE_SIMULATOR_PORT)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--config", default=settings.PROVINCE_SIM_CONFIG, help="accounts and orgs (JSON)"
        )

    def handle(self, *args, **options) -> None:
        try:
            state = SimState(
                options["config"],
                faults=Faults.from_env(),
                # The codes the viewer's authorization screen "sends" (its own SMS log).
                outbox_path=Path(settings.VAR_DIR) / "province-sim-outbox.jsonl",
            )
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot load the simulator config: {exc}") from exc
        state.viewer_path = viewer_path()
        port, host = options["port"], options["host"]
        faults = {k: v for k, v in vars(state.faults).items() if v}
        self.stdout.write(
            f"Province simulator on http://{host}:{port}\n"
            f"  save:   POST {host}:{port}/ebus/jiankangdangan/gdehr/dhccApi/codeAuthRec/save\n"
            f"  viewer: GET  {host}:{port}{state.viewer_path}?param=..&appId=..\n"
            f"  codes the viewer sends: {state.outbox_path}\n"
            f"  demo account: paasid {DEMO_ACCOUNT['paasid']}, appId {DEMO_ACCOUNT['app_id']}; "
            f"{len(state.accounts)} account(s), {len(state.orgs)} org(s)\n"
            f"  faults: {faults or 'none'}"
        )
        try:
            serve(state, port, host)
        except OSError as exc:
            raise CommandError(f"cannot serve on {host}:{port}: {exc}") from exc
        except KeyboardInterrupt:
            pass
