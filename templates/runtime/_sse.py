"""Streamed answers: Server-Sent Events (``text/event-stream``) and JSON lines
(``application/x-ndjson``, ``application/jsonl``), each item decoded as it arrives.

An operation that streams returns a ``Stream`` (``AsyncStream`` on the async client): a
context manager to iterate once. Leaving the block, or the loop, early closes the
connection. A GET whose event stream breaks is resumed with ``Last-Event-ID`` (after the
stream's ``retry`` delay, as many times as the client retries). Not public API, except
the ``Event`` and stream types the methods return.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Generic, Self, TypeVar

import httpx
import msgspec

from . import _runtime
from ._errors import ResponseDecodeError

T = TypeVar("T")
_BROKEN = (httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout)


@dataclass(frozen=True)
class Event(Generic[T]):
    """One server-sent event: its ``data`` decoded, its type (``"message"`` unless the
    server names one), and the last ``id`` and ``retry`` (milliseconds) the stream set.
    """

    data: T
    event: str = "message"
    id: str | None = None
    retry: int | None = None


@dataclass
class _Raw:
    data: list[str]
    event: str = ""


class EventParser:
    """The WHATWG event-stream interpretation, fed one line at a time."""

    def __init__(self) -> None:
        self.last_id: str | None = None
        self.retry: int | None = None
        self._pending = _Raw([])

    def feed(self, line: str) -> tuple[str, str] | None:
        """The (type, data) of the event a blank line completes; None otherwise."""
        if line == "":
            raw, self._pending = self._pending, _Raw([])
            if not raw.data:  # no data: nothing to dispatch
                return None
            return raw.event or "message", "\n".join(raw.data)
        if line.startswith(":"):  # a comment
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._pending.data.append(value)
        elif name == "event":
            self._pending.event = value
        elif name == "id" and "\0" not in value:
            self.last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry = int(value)
        return None  # an unknown field is ignored


class _Lines:
    """Splits a text stream into lines ended by CRLF, LF or CR alone (and nothing else:
    not the other breaks ``str.splitlines`` knows), chunk by chunk."""

    def __init__(self) -> None:
        self._buffer, self._after_cr = "", False

    def feed(self, chunk: str) -> list[str]:
        """The lines ``chunk`` completes."""
        if self._after_cr and chunk.startswith("\n"):  # the LF of a CRLF cut in two
            chunk = chunk[1:]
        self._after_cr = chunk.endswith("\r")
        parts = (
            (self._buffer + chunk).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        )
        self._buffer = parts.pop()
        return parts

    def end(self) -> list[str]:
        """The last line, if the stream ended without a line end."""
        return [self._buffer] if self._buffer else []


def lines(chunks: Iterable[str]) -> Iterator[str]:
    """The lines of a text stream; a last line without an end is yielded too."""
    split = _Lines()
    for chunk in chunks:
        yield from split.feed(chunk)
    yield from split.end()


async def alines(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    """``lines`` for an asynchronous text stream."""
    split = _Lines()
    async for chunk in chunks:
        for line in split.feed(chunk):
            yield line
    for line in split.end():
        yield line


def decoder(
    json: msgspec.json.Decoder[Any] | None, operation: str
) -> Callable[[str, httpx.Response], Any]:
    """Each item's data: JSON through ``json``, or the text itself."""

    def decode(text: str, response: httpx.Response) -> Any:
        if json is None:
            return text
        try:
            return json.decode(text)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            # The error's body is the item: the answer itself is still being read.
            item = httpx.Response(
                response.status_code,
                headers=response.headers,
                content=text.encode("utf-8"),
                request=response.request,
            )
            raise ResponseDecodeError(
                str(exc), operation=operation, response=item
            ) from None

    return decode


class Source:
    """What a stream needs from its client and call: how to open the answer."""

    def __init__(
        self,
        open_stream: Callable[[_runtime.Request], Any],
        request: _runtime.Request,
        kind: str,  # "sse" or "lines"
        decode: Callable[[str, httpx.Response], Any],
        reconnects: int,
    ) -> None:
        self.open_stream, self.request, self.kind = open_stream, request, kind
        self.decode, self.reconnects = decode, reconnects
        self.parser = EventParser()

    def resumed(self) -> _runtime.Request:
        """The request again, asking for the events after the last one seen."""
        headers = {**self.request.headers}
        if self.parser.last_id is not None:
            headers["Last-Event-ID"] = self.parser.last_id
        return replace(self.request, headers=headers)

    def resumable(self) -> bool:
        return (
            self.kind == "sse" and self.request.method == "GET" and self.reconnects > 0
        )

    def item(self, line: str, response: httpx.Response) -> tuple[bool, Any]:
        """(True, the item) when ``line`` completes one."""
        if self.kind == "lines":
            return (
                (True, self.decode(line, response)) if line.strip() else (False, None)
            )
        done = self.parser.feed(line)
        if done is None:
            return False, None
        kind, data = done
        value = self.decode(data, response)
        return True, Event(value, kind, self.parser.last_id, self.parser.retry)

    def pause(self) -> float:
        return (self.parser.retry if self.parser.retry is not None else 3000) / 1000


class Stream(Generic[T]):
    """A streamed answer: ``with client.op(...) as items: for item in items: ...``."""

    def __init__(self, source: Source) -> None:
        self._source = source
        self._exit = contextlib.ExitStack()
        self._response: httpx.Response | None = None

    def __enter__(self) -> Self:
        self._response = self._exit.enter_context(
            self._source.open_stream(self._source.request)
        )
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; the items not read yet are dropped."""
        self._exit.close()

    @property
    def response(self) -> httpx.Response:
        """The ``httpx.Response`` being read (its status and headers)."""
        if self._response is None:
            raise RuntimeError("use the stream in a with block")
        return self._response

    def __iter__(self) -> Iterator[T]:
        source = self._source
        while True:
            response = self.response
            try:
                for line in lines(response.iter_text()):
                    complete, value = source.item(line, response)
                    if complete:
                        yield value
                return
            except _BROKEN as exc:
                if not source.resumable():
                    raise _runtime.transport_error(source.request, exc) from exc
            source.reconnects -= 1
            self.close()
            time.sleep(source.pause())
            self._exit = contextlib.ExitStack()
            self._response = self._exit.enter_context(
                source.open_stream(source.resumed())
            )


class AsyncStream(Generic[T]):
    """A streamed answer: ``async with client.op(...) as items: async for item in items``."""

    def __init__(self, source: Source) -> None:
        self._source = source
        self._exit = contextlib.AsyncExitStack()
        self._response: httpx.Response | None = None

    async def __aenter__(self) -> Self:
        self._response = await self._exit.enter_async_context(
            self._source.open_stream(self._source.request)
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection; the items not read yet are dropped."""
        await self._exit.aclose()

    @property
    def response(self) -> httpx.Response:
        """The ``httpx.Response`` being read (its status and headers)."""
        if self._response is None:
            raise RuntimeError("use the stream in an async with block")
        return self._response

    async def __aiter__(self) -> AsyncIterator[T]:
        source = self._source
        while True:
            response = self.response
            try:
                async for line in alines(response.aiter_text()):
                    complete, value = source.item(line, response)
                    if complete:
                        yield value
                return
            except _BROKEN as exc:
                if not source.resumable():
                    raise _runtime.transport_error(source.request, exc) from exc
            source.reconnects -= 1
            await self.aclose()
            await asyncio.sleep(source.pause())
            self._exit = contextlib.AsyncExitStack()
            self._response = await self._exit.enter_async_context(
                source.open_stream(source.resumed())
            )
