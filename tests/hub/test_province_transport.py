"""The province client on the government extranet: an outbound proxy
(``PROVINCE_PROXY_URL``) and a CA bundle (``PROVINCE_CA_BUNDLE``), and the
settings around the province (``PROVINCE_VIEWER_URL`` required in production,
``CONSENT_AT``). Real HTTP(S) to the simulator; a real forwarding proxy."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import os
import ssl
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
import urllib3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub.province import transport
from hub.province.client import ProvinceError, configure_transport, save_authorization
from hub.province.simulator.server import make_server, server_url, stop
from hub.province.simulator.state import SimState
from tests.province.support import DEMO_ORG_CODE, DEMO_ORG_NAME, ID_A

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _direct_again():
    yield
    configure_transport()  # the process-wide pool back to direct, system CAs


def _save(sim_url: str, account) -> str:
    return save_authorization(
        account,
        base_url=sim_url,
        id_number=ID_A,
        patient_name="张三",
        org_code=DEMO_ORG_CODE,
        org_name=DEMO_ORG_NAME,
        timeout=(2.0, 5.0),
    ).return_code


class _ForwardProxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.seen: list[str] = []
        super().__init__(("127.0.0.1", 0), _ProxyHandler)


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    """A plain HTTP forward proxy: the request line carries the absolute URL."""

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.server.seen.append(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {
            k: v for k, v in self.headers.items() if k.lower().startswith(("x-", "content-t"))
        }
        request = urllib.request.Request(self.path, data=body, headers=headers, method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=5) as answer:
            data, status = answer.read(), answer.status
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def proxy():
    server = _ForwardProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_calls_go_through_the_configured_proxy(province_sim, proxy):
    host, port = proxy.server_address[:2]
    configure_transport(proxy_url=f"http://{host}:{port}")
    assert _save(province_sim.url, province_sim.account) == "1"
    assert proxy.seen == [province_sim.save_url]
    assert province_sim.state.live_grant(DEMO_ORG_CODE, ID_A) is not None

    configure_transport()  # direct again: the proxy sees nothing more
    assert _save(province_sim.url, province_sim.account) == "1"
    assert len(proxy.seen) == 1


def test_a_proxy_that_is_not_http_is_refused():
    with pytest.raises(ValueError):
        configure_transport(proxy_url="socks5://127.0.0.1:1080")


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "province.pem", tmp_path / "province.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_sim(tmp_path):
    """The simulator behind TLS with a certificate no system store trusts."""
    cert, key = _self_signed(tmp_path)
    server = make_server(SimState(config_path=None))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    yield server_url(server).replace("http://", "https://"), cert, server.state
    stop(server)


def test_the_ca_bundle_is_what_the_provinces_certificate_is_checked_against(tls_sim):
    url, cert, state = tls_sim
    from tests.fixtures.province import ProvinceSim

    account = ProvinceSim(url=url, state=state).account
    with pytest.raises(ProvinceError):  # the system's CAs do not know it
        _save(url, account)
    configure_transport(ca_bundle=str(cert))
    assert _save(url, account) == "1"


def _fresh_settings(**env) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, json; django.setup(); from django.conf import settings as s; "
            "from hub.province import transport; "
            "print(json.dumps({'transport': transport._transport, 'consent_at': s.CONSENT_AT}))",
        ],
        cwd=ROOT,
        env={**keep, **env, "DJANGO_SETTINGS_MODULE": "hub.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_settings_configure_the_transport_at_start(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    result = _fresh_settings(
        HUB_VAR_DIR=str(tmp_path),
        PROVINCE_PROXY_URL="http://10.0.0.8:3128",
        PROVINCE_CA_BUNDLE=str(bundle),
        CONSENT_AT="province",
    )
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got["transport"] == {"proxy_url": "http://10.0.0.8:3128", "ca_bundle": str(bundle)}
    assert got["consent_at"] == "province"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CONSENT_AT": "anywhere"}, 'CONSENT_AT must be "hub" or "province"'),
        ({"PROVINCE_CA_BUNDLE": "/nonexistent/ca.pem"}, "is not a file"),
    ],
)
def test_bad_province_settings_stop_the_start(tmp_path, env, message):
    result = _fresh_settings(HUB_VAR_DIR=str(tmp_path), **env)
    assert result.returncode != 0 and message in result.stderr


def test_the_client_ignores_the_standard_proxy_variables(province_sim, monkeypatch):
    # A proxy in the environment would reroute calls silently: not read.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:1")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:1")
    configure_transport()
    assert _save(province_sim.url, province_sim.account) == "1"
    assert not isinstance(transport.shared_pool(), urllib3.ProxyManager)
