"""``/api/v1/authorizations`` is served by two views (start: POST, list: GET)
and answers as one URL: one signature check, the 405 of any other method in
the province's shape, the same URL name and operation ids."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import resolve, reverse

from relay.views import AuthorizationListView, AuthorizationStartView

pytestmark = pytest.mark.django_db

URL = "/api/v1/authorizations"


def _refused(answer, status: int, code: str) -> None:
    assert answer.status_code == status, answer.content
    body = answer.json()
    assert body["returnCode"] == "0" and body["errorCode"] == code and body["returnDesc"]


def test_one_url_name_for_both_views():
    assert reverse("authorizations") == URL
    view = resolve(URL).func.view_class
    assert issubclass(view, AuthorizationStartView) and issubclass(view, AuthorizationListView)
    assert view.get is AuthorizationListView.get and view.post is AuthorizationStartView.post


def test_get_lists_and_post_starts(api_a):
    listed = api_a.get(URL)
    assert listed.status_code == 200, listed.content
    assert listed.json()["data"]["items"] == []
    # The start view's own checks answer a POST.
    _refused(api_a.post_json(URL, {}), 400, "FIELD_MISSING")


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_methods_are_a_405_after_the_signature_check(api_a, method):
    answer = api_a.request(method, URL, {})
    _refused(answer, 405, "METHOD_NOT_ALLOWED")
    assert answer["Allow"] == "GET, POST, HEAD, OPTIONS"
    unsigned = getattr(Client(), method.lower())(URL)
    _refused(unsigned, 401, "MISSING_SIGNATURE_HEADERS")


def test_operation_ids_stay_on_the_shared_url(client):
    answer = client.get("/api/schema/", {"format": "json"})
    assert answer.status_code == 200
    item = json.loads(answer.content)["paths"][URL]
    assert {m: op["operationId"] for m, op in item.items()} == {
        "get": "authorizations_list",
        "post": "authorizations_start",
    }
    # Neither view's docstring leaks into the other's operation.
    described = [item[m].get("description") for m in ("get", "post")]
    assert described == [None, None] or described[0] != described[1]
