"""One product name and one word for hospitals in the back office (zh-hans):
the admin index an administrator sees names the product 共享平台 (never
共享应用), calls hospitals 医疗机构 (医院 only inside a hospital's own name),
and shows no model name left untranslated (no "链检查点s": a
``verbose_name_plural`` without its translation gets an English "s")."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.contrib.auth.models import User

from hospitals.models import Hospital
from tests.fixtures.backoffice import verified_client

CJK = r"[\u4e00-\u9fff]"


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.django_db
def test_admin_index_speaks_one_language(hospital_a, hospital_b):
    admin = User.objects.create_superuser("root-admin", "root@example.gov.cn", "pw-123456789")
    html = verified_client(admin).get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    text = _text(html)
    assert "共享平台" in text
    assert "共享应用" not in text
    # A CJK word with an English plural "s" glued on: an untranslated plural.
    assert not re.search(CJK + r"s\b", text), re.findall(CJK + r"s\b", text)
    # Every model in the app list is named in Chinese (no lower-case English word).
    names = [
        " ".join(_text(cell).split())
        for cell in re.findall(r'<th scope="row" id="[\w-]+">(.*?)</th>', html, flags=re.S)
    ]
    assert len(names) > 20, names
    english = [n for n in names if re.search(r"\b[a-z]{3,}\b", n) or not re.search(CJK, n)]
    assert not english, english
    # 医院 only inside a hospital's own name.
    for name in Hospital.objects.values_list("org_name", flat=True):
        text = text.replace(name, "")
    assert "医院" not in text
