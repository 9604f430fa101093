"""A dotted-path setting that does not import stops ``manage.py check`` (and
so runserver and migrate) instead of failing every request that needs it."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from hub.checks import dotted_paths_import


def test_the_configured_classes_all_import():
    assert dotted_paths_import() == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SMS_BACKEND", "file"),
        ("AUTHCODE_PUSH_BACKEND", "identity.push.backends.nothere.Backend"),
        ("FACE_BACKEND", "identity.face.backends.dlib_local.NoSuchClass"),
    ],
)
def test_a_bad_path_is_an_error_naming_the_setting(settings, name, value):
    setattr(settings, name, value)
    [error] = dotted_paths_import()
    assert error.id == "hub.E001" and name in error.msg
    with pytest.raises(SystemCheckError, match=name):
        call_command("check")
