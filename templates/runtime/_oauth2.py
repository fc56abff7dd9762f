"""OAuth 2.0 client credentials (RFC 6749, section 4.4): the client fetches its own bearer
tokens from the token endpoint. Not public API, but for ``OAuth2ClientCredentials``.

A token is cached per set of scopes and refreshed shortly before it expires (a tenth of
its lifetime early, 30 s at most) or once after the service answers 401 to it. Calls
that need a token at the same moment, from threads of a sync client or tasks of an async
one, wait for one fetch and share its token.
"""

from __future__ import annotations

import asyncio
import base64
import math
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote_plus

import httpx
import msgspec

from ._errors import TokenError
from ._runtime import TRANSPORT_ERRORS

_EARLY_SHARE = 0.1  # of a token's lifetime: how early it is refreshed ...
_EARLY_MAX = 30.0  # ... but never more seconds early than this
_PREVIEW = 200
_REDACTED = "[secure]"


@dataclass(frozen=True, slots=True)
class OAuth2ClientCredentials:
    """The client's own credentials for the OAuth 2.0 client credentials flow.

    Attributes:
        client_id: The client identifier the authorization server issued.
        client_secret: Its secret; never shown in repr(), messages or logs.
        scopes: The scopes every token asks for; None asks for those the operation's
            security lists (one token per set of scopes).
        token_url: The token endpoint to use instead of the spec's ``tokenUrl``.
        client_auth: How the client authenticates to the token endpoint: ``"basic"``
            (HTTP Basic, which every server must accept) or ``"body"`` (``client_id``
            and ``client_secret`` as form fields).
    """

    client_id: str
    client_secret: str = field(repr=False)
    scopes: Sequence[str] | None = None
    token_url: str | None = None
    client_auth: Literal["basic", "body"] = "basic"


@dataclass(slots=True)
class _Token:
    value: str = field(repr=False)
    refresh_at: float  # time.monotonic(); inf when the answer gave no lifetime


class TokenSource:
    """The tokens of one OAuth 2.0 scheme of one client: fetched, cached, shared."""

    def __init__(self, credentials: OAuth2ClientCredentials, token_url: str) -> None:
        self.credentials = credentials
        self.token_url = token_url
        self._tokens: dict[tuple[str, ...], _Token] = {}
        self._lock = threading.Lock()
        self._async_lock: asyncio.Lock | None = None

    def scopes(self, required: Sequence[str]) -> tuple[str, ...]:
        """The scopes a token is asked for: the credentials', else the requirement's."""
        given = self.credentials.scopes
        if isinstance(given, str):
            given = given.split()
        return tuple(sorted(set(required if given is None else given)))

    def _cached(self, scopes: tuple[str, ...]) -> str | None:
        token = self._tokens.get(scopes)
        if token is None or time.monotonic() >= token.refresh_at:
            return None
        return token.value

    def sync_token(
        self, http: httpx.Client, scopes: tuple[str, ...], operation: str
    ) -> str:
        """A valid token, fetched only when there is none; one fetch at a time."""
        token = self._cached(scopes)
        if token is not None:
            return token
        with self._lock:
            token = self._cached(scopes)
            if token is None:
                try:
                    response = http.post(self.token_url, **self._request(scopes))
                except TRANSPORT_ERRORS as exc:
                    raise self._unreachable(operation, exc) from None
                token = self._store(scopes, response, operation)
            return token

    async def async_token(
        self, http: httpx.AsyncClient, scopes: tuple[str, ...], operation: str
    ) -> str:
        """As ``sync_token``, for the tasks of one event loop."""
        token = self._cached(scopes)
        if token is not None:
            return token
        if self._async_lock is None:
            self._async_lock = asyncio.Lock()
        async with self._async_lock:
            token = self._cached(scopes)
            if token is None:
                try:
                    response = await http.post(self.token_url, **self._request(scopes))
                except TRANSPORT_ERRORS as exc:
                    raise self._unreachable(operation, exc) from None
                token = self._store(scopes, response, operation)
            return token

    def invalidate(self, scopes: tuple[str, ...], value: str) -> None:
        """Forget a token the service refused, unless another call replaced it already."""
        with self._lock:
            token = self._tokens.get(scopes)
            if token is not None and token.value == value:
                del self._tokens[scopes]

    def _request(self, scopes: tuple[str, ...]) -> dict[str, Any]:
        """The token request's form and headers (RFC 6749, sections 2.3.1 and 4.4.2)."""
        c = self.credentials
        data = {"grant_type": "client_credentials"}
        if scopes:
            data["scope"] = " ".join(scopes)
        headers = {"Accept": "application/json"}
        if c.client_auth == "body":
            data.update(client_id=c.client_id, client_secret=c.client_secret)
        else:
            # Each part is form-urlencoded before it becomes the Basic user and password.
            pair = f"{quote_plus(c.client_id)}:{quote_plus(c.client_secret)}"
            encoded = base64.b64encode(pair.encode("utf-8")).decode("ascii")
            headers["Authorization"] = f"Basic {encoded}"
        return {"data": data, "headers": headers}

    def _store(
        self, scopes: tuple[str, ...], response: httpx.Response, operation: str
    ) -> str:
        """The token of a successful answer, cached; a ``TokenError`` otherwise."""
        try:
            payload = msgspec.json.decode(response.content)
        except msgspec.DecodeError:
            payload = None
        if not response.is_success:
            raise self._refused(operation, response, payload)
        if not isinstance(payload, dict):
            raise self._error(operation, "answered no JSON object", response)
        value = payload.get("access_token")
        if not isinstance(value, str) or not value or not _printable(value):
            raise self._error(operation, "answered no usable access_token", response)
        kind = payload.get("token_type", "Bearer")
        if not isinstance(kind, str) or kind.lower() != "bearer":
            raise self._error(
                operation, "answered a token that is not Bearer", response
            )
        self._tokens[scopes] = _Token(value, _refresh_at(payload.get("expires_in")))
        return value

    def _refused(
        self, operation: str, response: httpx.Response, payload: Any
    ) -> TokenError:
        """An error answer: its RFC 6749 ``error`` and description, else its start."""
        detail = ""
        if isinstance(payload, dict) and isinstance(payload.get("error"), str):
            detail = payload["error"]
            if isinstance(payload.get("error_description"), str):
                detail += f": {payload['error_description']}"
        elif response.content:
            detail = response.content[:_PREVIEW].decode("utf-8", "replace")
        reason = f"answered HTTP {response.status_code}" + (
            f": {detail}" if detail else ""
        )
        return self._error(operation, reason, response)

    def _error(
        self, operation: str, reason: str, response: httpx.Response | None
    ) -> TokenError:
        """A ``TokenError`` naming the endpoint; the client secret never in it."""
        message = f"{operation}: the token endpoint {self.token_url} {reason}"
        secret = self.credentials.client_secret
        if secret:
            message = message.replace(secret, _REDACTED)
        status = None if response is None else response.status_code
        return TokenError(
            message, operation=operation, token_url=self.token_url, status_code=status
        )

    def _unreachable(
        self, operation: str, exc: httpx.RequestError | ssl.SSLError
    ) -> TokenError:
        detail = str(exc) or "no detail"
        return self._error(
            operation, f"could not be reached: {type(exc).__name__}: {detail}", None
        )


def _printable(value: str) -> bool:
    """Whether a header can carry ``value`` as it is: printable ASCII."""
    return value.isascii() and value.isprintable()


def _refresh_at(lifetime: Any) -> float:
    """When a token that lives ``lifetime`` seconds (``expires_in``) is refreshed."""
    try:
        seconds = float(lifetime)
    except (TypeError, ValueError):
        return math.inf
    if math.isnan(seconds) or seconds == math.inf:
        return math.inf
    seconds = max(0.0, seconds)  # 0: used once, never cached
    return time.monotonic() + seconds - min(_EARLY_MAX, seconds * _EARLY_SHARE)
