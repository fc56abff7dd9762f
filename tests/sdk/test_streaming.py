"""Streamed answers (construct ``streaming``), sync and async, against a real HTTP server on
127.0.0.1: the WHATWG event-stream rules on the standard's own examples, JSON data decoded
per event, JSON lines, leaving early, an error status, and a GET resumed with
``Last-Event-ID`` after the server drops the connection mid-stream."""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any, Literal

import pytest
from support.corpus import load
from support.http_server import Reply, ScriptedServer

Mode = Literal["sync", "async"]
SSE = {"Content-Type": "text/event-stream"}


@pytest.fixture
def module() -> ModuleType:
    return load("streaming")


def read(
    mode: Mode, module: ModuleType, url: str, method: str, stop: int | None = None, **kw: Any
) -> tuple[list[Any], bool]:
    """The items ``method`` streams (the first ``stop`` only), and whether the connection
    was closed when the block ended."""
    if mode == "sync":
        with module.StreamingClient(url, max_retries=1) as client:
            with getattr(client, method)(**kw) as stream:
                items = []
                for item in stream:
                    items.append(item)
                    if stop is not None and len(items) == stop:
                        break
            return items, stream.response.is_closed

    async def main() -> tuple[list[Any], bool]:
        async with module.AsyncStreamingClient(url, max_retries=1) as client:
            async with getattr(client, method)(**kw) as stream:
                items = []
                async for item in stream:
                    items.append(item)
                    if stop is not None and len(items) == stop:
                        break
            return items, stream.response.is_closed

    return asyncio.run(main())


def texts(mode: Mode, module: ModuleType, server: ScriptedServer, body: bytes) -> list[Any]:
    server.enqueue(Reply(200, SSE, body))
    events, _ = read(mode, module, server.url, "complete", body={"prompt": "p"})
    return [(e.event, e.data, e.id, e.retry) for e in events]


# The examples of the HTML standard's "Interpreting an event stream" (9.2.6), and its rules.
WHATWG = [
    pytest.param(
        b"data: YHOO\ndata: +2\ndata: 10\n\n",
        [("message", "YHOO\n+2\n10", None, None)],
        id="multi-line-data",
    ),
    pytest.param(
        b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
        b"data:  third event\n",
        # The id field with no value resets the last id; the last event has no blank
        # line after it, so it is never dispatched; one space after the colon is dropped.
        [("message", "first event", "1", None), ("message", "second event", "", None)],
        id="comments-ids-and-an-unended-event",
    ),
    pytest.param(
        b"data\n\ndata\ndata\n\ndata:",
        [("message", "", None, None), ("message", "\n", None, None)],
        id="empty-data",
    ),
    pytest.param(
        b"data:test\n\ndata: test\n\n",
        [("message", "test", None, None), ("message", "test", None, None)],
        id="space-after-colon",
    ),
    pytest.param(
        b"event: add\r\ndata: 73857293\r\rretry: 2500\nevent: remove\ndata: 2153\n\n"
        b"id: 7\x00x\nfoo: bar\nretry: 1s\n\n",
        # CRLF, CR and LF all end lines; retry sets the delay; an id holding NUL and
        # an unknown field are ignored; an event without data is not dispatched.
        [("add", "73857293", None, None), ("remove", "2153", None, 2500)],
        id="types-line-ends-retry-and-ignored-fields",
    ),
]


@pytest.mark.parametrize(("body", "expected"), WHATWG)
def test_the_event_stream_is_read_as_the_standard_says(
    mode: Mode, module: ModuleType, server: ScriptedServer, body: bytes, expected: list[Any]
) -> None:
    assert texts(mode, module, server, body) == expected
    (request,) = server.requests
    assert request.headers["accept"] == "text/event-stream"


def test_json_data_is_decoded_into_the_schema(
    mode: Mode, module: ModuleType, server: ScriptedServer
) -> None:
    body = b'id: a\ndata: {"kind": "add", "count": 2}\n\nevent: ping\ndata: {"kind": "x"}\n\n'
    server.enqueue(Reply(200, SSE, body))
    events, closed = read(mode, module, server.url, "watch_changes", topic="t")
    assert [(e.event, e.data, e.id) for e in events] == [
        ("message", module.Change(kind="add", count=2), "a"),
        ("ping", module.Change(kind="x"), "a"),
    ]
    assert closed
    assert server.requests[0].path == "/changes?topic=t"


def test_data_that_breaks_the_schema_raises(
    mode: Mode, module: ModuleType, server: ScriptedServer
) -> None:
    server.enqueue(Reply(200, SSE, b'data: {"count": 1}\n\n'))
    with pytest.raises(module.ResponseDecodeError, match="kind") as caught:
        read(mode, module, server.url, "watch_changes")
    assert caught.value.body == b'{"count": 1}'  # the item that broke it


def test_json_lines_stream_the_same_way(
    mode: Mode, module: ModuleType, server: ScriptedServer
) -> None:
    body = b'{"n": 1}\n{"n": 2}\r\n\n{"n": 3}'  # blank lines skipped, the last unended
    server.enqueue(Reply(200, {"Content-Type": "application/x-ndjson"}, body))
    rows, _ = read(mode, module, server.url, "export_rows")
    assert rows == [module.Row(n=1), module.Row(n=2), module.Row(n=3)]


def test_leaving_early_closes_the_connection(
    mode: Mode, module: ModuleType, server: ScriptedServer
) -> None:
    body = b"".join(b'data: {"kind": "k%d"}\n\n' % i for i in range(1000))
    server.enqueue(Reply(200, SSE, body))
    events, closed = read(mode, module, server.url, "watch_changes", stop=2)
    assert [e.data.kind for e in events] == ["k0", "k1"] and closed


def test_an_error_status_raises_before_the_block(
    mode: Mode, module: ModuleType, server: ScriptedServer
) -> None:
    server.enqueue(Reply.json({"message": "no"}, status=403))
    with pytest.raises(module.ApiStatusError) as caught:
        read(mode, module, server.url, "watch_changes")
    assert caught.value.status_code == 403


def test_a_broken_get_resumes_with_the_last_event_id(
    mode: Mode, module: ModuleType, server: ScriptedServer
) -> None:
    first = b'retry: 10\nid: 1\ndata: {"kind": "a"}\n\nid: 2\ndata: {"kind": "b"}\n\ndata: {"ki'
    cut = Reply(200, {**SSE, "Content-Length": str(len(first) + 100)}, first, close_connection=True)
    server.enqueue(cut, Reply(200, SSE, b'id: 3\ndata: {"kind": "c"}\n\n'))
    events, _ = read(mode, module, server.url, "watch_changes")
    assert [(e.data.kind, e.id) for e in events] == [("a", "1"), ("b", "2"), ("c", "3")]
    assert [r.headers.get("last-event-id") for r in server.requests] == [None, "2"]


def test_a_broken_post_is_not_resumed(
    mode: Mode, module: ModuleType, server: ScriptedServer
) -> None:
    first = b"data: a\n\ndata: b"
    cut = Reply(200, {**SSE, "Content-Length": "100"}, first, close_connection=True)
    server.enqueue(cut)
    with pytest.raises(module.ApiConnectionError) as caught:
        read(mode, module, server.url, "complete", body={"prompt": "p"})
    assert caught.value.never_sent is False
    assert len(server.requests) == 1
