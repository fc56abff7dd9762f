"""Raw answers: ``client.with_raw_response.<operation>(...)`` gives the status, the headers
and the ``httpx.Response`` beside the parsed result.

An operation method returns ``parsed(response, parse)``. A raw call runs the same method
with a slot in a context variable: ``parsed`` then leaves the successful answer in the
slot instead of parsing it, and the raw call wraps it in an ``ApiResponse`` whose
``parse()`` decodes it on demand. An error status raises as it always does. So each
operation is written once, and a raw view is one line per operation (``raw(method)``),
typed from the method itself.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, cast, overload

import httpx

P = ParamSpec("P")
T = TypeVar("T")
H = TypeVar("H")


@dataclass
class _Slot:
    response: httpx.Response | None = None
    parse: Callable[[httpx.Response], Any] | None = None


_WAITING: contextvars.ContextVar[_Slot | None] = contextvars.ContextVar(
    "apiforge_raw_response", default=None
)


def parsed(response: httpx.Response, parse: Callable[[httpx.Response], T]) -> T:
    """``parse(response)``; in a raw call, a successful answer is left for it instead
    (the method's return value is then not used)."""
    slot = _WAITING.get()
    if slot is None or slot.response is not None or not response.is_success:
        return parse(response)
    slot.response, slot.parse = response, parse
    return cast(T, None)


class ApiResponse(Generic[T]):
    """A successful answer, unparsed until ``parse()`` is called."""

    def __init__(
        self, http_response: httpx.Response, parse: Callable[[httpx.Response], T]
    ) -> None:
        self.http_response = http_response
        self._parse = parse
        self._parsed: tuple[T] | None = None

    def __repr__(self) -> str:
        return f"<ApiResponse [{self.status_code}]>"

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """Every header of the answer, by case-insensitive name."""
        return self.http_response.headers

    def parse(self) -> T:
        """The result the operation method returns; decoded once, on the first call.

        Raises:
            ResponseDecodeError: The answer's body breaks the spec.
        """
        if self._parsed is None:
            self._parsed = (self._parse(self.http_response),)
        return self._parsed[0]


class ApiResponseWithHeaders(ApiResponse[T], Generic[T, H]):
    """A successful answer whose declared headers are read, typed, by ``typed_headers``."""

    def __init__(
        self,
        http_response: httpx.Response,
        parse: Callable[[httpx.Response], T],
        headers_type: type[H],
    ) -> None:
        super().__init__(http_response, parse)
        self._headers_type = headers_type
        self._typed: tuple[H] | None = None

    @property
    def typed_headers(self) -> H:
        """The headers the spec declares for this answer, each as its type (``int``,
        ``datetime``, a list...), ``None`` where absent; read once.

        Raises:
            ResponseDecodeError: A declared header's value is not of its type.
        """
        if self._typed is None:
            self._typed = (read_headers(self.http_response, self._headers_type),)
        return self._typed[0]


def read_headers(response: httpx.Response, headers_type: type[H]) -> H:
    """The declared headers of ``response`` as ``headers_type`` (a Struct of optional
    fields named by the headers): text read as each field's type; a list from the
    comma-separated values; a date-time from RFC 3339 or the HTTP date format."""
    import datetime
    import email.utils

    import msgspec

    from ._errors import ResponseDecodeError

    found: dict[str, Any] = {}
    for field in msgspec.structs.fields(headers_type):  # type: ignore[arg-type]
        if field.encode_name not in response.headers:
            continue
        values = response.headers.get_list(field.encode_name, split_commas=True)
        text = ", ".join(response.headers.get_list(field.encode_name))
        wanted = str(field.type)
        found[field.encode_name] = values if "list[" in wanted else text
        if "datetime" in wanted and "list[" not in wanted:
            try:
                datetime.datetime.fromisoformat(text)
            except ValueError:
                with contextlib.suppress(TypeError, ValueError):
                    found[field.encode_name] = email.utils.parsedate_to_datetime(text)
    try:
        return msgspec.convert(found, headers_type, strict=False)
    except msgspec.ValidationError as exc:
        operation = response.request.url.path if response.request else ""
        raise ResponseDecodeError(
            f"a header: {exc}", operation=operation, response=response
        ) from None


@contextlib.contextmanager
def _waiting() -> Iterator[_Slot]:
    """A slot ``parsed`` leaves the answer in, for the calls made inside the block (an
    async call's too: the context variable follows the task)."""
    slot = _Slot()
    token = _WAITING.set(slot)
    try:
        yield slot
    finally:
        _WAITING.reset(token)


def _taken(slot: _Slot, headers: type[Any] | None = None) -> ApiResponse[Any]:
    if slot.response is None or slot.parse is None:  # the method sent nothing
        raise RuntimeError("the operation gave no answer to wrap")
    if headers is not None:
        return ApiResponseWithHeaders(slot.response, slot.parse, headers)
    return ApiResponse(slot.response, slot.parse)


class RawView:
    """The operations of one client, each returning an ``ApiResponse``."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


class raw(Generic[P, T]):
    """A ``RawView`` attribute: the synchronous operation ``method``, answering raw."""

    def __init__(self, method: Callable[Concatenate[Any, P], T]) -> None:
        self._method = method

    @overload
    def __get__(self, view: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(
        self, view: RawView, owner: type[Any]
    ) -> Callable[P, ApiResponse[T]]: ...

    def __get__(self, view: RawView | None, owner: type[Any]) -> Any:
        if view is None:
            return self
        method, client = self._method, view._client

        def call(*args: P.args, **kwargs: P.kwargs) -> ApiResponse[T]:
            with _waiting() as slot:
                method(client, *args, **kwargs)
            return _taken(slot, None)

        return call


class araw(Generic[P, T]):
    """A ``RawView`` attribute: the asynchronous operation ``method``, answering raw."""

    def __init__(self, method: Callable[Concatenate[Any, P], Awaitable[T]]) -> None:
        self._method = method

    @overload
    def __get__(self, view: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(
        self, view: RawView, owner: type[Any]
    ) -> Callable[P, Awaitable[ApiResponse[T]]]: ...

    def __get__(self, view: RawView | None, owner: type[Any]) -> Any:
        if view is None:
            return self
        method, client = self._method, view._client

        async def call(*args: P.args, **kwargs: P.kwargs) -> ApiResponse[T]:
            with _waiting() as slot:
                await method(client, *args, **kwargs)
            return _taken(slot, None)

        return call


class raw_with_headers(Generic[P, T, H]):
    """``raw`` for an operation whose answer declares headers: typed ones come too."""

    def __init__(
        self, method: Callable[Concatenate[Any, P], T], headers: type[H]
    ) -> None:
        self._method, self._headers = method, headers

    @overload
    def __get__(self, view: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(
        self, view: RawView, owner: type[Any]
    ) -> Callable[P, ApiResponseWithHeaders[T, H]]: ...

    def __get__(self, view: RawView | None, owner: type[Any]) -> Any:
        if view is None:
            return self
        method, client, headers = self._method, view._client, self._headers

        def call(*args: P.args, **kwargs: P.kwargs) -> Any:
            with _waiting() as slot:
                method(client, *args, **kwargs)
            return _taken(slot, headers)

        return call


class araw_with_headers(Generic[P, T, H]):
    """``araw`` for an operation whose answer declares headers: typed ones come too."""

    def __init__(
        self, method: Callable[Concatenate[Any, P], Awaitable[T]], headers: type[H]
    ) -> None:
        self._method, self._headers = method, headers

    @overload
    def __get__(self, view: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(
        self, view: RawView, owner: type[Any]
    ) -> Callable[P, Awaitable[ApiResponseWithHeaders[T, H]]]: ...

    def __get__(self, view: RawView | None, owner: type[Any]) -> Any:
        if view is None:
            return self
        method, client, headers = self._method, view._client, self._headers

        async def call(*args: P.args, **kwargs: P.kwargs) -> Any:
            with _waiting() as slot:
                await method(client, *args, **kwargs)
            return _taken(slot, headers)

        return call
