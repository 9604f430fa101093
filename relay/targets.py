"""Which province a consent goes to: the live one, or the joint-test target.

A hospital not yet live (``hospitals.models.TEST_STAGES``) tests with the
province: the consents it asks for are marked ``province_target="test"`` when
created, synced to ``PROVINCE_TEST_BASE_URL`` and viewed through
``PROVINCE_TEST_VIEWER_URL``; everything it does is counted apart (``test.*``
usage kinds). A consent keeps its target for life: a test consent is revoked
at the test target even after the hospital went live, and never serves a
live view (``relay.selectors.consent_for_view`` looks up the hospital's
current target only). The readiness check and ``gdehr ping`` use the live
province only.
"""

from __future__ import annotations

from django.conf import settings

from relay.models import Target


def target_for(hospital) -> str:
    """The target of ``hospital``'s new consents and views, by its stage now."""
    return Target.TEST if hospital.province_target == Target.TEST else Target.LIVE


def base_url(target: str) -> str:
    """The province base URL of ``target``."""
    if target == Target.TEST:
        return settings.PROVINCE_TEST_BASE_URL
    return settings.PROVINCE_BASE_URL


def viewer_base(target: str) -> str:
    """The record viewer of ``target``."""
    if target == Target.TEST:
        return settings.PROVINCE_TEST_VIEWER_URL
    return settings.PROVINCE_VIEWER_URL


def is_test(target: str) -> bool:
    """Counted apart (``test.*`` usage kinds)?"""
    return target == Target.TEST
