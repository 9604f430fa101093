"""Answers speak Chinese by default (LANGUAGE_CODE zh-hans) and English on request;
the hub's message catalogue is complete and its compiled form up to date."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation
from rest_framework import exceptions

from hub.errors import Code, HubError, exception_handler, success_body

PO = Path(__file__).resolve().parents[2] / "hub/locale/zh_Hans/LC_MESSAGES/django.po"


@pytest.fixture(autouse=True)
def _default_language():
    # LocaleMiddleware leaves the last request's language active in this thread:
    # start and end each test on the default.
    translation.deactivate()
    yield
    translation.deactivate()


def test_unknown_path_answers_in_chinese_by_default(client):
    response = client.get("/no-such-path/")
    assert response.status_code == 404
    assert response.json() == {
        "returnCode": "0",
        "returnDesc": "未找到。",
        "errorCode": "NOT_FOUND",
    }


def test_unknown_path_answers_in_english_when_asked(client):
    response = client.get("/no-such-path/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["returnDesc"] == "Not found."


@pytest.mark.parametrize(
    ("exc", "status", "code", "desc"),
    [
        (exceptions.ParseError(), 400, Code.BAD_JSON, "请求体不是有效的 JSON。"),
        (
            exceptions.UnsupportedMediaType("text/plain"),
            415,
            Code.UNSUPPORTED_MEDIA_TYPE,
            "请以 application/json 格式发送请求体。",
        ),
        (
            exceptions.MethodNotAllowed("PUT"),
            405,
            Code.METHOD_NOT_ALLOWED,
            "不允许使用该请求方法。",
        ),
        (exceptions.Throttled(wait=7), 429, Code.THROTTLED, "请求过于频繁，请在 7 秒后重试。"),
        (RuntimeError("boom"), 500, Code.INTERNAL_ERROR, "内部错误，已记录。"),
    ],
)
def test_error_answers_through_the_exception_handler_are_chinese(exc, status, code, desc):
    with translation.override("zh-hans"):
        response = exception_handler(exc, {"view": None, "request": None})
    assert response.status_code == status
    assert response.data == {"returnCode": "0", "returnDesc": desc, "errorCode": code}


def test_default_language_is_simplified_chinese(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert translation.get_language() == "zh-hans"
    assert success_body()["returnDesc"] == "成功"


def test_success_is_chinese_whatever_the_caller_hub_error_keeps_its_code():
    with translation.override("zh-hans"):
        body = HubError(Code.NOT_FOUND, translation.gettext("Not found."), 404).body()
    assert body == {"returnCode": "0", "returnDesc": "未找到。", "errorCode": "NOT_FOUND"}


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext is not installed")
def test_catalogue_is_complete_and_compiled(tmp_path):
    stats = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "fresh.mo"), str(PO)],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    assert "untranslated" not in stats and "fuzzy" not in stats, stats
    with open(tmp_path / "fresh.mo", "rb") as fresh, open(PO.with_suffix(".mo"), "rb") as kept:
        assert gettext.GNUTranslations(kept)._catalog == gettext.GNUTranslations(fresh)._catalog
