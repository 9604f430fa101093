"""The OpenAPI schema at /api/schema/ and the integrators' pages at /api/docs/."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from tests.api.test_schemathesis import CONTRACT
from tests.openapi_doc import resolve

XTIF_HEADERS = {"x-tif-paasid", "x-tif-timestamp", "x-tif-nonce", "x-tif-signature"}
# The relayed province answer keeps the province's own shape (no errorCode on success).
PROVINCE_SHAPED = "/ebus/jiankangdangan/gdehr/dhccApi/codeAuthRec/save"


@pytest.fixture
def openapi(client) -> dict:
    answer = client.get("/api/schema/", {"format": "json"})
    assert answer.status_code == 200
    return json.loads(answer.content)


def _operations(doc: dict):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_schema_generation_has_no_warning(tmp_path):
    # The same as `manage.py spectacular --validate --fail-on-warn`: any
    # generation warning or an invalid OpenAPI document fails.
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text(encoding="utf-8").startswith("openapi: 3.")


@pytest.mark.django_db
def test_schema_is_served_without_credentials_and_lists_the_contract(openapi):
    assert openapi["openapi"].startswith("3.")
    labels = {f"{m.upper()} {p}" for p, m, _op in _operations(openapi)}
    assert labels >= CONTRACT


@pytest.mark.django_db
def test_the_xtif_headers_are_the_security_of_every_hospital_operation(openapi):
    schemes = openapi["components"]["securitySchemes"]
    names = {s["name"] for s in schemes.values() if s["type"] == "apiKey" and s["in"] == "header"}
    assert XTIF_HEADERS <= names
    for path, method, operation in _operations(openapi):
        if path.startswith(("/api/v1/", "/ebus/")):
            required = {schemes[n]["name"] for req in operation["security"] for n in req}
            assert XTIF_HEADERS <= required, f"{method} {path}"


@pytest.mark.django_db
def test_every_answer_has_the_province_shape(openapi):
    for path, method, operation in _operations(openapi):
        if not path.startswith(("/api/v1/", "/ebus/")):
            continue
        statuses = set(operation["responses"])
        assert {"401", "429"} <= statuses, f"{method} {path}"
        for status, response in operation["responses"].items():
            body = resolve(openapi, response["content"]["application/json"]["schema"])
            props = body["properties"]
            code = resolve(openapi, props["returnCode"])
            if status.startswith("2"):
                if path != PROVINCE_SHAPED:
                    assert code["enum"] == ["1"] and "data" in props, f"{method} {path} {status}"
                continue
            assert code["enum"] == ["0"], f"{method} {path} {status}"
            codes = resolve(openapi, props["errorCode"])["enum"]
            assert codes and all(re.fullmatch(r"[A-Z0-9_]+", c) for c in codes)
            assert set(body["required"]) >= {"returnCode", "returnDesc", "errorCode"}


@pytest.mark.django_db
def test_json_body_operations_list_their_body_refusals(openapi):
    for path, method, operation in _operations(openapi):
        if "requestBody" in operation and path.startswith("/api/v1/"):
            assert {"400", "413", "415"} <= set(operation["responses"]), f"{method} {path}"


@pytest.mark.django_db
def test_docs_page_loads_its_scripts_from_the_hub_only(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    for source in sources:
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), source
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()


@pytest.mark.django_db
def test_redoc_page_is_served_from_the_hub_too(client):
    page = client.get("/api/redoc/")
    assert page.status_code == 200
    sources = re.findall(r'src="([^"]+)"', page.content.decode())
    assert sources and all(s.startswith("/static/") for s in sources), sources
