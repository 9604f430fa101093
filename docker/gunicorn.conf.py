"""gunicorn settings of the hub image (docker/entrypoint.sh ``web``).

Threads, not more processes: a request may wait up to PROVINCE_READ_TIMEOUT
on the province, and a waiting thread costs little memory. Every value can be
overridden from the environment.
"""

import multiprocessing
import os

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# An empty value (the line of .env.example uncommented as is) keeps the default.
workers = int(os.environ.get("GUNICORN_WORKERS") or min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then (slow leaks), at staggered moments.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Only nginx reaches this port (it is not published): trust its
# X-Forwarded-Proto so Django knows requests arrived over HTTPS.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")
# Heartbeat files in memory, not on the container's overlay filesystem.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - a fixed in-memory path, not a temp file
# The hub writes its own access line (hub.access: request id, route, status).
accesslog = None


class HubLogger(Logger):
    """gunicorn's logger, minus the access line nobody reads.

    With a ``logconfig_dict`` set (JSON logs, below) gunicorn formats every
    request's access fields and hands them to a logger without handlers, even
    with ``accesslog = None``: ~3 % of a worker's CPU on ``/api/v1/views``
    (docs/performance.md). An ``accesslog`` set here still gets its lines.
    """

    def access(self, resp, req, environ, request_time):
        if self.cfg.accesslog:
            super().access(resp, req, environ, request_time)


logger_class = HubLogger
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()

if os.environ.get("LOG_FORMAT", "json").lower() == "json":
    # gunicorn's own lines (boot, worker timeouts) as JSON too.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "hub.ops.logging.RequestIdFilter"},
            "redact": {"()": "hub.ops.logging.RedactFilter"},
        },
        "formatters": {"json": {"()": "hub.ops.logging.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_id", "redact"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {
                "handlers": ["console"],
                "level": loglevel.upper(),
                "propagate": False,
            }
        },
    }


def child_exit(server, worker):
    """Tell prometheus-client a worker is gone (its live gauges stop counting)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
