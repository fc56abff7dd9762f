"""Request encoding, retries and response decoding shared by both clients. Not public API."""

from __future__ import annotations

import datetime
import enum
import logging
import os
import random
import ssl
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, TypeVar, cast
from urllib.parse import quote, urlsplit

import httpx
import msgspec

from ._errors import (
    ApiConnectionError,
    ApiError,
    ApiStatusError,
    ApiTimeoutError,
    ResponseDecodeError,
)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
DEFAULT_MAX_RETRIES = 3
DEFAULT_MAX_CONNECTIONS = 20
JSON = "application/json"
_JSON_TYPES = (JSON, "text/json")
_XML_TYPES = ("application/xml", "text/xml")
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
_TIMEOUT_PHASES = {
    httpx.ConnectTimeout: "connect",
    httpx.ReadTimeout: "read",
    httpx.WriteTimeout: "write",
    httpx.PoolTimeout: "pool",
}
log = logging.getLogger(__package__)
T = TypeVar("T")
FilePart = tuple[str | None, bytes, str | None]
# One security requirement: every (scheme, scopes) in it is sent together.
Requirement = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class Request:
    """A request ready to send, relative to the client's base URL."""

    operation: str
    method: str
    url: str
    headers: dict[str, str]
    auth: tuple[Requirement, ...]  # alternatives: the first the client can meet is sent
    accepts: tuple[str, ...]
    content: bytes | None = None
    data: dict[str, str | list[str]] | None = None
    files: list[tuple[str, FilePart]] | None = None
    required_body: bool = False  # a form the spec requires: sent even with no field
    idempotent: bool = (
        False  # marked so in the spec (x-apiforge-idempotent): retried as PUT
    )


def empty_form(multipart: bool) -> tuple[bytes, str]:
    """The body and content type of a form with no field: a required body given no
    field is an empty form, not a missing body."""
    if not multipart:
        return b"", "application/x-www-form-urlencoded"
    boundary = uuid.uuid4().hex
    return f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait between attempts.

    Attributes:
        backoff_base: The first backoff ceiling in seconds; it doubles on each retry.
        backoff_max: The largest backoff ceiling in seconds. The wait is drawn uniformly
            between 0 and the ceiling ("full jitter"), so clients do not retry in step.
        retry_after_max: The longest ``Retry-After`` the client honours, in seconds;
            a longer one is cut to this.
        statuses: The HTTP statuses that are retried.
        idempotent: Operation ids whose POST or PATCH may be retried like a PUT, beside
            those the spec marks (``x-apiforge-idempotent: true``).
        idempotency_header: A header (``"Idempotency-Key"``) given a fresh key on each
            call of a POST or PATCH that does not set it, the same key on every attempt;
            the service then acts once, so the call is retried like a PUT.
        on_retry: Called before each retry with the attempt number (1 for the first
            retry), the delay in seconds, and the cause: the answer, or the exception.
    """

    backoff_base: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 60.0
    statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    idempotent: frozenset[str] = frozenset()
    idempotency_header: str | None = None
    on_retry: Callable[[int, float, httpx.Response | ApiError], None] | None = None


DEFAULT_RETRY_POLICY = RetryPolicy()


def base_url(
    template: str,
    variables: dict[str, str],
    *,
    encoded: tuple[str, ...] = (),
    allow_insecure_http: bool = False,
) -> str:
    """The server URL with its variables filled in, without a trailing slash.

    Plain http is refused unless the host is loopback or the caller opts in, because
    the credentials would cross the network in clear text.
    """
    url = template
    for name, value in variables.items():
        text = quote(value, safe="") if name in encoded else value.rstrip("/")
        url = url.replace("{" + name + "}", text)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"endpoint must be an http:// or https:// URL, got {url!r}")
    check_encrypted(url, allow_insecure_http, "the key")
    return url.rstrip("/")


def check_encrypted(url: str, allow_insecure_http: bool, what: str) -> None:
    """Refuse plain http to a host that is not loopback, unless the caller opts in."""
    host = urlsplit(url).hostname or ""
    if (
        urlsplit(url).scheme == "http"
        and not allow_insecure_http
        and not _loopback(host)
    ):
        raise ValueError(
            f"refusing plain http to {host!r}: {what} would travel unencrypted; "
            "use https, or pass allow_insecure_http=True"
        )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        import ipaddress  # only for plain-http endpoints: kept off the import path

        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def uuid_text(name: str, value: uuid.UUID | str) -> str:
    """The canonical text of a UUID argument; a string that is not one is refused."""
    if isinstance(value, uuid.UUID):
        return str(value)
    try:
        return str(uuid.UUID(value))
    except (TypeError, ValueError, AttributeError):
        raise ValueError(f"{name} must be a UUID, got {value!r}") from None


def text(value: object) -> str:
    """The wire text of a scalar argument. An object or a list inside an object or list
    parameter (an exploded object's nested property, say) has no text OpenAPI defines:
    it is sent as JSON, never as Python's repr."""
    if isinstance(value, msgspec.Struct | dict | list | tuple):
        return json_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def to_wire(value: Any) -> Any:
    """Plain JSON data for a request body: read-only fields and unset optionals left
    out (``None`` where the default is ``None``; else ``UNSET``: None sends null)."""
    if isinstance(value, msgspec.Struct):
        read_only: frozenset[str] = getattr(
            type(value), "__apiforge_read_only__", frozenset()
        )
        out = {}
        for f in msgspec.structs.fields(value):
            item = getattr(value, f.name)
            unset = item is msgspec.UNSET or (item is None and f.default is None)
            if f.encode_name in read_only or unset:
                continue
            out[f.encode_name] = to_wire(item)
        return out
    if isinstance(value, dict):
        return {str(k): to_wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    return getattr(value, "raw", value)  # an UnknownVariant sends back what it received


def encode_json(value: Any) -> bytes:
    """A JSON request body."""
    return msgspec.json.encode(to_wire(value))


def read_bytes(value: str | bytes | BinaryIO) -> bytes:
    """The bytes of a binary body, read once so a retry can send them again."""
    if isinstance(value, str):
        return value.encode("utf-8")
    return value if isinstance(value, bytes) else value.read()


def file_part(name: str, value: bytes | BinaryIO) -> FilePart:
    """A multipart file part: (file name, bytes, content type)."""
    filename = os.path.basename(str(getattr(value, "name", "") or name))
    return filename, read_bytes(value), "application/octet-stream"


def text_part(value: str) -> FilePart:
    """A multipart part that is a plain text field, not a file."""
    return None, value.encode("utf-8"), None


def json_text(value: Any) -> str:
    """A value as JSON text: a form field or query value whose structure OpenAPI leaves
    undefined (an array of objects), or whose encoding says JSON."""
    return encode_json(value).decode()


def json_part(value: Any) -> FilePart:
    """A multipart part holding JSON: OpenAPI's default for an object or array field."""
    return None, encode_json(value), "application/json"


def value_part(value: Any) -> FilePart:
    """A multipart part for a value known only at run time (a union): JSON for an
    object or a list, else text."""
    data = to_wire(value)
    if isinstance(data, dict | list):
        return None, msgspec.json.encode(data), "application/json"
    return text_part(text(data))


def value_text(value: Any) -> str:
    """The text of a value known only at run time (a union): JSON for an object or a
    list, else its plain text."""
    data = to_wire(value)  # once: plain data is encoded as it is
    return (
        msgspec.json.encode(data).decode()
        if isinstance(data, dict | list)
        else text(data)
    )


def form_pairs(
    name: str, value: Any, explode: bool, separator: str = ","
) -> list[tuple[str, str]]:
    """A query value whose kind is known only at run time (a union of a scalar and a
    list, say): sent as the form style sends that kind. A list is a pair per item when
    exploded, else one joined value (a list of objects is one JSON text); an object is
    a pair per property when exploded, else ``key,value`` text; anything else is text.
    """
    data = to_wire(value)
    if isinstance(data, list) and any(isinstance(i, dict | list) for i in data):
        return [(name, json_text(data))]
    if isinstance(data, list):
        texts = [text(i) for i in data]
        return (
            [(name, t) for t in texts] if explode else [(name, separator.join(texts))]
        )
    if isinstance(data, dict):
        return object_pairs(data) if explode else [(name, object_text(data))]
    return [(name, text(data))]


def simple_text(value: Any) -> str:
    """A header value whose kind is known only at run time: the simple style's text of
    that kind (``a,b`` for a list, ``key,value`` for an object)."""
    data = to_wire(value)
    if isinstance(data, list) and not any(isinstance(i, dict | list) for i in data):
        return ",".join(text(i) for i in data)
    if isinstance(data, dict):
        return object_text(data)
    return text(data)


def add_pairs(data: dict[str, str | list[str]], pairs: list[tuple[str, str]]) -> None:
    """Add form pairs to a form's fields; a name that repeats becomes a list."""
    for key, value in pairs:
        held = data.get(key)
        if held is None:
            data[key] = value
        elif isinstance(held, list):
            held.append(value)
        else:
            data[key] = [held, value]


def form_entries(fields: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """A form given as a mapping (its schema names no field): a list is a repeated field."""
    return {
        str(k): [text(i) for i in v] if isinstance(v, list | tuple) else text(v)
        for k, v in fields.items()
    }


def multipart_entries(fields: Mapping[str, Any]) -> list[tuple[str, FilePart]]:
    """Multipart parts from a mapping: bytes or a file make a file part, the rest text."""
    parts: list[tuple[str, FilePart]] = []
    for k, v in fields.items():
        for item in v if isinstance(v, list | tuple) else [v]:
            is_file = isinstance(item, bytes) or hasattr(item, "read")
            parts.append(
                (str(k), file_part(str(k), item) if is_file else text_part(text(item)))
            )
    return parts


def _items(value: Any) -> list[tuple[str, Any]]:
    data = to_wire(value)
    return [(str(k), v) for k, v in data.items()] if isinstance(data, dict) else []


def deep_object(name: str, value: Any) -> list[tuple[str, str]]:
    """``style: deepObject``: ``name[key]=value`` for each property."""
    return [(f"{name}[{k}]", text(v)) for k, v in _items(value)]


def deep_value(name: str, value: Any) -> list[tuple[str, str]]:
    """``style: deepObject`` on a union: an object's ``name[key]`` pairs, a list's
    ``name[]`` items, any other value as ``name`` itself."""
    data = to_wire(value)
    if isinstance(data, dict):
        return deep_object(name, data)
    if isinstance(data, list):
        return [(f"{name}[]", text(item)) for item in data]
    return [(name, text(data))]


def deep_items(name: str, value: Any) -> list[tuple[str, str]]:
    """``style: deepObject`` on a list of objects: ``name[0][key]`` pairs per item."""
    pairs: list[tuple[str, str]] = []
    for index, item in enumerate(to_wire(value)):
        if isinstance(item, dict):
            pairs += [(f"{name}[{index}][{k}]", text(v)) for k, v in item.items()]
        else:
            pairs.append((f"{name}[]", text(item)))
    return pairs


def object_pairs(value: Any) -> list[tuple[str, str]]:
    """An exploded form object: one ``key=value`` per property."""
    return [(k, text(v)) for k, v in _items(value)]


def object_text(value: Any) -> str:
    """A non-exploded object: ``key,value,key,value``."""
    return ",".join(f"{k},{text(v)}" for k, v in _items(value))


def path_segment(value: str, name: str = "") -> str:
    """Percent-encode one path segment, so an argument cannot add or remove segments
    (``..`` and ``.`` are encoded too: URL normalisation would resolve them). An empty
    value is refused: ``/projects//evaluations`` reaches some other route, or none."""
    if name and not value:
        raise _empty_path(name)
    if value in (".", ".."):
        return value.replace(".", "%2E")
    return quote(value, safe="")


def path_object(value: Any, explode: bool, name: str) -> str:
    """An object in a path (style simple): ``k,v,k,v``, or ``k=v,k=v`` when exploded;
    each key and value percent-encoded by itself, so the separators stay."""
    joiner = "=" if explode else ","
    written = ",".join(
        f"{quote(k, safe='')}{joiner}{quote(text(v), safe='')}"
        for k, v in _items(value)
    )
    if not written:
        raise _empty_path(name)
    return written


def _empty_path(name: str) -> ValueError:
    return ValueError(f"{name} is empty: a path parameter needs a value")


def query_string(pairs: Sequence[tuple[str, str]]) -> str:
    """``?a=1&b=x,y``: values are percent-encoded but keep commas as list separators."""
    if not pairs:
        return ""
    return "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe=',')}" for k, v in pairs)


def check_range(
    name: str, value: float, minimum: float | None, maximum: float | None
) -> None:
    """Refuse a number outside the limits the spec sets."""
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")


def check_items(
    name: str,
    values: Sequence[Any] | None,
    min_items: int | None,
    max_items: int | None,
) -> None:
    """Refuse a list with fewer or more items than the spec allows."""
    if values is None:
        return
    if isinstance(values, str | bytes):
        raise ValueError(f"{name} must be a list, not a single {type(values).__name__}")
    if min_items is not None and len(values) < min_items:
        raise ValueError(
            f"{name} must have at least {min_items} items, got {len(values)}"
        )
    if max_items is not None and len(values) > max_items:
        raise ValueError(
            f"{name} must have at most {max_items} items, got {len(values)}"
        )


def accept_header(request: Request, accept: str | None) -> str:
    """The Accept header: the type the method decodes, unless the caller prefers another
    type the spec declares."""
    if accept is None:
        # The first declared is the one the method decodes (the generator puts it first).
        return request.accepts[0] if request.accepts else JSON
    if accept not in request.accepts:
        allowed = ", ".join(request.accepts)
        raise ValueError(f"accept must be one of {allowed}, got {accept!r}")
    return accept


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds, from either of its forms (delta seconds or HTTP date)."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        import email.utils  # only for a Retry-After date: kept off the import path

        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())


def idempotency_key(
    policy: RetryPolicy, request: Request, headers: Mapping[str, str]
) -> dict[str, str] | None:
    """The idempotency header to add to every attempt of this call, where the policy
    names one and the method may act twice: a fresh key, or none to add when ``headers``
    carry the caller's own. None when the call is not keyed."""
    name = policy.idempotency_header
    if name is None or request.method in _IDEMPOTENT:
        return None
    if any(k.lower() == name.lower() for k in headers):
        return {}
    return {name: str(uuid.uuid4())}


def retry_delay(
    policy: RetryPolicy,
    request: Request,
    attempt: int,
    response: httpx.Response | None = None,
    error: ApiError | None = None,
    keyed: bool = False,
) -> float:
    """Seconds to wait before retry number ``attempt + 1``, or -1 when not to retry.

    An idempotent request (GET, PUT, DELETE...; one the spec or the policy marks; one
    sent with an idempotency key, ``keyed``) is retried on every status of the policy
    and every broken connection. Any other (a POST or PATCH that may charge twice) only
    where the failure proves it was not acted on: a connection never made, or a 429 or
    503 that says when to come back (``Retry-After``).
    """
    safe = (
        keyed
        or request.idempotent
        or request.method in _IDEMPOTENT
        or request.operation in policy.idempotent
    )
    if response is not None:
        if response.status_code not in policy.statuses:
            return -1
        after = _retry_after(response)
        told = after is not None and response.status_code in (429, 503)
        if not (safe or told):
            return -1
        if after is not None:
            return min(after, policy.retry_after_max)
    elif isinstance(error, ApiTimeoutError | ApiConnectionError):
        never_sent = (
            isinstance(error, ApiTimeoutError) and error.phase in ("connect", "pool")
        ) or (isinstance(error, ApiConnectionError) and error.never_sent)
        if not (safe or never_sent):
            return -1
    else:
        return -1
    ceiling = min(policy.backoff_max, policy.backoff_base * 2**attempt)
    return random.uniform(0, ceiling)


# httpcore's async backend lets an ``ssl.SSLError`` raised while reading escape unwrapped:
# a TLS 1.3 server refuses a missing client certificate only after the handshake, so the
# alert arrives with the first read. Both spell "the connection failed".
TRANSPORT_ERRORS = (httpx.RequestError, ssl.SSLError)


def transport_error(
    request: Request, exc: httpx.RequestError | ssl.SSLError
) -> ApiError:
    """Our exception for an httpx failure (transport or body decoding); no headers in it."""
    for kind, phase in _TIMEOUT_PHASES.items():
        if isinstance(exc, kind):
            message = f"{request.operation}: timed out in the {phase} phase"
            return ApiTimeoutError(message, operation=request.operation, phase=phase)
    detail = str(exc) or "no detail"
    message = f"{request.operation}: connection failed: {type(exc).__name__}: {detail}"
    # ConnectError: refused, unreachable, no such host: nothing reached the service.
    never_sent = isinstance(exc, httpx.ConnectError)
    return ApiConnectionError(
        message, operation=request.operation, never_sent=never_sent
    )


def log_retry(
    request: Request, attempt: int, retries: int, delay: float, why: str
) -> None:
    """One DEBUG line per retry; never the headers, so never the key."""
    log.debug(
        "%s: %s; retry %d of %d in %.2fs",
        request.operation,
        why,
        attempt + 1,
        retries,
        delay,
    )


def _media(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "")).split(";")[0].strip().lower()


def _syntax(media: str) -> str:
    """ "json" or "xml" for the media types the decoders read, else ""."""
    if media in _JSON_TYPES or media.endswith("+json"):
        return "json"
    if media in _XML_TYPES or media.endswith("+xml"):
        return "xml"
    return ""


# A JSON string that is a date-time with a fraction finer than microseconds.
def _decode_json(body: bytes, decoder: msgspec.json.Decoder[T]) -> T:
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as exc:
        from . import _mend  # only for answers that break their declared formats

        return _mend.decode(body, decoder, exc)


def _decode_body(
    response: httpx.Response, decoder: msgspec.json.Decoder[T], t: Any
) -> T:
    media = _media(response)
    syntax = _syntax(media)
    if syntax == "json":
        return _decode_json(response.content, decoder)
    if syntax == "xml":
        from . import _xml  # XML is rare: its parser is not imported until needed

        # The JSON decoder's hook (union decoding) serves the XML decoder as well.
        return cast(T, _xml.decode(response.content, t, dec_hook=decoder.dec_hook))
    raise TypeError(f"unexpected content type {media or 'none'!r}")


def decode(
    response: httpx.Response, decoder: msgspec.json.Decoder[T], t: Any, operation: str
) -> T:
    """Decode a 2xx body from JSON or XML, or raise ``ResponseDecodeError`` saying why."""
    try:
        return _decode_body(response, decoder, t)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError) as exc:
        raise ResponseDecodeError(
            str(exc), operation=operation, response=response
        ) from None


def status_error(
    response: httpx.Response,
    decoder: msgspec.json.Decoder[Any] | None,
    t: Any,
    operation: str,
) -> ApiStatusError:
    """The ``ApiStatusError`` for a non-2xx answer, its error body decoded when possible."""
    error = None
    if decoder is not None and t is not None:
        try:
            error = _decode_body(response, decoder, t)
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError):
            error = None
    return ApiStatusError(operation=operation, response=response, error=error)
