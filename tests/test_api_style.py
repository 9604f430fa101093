"""One API style across every hospital-facing endpoint (issue 15).

The operations come from the OpenAPI document the hub serves
(``/api/schema/``), so a new endpoint is walked without editing this file.
Each is called, signed as demo hospital A, with the same bad inputs, and the
answers are compared:

- every bad input is a 4xx in the province's failure shape, never a 500;
- the same mistake answers the same ``errorCode`` on every endpoint that
  accepts that kind of input (docs/error-codes.md, "One code per mistake");
- every list pages the same way (``hub.pagination``) and refuses a bad
  ``page``/``pageSize`` the same way;
- every time in an answer is ISO 8601 in Beijing time with microseconds
  (``hub.times``);
- a signed ``OPTIONS`` answers ``{"returnCode": "1", "data": {"methods"}}``
  with the same methods as its ``Allow`` header (``hub.metadata``).
"""

from __future__ import annotations

import copy
import json
import re
from collections import defaultdict
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hub.gm import sm4_encrypt_ecb_hex
from hub.times import TIME_RE
from tests.api.conftest import api_world, sign_a  # noqa: F401 (fixtures)
from tests.fixtures.hospitals import DEMO_A, DEMO_B
from tests.openapi_doc import resolve

SM4_PATTERN = r"^([0-9a-fA-F]{32})+$"
PAGE_SHAPE = {"items", "total", "page", "pageSize", "hasNext"}
LOOKS_LIKE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d")
#: The one code of each mistake (docs/error-codes.md).
EXPECTED = {
    "malformed JSON": "BAD_JSON",
    "not JSON": "UNSUPPORTED_MEDIA_TYPE",
    "body not an object": "BODY_NOT_OBJECT",
    "missing required field": "FIELD_MISSING",
    "null required field": "FIELD_MISSING",
    "blank required field": "FIELD_EMPTY",
    "wrong type": "FIELD_WRONG_TYPE",
    "oversize field": "FIELD_TOO_LONG",
    "bad hex": "SM4_BAD_CIPHERTEXT",
    "bad padding": "SM4_DECRYPT_FAILED",
    "bad query value": "FILTER_INVALID",
    "bad page": "FILTER_INVALID",
}
BAD_PAGES = [
    ("page", "0"),
    ("page", "-1"),
    ("page", "abc"),
    ("page", "1.5"),
    ("page", " 1"),
    ("page", "100001"),
    ("pageSize", "0"),
    ("pageSize", "101"),
    ("pageSize", "x"),
]


# --- The document -------------------------------------------------------------------------


@pytest.fixture
def world(api_world):  # noqa: F811 (the fixture imported above)
    """The schema's demo data, and A's credential with an end date (so
    ``credentialValidUntil`` is a time, not null)."""
    from hospitals.models import HubCredential
    from hospitals.selectors import credentials_cache_clear

    HubCredential.objects.filter(paasid=DEMO_A["paasid"]).update(
        valid_until=timezone.now() + timedelta(days=3)
    )
    credentials_cache_clear()
    doc = json.loads(Client().get("/api/schema/", {"format": "json"}).content)
    return api_world, doc


def _operations(doc: dict):
    """(METHOD, path, operation) of every signed hospital-facing operation."""
    for path, item in doc["paths"].items():
        if not path.startswith(("/api/v1/", "/ebus/")):
            continue
        for method, operation in item.items():
            yield method.upper(), path, operation


def _request_schema(doc: dict, operation: dict) -> dict | None:
    body = operation.get("requestBody")
    if not body:
        return None
    return resolve(doc, body["content"]["application/json"]["schema"])


def _example(doc: dict, operation: dict, schema: dict) -> dict:
    """A good body: the documented example, else the required fields filled."""
    media = operation["requestBody"]["content"]["application/json"]
    for example in media.get("examples", {}).values():
        return copy.deepcopy(example["value"])
    return {name: "已处理 / done" for name in schema.get("required", [])}


def _fields(doc: dict, schema: dict, body: dict, prefix=()):
    """(path in the body, field schema, required) of every field, nested
    objects walked (the compatible endpoint's ``codeAuthRec``)."""
    required = set(schema.get("required", []))
    for name, node in schema.get("properties", {}).items():
        node = resolve(doc, node)
        if node.get("readOnly"):
            continue
        path = (*prefix, name)
        if node.get("type") == "object" and "properties" in node:
            inner = body.get(name) if isinstance(body.get(name), dict) else {}
            yield from _fields(doc, node, inner, path)
        else:
            yield path, node, name in required


def _set(body: dict, path: tuple, value) -> dict:
    out = copy.deepcopy(body)
    target = out
    for key in path[:-1]:
        target = target.setdefault(key, {})
    if value is ...:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return out


def _url(path: str, world, **ids) -> str:
    known = {"id": str(world.pending_id), "public_id": world.complaint_id, **ids}
    return re.sub(r"\{(\w+)\}", lambda m: known[m.group(1)], path)


# --- Calls ------------------------------------------------------------------------------------


class Caller:
    """Demo hospital A, signing each call; records every (mistake, code)."""

    def __init__(self, sign):
        self.sign = sign
        self.client = Client()
        self.seen: dict[str, dict[str, str]] = defaultdict(dict)

    def call(
        self, verb: str, url: str, *, body=None, raw=None, ctype="application/json", query=None
    ):
        kwargs = {"headers": self.sign()}
        if raw is not None:
            kwargs.update(data=raw, content_type=ctype)
        elif body is not None:
            kwargs.update(data=json.dumps(body), content_type=ctype)
        elif query:
            kwargs["data"] = query
        return self.client.generic(verb, url, **_generic_args(verb, kwargs))

    def refused(self, mistake: str, label: str, answer) -> str:
        assert 400 <= answer.status_code < 500, (
            f"{label}: {answer.status_code} {answer.content[:300]}"
        )
        body = answer.json()
        assert body["returnCode"] == "0" and body["returnDesc"], f"{label}: {body}"
        self.seen[mistake][label] = body["errorCode"]
        return body["errorCode"]


def _generic_args(method: str, kwargs: dict) -> dict:
    """``Client.generic`` takes the body as ``data`` bytes; a GET's query
    goes in the URL's ``QUERY_STRING``."""
    out = {"headers": kwargs["headers"]}
    data = kwargs.get("data")
    if method == "GET" and isinstance(data, dict):
        from urllib.parse import urlencode

        out["QUERY_STRING"] = urlencode(data)
    elif data is not None:
        out["data"] = data.encode() if isinstance(data, str) else data
        out["content_type"] = kwargs["content_type"]
    return out


def _body_cases(doc, operation, schema):
    """(mistake, label, body) of the same bad inputs, for one operation."""
    good = _example(doc, operation, schema)
    key = DEMO_A["sm4_key"]
    yield "body not an object", "a list", [good]
    for path, node, required in _fields(doc, schema, good):
        name = ".".join(path)
        if required:
            yield "missing required field", name, _set(good, path, ...)
            yield "null required field", name, _set(good, path, None)
            if node.get("type") == "string":
                yield "blank required field", name, _set(good, path, "")
        if node.get("type") == "string":
            yield "wrong type", name, _set(good, path, 12345)
            limit = node.get("maxLength")
            if limit and limit <= 100_000:
                yield "oversize field", name, _set(good, path, "a" * (limit + 1))
        if node.get("pattern") == SM4_PATTERN:
            yield "bad hex", name, _set(good, path, "zz" * 16)
            yield "bad padding", name, _set(good, path, "00" * 16)
            # Encrypted under another hospital's key: the padding check fails.
            other = sm4_encrypt_ecb_hex(DEMO_B["sm4_key"], "44010619900307001X")
            assert other != sm4_encrypt_ecb_hex(key, "44010619900307001X")
            yield "bad padding", f"{name} (other key)", _set(good, path, other)


def _query_cases(doc, operation):
    params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
    if {"page", "pageSize"} <= set(params):
        for name, value in BAD_PAGES:
            yield "bad page", f"{name}={value!r}", {name: value}
    for name, param in params.items():
        schema = param.get("schema", {})
        if name in ("page", "pageSize"):
            continue
        if schema.get("enum") or schema.get("pattern") or schema.get("format") == "date-time":
            yield "bad query value", name, {name: "bogus!"}
        if "SM4" in param.get("description", ""):
            yield "bad hex", f"?{name}", {name: "zz" * 16}
            yield "bad padding", f"?{name}", {name: "00" * 16}


# --- Tests ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_same_mistake_answers_the_same_code_everywhere(world, sign_a):  # noqa: F811
    api, doc = world
    caller = Caller(sign_a)
    operations = list(_operations(doc))
    assert len(operations) >= 12, [f"{m} {p}" for m, p, _o in operations]
    for method, path, operation in operations:
        url = _url(path, api)
        schema = _request_schema(doc, operation)
        label = f"{method} {path}"
        if schema is not None:
            caller.refused("malformed JSON", label, caller.call(method, url, raw='{"a": '))
            caller.refused(
                "not JSON", label, caller.call(method, url, raw="a=1", ctype="text/plain")
            )
            for mistake, field, body in _body_cases(doc, operation, schema):
                caller.refused(mistake, f"{label} {field}", caller.call(method, url, body=body))
        for mistake, param, query in _query_cases(doc, operation):
            caller.refused(mistake, f"{label} {param}", caller.call(method, url, query=query))

    wrong = {
        f"{mistake}: {label}": code
        for mistake, answers in caller.seen.items()
        for label, code in answers.items()
        if code != EXPECTED[mistake]
    }
    assert not wrong, json.dumps(wrong, indent=1, ensure_ascii=False)
    # Every kind of mistake was actually made somewhere, on more than one
    # endpoint where more than one takes that input.
    assert set(caller.seen) == set(EXPECTED), sorted(set(EXPECTED) - set(caller.seen))
    endpoints = {m: {lbl.split(" ")[1] for lbl in a} for m, a in caller.seen.items()}
    for mistake in ("missing required field", "wrong type", "bad hex", "bad padding", "bad page"):
        assert len(endpoints[mistake]) >= 2, (mistake, endpoints[mistake])


@pytest.mark.django_db(transaction=True)
def test_an_unknown_id_is_the_resources_not_found_malformed_or_not(world, sign_a):  # noqa: F811
    api, doc = world
    caller = Caller(sign_a)
    per_resource: dict[str, set[str]] = defaultdict(set)
    for method, path, operation in _operations(doc):
        names = re.findall(r"\{(\w+)\}", path)
        if not names:
            continue
        body = {} if operation.get("requestBody") else None
        for unknown in ("999999999", "no-such-id", "00000000-0000-4000-8000-000000000000"):
            url = _url(path, api, **{n: unknown for n in names})
            answer = caller.call(method, url, body=body)
            assert answer.status_code == 404, (method, url, answer.content)
            code = caller.refused("unknown id", f"{method} {url}", answer)
            assert code.endswith("_NOT_FOUND") and code != "NOT_FOUND", (method, url, code)
            per_resource[path.split("/{")[0]].add(code)
    assert len(per_resource) >= 2, per_resource
    assert all(len(codes) == 1 for codes in per_resource.values()), per_resource


@pytest.mark.django_db(transaction=True)
def test_every_list_pages_the_same_way(world, sign_a):  # noqa: F811
    api, doc = world
    caller = Caller(sign_a)
    lists = []
    for method, path, operation in _operations(doc):
        envelope = resolve(doc, _success_schema(operation))["properties"]
        if "data" not in envelope:
            continue  # the compatible endpoint relays the province's own answer
        data = resolve(doc, envelope["data"])
        params = {p["name"] for p in operation.get("parameters", [])}
        props = set(data.get("properties", {}))
        # The old shapes are gone from every answer.
        assert not props & {"results", "count"}, (path, props)
        if method == "GET" and ({"page", "pageSize"} & params or "items" in props):
            assert {"page", "pageSize"} <= params, path
            assert props == PAGE_SHAPE, (path, props)
            lists.append(path)
    assert {"/api/v1/authorizations", "/api/v1/complaints"} <= set(lists), lists
    for path in lists:
        first = caller.call("GET", path, query={"pageSize": "1"})
        assert first.status_code == 200, first.content
        data = first.json()["data"]
        assert set(data) == PAGE_SHAPE, (path, data)
        assert (data["page"], data["pageSize"], len(data["items"])) == (1, 1, 1), path
        assert data["total"] >= 1 and data["hasNext"] is (data["total"] > 1), (path, data)
        default = caller.call("GET", path).json()["data"]
        assert (default["page"], default["pageSize"]) == (1, 20), path
        past = caller.call("GET", path, query={"page": "999"}).json()["data"]
        assert (past["items"], past["hasNext"], past["total"]) == ([], False, data["total"])


def _success_schema(operation: dict) -> dict:
    for status, response in operation["responses"].items():
        if status.startswith("2"):
            return response["content"]["application/json"]["schema"]
    raise AssertionError(operation["operationId"])


def _times(value, where=""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _times(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _times(inner, f"{where}[{index}]")
    elif isinstance(value, str) and LOOKS_LIKE_TIME.match(value):
        yield where, value


@pytest.mark.django_db(transaction=True)
def test_every_time_in_an_answer_has_the_one_format(world, sign_a):  # noqa: F811
    api, doc = world
    caller = Caller(sign_a)
    seen = {}
    urls = [_url(p, api) for m, p, _o in _operations(doc) if m == "GET"]
    urls += [_url("/api/v1/authorizations/{id}", api, id=str(api.granted_id))]
    for url in urls:
        answer = caller.call("GET", url)
        assert answer.status_code == 200, (url, answer.content)
        for where, value in _times(answer.json()):
            seen[f"{url} {where}"] = value
    wrong = {k: v for k, v in seen.items() if not TIME_RE.match(v)}
    assert not wrong, wrong
    fields = {k.rsplit(".", 1)[-1] for k in seen}
    # Times of each app's answers were looked at: relay, complaints, hospitals.
    assert {"updatedAt", "validUntil", "receivedAt", "credentialValidUntil"} <= fields, fields


@pytest.mark.django_db(transaction=True)
def test_a_signed_options_answers_the_documented_shape(world, sign_a):  # noqa: F811
    api, doc = world
    caller = Caller(sign_a)
    documented: dict[str, set[str]] = defaultdict(set)
    for method, path, _operation in _operations(doc):
        documented[path].add(method)
    for path, methods in documented.items():
        answer = caller.call("OPTIONS", _url(path, api))
        assert answer.status_code == 200, (path, answer.content)
        body = answer.json()
        assert set(body) == {"returnCode", "returnDesc", "data"}, (path, body)
        assert body["returnCode"] == "1" and body["returnDesc"], body
        allowed = {m.strip() for m in answer["Allow"].split(",")}
        assert set(body["data"]["methods"]) == allowed, (path, body, answer["Allow"])
        assert methods | {"OPTIONS"} <= allowed, (path, allowed)
    unsigned = Client().options("/api/v1/authorizations")
    assert unsigned.status_code == 401
    assert unsigned.json()["errorCode"] == "MISSING_SIGNATURE_HEADERS"


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.django_db
def test_the_document_speaks_chinese_and_keeps_the_english(client):
    from hub.openapi_codes import CODE_TEXTS

    doc = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    assert CJK.search(doc["info"]["title"]) and "API" in doc["info"]["title"]
    tags = {t["name"]: t["description"] for t in doc["tags"]}
    missing_texts = set()
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            zh, _sep, en = operation["summary"].partition(" / ")
            assert CJK.search(zh) and re.search(r"[A-Za-z]{3}", en), (label, operation["summary"])
            assert CJK.search(operation["description"]), label
            assert re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", operation["description"]), label
            for tag in operation["tags"]:
                assert CJK.search(tag) and tag in tags, (label, tag)
            for status, response in operation["responses"].items():
                assert CJK.search(response["description"]), (label, status)
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if not schema or not path.startswith(("/api/v1/", "/ebus/")):
                    continue
                props = resolve(doc, schema).get("properties", {})
                if "errorCode" not in props:
                    continue
                for code in resolve(doc, props["errorCode"])["enum"]:
                    if code not in CODE_TEXTS:
                        missing_texts.add(code)
                        continue
                    assert CODE_TEXTS[code][0] in response["description"], (label, code)
    assert not missing_texts, f"add to hub/openapi_codes.py: {sorted(missing_texts)}"
    assert all(CJK.search(d) and re.search(r"[A-Za-z]{3}", d) for d in tags.values()), tags
    page = client.get("/api/docs/")
    assert "<title>共享平台接口" in page.content.decode(), page.content[:300]
