"""Back-office personas for the hospitals tests."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from hospitals.models import HospitalOperator
from hospitals.roles import CITY_ADMIN, CITY_AUDITOR, HOSPITAL_OPERATOR, roles_sync


def verified_client(user) -> Client:
    """A logged-in session that also passed the TOTP step."""
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _staff(username: str, group: str) -> User:
    roles_sync()
    user = User.objects.create_user(username, password="pw-123456789", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def city_admin(db):
    return _staff("city-admin", CITY_ADMIN)


@pytest.fixture
def city_auditor(db):
    return _staff("city-auditor", CITY_AUDITOR)


@pytest.fixture
def operator_a(hospital_a):
    user = _staff("operator-a", HOSPITAL_OPERATOR)
    HospitalOperator.objects.create(user=user, hospital=hospital_a)
    return user
