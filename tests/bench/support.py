"""Shared set-up for the benchmarks that use Django's test client."""

from __future__ import annotations

_prepared = False


def prepare_test_environment() -> None:
    """Django's test environment and a kept test database, once per process
    (``python -m tests.bench`` runs several benches in one process, and
    Django refuses a second ``setup_test_environment``)."""
    global _prepared
    if _prepared:
        return
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.HOSPITAL_THROTTLE_DEFAULT_RATE = "off"
    connection.creation.create_test_db(verbosity=0, keepdb=True)
    _prepared = True
