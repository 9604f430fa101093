"""The seed's own joint-test sample (§9.2.3, spec §2.3) against the simulator:
its body verbatim (stray spaces, authDays 7) with a real SM4-encrypted ID under
the demo key, signed like its shell script ($RANDOM nonce, uppercase sha256)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest

from hub.gm import sm4_encrypt_ecb_hex

from .support import DEMO_KEY, ID_A, post_signed

# The shell script's body, byte for byte, with the *** filled in; note the
# leading space before the brace and before 张三 and 1.
SEED_BODY = (
    ' {"codeAuthRec": {"authDays":7,"patientIdcard":"%s","patientName":" 张三",'
    '"orgCode":"455404482","orgName":"测试机构名称","status":" 1",'
    '"appId":"ff8080818ab5cf57018b3bb2a4af0004"}}'
)


@pytest.fixture
def seed_body() -> str:
    return SEED_BODY % sm4_encrypt_ecb_hex(DEMO_KEY, ID_A)


def test_seed_sample_is_accepted(province_sim, seed_body):
    answer = post_signed(province_sim.save_url, seed_body)
    assert answer.status_code == 200
    assert answer.json() == {"returnCode": "1", "returnDesc": "成功"}
    grant = province_sim.state.live_grant("455404482", ID_A)
    assert grant is not None
    assert round((grant.expires_at - grant.granted_at) / 86400) == 7


def test_seed_sample_replayed_is_refused(province_sim, seed_body):
    ts = int(time.time())
    assert post_signed(province_sim.save_url, seed_body, timestamp=ts, nonce="12345").ok
    again = post_signed(province_sim.save_url, seed_body, timestamp=ts, nonce="12345")
    assert again.status_code == 401
    assert again.json() == {
        "returnCode": "0",
        "returnDesc": "网关校验失败：重复请求，x-tif-nonce 已使用",
    }


def test_seed_sample_signed_with_a_wrong_token_is_refused(province_sim, seed_body):
    answer = post_signed(province_sim.save_url, seed_body, token="not-the-token")
    assert answer.status_code == 401
    assert answer.json()["returnDesc"] == "网关校验失败：签名 x-tif-signature 不正确"
    assert province_sim.state.live_grant("455404482", ID_A) is None


def test_seed_sample_ten_minutes_old_is_refused(province_sim, seed_body):
    answer = post_signed(province_sim.save_url, seed_body, timestamp=int(time.time()) - 600)
    assert answer.status_code == 401
    assert answer.json()["returnDesc"] == "网关校验失败：请求时间戳与服务器时间相差超过 180 秒"


def test_a_lowercase_signature_is_accepted(province_sim, seed_body):
    answer = post_signed(province_sim.save_url, seed_body, lower_case_signature=True)
    assert answer.json()["returnCode"] == "1"


# The seed's script, with two repairs its PDF extraction needs: every header
# gets its -H, and "$body" is quoted (unquoted, the shell splits the JSON at
# its spaces and curl posts only '{"codeAuthRec":').
SEED_SCRIPT = r"""
url="$SIM_URL"
path="/ebus/jiankangdangan/gdehr/dhccApi/codeAuthRec/save"
passid="demo-paasid"
passtoken="demo-paastoken"
body=$SEED_BODY
nonce="$RANDOM"
currentTime=$(date "+%Y-%m-%d %H:%M:%S")
currentTimestap=$(date -d "$currentTime" +%s)
sign="$currentTimestap$passtoken$nonce$currentTimestap"
signsha=$(echo -n "$sign"|sha256sum|awk ' {print toupper($1)}')
curl -s --noproxy '*' "$url$path" -H "Content-Type:application/json" -H "x-tif-timestamp:$currentTimestap" -H "x-tif-paasid:$passid" -H "x-tif-nonce:$nonce" -H "x-tif-signature:$signsha" -X POST -d "$body"
"""


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("bash", "curl", "sha256sum", "awk", "date")),
    reason="needs bash, curl and coreutils",
)
def test_the_seed_shell_script_with_curl_gets_returncode_1(province_sim, seed_body):
    result = subprocess.run(
        ["bash", "-c", SEED_SCRIPT],
        env={"PATH": "/usr/bin:/bin", "SIM_URL": province_sim.url, "SEED_BODY": seed_body},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert json.loads(result.stdout) == {"returnCode": "1", "returnDesc": "成功"}
    assert province_sim.state.live_grant("455404482", ID_A) is not None
