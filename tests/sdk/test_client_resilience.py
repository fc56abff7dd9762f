"""Retries, timeouts, the error tree, concurrency and secrets of the generated client.

Every scenario runs through both client flavours (the `mode` fixture) against a real threaded
HTTP server on 127.0.0.1 (`ScriptedServer`); nothing is mocked. Timing assertions are lower
bounds measured on the server side (``RecordedRequest.received_at``): a slow machine can only
make them easier to meet, never flaky.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from typing import Any, Literal, TypeVar

import httpx
import pytest
from customvision_training import (
    ApiConnectionError,
    ApiError,
    ApiStatusError,
    ApiTimeoutError,
    AsyncCustomVisionTrainingClient,
    CustomVisionError,
    CustomVisionErrorCodes,
    CustomVisionTrainingClient,
    ImagePerformance,
    ResponseDecodeError,
    RetryPolicy,
)
from support.http_server import RecordedRequest, Reply, ScriptedServer
from support.page_factory import SAMPLE_RESPONSE

Mode = Literal["sync", "async"]
E = TypeVar("E", bound=BaseException)

# Distinctive, so that finding it anywhere it must not be is unambiguous.
KEY = "tk-SECRET-9f8e7d6c5b4a39281706f5e4d3c2b1a0-DO-NOT-LEAK"
PROJECT = "bc3f7dad-5544-468c-8573-3ef04d55463e"
ITERATION = "b7b9d99c-a2c6-4658-9900-a98d2ff5bc66"
OPERATION = "GetImagePerformances"
LOGGER = "customvision_training"
# Backoff short enough that a gap of 0.9 s can only come from Retry-After.
FAST = RetryPolicy(backoff_base=0.01, backoff_max=0.02)
# Cut short when the server stops, so a long delay costs nothing once the test is done.
SLOW = 2.0
SAMPLE_WIDTH = SAMPLE_RESPONSE[0]["width"]


# --- fixtures and drivers ------------------------------------------------------------------


def ok() -> Reply:
    return Reply.json(SAMPLE_RESPONSE)


def always(reply: Reply) -> Callable[[RecordedRequest], Reply]:
    """A handler giving the same answer to every request."""
    return lambda _request: reply


def call(
    mode: Mode,
    endpoint: str,
    *,
    client: dict[str, Any] | None = None,
    **call_kwargs: Any,
) -> list[ImagePerformance]:
    """One get_image_performances through a fresh client of the flavour, closed afterwards."""
    client_kwargs = {"retry_policy": FAST, **(client or {})}
    if mode == "sync":
        with CustomVisionTrainingClient(endpoint, KEY, **client_kwargs) as sync_client:
            return sync_client.get_image_performances(PROJECT, ITERATION, **call_kwargs)

    async def main() -> list[ImagePerformance]:
        async with AsyncCustomVisionTrainingClient(endpoint, KEY, **client_kwargs) as aclient:
            return await aclient.get_image_performances(PROJECT, ITERATION, **call_kwargs)

    return asyncio.run(main())


def fails(mode: Mode, endpoint: str, expected: type[E], **kwargs: Any) -> E:
    """The exception of type ``expected`` that ``call`` must raise."""
    with pytest.raises(expected) as caught:
        call(mode, endpoint, **kwargs)
    return caught.value


def construct(mode: Mode, endpoint: str, **kwargs: Any) -> str:
    """Build a client of the flavour (sending nothing), close it, and return its repr."""
    if mode == "sync":
        sync_client = CustomVisionTrainingClient(endpoint, KEY, **kwargs)
        sync_client.close()
        return repr(sync_client)
    aclient = AsyncCustomVisionTrainingClient(endpoint, KEY, **kwargs)
    asyncio.run(aclient.aclose())
    return repr(aclient)


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Yield to the event loop until ``condition`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def retry_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The client's retry log lines, each checked to be DEBUG and to name the operation."""
    records = [r for r in caplog.records if r.name == LOGGER and "retry" in r.getMessage()]
    for record in records:
        assert record.levelno == logging.DEBUG, record
        assert OPERATION in record.getMessage()
    return records


def logged_waits(caplog: pytest.LogCaptureFixture) -> list[float]:
    """The wait, in seconds, each retry log line announces."""
    waits = []
    for record in retry_records(caplog):
        found = re.search(r"\bin (\d+(?:\.\d+)?) ?s\b", record.getMessage())
        assert found, f"no wait in {record.getMessage()!r}"
        waits.append(float(found.group(1)))
    return waits


def gap(server: ScriptedServer, first: int = 0, second: int = 1) -> float:
    """Seconds between the arrival of two requests, measured by the server."""
    requests = server.requests
    return requests[second].received_at - requests[first].received_at


# --- retries -------------------------------------------------------------------------------


def assert_retry_after_honoured(
    mode: Mode, server: ScriptedServer, caplog: pytest.LogCaptureFixture, throttle: Reply
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    server.enqueue(throttle, ok())
    result = call(mode, server.url, client={"max_retries": 3})
    assert [image.width for image in result] == [SAMPLE_WIDTH]
    assert len(server.requests) == 2
    assert gap(server) >= 0.9, "Retry-After was not honoured"
    (wait,) = logged_waits(caplog)
    assert wait >= 0.9
    (record,) = retry_records(caplog)
    assert "429" in record.getMessage()


def test_retry_after_seconds_is_honoured(
    mode: Mode, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    assert_retry_after_honoured(mode, server, caplog, Reply(429, {"Retry-After": "1"}))
    (record,) = retry_records(caplog)
    assert "1.00s" in record.getMessage()


def test_retry_after_http_date_is_honoured(
    mode: Mode, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    # An HTTP date has whole seconds: now + 2 s, truncated, is between 1 and 2 s ahead.
    when = formatdate(time.time() + 2, usegmt=True)
    assert_retry_after_honoured(mode, server, caplog, Reply(429, {"Retry-After": when}))


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retryable_status_then_success(
    mode: Mode, server: ScriptedServer, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    server.enqueue(Reply.text("try again", status), ok())
    result = call(mode, server.url, client={"max_retries": 2})
    assert [image.width for image in result] == [SAMPLE_WIDTH]
    assert len(server.requests) == 2
    (record,) = retry_records(caplog)
    assert f"HTTP {status}" in record.getMessage()
    (wait,) = logged_waits(caplog)
    assert 0 <= wait <= FAST.backoff_max  # the policy's backoff, not the default's


@pytest.mark.parametrize(
    ("client_retries", "call_retries", "attempts"),
    [
        pytest.param(2, None, 3, id="client-2"),
        pytest.param(2, 0, 1, id="call-0-overrides-client-2"),
        pytest.param(0, 1, 2, id="call-1-overrides-client-0"),
        pytest.param(5, 2, 3, id="call-2-overrides-client-5"),
    ],
)
def test_503_forever_gives_up_after_max_retries(
    mode: Mode,
    server: ScriptedServer,
    caplog: pytest.LogCaptureFixture,
    client_retries: int,
    call_retries: int | None,
    attempts: int,
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    server.handler = always(Reply.json({"code": "Unavailable", "message": "busy"}, 503))
    error = fails(
        mode,
        server.url,
        ApiStatusError,
        client={"max_retries": client_retries},
        max_retries=call_retries,
    )
    assert error.status_code == 503
    assert len(server.requests) == attempts
    retries = attempts - 1
    messages = [r.getMessage() for r in retry_records(caplog)]
    assert len(messages) == retries
    for number, message in enumerate(messages, start=1):
        assert f"retry {number} of {retries}" in message
    assert all(0 <= wait <= FAST.backoff_max for wait in logged_waits(caplog))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 500])
def test_non_retryable_status_is_not_retried(
    mode: Mode, server: ScriptedServer, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    server.handler = always(Reply.json({"code": "BadRequest", "message": "no"}, status))
    error = fails(mode, server.url, ApiStatusError, client={"max_retries": 3})
    assert error.status_code == status
    assert len(server.requests) == 1
    assert retry_records(caplog) == []


@pytest.mark.parametrize("how", ["close", "reset"])
def test_dropped_connection_is_retried(
    mode: Mode,
    server: ScriptedServer,
    caplog: pytest.LogCaptureFixture,
    how: Literal["close", "reset"],
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    server.enqueue(Reply.dropped(how), ok())
    result = call(mode, server.url, client={"max_retries": 2})
    assert [image.width for image in result] == [SAMPLE_WIDTH]
    assert len(server.requests) == 2
    assert server.connections_accepted == 2  # the dropped connection was not reused
    (wait,) = logged_waits(caplog)
    assert 0 <= wait <= FAST.backoff_max


@pytest.mark.parametrize("how", ["close", "reset"])
def test_always_dropped_connection_gives_up(
    mode: Mode,
    server: ScriptedServer,
    caplog: pytest.LogCaptureFixture,
    how: Literal["close", "reset"],
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    server.handler = always(Reply.dropped(how))
    error = fails(mode, server.url, ApiConnectionError, client={"max_retries": 2})
    assert isinstance(error, ApiError)
    assert error.operation == OPERATION
    assert OPERATION in str(error)
    assert len(server.requests) == 3
    assert len(logged_waits(caplog)) == 2


def test_retry_log_names_the_operation_once(
    mode: Mode, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    server.enqueue(Reply.dropped("reset"), ok())
    call(mode, server.url, client={"max_retries": 1})
    (record,) = retry_records(caplog)
    assert record.getMessage().count(OPERATION) == 1, record.getMessage()


def test_broken_compression_is_an_api_error(mode: Mode, server: ScriptedServer) -> None:
    # httpx raises DecodingError, which is not a TransportError: it must not escape the tree.
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    server.handler = always(Reply(200, headers, b"[] not gzip"))
    error = fails(mode, server.url, ApiError, client={"max_retries": 0})
    assert error.operation == OPERATION
    assert "DecodingError" in str(error)
    assert len(server.requests) == 1


# --- timeouts ------------------------------------------------------------------------------


def assert_read_timeout(error: ApiTimeoutError, server: ScriptedServer) -> None:
    assert isinstance(error, ApiError)
    assert error.phase == "read"
    assert error.operation == OPERATION
    assert OPERATION in str(error)
    assert "read" in str(error)
    assert len(server.requests) == 1


def test_read_timeout(mode: Mode, server: ScriptedServer) -> None:
    server.enqueue(dataclasses.replace(ok(), delay=SLOW))
    error = fails(mode, server.url, ApiTimeoutError, client={"timeout": 0.2, "max_retries": 0})
    assert_read_timeout(error, server)


def test_per_call_timeout_overrides_client_timeout_downwards(
    mode: Mode, server: ScriptedServer
) -> None:
    server.enqueue(dataclasses.replace(ok(), delay=SLOW))
    error = fails(
        mode,
        server.url,
        ApiTimeoutError,
        client={"timeout": 30.0, "max_retries": 0},
        timeout=0.2,
    )
    assert_read_timeout(error, server)


@pytest.mark.parametrize("timeout", [5.0, httpx.Timeout(5.0)], ids=["float", "httpx-timeout"])
def test_per_call_timeout_overrides_client_timeout_upwards(
    mode: Mode, server: ScriptedServer, timeout: float | httpx.Timeout
) -> None:
    server.enqueue(dataclasses.replace(ok(), delay=0.5))
    result = call(mode, server.url, client={"timeout": 0.2, "max_retries": 0}, timeout=timeout)
    assert [image.width for image in result] == [SAMPLE_WIDTH]
    assert len(server.requests) == 1


def test_read_timeout_is_retried_for_get(mode: Mode, server: ScriptedServer) -> None:
    server.enqueue(dataclasses.replace(ok(), delay=SLOW), ok())
    result = call(mode, server.url, client={"timeout": 0.2, "max_retries": 1})
    assert [image.width for image in result] == [SAMPLE_WIDTH]
    assert len(server.requests) == 2


PoolOutcome = tuple[ApiTimeoutError, list[ImagePerformance]]
POOL_CLIENT: dict[str, Any] = {
    "max_connections": 1,
    "timeout": httpx.Timeout(5.0, pool=0.05),
    "max_retries": 0,
}


def pool_timeout_sync(server: ScriptedServer, gate: threading.Event) -> PoolOutcome:
    """A first call holds the only connection; a second, made meanwhile, must time out."""
    with (
        CustomVisionTrainingClient(server.url, KEY, **POOL_CLIENT) as client,
        ThreadPoolExecutor(1) as executor,
    ):
        first = executor.submit(client.get_image_performances, PROJECT, ITERATION)
        try:
            assert server.wait_until(lambda: len(server.requests) == 1)
            with pytest.raises(ApiTimeoutError) as caught:
                client.get_image_performances(PROJECT, ITERATION)
        finally:
            gate.set()
        return caught.value, first.result(timeout=10)


def pool_timeout_async(server: ScriptedServer, gate: threading.Event) -> PoolOutcome:
    """As pool_timeout_sync, the first call a task on the same event loop."""

    async def main() -> PoolOutcome:
        async with AsyncCustomVisionTrainingClient(server.url, KEY, **POOL_CLIENT) as client:
            first = asyncio.create_task(client.get_image_performances(PROJECT, ITERATION))
            try:
                await until(lambda: len(server.requests) == 1)
                with pytest.raises(ApiTimeoutError) as caught:
                    await client.get_image_performances(PROJECT, ITERATION)
            finally:
                gate.set()
            return caught.value, await first

    return asyncio.run(main())


def test_pool_timeout(mode: Mode, server: ScriptedServer) -> None:
    gate = threading.Event()

    def held_until_released(_request: RecordedRequest) -> Reply:
        gate.wait(10)
        return ok()

    server.handler = held_until_released
    drive = pool_timeout_sync if mode == "sync" else pool_timeout_async
    error, first_result = drive(server, gate)
    assert error.phase == "pool"
    assert OPERATION in str(error)
    assert "pool" in str(error)
    assert [image.width for image in first_result] == [SAMPLE_WIDTH]
    assert len(server.requests) == 1  # the second call never got a connection


# --- the error tree ------------------------------------------------------------------------


def test_every_error_is_an_api_error() -> None:
    for kind in (ApiStatusError, ApiTimeoutError, ApiConnectionError, ResponseDecodeError):
        assert issubclass(kind, ApiError)
        assert issubclass(kind, Exception)
    assert issubclass(ApiError, Exception)


@pytest.mark.parametrize("header", ["apim-request-id", "x-ms-request-id"])
def test_status_error_attributes(mode: Mode, server: ScriptedServer, header: str) -> None:
    body = {"code": "NotFoundProject", "message": "Project not found."}
    reply = Reply.json(body, 404, {header: "req-1234-abcd"})
    server.enqueue(reply)
    error = fails(mode, server.url, ApiStatusError)
    assert isinstance(error, ApiError)
    assert error.status_code == 404
    assert error.error == CustomVisionError(
        code=CustomVisionErrorCodes.NOT_FOUND_PROJECT, message="Project not found."
    )
    assert error.request_id == "req-1234-abcd"
    assert error.body == reply.body
    assert isinstance(error.response, httpx.Response)
    assert error.response.status_code == 404
    assert error.operation == OPERATION
    message = str(error)
    for part in (OPERATION, "404", "NotFoundProject", "Project not found.", "req-1234-abcd"):
        assert part in message, (part, message)
    assert len(server.requests) == 1


def test_status_error_shortens_a_long_body(mode: Mode, server: ScriptedServer) -> None:
    text = "".join(f"line {i:05d} of a very long error page\n" for i in range(300))
    assert len(text) > 10_000
    server.enqueue(Reply.text(text, 500))
    error = fails(mode, server.url, ApiStatusError)
    assert error.status_code == 500
    assert error.error is None
    assert error.request_id is None
    assert error.body == text.encode()  # the whole body stays on the exception
    message = str(error)
    assert OPERATION in message and "500" in message
    assert "line 00000" in message  # the start of the body is shown ...
    assert "line 00299" not in message  # ... but not all of it
    assert len(message) < 1_000
    assert len(repr(error)) < 1_100


DECODE_FAILURES = [
    pytest.param(
        {"Content-Type": "application/json"},
        json.dumps(SAMPLE_RESPONSE).encode()[:60],
        id="truncated-json",
    ),
    pytest.param(
        {"Content-Type": "application/json"}, b'[{"width": 1,, "height": }]', id="malformed-json"
    ),
    pytest.param(
        {"Content-Type": "text/html; charset=utf-8"},
        b"<html><body>Sign in to continue</body></html>",
        id="text-html",
    ),
    pytest.param({"Content-Type": "application/json"}, b'[{"width": "abc"}]', id="schema-mismatch"),
    pytest.param({"Content-Type": "application/json"}, b'{"width": 1}', id="object-not-list"),
]


@pytest.mark.parametrize(("headers", "body"), DECODE_FAILURES)
def test_response_decode_error(
    mode: Mode, server: ScriptedServer, headers: dict[str, str], body: bytes
) -> None:
    server.enqueue(Reply(200, headers, body))
    error = fails(mode, server.url, ResponseDecodeError, client={"max_retries": 3})
    assert isinstance(error, ApiError)
    assert error.status_code == 200
    assert error.body == body
    assert error.content_type == headers["Content-Type"]
    assert isinstance(error.response, httpx.Response)
    assert error.operation == OPERATION
    assert OPERATION in str(error) and "200" in str(error)
    assert len(server.requests) == 1  # a bad body is not retried


# --- concurrency ---------------------------------------------------------------------------

POOL_SIZE = 10


def concurrent_sync(server: ScriptedServer, skips: list[int]) -> tuple[list[int], int]:
    """16 threads share one sync client; returns each call's echoed skip and how many
    connections the server saw open just before close()."""
    with CustomVisionTrainingClient(server.url, KEY, max_connections=POOL_SIZE) as client:

        def one(skip: int) -> int:
            (image,) = client.get_image_performances(PROJECT, ITERATION, skip=skip)
            assert image.width is not None
            return image.width

        with ThreadPoolExecutor(16) as executor:
            widths = list(executor.map(one, skips))
        return widths, server.open_connections


def concurrent_async(server: ScriptedServer, skips: list[int]) -> tuple[list[int], int]:
    """Every call at once through one async client (asyncio.gather)."""

    async def main() -> tuple[list[int], int]:
        async with AsyncCustomVisionTrainingClient(
            server.url, KEY, max_connections=POOL_SIZE
        ) as client:
            pages = await asyncio.gather(
                *(client.get_image_performances(PROJECT, ITERATION, skip=s) for s in skips)
            )
            return [image.width for (image,) in pages], server.open_connections

    return asyncio.run(main())


def test_concurrent_calls_share_a_bounded_pool(mode: Mode, server: ScriptedServer) -> None:
    def echo_skip(request: RecordedRequest) -> Reply:
        skip = int(dict(request.query_params)["skip"])
        return dataclasses.replace(Reply.json([{"width": skip}]), delay=0.05)

    server.handler = echo_skip
    skips = list(range(64 if mode == "sync" else 100))
    drive = concurrent_sync if mode == "sync" else concurrent_async
    widths, open_before_close = drive(server, skips)
    assert widths == skips  # every call got its own answer
    assert len(server.requests) == len(skips)
    assert server.peak_connections <= POOL_SIZE
    assert server.peak_connections > 1, "the calls did not run concurrently"
    assert open_before_close >= 1  # kept alive until close(), so the check below can fail
    assert server.wait_until(lambda: server.open_connections == 0, timeout=5.0), (
        f"{server.open_connections} connections still open after close"
    )


# --- secrets -------------------------------------------------------------------------------


def test_repr_hides_the_key(mode: Mode) -> None:
    text = construct(mode, "https://example.invalid")
    assert KEY not in text
    assert "example.invalid" in text


def exception_chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


FAILURES: dict[str, tuple[type[ApiError], Reply, dict[str, Any]]] = {
    "status": (ApiStatusError, Reply.json({"code": "Unauthorized", "message": "no"}, 401), {}),
    "timeout": (ApiTimeoutError, dataclasses.replace(ok(), delay=SLOW), {"timeout": 0.2}),
    "connection": (ApiConnectionError, Reply.dropped("reset"), {}),
    "decode": (ResponseDecodeError, Reply(200, {"Content-Type": "application/json"}, b"[{"), {}),
}


@pytest.mark.parametrize("kind", list(FAILURES))
def test_exceptions_hide_the_key(mode: Mode, server: ScriptedServer, kind: str) -> None:
    expected, reply, client_kwargs = FAILURES[kind]
    server.enqueue(reply)
    error = fails(mode, server.url, expected, client={"max_retries": 0, **client_kwargs})
    assert server.requests[0].headers["training-key"] == KEY  # it was sent, yet ...
    for link in exception_chain(error):
        assert KEY not in str(link)
        assert KEY not in repr(link)
        assert all(KEY not in repr(arg) for arg in link.args)


def test_logs_hide_the_key(
    mode: Mode, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: httpx and httpcore included
    server.enqueue(Reply(503, {"Retry-After": "0"}), Reply.dropped("reset"), ok())
    result = call(mode, server.url, client={"max_retries": 3})
    assert [image.width for image in result] == [SAMPLE_WIDTH]
    assert len(server.requests) == 3
    names = {record.name for record in caplog.records}
    assert LOGGER in names
    assert any(name.startswith("httpx") for name in names), names
    assert any(name.startswith("httpcore") for name in names), names
    for record in caplog.records:
        assert KEY not in record.getMessage(), record
        assert KEY not in repr(record.__dict__), record
    assert KEY not in caplog.text
    # Each attempt's headers are logged at DEBUG, the key among them as [secure].
    sent = [r.getMessage() for r in caplog.records if ": sending GET " in r.getMessage()]
    assert len(sent) == 3
    assert all("'Training-Key': '[secure]'" in m or "'training-key': '[secure]'" in m for m in sent)


REFUSED_ENDPOINTS = [
    "http://example.invalid",
    "HTTP://example.invalid:8080/",
    "http://10.1.2.3",
    "http://127.0.0.1.example.invalid",
    "http://localhost.example.invalid",
]


@pytest.mark.parametrize("endpoint", REFUSED_ENDPOINTS)
def test_plain_http_to_a_remote_host_is_refused(mode: Mode, endpoint: str) -> None:
    with pytest.raises(ValueError) as caught:
        construct(mode, endpoint)
    assert "allow_insecure_http" in str(caught.value)
    assert KEY not in str(caught.value)


@pytest.mark.parametrize("endpoint", REFUSED_ENDPOINTS)
def test_allow_insecure_http_accepts_a_remote_host(mode: Mode, endpoint: str) -> None:
    # Constructed only: nothing may be sent to a host that is not loopback.
    text = construct(mode, endpoint, allow_insecure_http=True)
    assert endpoint.split("//")[1].split(":")[0].rstrip("/").lower() in text.lower()


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://localhost",
        "http://LOCALHOST:5000",
        "http://127.0.0.1",
        "http://127.0.0.1:8080/",
        "http://127.0.0.2",
        "http://[::1]:8080",
        "https://example.invalid",
    ],
)
def test_loopback_http_and_https_are_accepted(mode: Mode, endpoint: str) -> None:
    text = construct(mode, endpoint)
    assert "customvision/v3.3/training" in text


def test_loopback_http_really_sends(mode: Mode, server: ScriptedServer) -> None:
    server.enqueue(ok())
    assert server.url.startswith("http://127.0.0.1:")
    assert [image.width for image in call(mode, server.url)] == [SAMPLE_WIDTH]
    assert len(server.requests) == 1


# --- user agent ----------------------------------------------------------------------------


def test_user_agent_names_package_and_generator(mode: Mode, server: ScriptedServer) -> None:
    server.enqueue(ok())
    call(mode, server.url)
    (request,) = server.requests
    (agent,) = request.headers.get_all("User-Agent")
    assert "customvision_training/" in agent
    assert "apiforge/" in agent
