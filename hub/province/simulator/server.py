"""A threaded, keep-alive HTTP server for the simulator (standard library only).

``wsgiref``'s own handler answers one request per connection with HTTP/1.0;
the hub's client keeps connections alive (as it does with the real gateway),
so this handler speaks HTTP/1.1 and loops over requests on one connection.
Request bodies are read whole before the app runs, so a handler that ignores
a body can never desynchronise the connection.
"""

from __future__ import annotations

import io
import logging
import socket
import socketserver
import sys
import threading
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from hub.province.simulator.app import make_app
from hub.province.simulator.http import MAX_BODY_BYTES
from hub.province.simulator.state import SimState

logger = logging.getLogger("hub.province.simulator")
IDLE_TIMEOUT_SECONDS = 30
DRAIN_LIMIT_BYTES = 16 * MAX_BODY_BYTES


class _Handler11(ServerHandler):
    http_version = "1.1"

    def close(self) -> None:
        # The base class logs every request to stderr; the simulator stays quiet.
        super(ServerHandler, self).close()

    def log_exception(self, exc_info) -> None:
        logger.debug("simulator write failed", exc_info=exc_info)


class KeepAliveHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_SECONDS
    # Status line, headers and body leave in one segment (flushed per request):
    # separate small writes meet Nagle and delayed ACK, 40 ms per call.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - base signature
        pass

    def handle(self) -> None:
        self.close_connection = True
        self._one_request()
        while not self.close_connection:
            self._one_request()

    def _one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, ConnectionError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            self.close_connection = True
            return
        if not self.parse_request():
            self.close_connection = True
            return
        if self.headers.get("Transfer-Encoding"):
            self.send_error(411, "Content-Length required")
            self.close_connection = True
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > DRAIN_LIMIT_BYTES:
            self.send_error(413 if length > 0 else 400)
            self.close_connection = True
            return
        # Bodies over the app's limit are still read (up to DRAIN_LIMIT_BYTES) so
        # the app can answer 413 in the province's shape instead of a reset.
        body = self.rfile.read(length) if length else b""
        handler = _Handler11(
            io.BytesIO(body), self.wfile, sys.stderr, self.get_environ(), multithread=True
        )
        handler.request_handler = self
        handler.run(self.server.get_app())
        self.wfile.flush()


class ThreadedWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, *args, **kwargs) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        logger.exception("simulator connection error")

    def close_connections(self) -> None:
        """Cut idle keep-alive connections, so their threads end with the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class ThreadedWSGIServerV6(ThreadedWSGIServer):
    address_family = socket.AF_INET6


def make_server(state: SimState, port: int = 0, host: str = "127.0.0.1") -> ThreadedWSGIServer:
    server_class = ThreadedWSGIServerV6 if ":" in host else ThreadedWSGIServer
    server = server_class((host, port), KeepAliveHandler)
    server.set_app(make_app(state))
    server.state = state  # type: ignore[attr-defined]
    return server


def server_url(server: ThreadedWSGIServer) -> str:
    host, port = server.server_address[:2]
    if host in ("0.0.0.0", ""):  # noqa: S104 - naming the address, not binding it
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def serve(state: SimState, port: int, host: str = "127.0.0.1") -> None:
    """Serve until interrupted (``manage.py run_province``)."""
    server = make_server(state, port, host)
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        stop(server)


def start_in_thread(
    state: SimState | None = None, port: int = 0, host: str = "127.0.0.1"
) -> tuple[ThreadedWSGIServer, str]:
    """Start on a background thread (tests: port 0 = an ephemeral port)."""
    server = make_server(state or SimState(), port, host)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name="province-sim"
    )
    thread.start()
    return server, server_url(server)


def stop(server: ThreadedWSGIServer) -> None:
    server.state.wake_all()  # type: ignore[attr-defined]
    server.shutdown()
    server.close_connections()
    server.server_close()
