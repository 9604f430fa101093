"""Back-office personas for the audit tests."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from hospitals.models import HospitalOperator
from hospitals.roles import CITY_ADMIN, HOSPITAL_OPERATOR, roles_sync


def verified_client(user) -> Client:
    """A logged-in admin session that also passed the TOTP step."""
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _staff(username: str, group: str, **fields) -> User:
    roles_sync()
    user = User.objects.create_user(username, password="pw-123456789", is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def city_admin(db):
    return _staff("city-admin", CITY_ADMIN, email="city-admin@example.org")


@pytest.fixture
def operator_a(hospital_a):
    user = _staff("operator-a", HOSPITAL_OPERATOR)
    HospitalOperator.objects.create(user=user, hospital=hospital_a)
    return user


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Report files go to a fresh directory per test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
