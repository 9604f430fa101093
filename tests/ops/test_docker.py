"""The deployment files: the compose file validates, the image is lean and unprivileged.

No Docker engine runs here: ``docker compose config`` (or Debian's
``docker-compose config``) validates and resolves the file without one.
"""

import os
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "compose.yaml"
SERVICES = {"postgres", "redis", "migrate", "web", "worker", "beat", "nginx"}
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)")


def compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=30
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


@pytest.fixture(scope="module")
def compose():
    command = compose_command()
    if command is None:
        pytest.skip(
            "neither `docker compose` nor `docker-compose` is installed "
            "(scripts/sysdeps.sh installs Debian's docker-compose)"
        )
    return command


def compose_variables() -> set[str]:
    return set(VARIABLE.findall(COMPOSE.read_text()))


def write_env(path: Path, **overrides) -> Path:
    values = {name: f"dummy-{name.lower()}" for name in compose_variables()}
    values.update(
        HUB_ENV_FILE=str(path),
        HUB_API_SERVER_NAME="hub.example.gov.cn",
        HUB_ADMIN_SERVER_NAME="hub-admin.internal",
        HUB_PROXY_SUBNET="172.30.10.0/24",
        HUB_PUBLIC_BIND="192.0.2.10",
        HUB_ADMIN_BIND="10.1.2.3",
        HUB_HTTP_PORT="80",
        HUB_HTTPS_PORT="443",
        HUB_ADMIN_PORT="8443",
        HUB_TLS_DIR="./certs",
        HUB_IMAGE="cityhub:test",
        HUB_NGINX_IMAGE="cityhub-nginx:test",
    )
    values.update(overrides)
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items() if v is not None))
    return path


def run_config(compose, env_file: Path) -> subprocess.CompletedProcess:
    # A clean environment: variables of the shell must not stand in for the file's.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(env_file.parent)}
    return subprocess.run(
        [*compose, "--env-file", str(env_file), "-f", str(COMPOSE), "config"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=DOCKER,
    )


@pytest.fixture(scope="module")
def resolved(compose, tmp_path_factory):
    env_file = write_env(tmp_path_factory.mktemp("compose") / "hub.env")
    result = run_config(compose, env_file)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_defines_the_production_stack(resolved):
    assert set(resolved["services"]) == SERVICES
    assert resolved["services"]["postgres"]["image"].startswith("postgres:15")
    assert resolved["services"]["redis"]["image"].startswith("redis:7")
    commands = {
        name: resolved["services"][name]["command"] for name in ("web", "worker", "beat", "migrate")
    }
    assert commands == {
        "web": ["web"],
        "worker": ["worker"],
        "beat": ["beat"],
        "migrate": ["migrate"],
    }


def test_web_waits_for_migrations(resolved):
    depends = resolved["services"]["web"]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert depends["postgres"]["condition"] == "service_healthy"


def test_the_admin_listener_is_bound_to_the_internal_address(resolved):
    ports = resolved["services"]["nginx"]["ports"]
    published = {str(p.get("target")): p for p in ports} if isinstance(ports[0], dict) else None
    text = str(ports)
    assert "10.1.2.3" in text  # HUB_ADMIN_BIND
    if published:
        assert published["8443"]["host_ip"] == "10.1.2.3"
        assert published["443"]["host_ip"] == "192.0.2.10"
    else:
        assert "10.1.2.3:8443:8443" in text


def test_only_nginx_publishes_ports_and_the_data_network_is_internal(resolved):
    for name in SERVICES - {"nginx"}:
        assert not resolved["services"][name].get("ports"), name
    assert resolved["networks"]["data"]["internal"] is True
    assert set(resolved["services"]["postgres"]["networks"]) == {"data"}


def test_the_web_tier_serves_admin_only_on_the_admin_host(resolved):
    env = resolved["services"]["web"]["environment"]
    assert env["ADMIN_HOSTS"] == "hub-admin.internal"
    assert env["HUB_ENV"] == "production"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["CELERY_BROKER_URL"].startswith("redis://")
    assert env["TRUSTED_PROXIES"] == "172.30.10.0/24"


def test_a_missing_secret_stops_compose_with_its_name(compose, tmp_path):
    env_file = write_env(tmp_path / "hub.env", POSTGRES_PASSWORD=None)
    result = run_config(compose, env_file)
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr + result.stdout


def test_env_example_lists_every_variable_compose_uses():
    example = (ROOT / ".env.example").read_text()
    missing = [
        v for v in sorted(compose_variables()) if not re.search(rf"^#? ?{v}=", example, re.M)
    ]
    assert missing == []


def _final_stage(dockerfile: str) -> str:
    stages = re.split(r"^FROM\s", dockerfile, flags=re.M)
    return stages[-1]


def test_the_final_image_runs_unprivileged_without_compilers():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    final = _final_stage(dockerfile)
    assert final.startswith("${PYTHON_IMAGE} AS runtime")
    assert "python:3.11-slim-bookworm" in dockerfile
    users = re.findall(r"^USER\s+(\S+)", final, re.M)
    assert users, "the final stage sets no USER"
    assert users[-1].split(":")[0] not in ("root", "0")
    installs = " ".join(re.findall(r"apt-get install[^\n&]*", final))
    for tool in ("build-essential", "gcc", "g++", "make", "gettext"):
        assert not re.search(rf"(?<![\w-]){re.escape(tool)}(?![\w-])", installs), tool
    assert "fonts-noto-cjk" in installs
    assert "/healthz" in final and "HEALTHCHECK" in final


def test_the_builder_compiles_messages_and_collects_static():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    builder = re.split(r"^FROM\s", dockerfile, flags=re.M)[1]
    assert "AS builder" in builder
    assert "compilemessages" in builder and "collectstatic" in builder
    assert "build-essential" in builder


def test_nginx_keeps_admin_and_metrics_off_the_public_listener():
    template = (DOCKER / "nginx" / "hub.conf.template").read_text()
    public = template.split("server_name ${HUB_API_SERVER_NAME};")[1].split("\nserver {")[0]
    assert "location /admin/ { return 404; }" in public
    assert "location = /metrics { return 404; }" in public
    assert "listen 8443 ssl;" in template


def test_the_entrypoint_and_gunicorn_settings_load():
    subprocess.run(["sh", "-n", str(DOCKER / "entrypoint.sh")], check=True, timeout=30)
    assert os.access(DOCKER / "entrypoint.sh", os.X_OK)
    config = runpy.run_path(str(DOCKER / "gunicorn.conf.py"))
    assert config["bind"] == "0.0.0.0:8000"
    assert config["worker_class"] == "gthread"
    assert callable(config["child_exit"])
