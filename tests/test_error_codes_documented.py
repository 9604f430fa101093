"""docs/error-codes.md lists every stable ``errorCode`` of the code base once.

The defined codes are collected from the code itself:

* the members of every ``StrEnum`` subclass declared in an app's ``errors``
  module (``hub.errors.Code``, ``relay.errors.RelayCode``...);
* module-level code constants, ``NAME = "NAME"`` (``hub.phone_blocks.PHONE_BLOCKED``);
* string literals passed as the code of ``HubError(...)``, ``json_error(...)``
  or ``failure_body(...)`` anywhere in the apps.

The documented codes are the first backticked token of the first cell of each
table row of the page; the ``## <app>`` heading above a row names the app
whose table it is. A code declared by two apps is documented once, under
either of them. A ``StrEnum`` declared outside an ``errors`` module must be
named in ``NOT_CODE_ENUMS`` (so a new enum of codes cannot hide elsewhere).

The HTTP column is checked against what the code states: the OpenAPI code
sets (``<app>/openapi.py``), the ``status`` of the exception classes
(identity, face, real-name) and the status of the refusals the factories
build (``relay_error``, ``alert_error``, ``PhoneBlocked``, the patient pages').
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections import Counter, defaultdict
from enum import StrEnum
from functools import cache
from pathlib import Path

from tests.test_layout import ORDER

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "error-codes.md"
CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]*[A-Z0-9]$")
STATUS_RE = re.compile(r"\b[1-5]\d\d\b")

#: ``StrEnum`` subclasses that are not errorCodes (module.Class -> what they are).
NOT_CODE_ENUMS = {
    "identity.realname.base.Outcome": "a real-name provider's verdict about the person",
}
#: Calls whose argument at this position (or ``code=``) is an errorCode.
CODE_ARGUMENT = {"HubError": 0, "failure_body": 0, "json_error": 1}


# --- The code base ------------------------------------------------------------------------


@cache
def _sources() -> dict[str, ast.Module]:
    """Dotted module name -> parsed source, for every module of the apps."""
    out = {}
    for app in ORDER:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts:
                continue
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = ast.parse(path.read_text(), str(path))
    return out


def _app(module: str) -> str:
    return module.split(".")[0]


def _is_str_enum(node: ast.ClassDef) -> bool:
    for base in node.bases:
        name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
        if name == "StrEnum":
            return True
    return False


def _constant_codes(tree: ast.Module) -> list[str]:
    """Names of the module-level ``NAME = "NAME"`` assignments."""
    names = []
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                continue
            for target in targets:
                if (
                    isinstance(target, ast.Name)
                    and target.id == value.value
                    and CODE_RE.match(target.id)
                ):
                    names.append(target.id)
    return names


def _literal_codes(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, code) of string literals given as the code of a refusal."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in CODE_ARGUMENT:
            continue
        args = [kw.value for kw in node.keywords if kw.arg == "code"]
        if len(node.args) > CODE_ARGUMENT[name]:
            args.append(node.args[CODE_ARGUMENT[name]])
        for arg in args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((node.lineno, arg.value))
    return found


@cache
def defined_codes() -> dict[str, frozenset[str]]:
    """errorCode -> the apps that declare it."""
    apps: dict[str, set[str]] = defaultdict(set)
    for module_name, tree in _sources().items():
        is_errors = module_name.rsplit(".", 1)[-1] == "errors"
        constants = _constant_codes(tree)
        if is_errors or constants:
            module = importlib.import_module(module_name)
            for obj in vars(module).values():
                if (
                    inspect.isclass(obj)
                    and issubclass(obj, StrEnum)
                    and obj is not StrEnum
                    and obj.__module__ == module_name
                ):
                    for member in obj:
                        apps[member.value].add(_app(module_name))
            for name in constants:
                assert getattr(module, name) == name, f"{module_name}.{name}"
                apps[name].add(_app(module_name))
        for _line, code in _literal_codes(tree):
            apps[code].add(_app(module_name))
    return {code: frozenset(owners) for code, owners in apps.items()}


def _openapi_statuses() -> list[tuple[str, int, str]]:
    """(code, status, where) of every code set in the apps' ``openapi`` modules."""
    out = []
    for app in ORDER:
        if not (ROOT / app / "openapi.py").exists():
            continue
        module = importlib.import_module(f"{app}.openapi")
        for name, value in vars(module).items():
            if not isinstance(value, dict) or not value:
                continue
            if not all(isinstance(k, int) for k in value):
                continue
            for status, codes in value.items():
                if isinstance(codes, list | tuple) and all(isinstance(c, str) for c in codes):
                    out.extend((str(c), status, f"{app}.openapi.{name}") for c in codes)
    return out


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _raised_statuses() -> list[tuple[str, int, str]]:
    """(code, status, where) stated by the exception classes and factories."""
    from alerts.errors import AlertCode, alert_error
    from hub.errors import HubError
    from hub.phone_blocks import PhoneBlocked
    from patients import errors as patient_errors
    from relay.errors import RelayCode, relay_error

    defined_codes()  # imports every errors module, so every subclass exists
    out = []
    for cls in _subclasses(HubError):
        code, status = getattr(cls, "error_code", None), getattr(cls, "status", None)
        if code is not None and isinstance(status, int):
            out.append((str(code), status, f"{cls.__module__}.{cls.__name__}"))
    errors = [
        *(relay_error(code) for code in RelayCode),
        *(alert_error(code) for code in AlertCode),
        PhoneBlocked(),
        patient_errors.login_throttled(1),
        patient_errors.login_not_started(),
        patient_errors.no_record(),
    ]
    out.extend((e.code, e.http_status, "a factory's refusal") for e in errors)
    return out


# --- The page -----------------------------------------------------------------------------


@cache
def documented_rows() -> list[tuple[str, str, str, int]]:
    """(code, app heading, HTTP cell, line) of every code row of the page."""
    rows = []
    heading = ""
    for number, line in enumerate(DOC.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("## "):
            heading = line[3:].strip().split()[0] if line[3:].strip() else ""
            continue
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        match = re.match(r"`([^`]+)`", cells[0])
        if match is None:
            continue
        rows.append((match.group(1), heading, cells[1] if len(cells) > 1 else "", number))
    return rows


# --- Tests --------------------------------------------------------------------------------


def test_collection_finds_the_known_code_sets():
    """Guards the collector itself: a code of each kind of source is found."""
    codes = defined_codes()
    for code, app in [
        ("BAD_JSON", "hub"),
        ("PHONE_BLOCKED", "hub"),
        ("BAD_SIGNATURE", "hospitals"),
        ("CODE_WRONG", "identity"),
        ("FACE_MISMATCH", "identity"),
        ("REALNAME_LIMIT", "identity"),
        ("FILTER_INVALID", "hub"),
        ("AUTHORIZATION_NOT_FOUND", "relay"),
        ("NOTE_EMPTY", "alerts"),
        ("CATEGORY_UNKNOWN", "complaints"),
        ("PATIENT_NO_RECORD", "patients"),
    ]:
        assert app in codes.get(code, ()), (code, app)
    assert len(codes) > 100
    assert len(documented_rows()) > 100


def test_every_code_is_a_stable_upper_case_token():
    bad = sorted(code for code in defined_codes() if not CODE_RE.match(code))
    assert not bad, f"errorCodes must be UPPER_SNAKE_CASE: {bad}"


def test_no_code_is_documented_twice():
    counts = Counter(code for code, _heading, _status, _line in documented_rows())
    twice = {
        code: [line for c, _h, _s, line in documented_rows() if c == code]
        for code, n in counts.items()
        if n > 1
    }
    assert not twice, f"listed more than once in {DOC.name} (code: lines): {twice}"


def test_every_defined_code_is_documented_and_every_documented_code_exists():
    defined = set(defined_codes())
    documented = {code for code, _heading, _status, _line in documented_rows()}
    missing = sorted(defined - documented)
    stale = sorted(documented - defined)
    assert not missing, f"defined in the code but not in {DOC.name}: {missing}"
    assert not stale, f"in {DOC.name} but defined nowhere any more: {stale}"


def test_each_code_is_in_the_table_of_an_app_that_declares_it():
    owners = defined_codes()
    wrong = [
        f"{code} (line {line}) under '## {heading}', declared by {sorted(owners[code])}"
        for code, heading, _status, line in documented_rows()
        if code in owners and heading not in owners[code]
    ]
    assert not wrong, "\n".join(wrong)


def test_documented_statuses_include_what_the_code_answers():
    cells = {code: status for code, _heading, status, _line in documented_rows()}
    wrong = sorted(
        {
            f"{code}: {status} ({where}) not in the HTTP cell {cells[code]!r}"
            for code, status, where in [*_openapi_statuses(), *_raised_statuses()]
            if code in cells and str(status) not in STATUS_RE.findall(cells[code])
        }
    )
    assert not wrong, "\n".join(wrong)


def test_openapi_sets_name_only_defined_codes():
    defined = set(defined_codes())
    unknown = sorted({f"{c} ({w})" for c, _s, w in _openapi_statuses() if c not in defined})
    assert not unknown, f"OpenAPI code sets name codes no errors module defines: {unknown}"


def test_every_str_enum_outside_errors_modules_is_classified():
    found = {
        f"{module}.{node.name}"
        for module, tree in _sources().items()
        if module.rsplit(".", 1)[-1] != "errors"
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and _is_str_enum(node)
    }
    unclassified = sorted(found - set(NOT_CODE_ENUMS))
    assert not unclassified, (
        f"StrEnum outside an errors module: {unclassified}. errorCodes belong in the "
        "app's errors.py; any other enum goes in NOT_CODE_ENUMS."
    )
    gone = sorted(set(NOT_CODE_ENUMS) - found)
    assert not gone, f"NOT_CODE_ENUMS names enums that no longer exist: {gone}"


def test_every_code_row_says_what_to_do():
    """Each row: code, HTTP, meaning, where it can come from, what to do."""
    empty = []
    for number, line in enumerate(DOC.read_text(encoding="utf-8").splitlines(), start=1):
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if line.startswith("|") and re.match(r"`[^`]+`", cells[0]):
            if len(cells) < 5 or not cells[4]:
                empty.append(f"line {number}: {cells[0]}")
    assert not empty, f"code rows without a 'what to do' cell in {DOC.name}: {empty}"
