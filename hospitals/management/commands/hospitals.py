"""``python manage.py hospitals ...``: the registry from the command line.

- ``import FILE.xlsx|csv [--dry-run] [--issue-credentials --credentials-out F.csv]``
- ``credentials ORGCODE [--system APPID|NAME] [--rotate] [--overlap-hours H]``:
  each system's credentials (masked), or new ones for one system;
  ``credentials ORGCODE --new-system NAME [--app-id APPID]`` connects a new
  system with its own credentials
- ``report ORGCODE [-o FILE.xlsx]``: the appendix 1 operation report
- ``roles``: (re)create the back-office groups and their permissions
"""

from __future__ import annotations

import csv
import os
from datetime import timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hospitals.importer import ImportFileError, import_rows, read_rows
from hospitals.models import Hospital, IntegratedSystem
from hospitals.report import operation_report_xlsx
from hospitals.roles import roles_sync
from hospitals.selectors import system_of_hospital, systems_with_credentials
from hospitals.services import hub_credential_issue
from hospitals.services.systems import system_connect
from hub.errors import HubError

ACTOR = "command:manage.py hospitals"


class Command(BaseCommand):
    help = "Registry tools: bulk import, hub credentials, operation report, roles."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="register or update hospitals from a spreadsheet")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        imp.add_argument(
            "--issue-credentials",
            action="store_true",
            help="issue hub credentials to imported hospitals that have none",
        )
        imp.add_argument(
            "--credentials-out",
            help="CSV file (created 0600) for the issued credentials: their only copy",
        )
        cred = sub.add_parser(
            "credentials", help="show (masked) or rotate a hospital's credentials, per system"
        )
        cred.add_argument("org_code")
        cred.add_argument(
            "--system", help="the system (its hub appId or its name); needed with several"
        )
        cred.add_argument(
            "--new-system", metavar="NAME", help="connect a new system and issue its credentials"
        )
        cred.add_argument("--app-id", help="with --new-system: its hub appId (default generated)")
        cred.add_argument(
            "--rotate", action="store_true", help="issue new ones; old work until the overlap ends"
        )
        cred.add_argument("--overlap-hours", type=float, default=None)
        rep = sub.add_parser("report", help="export the appendix 1 operation report (XLSX)")
        rep.add_argument("org_code")
        rep.add_argument("-o", "--output")
        sub.add_parser("roles", help="(re)create the back-office groups")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    # --- import -------------------------------------------------------------------

    def _import(self, *, file, dry_run, issue_credentials, credentials_out, **_):
        if issue_credentials and not credentials_out and not dry_run:
            raise CommandError(
                "--issue-credentials needs --credentials-out: secrets are shown once"
            )
        try:
            rows = read_rows(file)
        except (ImportFileError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        report = import_rows(
            rows, actor=ACTOR, dry_run=dry_run, issue_credentials=issue_credentials
        )
        for result in report.results:
            if result.ok:
                self.stdout.write(f"row {result.row}: OK {result.action} {result.org_code}")
            else:
                self.stdout.write(
                    f"row {result.row}: ERROR {result.org_code or '-'}: {result.error}"
                )
        issued = [r for r in report.good if r.credentials]
        if issued and not dry_run:
            self._write_credentials(Path(credentials_out), issued)
        prefix = "dry run, nothing written: " if dry_run else ""
        self.stdout.write(
            f"{prefix}{len(report.good)} rows ok, {len(report.bad)} rows refused, "
            f"{len(report.results)} rows read."
        )

    def _write_credentials(self, path: Path, results) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["org_code", "system", "app_id", "paasid", "paastoken", "sm4_key"])
            issued = [c for r in results for c in r.credentials]
            for c in issued:
                writer.writerow(
                    [c.org_code, c.system_name, c.app_id, c.paasid, c.paastoken, c.sm4_key]
                )
        self.stdout.write(f"{len(issued)} credentials written to {path} (their only copy).")

    # --- credentials ------------------------------------------------------------

    def _hospital(self, org_code: str) -> Hospital:
        hospital = Hospital.objects.filter(org_code=org_code).first()
        if hospital is None:
            raise CommandError(f"no hospital with orgCode {org_code}")
        return hospital

    def _system(self, hospital: Hospital, ref: str | None) -> IntegratedSystem | None:
        """The system ``--system`` names; None (the only one) when not given."""
        systems = list(hospital.systems.order_by("id"))
        known = ", ".join(s.app_id or s.name for s in systems) or "none"
        if ref:
            system = system_of_hospital(hospital, ref)
            if system is None:
                raise CommandError(f"no single system {ref!r} at {hospital.org_code} ({known})")
            return system
        if len(systems) > 1:
            raise CommandError(f"{hospital.org_code} has several systems: name one ({known})")
        return None

    def _credentials(self, *, org_code, system, new_system, app_id, rotate, overlap_hours, **_):
        hospital = self._hospital(org_code)
        try:
            if new_system:
                self._show_issued(
                    system_connect(
                        actor=ACTOR, hospital=hospital, name=new_system, app_id=app_id or None
                    )
                )
                return
            if rotate:
                overlap = timedelta(hours=overlap_hours) if overlap_hours is not None else None
                target = self._system(hospital, system)
                self._show_issued(
                    hub_credential_issue(
                        actor=ACTOR, hospital=hospital, system=target, overlap=overlap
                    )
                )
                return
        except HubError as exc:
            raise CommandError(exc.message) from exc
        only = self._system(hospital, system) if system else None
        self.stdout.write(
            f"{hospital.org_code} {hospital.org_name}: stage {hospital.stage}, status {hospital.status}"
        )
        for item, creds in systems_with_credentials(hospital):
            if only is not None and item != only:
                continue
            if item is None:
                self.stdout.write("system (none: credentials from before systems)")
            else:
                allowlist = " ".join(item.ip_allowlist.split()) or "the hospital's"
                self.stdout.write(
                    f"system {item.name}  appId {item.app_id or '-'}  IP allowlist {allowlist}"
                )
            for cred in creds:
                until = cred.valid_until.isoformat() if cred.valid_until else "current"
                self.stdout.write(
                    f"  {cred.paasid}  token {cred.paastoken_masked}  key {cred.sm4_key_masked}  "
                    f"issued {cred.created_at.isoformat()}  valid until {until}"
                )

    def _show_issued(self, issued) -> None:
        self.stdout.write("New hub credentials (shown this once only):")
        self.stdout.write(f"  orgCode    {issued.org_code}")
        self.stdout.write(f"  system     {issued.system_name}")
        self.stdout.write(f"  appId      {issued.app_id}")
        self.stdout.write(f"  paasid     {issued.paasid}")
        self.stdout.write(f"  paastoken  {issued.paastoken}")
        self.stdout.write(f"  SM4 key    {issued.sm4_key}")
        if issued.previous_valid_until:
            self.stdout.write(
                f"The previous credentials work until {issued.previous_valid_until.isoformat()}."
            )

    # --- report and roles -----------------------------------------------------------

    def _report(self, *, org_code, output, **_):
        hospital = self._hospital(org_code)
        path = Path(output or f"operation-report-{hospital.org_code}.xlsx")
        path.write_bytes(operation_report_xlsx(hospital))
        self.stdout.write(f"written {path}")

    def _roles(self, **_):
        for name, count in roles_sync().items():
            self.stdout.write(f"{name}: {count} permissions")
