"""The request id travels with a Celery task and comes back in the worker."""

from types import SimpleNamespace

import pytest
from celery import Celery
from celery.app.task import Context

from hub.celery import app as hub_app
from hub.context import bind_request_id, current_request_id, reset_request_id
from hub.ops import celery_signals


@pytest.fixture
def in_request():
    token = bind_request_id("req-from-http")
    yield "req-from-http"
    reset_request_id(token)


@hub_app.task(name="tests.ops.echo_request_id")
def echo_request_id():
    return current_request_id()


def test_publishing_puts_the_request_id_in_the_headers(in_request):
    headers = {"task": "x", "id": "1"}
    celery_signals.add_request_id_header(headers=headers)
    assert headers[celery_signals.HEADER] == "req-from-http"


def test_publishing_outside_a_request_adds_nothing():
    headers = {}
    celery_signals.add_request_id_header(headers=headers)
    assert headers == {}


def test_a_published_message_carries_the_header(in_request):
    """Through a real (in-memory) broker: before_task_publish is wired."""
    app = Celery("ops-test", broker="memory://", set_as_current=False)

    @app.task(name="tests.ops.noop")
    def noop():
        return None

    noop.apply_async()
    with app.connection_for_read() as conn:
        message = conn.SimpleQueue("celery").get(timeout=2)
        headers = message.headers
        message.ack()
    assert headers[celery_signals.HEADER] == "req-from-http"


def _worker_task(request: Context):
    return SimpleNamespace(request=request)


def test_the_worker_restores_the_id_and_clears_it_afterwards():
    task = _worker_task(Context({"id": "task-1", celery_signals.HEADER: "req-queued"}))
    celery_signals.restore_request_id(task_id="task-1", task=task)
    assert current_request_id() == "req-queued"
    celery_signals.clear_request_id(task=task)
    assert current_request_id() is None


def test_a_task_without_a_header_runs_under_its_own_id():
    task_id = "5f0c1d9e-7a64-4c53-9a52-0f6f3b7d1e20"
    task = _worker_task(Context({"id": task_id}))
    celery_signals.restore_request_id(task_id=task_id, task=task)
    assert current_request_id() == task_id
    celery_signals.clear_request_id(task=task)
    assert current_request_id() is None


def test_a_forged_header_is_not_trusted():
    task = _worker_task(Context({"id": "t-2", celery_signals.HEADER: "bad id\nforged"}))
    celery_signals.restore_request_id(task_id="t-2", task=task)
    assert current_request_id() == "t-2"
    celery_signals.clear_request_id(task=task)


def test_an_eager_task_inside_a_request_sees_the_request_id(in_request):
    assert echo_request_id.apply().get() == "req-from-http"
    assert current_request_id() == "req-from-http"  # unchanged after the task


def test_an_eager_task_with_explicit_headers_takes_them():
    result = echo_request_id.apply(headers={celery_signals.HEADER: "req-explicit"})
    assert result.get() == "req-explicit"
    assert current_request_id() is None
