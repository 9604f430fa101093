"""Every answer under the API paths has the province's shape, never a 500 for bad input."""

import pytest
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.hospitals.echo_urls")]


def _shape(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["returnCode"] == "0" and body["errorCode"] == code and body["returnDesc"]
    return body


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_path_is_a_json_404(debug):
    with override_settings(DEBUG=debug):
        _shape(Client().get("/api/v1/no-such-thing"), 404, "NOT_FOUND")
        _shape(
            Client().post("/ebus/nothing/here", data="{}", content_type="application/json"),
            404,
            "NOT_FOUND",
        )


def test_wrong_method_is_a_json_405(api_a):
    _shape(api_a.get("/api/v1/test-echo"), 405, "METHOD_NOT_ALLOWED")
    _shape(api_a.post_json("/api/v1/hospitals/me", {}), 405, "METHOD_NOT_ALLOWED")


def test_malformed_json_is_400(api_a):
    _shape(api_a.post_json("/api/v1/test-echo", "{not json"), 400, "BAD_JSON")
    _shape(api_a.post_json("/api/v1/test-echo", b'{"a": "\xff"}'), 400, "BAD_JSON")


def test_deeply_nested_json_is_400_not_500(api_a):
    body = "[" * 50000 + "]" * 50000
    _shape(api_a.post_json("/api/v1/test-echo", body), 400, "BAD_JSON")


def test_unsupported_media_type_is_415(api_a):
    response = api_a.client.post(
        "/api/v1/test-echo", data="a=b", content_type="text/plain", headers=api_a.headers()
    )
    _shape(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_oversized_body_is_413(api_a):
    _shape(api_a.post_json("/api/v1/test-echo", {"x": "a" * 5000}), 413, "PAYLOAD_TOO_LARGE")


def test_good_json_is_echoed(api_a):
    response = api_a.post_json("/api/v1/test-echo", {"a": 1})
    assert response.status_code == 200
    assert response.json() == {"returnCode": "1", "returnDesc": "成功", "data": {"echo": {"a": 1}}}


def test_not_live_hospital_refused_on_relay_views_without_a_test_target(
    api_a, hospital_a, settings
):
    settings.PROVINCE_TEST_BASE_URL = ""  # no joint test: the stages before live refused
    hospital_a.stage = "test_confirmed"
    hospital_a.save(update_fields=["stage"])
    _shape(api_a.post_json("/api/v1/test-echo", {}), 403, "HOSPITAL_NOT_LIVE")


def test_auth_comes_before_method_check():
    _shape(Client().get("/api/v1/test-echo"), 401, "MISSING_SIGNATURE_HEADERS")
