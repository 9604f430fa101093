"""Audit test setup (personas: tests/fixtures/backoffice.py)."""

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Report files go to a fresh directory per test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
