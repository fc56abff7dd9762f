"""What both clients do alike, whatever the API: own or borrow the connection pool, send
a request with retries, stream an answer, close. Not public API.

The generated clients subclass ``SyncClient`` and ``AsyncClient`` and add one method
per operation; the two classes here differ only where httpx's sync and async APIs do.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote, unquote

import httpx

from . import _auth, _runtime
from ._errors import ApiError

if TYPE_CHECKING:
    from . import _sse

Timeout = float | httpx.Timeout | None
Query = Mapping[str, str | int | float | bool | None]


def _limits(max_connections: int) -> httpx.Limits:
    return httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )


def _headers(
    client: SyncClient | AsyncClient,
    request: _runtime.Request,
    accept: str | None,
    extra: Mapping[str, str] | None,
) -> dict[str, str]:
    """What every attempt sends but credentials: identity, media types, the client's
    headers (``with_options``), the request's own, then the call's ``extra_headers``."""
    return {
        "User-Agent": client._user_agent,
        "Accept": _runtime.accept_header(request, accept or client._accept),
        **client._headers,
        **request.headers,
        **(extra or {}),
    }


def _absolute(base_url: str, url: str) -> str:
    """A request's URL: relative to the base, or a next page's on the same origin."""
    return url if url.startswith(("http://", "https://")) else base_url + url


def _with_query(url: str, query: Query) -> str:
    """``url`` with ``query`` added: a name it gives replaces the request's own parameter
    of that name, and ``None`` leaves it out."""
    url, mark, fragment = url.partition("#")
    path, _, old = url.partition("?")
    kept = [
        p for p in old.split("&") if p and unquote(p.partition("=")[0]) not in query
    ]
    for name, value in query.items():
        if value is not None:
            text = str(value).lower() if isinstance(value, bool) else str(value)
            kept.append(f"{quote(name, safe='')}={quote(text, safe='')}")
    return path + ("?" + "&".join(kept) if kept else "") + mark + fragment


def _build(
    http: httpx.Client | httpx.AsyncClient,
    request: _runtime.Request,
    url: str,
    headers: dict[str, str],
    applied: _auth.Applied,
    timeout: Timeout,
    query: Query | None,
) -> httpx.Request:
    """One attempt's request, its credentials added, logged at DEBUG without them."""
    content, data, files = request.content, request.data, request.files
    sent_headers = applied.headers_with(headers)
    if request.required_body and not data and not files:
        content, sent_headers["Content-Type"] = _runtime.empty_form(files is not None)
        data = files = None
    outgoing = http.build_request(
        request.method,
        applied.url(_with_query(url, query) if query else url),
        headers=sent_headers,
        content=content,
        data=data,
        files=files,
        timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
    )
    _auth.log_attempt(request.operation, outgoing, applied)
    return outgoing


def _next_delay(
    client: SyncClient | AsyncClient,
    request: _runtime.Request,
    attempt: int,
    retries: int,
    outcome: tuple[httpx.Response | None, ApiError | None],
    keyed: bool,
) -> float:
    """Seconds to wait before the next attempt, or -1 when this outcome is final."""
    response, error = outcome
    if attempt >= retries:
        return -1.0
    policy = client._retry_policy
    delay = _runtime.retry_delay(policy, request, attempt, response, error, keyed)
    if delay >= 0:
        why = (
            f"HTTP {response.status_code}"
            if response is not None
            else str(error).removeprefix(request.operation + ": ")
        )
        _runtime.log_retry(request, attempt, retries, delay, why)
        if policy.on_retry is not None:
            cause = response if response is not None else error
            assert cause is not None
            policy.on_retry(attempt + 1, delay, cause)
    return delay


def _set_options(
    clone: SyncClient | AsyncClient,
    timeout: Timeout,
    max_retries: int | None,
    headers: Mapping[str, str] | None,
) -> None:
    clone._owns_http = False  # the pool is the original's to close
    if timeout is not None:
        clone._timeout = timeout
    if max_retries is not None:
        clone._max_retries = max_retries
    clone._headers = {**clone._headers, **(headers or {})}


class SyncClient:
    """The synchronous client's machinery."""

    def __init__(
        self,
        base_url: str,
        auth: _auth.Credentials,
        *,
        user_agent: str,
        timeout: float | httpx.Timeout,
        max_retries: int,
        retry_policy: _runtime.RetryPolicy,
        accept: str | None,
        max_connections: int,
        http_client: httpx.Client | None,
    ) -> None:
        self._base_url = base_url
        self._auth = auth
        self._user_agent = user_agent
        self._max_retries = max_retries
        self._retry_policy = retry_policy
        self._accept = accept
        self._timeout: Timeout = (
            None  # the connection pool's, unless with_options sets one
        )
        self._headers: dict[str, str] = {}
        self._owns_http = http_client is None
        tls = auth.prepare(base_url, borrowed_http=http_client is not None)
        if http_client is None:
            http_client = httpx.Client(
                timeout=timeout, limits=_limits(max_connections), verify=tls or True
            )
        self._http = http_client

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    def with_options(
        self,
        *,
        timeout: Timeout = None,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A copy of the client that shares its connection pool and credentials, with
        other defaults for every call: what is not given stays as it is. Closing the copy
        leaves the pool open; close the client it came from."""
        clone = copy.copy(self)
        _set_options(clone, timeout, max_retries, headers)
        return clone

    def close(self) -> None:
        """Close the connection pool, unless the caller passed its own http_client."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(
        self,
        request: _runtime.Request,
        timeout: Timeout,
        max_retries: int | None,
        accept: str | None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Query | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """Send with retries; return the final answer or raise the final transport error.

        Credentials are added to each attempt; after a 401 to tokens the client fetched,
        it fetches new ones and tries once more (not counted as a retry)."""
        requirement = self._auth.select(request)  # before anything is sent
        headers = _headers(self, request, accept, extra_headers)
        key = _runtime.idempotency_key(self._retry_policy, request, headers)
        headers.update(key or {})
        retries = self._max_retries if max_retries is None else max_retries
        timeout = self._timeout if timeout is None else timeout
        url = _absolute(self._base_url, request.url)
        attempt, renewed = 0, False
        while True:
            applied = self._auth.sync_apply(requirement, self._http, request.operation)
            response: httpx.Response | None = None
            error: ApiError | None = None
            try:
                outgoing = _build(
                    self._http, request, url, headers, applied, timeout, extra_query
                )
                auth = self._auth.custom or self._http.auth
                response = self._http.send(outgoing, stream=stream, auth=auth)
            except _runtime.TRANSPORT_ERRORS as exc:
                error = _runtime.transport_error(request, exc)
            if not renewed and self._auth.renew(response, applied):
                assert response is not None
                response.close()
                renewed = True
                continue
            outcome = (response, error)
            delay = _next_delay(
                self, request, attempt, retries, outcome, key is not None
            )
            if delay < 0:
                if response is None:
                    assert error is not None
                    raise error
                return response
            if response is not None:
                response.close()
            time.sleep(delay)
            attempt += 1

    @contextlib.contextmanager
    def _stream(
        self,
        request: _runtime.Request,
        parse: Callable[[httpx.Response], Any],
        timeout: Timeout,
        max_retries: int | None,
        accept: str | None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Query | None = None,
    ) -> Iterator[httpx.Response]:
        """The answer unread, for its body to be streamed; an error status raises first
        (``parse`` raises it), and the connection is released when the block ends."""
        response = self._send(
            request, timeout, max_retries, accept, extra_headers, extra_query, True
        )
        try:
            if not response.is_success:
                response.read()
                parse(response)
            yield response
        finally:
            response.close()

    def _events(
        self,
        request: _runtime.Request,
        parse: Callable[[httpx.Response], Any],
        kind: str,
        decode: Callable[[str, httpx.Response], Any],
        options: tuple[Timeout, int | None, str | None, Any, Any],
    ) -> _sse.Stream[Any]:
        """A streamed answer (Server-Sent Events, JSON lines), opened when entered."""
        from . import _sse  # only for APIs that stream: kept off the import path

        timeout, max_retries, accept, extra_headers, extra_query = options

        def open_stream(sent: _runtime.Request) -> Any:
            return self._stream(
                sent, parse, timeout, max_retries, accept, extra_headers, extra_query
            )

        retries = self._max_retries if max_retries is None else max_retries
        source = _sse.Source(open_stream, request, kind, decode, retries)
        return _sse.Stream(source)


class AsyncClient:
    """The asynchronous client's machinery."""

    def __init__(
        self,
        base_url: str,
        auth: _auth.Credentials,
        *,
        user_agent: str,
        timeout: float | httpx.Timeout,
        max_retries: int,
        retry_policy: _runtime.RetryPolicy,
        accept: str | None,
        max_connections: int,
        http_client: httpx.AsyncClient | None,
    ) -> None:
        self._base_url = base_url
        self._auth = auth
        self._user_agent = user_agent
        self._max_retries = max_retries
        self._retry_policy = retry_policy
        self._accept = accept
        self._timeout: Timeout = (
            None  # the connection pool's, unless with_options sets one
        )
        self._headers: dict[str, str] = {}
        self._owns_http = http_client is None
        tls = auth.prepare(base_url, borrowed_http=http_client is not None)
        if http_client is None:
            http_client = httpx.AsyncClient(
                timeout=timeout, limits=_limits(max_connections), verify=tls or True
            )
        self._http = http_client

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    def with_options(
        self,
        *,
        timeout: Timeout = None,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A copy of the client that shares its connection pool and credentials, with
        other defaults for every call: what is not given stays as it is. Closing the copy
        leaves the pool open; close the client it came from."""
        clone = copy.copy(self)
        _set_options(clone, timeout, max_retries, headers)
        return clone

    async def aclose(self) -> None:
        """Close the connection pool, unless the caller passed its own http_client."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _send(
        self,
        request: _runtime.Request,
        timeout: Timeout,
        max_retries: int | None,
        accept: str | None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Query | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """Send with retries; return the final answer or raise the final transport error.

        Credentials are added to each attempt; after a 401 to tokens the client fetched,
        it fetches new ones and tries once more (not counted as a retry)."""
        requirement = self._auth.select(request)  # before anything is sent
        headers = _headers(self, request, accept, extra_headers)
        key = _runtime.idempotency_key(self._retry_policy, request, headers)
        headers.update(key or {})
        retries = self._max_retries if max_retries is None else max_retries
        timeout = self._timeout if timeout is None else timeout
        url = _absolute(self._base_url, request.url)
        attempt, renewed = 0, False
        while True:
            applied = await self._auth.async_apply(
                requirement, self._http, request.operation
            )
            response: httpx.Response | None = None
            error: ApiError | None = None
            try:
                outgoing = _build(
                    self._http, request, url, headers, applied, timeout, extra_query
                )
                auth = self._auth.custom or self._http.auth
                response = await self._http.send(outgoing, stream=stream, auth=auth)
            except _runtime.TRANSPORT_ERRORS as exc:
                error = _runtime.transport_error(request, exc)
            if not renewed and self._auth.renew(response, applied):
                assert response is not None
                await response.aclose()
                renewed = True
                continue
            outcome = (response, error)
            delay = _next_delay(
                self, request, attempt, retries, outcome, key is not None
            )
            if delay < 0:
                if response is None:
                    assert error is not None
                    raise error
                return response
            if response is not None:
                await response.aclose()
            await asyncio.sleep(delay)
            attempt += 1

    @contextlib.asynccontextmanager
    async def _stream(
        self,
        request: _runtime.Request,
        parse: Callable[[httpx.Response], Any],
        timeout: Timeout,
        max_retries: int | None,
        accept: str | None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Query | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """The answer unread, for its body to be streamed; an error status raises first
        (``parse`` raises it), and the connection is released when the block ends."""
        response = await self._send(
            request, timeout, max_retries, accept, extra_headers, extra_query, True
        )
        try:
            if not response.is_success:
                await response.aread()
                parse(response)
            yield response
        finally:
            await response.aclose()

    def _events(
        self,
        request: _runtime.Request,
        parse: Callable[[httpx.Response], Any],
        kind: str,
        decode: Callable[[str, httpx.Response], Any],
        options: tuple[Timeout, int | None, str | None, Any, Any],
    ) -> _sse.AsyncStream[Any]:
        """A streamed answer (Server-Sent Events, JSON lines), opened when entered."""
        from . import _sse  # only for APIs that stream: kept off the import path

        timeout, max_retries, accept, extra_headers, extra_query = options

        def open_stream(sent: _runtime.Request) -> Any:
            return self._stream(
                sent, parse, timeout, max_retries, accept, extra_headers, extra_query
            )

        retries = self._max_retries if max_retries is None else max_retries
        source = _sse.Source(open_stream, request, kind, decode, retries)
        return _sse.AsyncStream(source)
