"""A scripted HTTP/1.1 server on 127.0.0.1 that records requests, for driving generated clients.

Usage::

    with ScriptedServer() as server:
        server.enqueue(Reply.json([]), Reply(503, {"Retry-After": "0"}))
        ...  # point a client at server.url
        assert server.requests[0].path == "/some/path?x=1"

Replies come from the queue first, then from ``server.handler`` (a callable you set per test);
a request with neither is answered 500 and noted in ``server.errors``, as is any exception raised
while handling a request, so a test's teardown can insist that ``server.errors`` stays empty.

For resilience tests the server also counts its TCP connections (``open_connections``,
``peak_connections``, ``connections_accepted``), stamps each request with its arrival time
(``RecordedRequest.received_at``), and can drop a connection without answering
(``Reply.dropped("close")`` or ``Reply.dropped("reset")``).

``ScriptedServer(tls=context)`` serves HTTPS with a server-side ``ssl.SSLContext``; a
context that requires client certificates refuses a handshake without one, and each
request records the certificate the client presented (``peer_certificate``). A refused
handshake closes at once by default, and the client's request, unread, turns the close into a
reset; ``tls_refusal="clean"`` reads the request first, so the client reads the TLS alert.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import struct
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qsl

# How long stop() waits for a handler thread; only a wedged user handler ever needs it.
_JOIN_SECONDS = 10.0


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive request headers; a repeated field is joined with ", "."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.raw: tuple[tuple[str, str], ...] = tuple(pairs)
        merged: dict[str, str] = {}
        for name, value in self.raw:
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        self._merged = merged

    def __getitem__(self, name: str) -> str:
        return self._merged[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._merged)

    def __len__(self) -> int:
        return len(self._merged)

    def get_all(self, name: str) -> list[str]:
        """Every value sent under ``name``, in arrival order."""
        wanted = name.lower()
        return [value for key, value in self.raw if key.lower() == wanted]

    def __repr__(self) -> str:
        return f"Headers({list(self.raw)!r})"


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str  # the raw request target, query string included: "/a/b?x=1&y=2"
    headers: Headers
    body: bytes
    client_port: int  # the same port for two requests means one reused connection
    received_at: float = 0.0  # time.monotonic() when the request line and headers had arrived
    peer_certificate: dict[str, Any] | None = None  # the client's, over TLS (getpeercert())

    @property
    def url_path(self) -> str:
        """The request target without its query string."""
        return self.path.partition("?")[0]

    @property
    def query(self) -> str:
        """The raw query string, without the "?" ("" when there is none)."""
        return self.path.partition("?")[2]

    @property
    def query_params(self) -> list[tuple[str, str]]:
        """The query string decoded into (name, value) pairs, in order."""
        return parse_qsl(self.query, keep_blank_values=True)


@dataclass(frozen=True)
class Reply:
    """What the server answers: status, headers and body bytes, optionally late or closing."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering; cut short when the server stops
    close_connection: bool = False  # send "Connection: close" and drop the connection after
    # Answer nothing and drop the connection: "close" ends it with a FIN, "reset" with a RST.
    drop: Literal["close", "reset"] | None = None

    @classmethod
    def json(
        cls, payload: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Reply:
        """A reply whose body is ``payload`` encoded as JSON."""
        all_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return cls(status, all_headers, json.dumps(payload).encode("utf-8"))

    @classmethod
    def text(
        cls, text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8"
    ) -> Reply:
        """A reply with a text body of the given content type."""
        return cls(status, {"Content-Type": content_type}, text.encode("utf-8"))

    @classmethod
    def dropped(cls, how: Literal["close", "reset"] = "close", delay: float = 0.0) -> Reply:
        """No answer at all: after ``delay`` the connection is closed ("close") or reset."""
        return cls(delay=delay, drop=how)


Handler = Callable[[RecordedRequest], Reply]


class ScriptedServer:
    """A ThreadingHTTPServer on an ephemeral 127.0.0.1 port, run in a daemon thread."""

    def __init__(
        self,
        handler: Handler | None = None,
        tls: ssl.SSLContext | None = None,
        tls_refusal: Literal["reset", "clean"] = "reset",
    ) -> None:
        self.handler: Handler | None = handler
        self.tls = tls
        self.tls_refusal = tls_refusal
        self._lock = threading.Lock()
        self._queue: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._errors: list[str] = []
        self._stopping = threading.Event()
        self._open_connections = 0
        self._peak_connections = 0
        self._connections_accepted = 0
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind, then serve in a daemon thread; returns self."""
        if self._httpd is not None:
            raise RuntimeError("ScriptedServer already started")
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"ScriptedServer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, drop open keep-alive connections, join every thread, close the socket."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.drop_connections()
        httpd.join_handlers(_JOIN_SECONDS)
        httpd.server_close()
        thread.join(_JOIN_SECONDS)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what tests use --------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port."""
        if self._httpd is None:
            raise RuntimeError("ScriptedServer is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, without a trailing slash: "http://127.0.0.1:PORT"."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies; each request takes the oldest one before the handler is asked."""
        with self._lock:
            self._queue.extend(replies)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def errors(self) -> list[str]:
        """Unscripted requests and exceptions raised while serving, as text."""
        with self._lock:
            return list(self._errors)

    @property
    def pending_replies(self) -> int:
        """How many queued replies no request has taken yet."""
        with self._lock:
            return len(self._queue)

    @property
    def open_connections(self) -> int:
        """Connections whose handler has started and not yet finished (the peer not gone)."""
        with self._lock:
            return self._open_connections

    @property
    def peak_connections(self) -> int:
        """The most connections that were open at the same moment."""
        with self._lock:
            return self._peak_connections

    @property
    def connections_accepted(self) -> int:
        """Every connection handled so far."""
        with self._lock:
            return self._connections_accepted

    def wait_until(
        self, condition: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01
    ) -> bool:
        """Poll ``condition`` until it holds or ``timeout`` seconds passed; its last value."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() >= deadline:
                return condition()
            time.sleep(interval)
        return True

    # -- called from handler threads -------------------------------------------------------

    def _answer(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(request)
            queued = self._queue.popleft() if self._queue else None
            handler = self.handler
        if queued is not None:
            return queued
        if handler is None:
            self._note_error(f"no reply scripted for {request.method} {request.path}")
            return Reply.text("ScriptedServer: no reply scripted", status=500)
        try:
            return handler(request)
        except Exception:
            self._note_error(traceback.format_exc())
            return Reply.text("ScriptedServer: handler raised", status=500)

    def _connection_opened(self) -> None:
        with self._lock:
            self._open_connections += 1
            self._connections_accepted += 1
            self._peak_connections = max(self._peak_connections, self._open_connections)

    def _connection_closed(self) -> None:
        with self._lock:
            self._open_connections -= 1

    def _note_error(self, text: str) -> None:
        with self._lock:
            self._errors.append(text)

    def _wait_unless_stopping(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    @property
    def _is_stopping(self) -> bool:
        return self._stopping.is_set()


class _HTTPServer(ThreadingHTTPServer):
    """Tracks its connections and handler threads so that stop() can end them all."""

    daemon_threads = True

    def __init__(self, owner: ScriptedServer) -> None:
        self.owner = owner
        self._conn_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._to_reset: set[socket.socket] = set()
        self._handlers: list[threading.Thread] = []
        super().__init__(("127.0.0.1", 0), _RequestHandler)

    def get_request(self) -> tuple[socket.socket, Any]:
        """The next connection, its TLS handshake done when the owner serves HTTPS (a failed
        one raises ``ssl.SSLError``, an ``OSError``: socketserver drops the connection)."""
        conn, address = super().get_request()
        tls = self.owner.tls
        if tls is None:
            return conn, address
        if self.owner.tls_refusal == "reset":
            return tls.wrap_socket(conn, server_side=True), address
        wrapped = tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        try:
            wrapped.do_handshake()
        except OSError:
            _drain(wrapped)
            wrapped.close()
            raise
        return wrapped, address

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        assert isinstance(request, socket.socket)
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"ScriptedServer handler {client_address}",
            daemon=True,
        )
        with self._conn_lock:
            self._connections.add(request)
            self._handlers.append(thread)
        thread.start()

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        with self._conn_lock:
            reset = request in self._to_reset
            if isinstance(request, socket.socket):
                self._connections.discard(request)
                self._to_reset.discard(request)
        if reset:
            self.close_request(request)  # no shutdown(SHUT_WR) first: that would send a FIN
            return
        super().shutdown_request(request)

    def reset_on_close(self, conn: socket.socket) -> None:
        """Make closing ``conn`` send a TCP RST instead of a FIN."""
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self._conn_lock:
            self._to_reset.add(conn)

    def drop_connections(self) -> None:
        """Wake handler threads idling on keep-alive connections by shutting their sockets."""
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):  # already closed by its handler thread
                conn.shutdown(socket.SHUT_RDWR)

    def join_handlers(self, timeout: float) -> None:
        """Join every handler thread started so far."""
        with self._conn_lock:
            handlers = list(self._handlers)
        for thread in handlers:
            thread.join(timeout)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.owner._is_stopping:
            return  # connections we dropped on purpose complain; that is not a test failure
        self.owner._note_error(traceback.format_exc())


class _RequestHandler(BaseHTTPRequestHandler):
    """Records each request and writes the reply the owning ScriptedServer picks."""

    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse is observable
    disable_nagle_algorithm = True  # headers and body go out in two writes: no delayed-ACK stall
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.owner._connection_opened()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._connection_closed()

    def _serve(self) -> None:
        received_at = time.monotonic()
        request = RecordedRequest(
            method=self.command,
            path=self._raw_target(),
            headers=Headers(self.headers.items()),
            body=self._read_body(),
            client_port=int(self.client_address[1]),
            received_at=received_at,
            peer_certificate=(
                self.connection.getpeercert()
                if isinstance(self.connection, ssl.SSLSocket)
                else None
            ),
        )
        owner = self.server.owner
        reply = owner._answer(request)
        if reply.delay > 0:
            owner._wait_unless_stopping(reply.delay)
        if reply.drop is not None:
            self.close_connection = True  # write nothing; handle() returns and the socket closes
            if reply.drop == "reset":
                self.server.reset_on_close(self.connection)
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if not any(name.lower() == "content-length" for name in reply.headers):
            self.send_header("Content-Length", str(len(reply.body)))
        if reply.close_connection:
            self.send_header("Connection", "close")  # also sets self.close_connection
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def _raw_target(self) -> str:
        # self.path is not raw: parse_request() collapses a leading "//" into "/".
        parts = self.requestline.split(" ")
        return parts[1] if len(parts) == 3 else self.path

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF after each chunk
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailer fields, ignored
        return b"".join(chunks)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: requests are recorded, not logged."""


class ServerView:
    """One test's share of the module's ScriptedServer: its own handler, requests and errors.

    Starting and stopping a server per test costs more than the tests themselves.
    """

    def __init__(self, server: ScriptedServer) -> None:
        self.server = server
        self._requests_before = len(server.requests)
        self._errors_before = len(server.errors)
        server.handler = None

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def handler(self) -> Handler | None:
        return self.server.handler

    @handler.setter
    def handler(self, handler: Handler | None) -> None:
        self.server.handler = handler

    def enqueue(self, *replies: Reply) -> None:
        self.server.enqueue(*replies)

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.server.requests[self._requests_before :]

    @property
    def errors(self) -> list[str]:
        return self.server.errors[self._errors_before :]


def _drain(wrapped: ssl.SSLSocket) -> None:
    """Read what the client sent after its side of a refused handshake (its request), so
    that closing sends the alert and a FIN rather than a reset."""
    with socket.fromfd(wrapped.fileno(), socket.AF_INET, socket.SOCK_STREAM) as raw:
        raw.settimeout(2.0)
        with contextlib.suppress(OSError):
            while raw.recv(65536):
                raw.settimeout(0.2)
