"""Hospitals' changes reach the operation log through ``hub.oplog``, which the
audit app connects; without it a change fails rather than going unlogged."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from audit.models import OperationLog
from hospitals.models import Hospital
from hospitals.services.registry import hospital_update
from hub import oplog


@pytest.mark.django_db
def test_a_hospital_change_writes_its_operation_row(hospital_a):
    hospital_update(actor="system:test", hospital=hospital_a, district="天河区")
    row = OperationLog.objects.filter(action="hospital.update").latest("pk")
    assert row.target_id == str(hospital_a.pk)
    assert row.after["district"] == "天河区"


@pytest.mark.django_db
def test_without_the_audit_writer_the_change_is_refused(hospital_a, monkeypatch):
    monkeypatch.setattr(oplog, "_writer", None)
    with pytest.raises(ImproperlyConfigured):
        hospital_update(actor="system:test", hospital=hospital_a, district="越秀区")
    assert Hospital.objects.get(pk=hospital_a.pk).district != "越秀区"
