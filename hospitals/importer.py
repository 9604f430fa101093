"""Bulk onboarding from a spreadsheet (XLSX or CSV): one hospital per row.

Each row is validated and written in its own savepoint: a good row goes in
whole (hospital, systems, credentials), a bad row leaves nothing behind and is
reported with its reason. A dry run does the same work inside a transaction
that is rolled back, so it reports exactly what a real run would.

Headers (first row; English keys or the Chinese labels of appendix 1):
``org_code`` (机构代码), ``org_name`` (医疗机构名称), ``uscc`` (统一社会信用代码),
``level`` (等级), ``district`` (区县), ``contact_name`` (联系人),
``contact_phone`` (联系电话), ``callback_url``, ``ip_allowlist``,
``throttle_rate``, ``systems`` (接入系统: ``name|url|ip`` items separated by ``;``).
An ``org_code`` already registered updates that hospital; its systems are
matched by name (updated in place, so a system keeps its appId, credentials
and IP allowlist), new names are added, and a registered system the row no
longer names is removed only if it never had credentials nor asked for a
consent (its calls and usage refer to it). With ``issue_credentials`` every
system of the hospital without current credentials gets its own.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, transaction

from hospitals.models import Hospital, IntegratedSystem, Level
from hospitals.services import hospital_create, hospital_update, hub_credential_issue
from hospitals.services.systems import integrated_system_delete, integrated_system_save
from hub.errors import HubError

HEADER_ALIASES = {
    "org_code": ("org_code", "orgcode", "机构代码", "组织机构代码"),
    "org_name": ("org_name", "orgname", "医疗机构名称", "机构名称"),
    "uscc": ("uscc", "统一社会信用代码"),
    "level": ("level", "等级", "医院等级"),
    "district": ("district", "区县", "所属区县"),
    "contact_name": ("contact_name", "联系人"),
    "contact_phone": ("contact_phone", "联系电话"),
    "callback_url": ("callback_url", "投诉回调地址"),
    "ip_allowlist": ("ip_allowlist", "ip白名单"),
    "throttle_rate": ("throttle_rate", "限流"),
    "systems": ("systems", "接入系统"),
}
_ALIAS_TO_KEY = {alias: key for key, aliases in HEADER_ALIASES.items() for alias in aliases}
LEVEL_LABELS = {
    "三级": Level.TERTIARY,
    "二级": Level.SECONDARY,
    "一级": Level.PRIMARY,
    "未定级": Level.UNGRADED,
}
_ORG_CODE_RE = re.compile(r"^[0-9A-Za-z-]{1,32}$")


class ImportFileError(Exception):
    """The file itself cannot be read (format, headers)."""


@dataclass
class RowResult:
    row: int
    org_code: str
    ok: bool
    action: str = ""  # created / updated
    error: str = ""
    credentials: list = field(default_factory=list)  # IssuedCredential, one per system


@dataclass
class ImportReport:
    results: list[RowResult] = field(default_factory=list)
    dry_run: bool = False

    @property
    def good(self) -> list[RowResult]:
        return [r for r in self.results if r.ok]

    @property
    def bad(self) -> list[RowResult]:
        return [r for r in self.results if not r.ok]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number in Excel
    return str(value).strip()


def _normalise_headers(raw: list) -> list[str | None]:
    keys = []
    for header in raw:
        name = _cell(header).lower().replace(" ", "")
        keys.append(_ALIAS_TO_KEY.get(name))
    if "org_code" not in keys or "org_name" not in keys:
        raise ImportFileError("the first row must name at least org_code and org_name")
    return keys


def read_rows(path: str | Path) -> list[tuple[int, dict[str, str]]]:
    """``(row number, {key: text})`` for every non-empty data row."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            table = list(csv.reader(fh))
    elif suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # zipfile/openpyxl errors of a damaged file
            raise ImportFileError(f"not a readable XLSX file: {exc}") from exc
        table = [list(r) for r in wb.active.iter_rows(values_only=True)]
        wb.close()
    else:
        raise ImportFileError("give a .xlsx or .csv file")
    if not table:
        raise ImportFileError("the file is empty")
    keys = _normalise_headers(table[0])
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        values = {k: _cell(v) for k, v in zip(keys, raw, strict=False) if k}
        if any(values.values()):
            rows.append((number, values))
    return rows


def _systems(text: str) -> list[dict]:
    systems = []
    for item in filter(None, (s.strip() for s in text.split(";"))):
        name, url, ip = (item.split("|") + ["", "", ""])[:3]
        if not name.strip():
            raise HubError("INVALID_HOSPITAL", f"system without a name: {item!r}", 400)
        systems.append({"name": name.strip(), "url": url.strip(), "ip": ip.strip()})
    names = [s["name"] for s in systems]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise HubError("INVALID_HOSPITAL", f"system named twice: {', '.join(twice)}", 400)
    return systems


def _sync_systems(hospital: Hospital, systems: list[dict], *, actor) -> None:
    """The hospital's systems as the row lists them, matched by name."""
    existing = list(hospital.systems.order_by("id"))
    by_name: dict[str, IntegratedSystem] = {}
    for system in existing:
        by_name.setdefault(system.name, system)
    kept = set()
    for item in systems:
        system = by_name.get(item["name"]) or IntegratedSystem(hospital=hospital)
        system.name, system.url, system.ip = item["name"], item["url"], item["ip"]
        integrated_system_save(actor=actor, system=system)
        kept.add(system.pk)
    for system in existing:
        if system.pk in kept or system.credentials.exists():
            continue
        try:
            integrated_system_delete(actor=actor, system=system)
        except HubError:
            continue  # a consent it asked for refers to it: kept


def _issue_missing(hospital: Hospital, *, actor) -> list:
    """Credentials for each system without current ones (for a hospital
    without systems: a first system, named after it)."""
    systems = list(hospital.systems.order_by("id")) or [None]
    issued = []
    for system in systems:
        current = hospital.credentials.filter(valid_until__isnull=True)
        if system is not None:
            current = current.filter(system=system)
        if not current.exists():
            issued.append(hub_credential_issue(actor=actor, hospital=hospital, system=system))
    return issued


def _fields(values: dict[str, str]) -> dict:
    fields = {
        k: values[k]
        for k in (
            "uscc",
            "district",
            "contact_name",
            "contact_phone",
            "callback_url",
            "ip_allowlist",
            "throttle_rate",
        )
        if values.get(k)
    }
    level = values.get("level", "")
    if level:
        level = LEVEL_LABELS.get(level, level.lower())
        if level not in Level.values:
            raise HubError("INVALID_HOSPITAL", f"level: unknown level {values['level']!r}", 400)
        fields["level"] = level
    return fields


def _import_row(values: dict[str, str], *, actor, issue_credentials: bool) -> tuple[str, object]:
    org_code = values.get("org_code", "")
    if not _ORG_CODE_RE.match(org_code):
        raise HubError("INVALID_HOSPITAL", "org_code: missing or not letters/digits", 400)
    if not values.get("org_name"):
        raise HubError("INVALID_HOSPITAL", "org_name: missing", 400)
    fields = _fields(values)
    systems = _systems(values.get("systems", ""))
    existing = Hospital.objects.filter(org_code=org_code).first()
    if existing is None:
        hospital = hospital_create(
            actor=actor, org_code=org_code, org_name=values["org_name"], systems=systems, **fields
        )
        action = "created"
    else:
        hospital = hospital_update(
            actor=actor, hospital=existing, org_name=values["org_name"], **fields
        )
        if systems:
            _sync_systems(hospital, systems, actor=actor)
        action = "updated"
    issued = _issue_missing(hospital, actor=actor) if issue_credentials else []
    return action, issued


def import_rows(
    rows: list[tuple[int, dict[str, str]]],
    *,
    actor,
    dry_run: bool = False,
    issue_credentials: bool = False,
) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    seen: dict[str, int] = {}

    class _Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            for number, values in rows:
                org_code = values.get("org_code", "")
                if org_code in seen:
                    report.results.append(
                        RowResult(
                            number, org_code, False, error=f"org_code repeats row {seen[org_code]}"
                        )
                    )
                    continue
                try:
                    with transaction.atomic():  # the row's savepoint: all or nothing
                        action, issued = _import_row(
                            values, actor=actor, issue_credentials=issue_credentials
                        )
                except HubError as exc:
                    report.results.append(RowResult(number, org_code, False, error=exc.message))
                    continue
                except DatabaseError as exc:  # a value the database refuses
                    report.results.append(
                        RowResult(
                            number, org_code, False, error=f"database: {exc.__class__.__name__}"
                        )
                    )
                    continue
                seen[org_code] = number
                report.results.append(RowResult(number, org_code, True, action, credentials=issued))
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return report
