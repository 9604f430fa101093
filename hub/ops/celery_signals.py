"""Celery wiring of the operations layer (connected from ``hub/celery.py``).

- The request id travels with a task: ``before_task_publish`` copies the
  current id into the message headers (``hub_request_id``) and
  ``task_prerun`` restores it in the worker, so the task's log lines and its
  province call carry the id of the HTTP request that queued it. A task queued
  outside a request (beat) runs under its own task id.
- Workers keep Django's ``LOGGING`` (JSON in production) instead of Celery's own.
- With ``PROMETHEUS_MULTIPROC_DIR`` and ``WORKER_METRICS_PORT`` set, the worker's
  main process serves the pool's metrics on that port for Prometheus.
"""

from __future__ import annotations

import logging
import os

from celery import signals

from hub.context import bind_request_id, current_request_id, reset_request_id, sane_request_id

logger = logging.getLogger(__name__)

HEADER = "hub_request_id"
_CONTEXT_ATTR = "_hub_request_id_context"


@signals.before_task_publish.connect(weak=False, dispatch_uid="hub.ops.request_id.publish")
def add_request_id_header(headers=None, **kwargs) -> None:
    request_id = current_request_id()
    if request_id and headers is not None and HEADER not in headers:
        headers[HEADER] = request_id


def _request_id_of(task) -> str | None:
    request = getattr(task, "request", None)
    if request is None:
        return None
    value = getattr(request, HEADER, None)
    if not value:
        value = (getattr(request, "headers", None) or {}).get(HEADER)
    return sane_request_id(value)


@signals.task_prerun.connect(weak=False, dispatch_uid="hub.ops.request_id.prerun")
def restore_request_id(task_id=None, task=None, **kwargs) -> None:
    request_id = _request_id_of(task)
    if request_id is None:
        if current_request_id():
            return  # an eager task inside a request: it already has the id
        request_id = sane_request_id(task_id) or None
    if request_id and task is not None and task.request is not None:
        setattr(task.request, _CONTEXT_ATTR, bind_request_id(request_id))


@signals.task_postrun.connect(weak=False, dispatch_uid="hub.ops.request_id.postrun")
def clear_request_id(task=None, **kwargs) -> None:
    request = getattr(task, "request", None)
    token = getattr(request, _CONTEXT_ATTR, None) if request is not None else None
    if token is not None:
        try:
            reset_request_id(token)
        except ValueError:  # set in another context (should not happen): just clear
            bind_request_id(None)
        setattr(request, _CONTEXT_ATTR, None)


@signals.setup_logging.connect(weak=False, dispatch_uid="hub.ops.logging")
def keep_django_logging(**kwargs) -> None:
    """Connected so that Celery leaves logging alone: the worker runs
    ``django.setup()``, which already applied ``settings.LOGGING``."""


@signals.worker_ready.connect(weak=False, dispatch_uid="hub.ops.metrics.exporter")
def start_metrics_exporter(**kwargs) -> None:
    port = int(os.environ.get("WORKER_METRICS_PORT") or 0)
    if not port or not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(port, registry=registry)
    logger.info("worker metrics on port %s", port)


@signals.worker_process_shutdown.connect(weak=False, dispatch_uid="hub.ops.metrics.dead")
def forget_dead_process(**kwargs) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())
