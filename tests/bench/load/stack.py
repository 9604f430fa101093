"""The system under load: a fresh PostgreSQL database and Redis db, the
province simulator and the hub under gunicorn, each in its own process on a
free loopback port; and the CPU each of them used.

The hub runs with production settings (``HUB_ENV=production``: DEBUG off,
JSON logs, secrets from the environment, fresh random ones per run) at
``LOG_LEVEL=WARNING``, with the image's own gunicorn settings
(``docker/gunicorn.conf.py``) except for worker recycling, which is off so no
worker restarts in the middle of a measurement. The demo data is seeded with
``HUB_ENV=test`` (``seed_demo`` is refused in production) into the same
database under the same keys.

The per-hospital throttle stays in the request path (its Redis round trip is
part of the cost measured) with a rate no bench reaches:
``HOSPITAL_THROTTLE_DEFAULT_RATE`` = ``THROTTLE_RATE``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[3]
THROTTLE_RATE = "6000000/min"


def free_port() -> int:
    """A port the kernel considers free now (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class StackConfig:
    database_url: str  # any database on the PostgreSQL server to use
    redis_url: str  # the Redis server; the db number is ``redis_db``
    redis_db: int = 15
    db_name: str = "hub_loadbench"
    workers: int = 2
    threads: int = 16
    worker_class: str = "gthread"
    latency_ms: float = 20.0
    var_dir: Path = field(default_factory=lambda: BASE_DIR / "var" / "load-bench")


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.procs: dict[str, subprocess.Popen] = {}
        self.sim_port = free_port()
        self.hub_port = free_port()
        self.sim_url = f"http://127.0.0.1:{self.sim_port}"
        self.hub_url = f"http://127.0.0.1:{self.hub_port}"
        pg = urlsplit(config.database_url)
        self.admin_db_url = urlunsplit(pg._replace(path="/postgres"))
        self.db_url = urlunsplit(pg._replace(path="/" + config.db_name))
        redis = urlsplit(config.redis_url)
        self.redis_url = urlunsplit(redis._replace(path=f"/{config.redis_db}"))
        self.secrets = {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "HUB_MASTER_KEY": secrets.token_hex(16),
            "HUB_DIGEST_KEY": secrets.token_hex(16),
        }

    # -- environment -------------------------------------------------------------------
    def env(self, *, production: bool) -> dict[str, str]:
        var = self.config.var_dir
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "HUB_", "PROVINCE_", "GUNICORN_", "CELERY_"))
            and k not in ("DATABASE_URL", "REDIS_URL", "DEBUG", "LOG_LEVEL", "LOG_FORMAT")
        }
        env.update(self.secrets)
        env.update(
            {
                "HUB_ENV": "production" if production else "test",
                "HUB_VAR_DIR": str(var),
                "DATABASE_URL": self.db_url,
                "REDIS_URL": self.redis_url,
                "CELERY_BROKER_URL": self.redis_url,
                "PROVINCE_BASE_URL": self.sim_url,
                "PROVINCE_VIEWER_URL": self.sim_url + "/ebus/jiankangdangan/gdehr/viewer",
                "PROVINCE_SIM_CONFIG": str(var / "province-sim.json"),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DEBUG": "false",
                "LOG_LEVEL": "WARNING",
                "LOG_FORMAT": "json",
                "HOSPITAL_THROTTLE_DEFAULT_RATE": THROTTLE_RATE,
                # Load, not the city's daily cap on mode-1 grants, is measured.
                "MODE1_DAILY_CAP": "100000000",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        if production:
            metrics = var / "metrics"
            env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        return env

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        var = self.config.var_dir
        shutil.rmtree(var, ignore_errors=True)
        (var / "metrics").mkdir(parents=True)
        self._fresh_database()
        self._flush_redis()
        self._manage("migrate", "--no-input", "-v0")
        self._start_simulator()
        self._manage("seed_demo")
        self._start_hub()

    def stop(self) -> None:
        for name in ("hub", "simulator"):
            proc = self.procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)

    def _fresh_database(self) -> None:
        import psycopg

        name = self.config.db_name
        with psycopg.connect(self.admin_db_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

    def _flush_redis(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            client.flushdb()
        finally:
            client.close()

    def _manage(self, *args: str) -> None:
        log = self.config.var_dir / "manage.log"
        with log.open("ab") as out:
            result = subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=BASE_DIR,
                env=self.env(production=False),
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=120,
                check=False,
            )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed; see {log}")

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log = (self.config.var_dir / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
            argv, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def _start_simulator(self) -> None:
        env = self.env(production=False)
        env["PROVINCE_SIM_LATENCY_MS"] = f"{self.config.latency_ms:g}"
        self._spawn(
            "simulator",
            [sys.executable, "manage.py", "run_province", "--port", str(self.sim_port)],
            env,
        )
        self._wait_http("simulator", self.sim_url + "/")

    def _start_hub(self) -> None:
        env = self.env(production=True)
        env.update(
            {
                "GUNICORN_BIND": f"127.0.0.1:{self.hub_port}",
                "GUNICORN_WORKERS": str(self.config.workers),
                # gunicorn turns a sync worker with threads > 1 into gthread.
                "GUNICORN_THREADS": str(
                    self.config.threads if self.config.worker_class == "gthread" else 1
                ),
                # No worker recycling in the middle of a measurement.
                "GUNICORN_MAX_REQUESTS": "0",
            }
        )
        argv = [sys.executable, "-m", "gunicorn", "-c", "docker/gunicorn.conf.py"]
        if self.config.worker_class != "gthread":
            argv += ["-k", self.config.worker_class]
        self._spawn("hub", [*argv, "hub.wsgi:application"], env)
        self._wait_http("hub", self.hub_url + "/healthz")
        # Every worker imports the app lazily: touch them all before measuring.
        for _ in range(4 * self.config.workers):
            self._wait_http("hub", self.hub_url + "/healthz", budget=5)

    def _wait_http(self, name: str, url: str, budget: float = 30.0) -> None:
        deadline = time.monotonic() + budget
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while True:
            proc = self.procs[name]
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited ({proc.returncode}); see {self.log_path(name)}")
            try:
                with opener.open(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer {url}; see {self.log_path(name)}")
            time.sleep(0.2)

    def log_path(self, name: str) -> Path:
        return self.config.var_dir / f"{name}.log"

    # -- measurements ------------------------------------------------------------------
    def watch(self) -> dict:
        """What the load process should measure the CPU of (``procstat.snapshot``)."""
        parts = {"hub": [self.procs["hub"].pid], "simulator": [self.procs["simulator"].pid]}
        redis_pid = self.redis_pid()
        if redis_pid:
            parts["redis"] = [redis_pid]
        return {"parts": parts, "postgres": self.config.db_name}

    def redis_pid(self) -> int | None:
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            return int(client.info("server")["process_id"])
        except Exception:
            return None
        finally:
            client.close()

    def count_log_lines(self, name: str, *needles: str) -> int:
        try:
            text = self.log_path(name).read_text(errors="replace")
        except OSError:
            return 0
        return sum(1 for line in text.splitlines() if any(n in line for n in needles))

    # -- the hub's own record of its province calls --------------------------------------

    def last_call_id(self) -> int:
        import psycopg

        with psycopg.connect(self.db_url) as conn:
            return conn.execute("SELECT coalesce(max(id), 0) FROM audit_calllog").fetchone()[0]

    def province_latencies(self, after_id: int) -> list[float]:
        """The latency of each province call since ``after_id`` as the hub's
        province client timed it (the call-log rows): the part of a relayed
        call that is the province's, seen from the hub."""
        import psycopg

        with psycopg.connect(self.db_url) as conn:
            rows = conn.execute(
                "SELECT latency_ms FROM audit_calllog WHERE id > %s",
                [after_id],
            ).fetchall()
        return [row[0] for row in rows]
