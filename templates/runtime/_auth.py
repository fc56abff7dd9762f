"""Credentials: what each security scheme sends, which of a call's alternatives is met,
and secrets kept out of logs. Not public API.

The generated client gives ``Credentials`` one scheme object per security scheme its
operations use, holding the constructor's argument. Each request lists its alternatives
(``Request.auth``); the first whose every scheme has a credential is sent, all of its
schemes together. Callables are called on every attempt, so keys and tokens can rotate.
Secrets never reach ``repr()``, messages or logs: the DEBUG line of each attempt shows
``[secure]`` in their place, and a filter on httpx's logger does the same for API keys
in the query of the URLs it logs.
"""

from __future__ import annotations

import base64
import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, assert_never
from urllib.parse import quote, urljoin

import httpx

from . import _runtime
from ._oauth2 import OAuth2ClientCredentials, TokenSource

if TYPE_CHECKING:
    import ssl

Token = str | Callable[[], str]
AsyncToken = str | Callable[[], str | Awaitable[str]]
Certificate = str | tuple[str, str] | tuple[str, str, str]  # httpx's former ``cert=``
REDACTED = "[secure]"
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
_COOKIE_SAFE = (
    "!#$%&'()*+-./:<=>?@[]^_`{|}~"  # RFC 6265 cookie-octets, sent as they are
)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An ``apiKey``, sent in the header, query parameter or cookie ``name``."""

    key: str
    argument: str
    location: Literal["header", "query", "cookie"]
    name: str
    value: AsyncToken | None = field(repr=False)


@dataclass(frozen=True, slots=True)
class Http:
    """``Authorization: <scheme> <token>``: bearer, another ``http`` scheme, OpenID
    Connect, or OAuth 2.0 without a client credentials flow."""

    key: str
    argument: str
    scheme: str
    value: AsyncToken | None = field(repr=False)


@dataclass(frozen=True, slots=True)
class Basic:
    """HTTP Basic: ``(username, password)``."""

    key: str
    argument: str
    value: tuple[str, str] | None = field(repr=False)


@dataclass(frozen=True, slots=True)
class OAuth2:
    """OAuth 2.0 with a client credentials flow: credentials to fetch tokens with, or a
    token as for ``Http``."""

    key: str
    argument: str
    value: OAuth2ClientCredentials | AsyncToken | None = field(repr=False)
    token_url: str


@dataclass(frozen=True, slots=True)
class MutualTLS:
    """A client certificate for the TLS handshake, as httpx's former ``cert=`` took it."""

    key: str
    argument: str
    value: Certificate | None = field(repr=False)


Scheme = ApiKey | Http | Basic | OAuth2 | MutualTLS


@dataclass(slots=True)
class Applied:
    """What one attempt sends for its requirement, and the fetched tokens it used."""

    headers: dict[str, str] = field(default_factory=dict, repr=False)
    query: list[tuple[str, str]] = field(default_factory=list, repr=False)
    cookies: list[tuple[str, str]] = field(default_factory=list, repr=False)
    fetched: list[tuple[TokenSource, tuple[str, ...], str]] = field(
        default_factory=list, repr=False
    )

    def url(self, url: str) -> str:
        """``url`` with the API keys of the query added."""
        if not self.query:
            return url
        pairs = "&".join(
            f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in self.query
        )
        return f"{url}{'&' if '?' in url else '?'}{pairs}"

    def headers_with(self, headers: Mapping[str, str]) -> dict[str, str]:
        """``headers`` with the credentials' headers and cookies added."""
        merged = {**headers, **self.headers}
        if self.cookies:
            cookies = "; ".join(f"{name}={value}" for name, value in self.cookies)
            merged["Cookie"] = "; ".join(filter(None, [merged.get("Cookie"), cookies]))
        return merged

    def place(self, scheme: Scheme, secret: str) -> None:
        """Put one scheme's wire value where it travels."""
        match scheme:
            case ApiKey(location="header"):
                self._header(scheme.name, _header_value(scheme.argument, secret))
            case ApiKey(location="query"):
                self.query.append((scheme.name, secret))
            case ApiKey():
                self.cookies.append((scheme.name, quote(secret, safe=_COOKIE_SAFE)))
            case Basic():
                self._header("Authorization", secret)
            case Http() | OAuth2():
                scheme_name = scheme.scheme if isinstance(scheme, Http) else "Bearer"
                if not secret.lower().startswith(scheme_name.lower() + " "):
                    secret = f"{scheme_name} {secret}"
                self._header("Authorization", _header_value(scheme.argument, secret))
            case MutualTLS():
                pass  # presented in the TLS handshake, by the httpx client

    def _header(self, name: str, value: str) -> None:
        # Two schemes of one requirement that both use Authorization: both values, as
        # two header fields would be joined (RFC 9110, section 5.3).
        before = self.headers.get(name)
        self.headers[name] = value if before is None else f"{before}, {value}"


class Credentials:
    """The credentials a client holds, by scheme key, and an ``httpx.Auth`` for the rest."""

    def __init__(
        self,
        *schemes: Scheme,
        custom: httpx.Auth | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        for scheme in schemes:
            _check(scheme)
        self._schemes = {s.key: s for s in schemes}
        self.custom = custom  # the caller's own httpx.Auth, run on every request
        self._allow_insecure_http = allow_insecure_http
        self._sources: dict[str, TokenSource] = {}
        self._borrowed_http = False
        query = [
            s.name for s in schemes if isinstance(s, ApiKey) and s.location == "query"
        ]
        if query:
            _QUERY_KEYS.protect(query)

    def prepare(self, base_url: str, *, borrowed_http: bool) -> ssl.SSLContext | None:
        """Settle what depends on the client: token endpoints (a relative one against
        the base URL), and the TLS context of a client certificate for its own pool."""
        self._borrowed_http = borrowed_http
        context = None
        for s in self._schemes.values():
            if isinstance(s, OAuth2) and isinstance(s.value, OAuth2ClientCredentials):
                url = urljoin(base_url + "/", s.value.token_url or s.token_url)
                what = "the client secret"
                _runtime.check_encrypted(url, self._allow_insecure_http, what)
                self._sources[s.key] = TokenSource(s.value, url)
            elif isinstance(s, MutualTLS) and s.value is not None:
                if borrowed_http:
                    raise ValueError(
                        f"{s.argument}: a client certificate cannot be added to the "
                        "http_client you pass; configure it there (verify=ssl_context)"
                    )
                context = _ssl_context(s.value)
        return context

    def select(self, request: _runtime.Request) -> _runtime.Requirement:
        """The first of the request's alternatives whose every scheme has a credential;
        ``ValueError`` when none has, unless the caller gave an ``httpx.Auth``."""
        for requirement in request.auth:
            if all(self._holds(key) for key, _ in requirement):
                return requirement
        if request.auth and self.custom is None:
            wanted = " or ".join(
                " and ".join(self._argument(key) for key, _ in requirement)
                for requirement in request.auth
            )
            raise ValueError(
                f"{request.operation} needs credentials the client was not given: "
                f"pass {wanted} to the client, or auth= with an httpx.Auth"
            )
        return ()

    def _holds(self, key: str) -> bool:
        scheme = self._schemes.get(key)
        if isinstance(scheme, MutualTLS):
            return scheme.value is not None or self._borrowed_http
        return scheme is not None and scheme.value is not None

    def _argument(self, key: str) -> str:
        scheme = self._schemes.get(key)
        return f"{scheme.argument}=" if scheme is not None else repr(key)

    def sync_apply(
        self, requirement: _runtime.Requirement, http: httpx.Client, operation: str
    ) -> Applied:
        """The credentials of ``requirement`` for one attempt of the sync client."""
        applied = Applied()
        for key, scopes in requirement:
            scheme, source = self._schemes[key], self._sources.get(key)
            if source is not None:
                wanted = source.scopes(scopes)
                token = source.sync_token(http, wanted, operation)
                applied.fetched.append((source, wanted, token))
                applied.place(scheme, token)
            else:
                applied.place(scheme, _secret(scheme))
        return applied

    async def async_apply(
        self, requirement: _runtime.Requirement, http: httpx.AsyncClient, operation: str
    ) -> Applied:
        """The credentials of ``requirement`` for one attempt of the async client."""
        applied = Applied()
        for key, scopes in requirement:
            scheme, source = self._schemes[key], self._sources.get(key)
            if source is not None:
                wanted = source.scopes(scopes)
                token = await source.async_token(http, wanted, operation)
                applied.fetched.append((source, wanted, token))
                applied.place(scheme, token)
            elif (function := _function(scheme)) is not None:
                applied.place(scheme, await _async_token(scheme.argument, function))
            else:
                applied.place(scheme, _secret(scheme))
        return applied

    def renew(self, response: httpx.Response | None, applied: Applied) -> bool:
        """After a 401 to fetched tokens: forget them, so that the next attempt fetches
        new ones; True when it should be made."""
        if response is None or response.status_code != 401 or not applied.fetched:
            return False
        for source, scopes, token in applied.fetched:
            source.invalidate(scopes, token)
        return True


def _check(scheme: Scheme) -> None:
    """Refuse a credential of the wrong kind at construction, naming the argument only."""
    value: object = scheme.value
    if value is None:
        return
    match scheme:
        case ApiKey() | Http():
            ok = isinstance(value, str) or callable(value)
        case OAuth2():
            ok = isinstance(value, str | OAuth2ClientCredentials) or callable(value)
        case Basic():
            ok = _strings(value, (2,)) and ":" not in (scheme.value or ("", ""))[0]
        case MutualTLS():
            ok = isinstance(value, str) or _strings(value, (2, 3))
        case _:
            assert_never(scheme)
    if not ok:
        raise TypeError(f"{scheme.argument}: {_EXPECTED[type(scheme)]}")


def _strings(value: object, sizes: tuple[int, ...]) -> bool:
    """Whether ``value`` is a tuple of str of one of these sizes."""
    return (
        isinstance(value, tuple)
        and len(value) in sizes
        and all(isinstance(v, str) for v in value)
    )


_EXPECTED: Mapping[type, str] = {
    ApiKey: "a str, or a function returning one",
    Http: "a str, or a function returning one",
    OAuth2: "OAuth2ClientCredentials, a str, or a function returning one",
    Basic: "a (username, password) tuple of str, the username without ':'",
    MutualTLS: "a certificate file, or (certificate file, key file[, password])",
}


def _function(scheme: Scheme) -> Callable[[], object] | None:
    """The function a scheme's token comes from, if it was given one."""
    if isinstance(scheme, ApiKey | Http | OAuth2):
        value = scheme.value
        if callable(value) and not isinstance(value, OAuth2ClientCredentials):
            return value
    return None


def _secret(scheme: Scheme) -> str:
    """A scheme's wire text, token functions called as the sync client calls them."""
    function = _function(scheme)
    if function is not None:
        return _sync_token(scheme.argument, function)
    match scheme:
        case ApiKey() | Http() | OAuth2():
            assert isinstance(scheme.value, str)
            return scheme.value
        case Basic():
            assert scheme.value is not None
            user, password = scheme.value
            pair = f"{user}:{password}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        case MutualTLS():
            return ""
        case _:
            assert_never(scheme)


def _sync_token(argument: str, function: Callable[[], object]) -> str:
    """A token function's value, on the sync client: a str, never an awaitable."""
    result = function()
    if inspect.iscoroutine(result):
        result.close()  # never awaited: closed, so that Python does not warn
    if inspect.isawaitable(result):
        raise TypeError(
            f"{argument}: the synchronous client needs a function returning str"
        )
    return _text(argument, result)


async def _async_token(argument: str, function: Callable[[], object]) -> str:
    """A token function's value, awaited when it is awaitable (the async client)."""
    result = function()
    if inspect.isawaitable(result):
        result = await result
    return _text(argument, result)


def _text(argument: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{argument} returned {type(value).__name__}, not str")
    return value


def _header_value(argument: str, value: str) -> str:
    """``value`` if a header can carry it; the error names the argument, never the value
    (httpx's own would show it)."""
    if not (value.isascii() and value.isprintable()):
        raise ValueError(f"{argument}: a header value must be printable ASCII")
    return value


def _ssl_context(certificate: Certificate) -> ssl.SSLContext:
    """httpx's default TLS context (certifi, or SSL_CERT_FILE) with the client's
    certificate loaded, as httpx's deprecated ``cert=`` would load it."""
    context = httpx.create_ssl_context()
    if isinstance(certificate, str):
        context.load_cert_chain(certificate)
    else:
        context.load_cert_chain(*certificate)
    return context


# -- logs ------------------------------------------------------------------------------


def log_attempt(operation: str, outgoing: httpx.Request, applied: Applied) -> None:
    """One DEBUG line per attempt: method, URL and headers, credentials as [secure]."""
    if not _runtime.log.isEnabledFor(logging.DEBUG):
        return
    secret = _SECRET_HEADERS | {name.lower() for name in applied.headers}
    headers = {
        name: REDACTED if name.lower() in secret else value
        for name, value in outgoing.headers.items()
    }
    url = _redact_query(str(outgoing.url), [name for name, _ in applied.query])
    _runtime.log.debug(
        "%s: sending %s %s with headers %s", operation, outgoing.method, url, headers
    )


def _redact_query(url: str, names: Iterable[str]) -> str:
    """``url`` with the values of the query parameters ``names`` as [secure]."""
    pattern = _query_pattern(names)
    return url if pattern is None else pattern.sub(rf"\1{REDACTED}", url)


def _query_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    escaped = sorted({re.escape(quote(name, safe="")) for name in names})
    return re.compile(rf"([?&](?:{'|'.join(escaped)})=)[^&#]*") if escaped else None


class _QueryKeyFilter(logging.Filter):
    """On httpx's logger: the values of the query's API keys as [secure] in the URLs
    httpx logs (``HTTP Request: GET https://...?api_key=[secure]``)."""

    def __init__(self) -> None:
        super().__init__()
        self._names: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def protect(self, names: Iterable[str]) -> None:
        """Redact these query parameters too; installs the filter on first use."""
        self._names.update(names)
        self._pattern = _query_pattern(self._names)
        logger = logging.getLogger("httpx")
        if self not in logger.filters:
            logger.addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        pattern = self._pattern
        if pattern is not None and isinstance(record.args, tuple):
            record.args = tuple(
                pattern.sub(rf"\1{REDACTED}", str(a)) if _is_text(a) else a
                for a in record.args
            )
        return True


def _is_text(value: object) -> bool:
    return isinstance(value, httpx.URL | str)


_QUERY_KEYS = _QueryKeyFilter()
