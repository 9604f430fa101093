"""Prometheus metrics of the hub.

Other modules import the metric objects below and increment them; nothing
here imports from the apps. Label values must come from small fixed sets (an
org code, a route pattern, an error code), never from free text or personal
data.

    from hub.ops.metrics import PROVINCE_CALLS, PROVINCE_LATENCY
    PROVINCE_CALLS.labels(interface="codeAuthRec/save", outcome="ok").inc()
    PROVINCE_LATENCY.labels(interface="codeAuthRec/save").observe(seconds)

Under gunicorn (several worker processes) set ``PROMETHEUS_MULTIPROC_DIR`` to
an empty, writable directory *before* the processes start: every process then
writes its samples there and :func:`render` adds them up. Without it, each
process only reports its own counts (fine for ``runserver`` and tests).

Two families are computed when scraped instead of counted: the Celery queue
depth (Redis ``LLEN`` of each queue when the broker is Redis) and the
complaint backlog (open complaints by state, once the complaints app exists).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

# The *_created series double the output and no dashboard reads them.
disable_created_metrics()

HTTP_REQUESTS = Counter(
    "hub_http_requests",
    "HTTP requests served, by calling hospital, route pattern, method and outcome.",
    ["hospital", "endpoint", "method", "outcome"],
)
HTTP_LATENCY = Histogram(
    "hub_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern and method.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
PROVINCE_CALLS = Counter(
    "hub_province_calls",
    "Calls to the provincial system, by interface and outcome "
    "(ok, business_error, transient, permanent...).",
    ["interface", "outcome"],
)
PROVINCE_LATENCY = Histogram(
    "hub_province_call_duration_seconds",
    "Time of a call to the provincial system, by interface.",
    ["interface"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0),
)
SMS_SENDS = Counter(
    "hub_sms_sends",
    "SMS messages handed to a sender backend, by backend and outcome.",
    ["backend", "outcome"],
)
PATIENT_BLOCKS = Counter(
    "hub_patient_blocks",
    "Patients whose verification requests were blocked for a day after too many failed "
    "verifications across hospitals (someone may be guessing their codes).",
)
SMS_REFUSALS = Counter(
    "hub_sms_refusals",
    "SMS not sent because the hub (cooldown, per-phone caps, bad number) or the provider "
    "refused, by reason (the identity errorCode in lower case).",
    ["reason"],
)

# Counters and histograms declared here, for tests and documentation.
METRIC_NAMES = (
    "hub_http_requests_total",
    "hub_http_request_duration_seconds",
    "hub_province_calls_total",
    "hub_province_call_duration_seconds",
    "hub_sms_sends_total",
    "hub_sms_refusals_total",
    "hub_celery_queue_length",
    "hub_complaint_backlog",
)

OPEN_COMPLAINT_EXCLUDED_STATES = ("resolved", "closed")


@contextmanager
def province_call(interface: str) -> Iterator[dict]:
    """Time a province call and count it; set ``outcome`` in the yielded dict.

        with province_call("codeAuthRec/save") as call:
            ...
            call["outcome"] = "ok"

    An exception leaving the block counts as ``error`` unless an outcome was set.
    """
    call: dict = {"outcome": None}
    started = time.perf_counter()
    try:
        yield call
    except BaseException:
        call["outcome"] = call["outcome"] or "error"
        raise
    finally:
        PROVINCE_LATENCY.labels(interface=interface).observe(time.perf_counter() - started)
        PROVINCE_CALLS.labels(interface=interface, outcome=call["outcome"] or "ok").inc()


# --- computed at scrape time -----------------------------------------------------


def _queue_names() -> list[str]:
    from hub.celery import app

    conf = app.conf
    names = {conf.task_default_queue or "celery"}
    for queue in conf.task_queues or ():
        names.add(getattr(queue, "name", str(queue)))
    routes = conf.task_routes
    if isinstance(routes, dict):
        for route in routes.values():
            if isinstance(route, dict) and route.get("queue"):
                names.add(str(route["queue"]))
    return sorted(names)


class CeleryQueueCollector:
    """``hub_celery_queue_length{queue}``: messages waiting in each Redis queue."""

    def collect(self):
        from django.conf import settings

        url = getattr(settings, "CELERY_BROKER_URL", "") or ""
        if urlsplit(url).scheme not in ("redis", "rediss"):
            return  # eager (no broker) or a broker we cannot cheaply measure
        family = GaugeMetricFamily(
            "hub_celery_queue_length", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        try:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
            try:
                for name in _queue_names():
                    family.add_metric([name], float(client.llen(name)))
            finally:
                client.close()
        except Exception as exc:  # the scrape must not fail because the broker is down
            logger.warning("queue depth unavailable: %s", exc.__class__.__name__)
            return
        yield family


class ComplaintBacklogCollector:
    """``hub_complaint_backlog{state}``: complaints not yet resolved or closed.

    Looked up by name so that nothing imports the complaints app; absent until
    that app defines its ``Complaint`` model with a ``state`` field.
    """

    def collect(self):
        from django.apps import apps
        from django.db.models import Count

        try:
            model = apps.get_model("complaints", "Complaint")
        except LookupError:
            return
        family = GaugeMetricFamily(
            "hub_complaint_backlog", "Open complaints, by state.", labels=["state"]
        )
        try:
            rows = (
                model.objects.exclude(state__in=OPEN_COMPLAINT_EXCLUDED_STATES)
                .values_list("state")
                .annotate(n=Count("pk"))
                .order_by()
            )
            for state, count in rows:
                family.add_metric([str(state)], float(count))
        except Exception as exc:
            logger.warning("complaint backlog unavailable: %s", exc.__class__.__name__)
            return
        yield family


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def counted_registry() -> CollectorRegistry:
    """The counters and histograms: summed over processes in multiprocess mode."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CeleryQueueCollector())
    registry.register(ComplaintBacklogCollector())
    return registry


def render() -> tuple[bytes, str]:
    """The exposition text of every metric and its content type."""
    body = generate_latest(counted_registry()) + generate_latest(scrape_registry())
    return body, CONTENT_TYPE_LATEST


# --- Alerts (docs/alerts.md) --------------------------------------------------------
ALERTS = Counter(
    "hub_alerts",
    "Security alerts raised for the city to act on, by rule (alerts.models.Rule).",
    ["rule"],
)
