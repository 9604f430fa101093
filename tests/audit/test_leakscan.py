"""The leak scanner finds planted values and stays quiet on masked logs."""

import logging

import pytest

from audit.leakscan import scan
from audit.models import OperationLog
from audit.services import call_log_record, operation_log_record

ID_NUMBER = "440106199003071231"
PHONE = "13800138000"


def test_finds_a_value_planted_in_a_log_table(db):
    OperationLog.objects.create(
        actor_type="task", action="x", after={"note": f"patient {ID_NUMBER}"}
    )

    findings = scan([ID_NUMBER])

    assert len(findings) == 1
    assert findings[0].where == "audit_operationlog"
    assert findings[0].column == "after"
    assert ID_NUMBER not in str(findings[0])


def test_finds_a_value_in_log_output_and_files(db, caplog, tmp_path):
    planted = "planted-record-content-42"
    logging.getLogger("somewhere").warning("carried %s", planted)
    logfile = tmp_path / "hub.log"
    logfile.write_text(f"phone={PHONE}\n")

    findings = scan([PHONE, planted], log_text=caplog.text, files=[logfile])

    assert {f.where for f in findings} == {"log output", str(logfile)}


def test_masked_records_do_not_leak(db, leak_scan):
    operation_log_record(
        actor="patient:" + "ab" * 32,
        action="authorization.revoke",
        target="authorization:9",
        before={"idcard": ID_NUMBER, "phone": PHONE, "sms_code": "482913"},
        after={"remark": f"called {PHONE} about {ID_NUMBER}"},
    )
    call_log_record(
        interface="codeAuthRec/save",
        http_status=200,
        return_code="0",
        return_desc=f"身份证号 {ID_NUMBER} 不存在",
        latency_ms=12.0,
        attempt=1,
    )

    leak_scan([ID_NUMBER, PHONE, "482913"])


def test_short_values_are_refused(db):
    with pytest.raises(ValueError):
        scan(["123"])
