"""The simulator's ``/_sim/`` doors, its config file, faults from the
environment, and ``manage.py run_province``."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from hub.gm import sm3_hex
from hub.province.client import save_authorization
from hub.province.simulator.app import make_app
from hub.province.simulator.config import register_org
from hub.province.simulator.state import Faults, SimState

from .support import DEMO_ORG_CODE, DEMO_ORG_NAME, ID_A, post_signed, record

ROOT = Path(__file__).resolve().parents[2]


def control(sim, **body) -> requests.Response:
    return requests.post(sim.url + "/_sim/control", json=body, timeout=5)


def test_control_sets_faults_over_http(province_sim):
    answer = control(province_sim, fail_rate=1, latency_ms=0)
    assert answer.status_code == 200 and answer.json()["faults"]["fail_rate"] == 1.0
    assert post_signed(province_sim.save_url, record()).status_code == 503
    assert control(province_sim, reset=True).json()["faults"]["fail_rate"] == 0.0
    assert post_signed(province_sim.save_url, record()).json()["returnCode"] == "1"


@pytest.mark.parametrize(
    "body",
    [
        {"fail_rate": 2},
        {"fail_rate": "often"},
        {"latency_ms": -1},
        {"hang_seconds": 10_000},
        {"malformed": "maybe"},
        {"unknown": 1},
        {"orgs": {"": "x"}},
        {"accounts": [{"paasid": "x"}]},
        {
            "accounts": [
                {
                    **dict.fromkeys(["paasid", "paastoken", "app_id", "call_sys_code"], "x"),
                    "sm4_key": "short",
                }
            ]
        },
        {"seed": "x"},
    ],
)
def test_control_refuses_bad_values_and_changes_nothing(province_sim, body):
    answer = control(province_sim, **body)
    assert answer.status_code == 400 and answer.json()["error"]
    assert province_sim.state.current_faults() == Faults()
    assert list(province_sim.state.orgs) == [DEMO_ORG_CODE]


def test_control_registers_orgs_and_accounts(province_sim):
    account = {
        "paasid": "city-2",
        "paastoken": "tok-2",
        "sm4_key": "fedcba98765432100123456789abcdef",
        "app_id": "app-2",
        "call_sys_code": "c2",
    }
    body = control(province_sim, orgs={"455404483": "演示第二医院"}, accounts=[account]).json()
    assert body["orgs"]["455404483"] == "演示第二医院" and "city-2" in body["accounts"]
    assert "tok-2" not in json.dumps(body)
    assert province_sim.state.account("city-2").app_id == "app-2"


def test_authorizations_summary_shows_digests_never_ids(province_sim):
    save_authorization(
        province_sim.account,
        base_url=province_sim.url,
        id_number=ID_A,
        patient_name="张三",
        org_code=DEMO_ORG_CODE,
        org_name=DEMO_ORG_NAME,
    )
    response = requests.get(province_sim.url + "/_sim/authorizations", timeout=5)
    assert ID_A not in response.text
    body = response.json()
    assert body["live"] == 1 and body["counts"]["save.granted"] == 1
    assert body["grants"][0]["patient_sm3"] == sm3_hex(ID_A)
    assert body["grants"][0]["org_code"] == DEMO_ORG_CODE


def call(app, path: str, remote: str, method: str = "GET") -> int:
    statuses = []
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "REMOTE_ADDR": remote,
        "wsgi.input": io.BytesIO(b""),
    }
    app(environ, lambda status, headers: statuses.append(int(status[:3])))
    return statuses[0]


@pytest.mark.parametrize("remote", ["10.0.0.5", "192.168.1.2", "2001:db8::1", ""])
def test_sim_paths_refuse_non_loopback_clients(remote):
    app = make_app(SimState())
    for path in ("/_sim/health", "/_sim/control", "/_sim/authorizations"):
        assert call(app, path, remote) == 403


@pytest.mark.parametrize("remote", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_sim_paths_answer_loopback_clients(remote):
    assert call(make_app(SimState()), "/_sim/health", remote) == 200


def test_config_file_adds_accounts_and_orgs(tmp_path):
    config = tmp_path / "sim.json"
    config.write_text(
        json.dumps(
            {
                "accounts": [
                    {
                        "paasid": "city",
                        "paastoken": "t",
                        "sm4_key": "fedcba98765432100123456789abcdef",
                        "app_id": "a",
                        "call_sys_code": "c",
                    }
                ],
                "orgs": {"1": "一院"},
            }
        ),
        encoding="utf-8",
    )
    state = SimState(config)
    assert set(state.accounts) == {"demo-paasid", "city"}
    assert state.orgs == {DEMO_ORG_CODE: DEMO_ORG_NAME, "1": "一院"}


def test_register_org_writes_the_file_and_tells_the_running_simulator(province_sim, tmp_path):
    config = tmp_path / "sub" / "sim.json"
    assert register_org(config, "455404483", "演示第二医院", sim_url=province_sim.url) is True
    assert json.loads(config.read_text(encoding="utf-8"))["orgs"] == {"455404483": "演示第二医院"}
    assert province_sim.state.org_name("455404483") == "演示第二医院"
    # Idempotent, and a second org keeps the first.
    register_org(config, "455404484", "三院", sim_url=province_sim.url)
    register_org(config, "455404483", "演示第二医院", sim_url=province_sim.url)
    assert set(json.loads(config.read_text(encoding="utf-8"))["orgs"]) == {"455404483", "455404484"}
    # A fresh simulator started on that file knows both.
    assert set(SimState(config).orgs) == {DEMO_ORG_CODE, "455404483", "455404484"}


def test_register_org_uses_settings_and_never_posts_off_loopback(province_sim, tmp_path, settings):
    assert register_org(tmp_path / "a.json", "7", "七院") is True  # settings point at the sim
    assert province_sim.state.org_name("7") == "七院"
    settings.PROVINCE_BASE_URL = "https://yyzc.gdgov.cn"
    assert register_org(tmp_path / "a.json", "8", "八院") is False
    assert json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["orgs"]["8"] == "八院"


def test_register_org_without_a_running_simulator_only_writes(tmp_path):
    assert register_org(tmp_path / "b.json", "9", "九院", sim_url="http://127.0.0.1:9") is False
    assert (tmp_path / "b.json").exists()


def test_faults_from_environment():
    faults = Faults.from_env(
        {
            "PROVINCE_SIM_LATENCY_MS": "20",
            "PROVINCE_SIM_FAIL_RATE": "0.25",
            "PROVINCE_SIM_BUSINESS_FAIL": "true",
            "PROVINCE_SIM_MALFORMED": "0",
            "PROVINCE_SIM_HANG_SECONDS": "",
        }
    )
    assert faults == Faults(latency_ms=20, fail_rate=0.25, business_fail=True)
    with pytest.raises(ValueError):
        Faults.from_env({"PROVINCE_SIM_FAIL_RATE": "lots"})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_run_province_command_serves_with_config_and_env_faults(tmp_path):
    config = tmp_path / "sim.json"
    config.write_text(json.dumps({"orgs": {"455404483": "演示第二医院"}}), encoding="utf-8")
    port = _free_port()
    env = {
        **os.environ,
        "PROVINCE_SIM_CONFIG": str(config),
        "PROVINCE_SIM_BUSINESS_FAIL": "1",
        "DJANGO_SETTINGS_MODULE": "hub.settings",
        # The viewer answers where PROVINCE_VIEWER_URL says, not at a fixed path.
        "PROVINCE_VIEWER_URL": f"http://127.0.0.1:{port}/records/view",
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_province", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                snapshot = requests.get(url + "/_sim/control", timeout=1).json()
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert snapshot["orgs"]["455404483"] == "演示第二医院"
        assert snapshot["faults"]["business_fail"] is True
        answer = post_signed(url + "/ebus/jiankangdangan/gdehr/dhccApi/codeAuthRec/save", record())
        assert answer.json() == {
            "returnCode": "0",
            "returnDesc": "模拟故障：业务处理失败，请稍后重试",
        }
        # A request to the configured viewer path reaches the viewer (a bad
        # param is refused by it), the default path is not served.
        viewer = requests.get(url + "/records/view?param=zz&appId=x", timeout=5)
        assert viewer.status_code in (400, 403) and "text/html" in viewer.headers["Content-Type"]
        default = requests.get(url + "/ebus/jiankangdangan/gdehr/viewer?param=zz", timeout=5)
        assert default.status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def test_root_page_describes_the_simulator(province_sim):
    page = requests.get(province_sim.url + "/", timeout=5)
    assert page.status_code == 200
    assert "codeAuthRec/save" in page.text and "455404482" in page.text
