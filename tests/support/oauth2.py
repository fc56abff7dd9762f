"""A real OAuth 2.0 token endpoint on 127.0.0.1, and an API that only takes its tokens.

Usage::

    with TokenEndpoint(client_id="id", client_secret="s", lifetime=1.0) as tokens:
        api = ScriptedServer(tokens.guard(Reply.json("ok"))).start()
        ...  # OAuth2ClientCredentials(..., token_url=tokens.url)

``TokenEndpoint`` is a ``ScriptedServer`` whose handler implements the client credentials
grant (RFC 6749, section 4.4): it checks ``grant_type`` and the client's id and secret (HTTP
Basic, or form fields), and issues distinctive tokens that expire after ``lifetime``
seconds. It records every token request (``requests``, ``scopes``), can answer late
(``delay``, to let concurrent callers pile up) or fail (``failure``). ``guard(reply)`` is a
handler for the API server: ``reply`` to a valid, unexpired, unrevoked Bearer token, 401
to anything else.
"""

from __future__ import annotations

import base64
import dataclasses
import threading
import time
import uuid
from types import TracebackType
from typing import Self
from urllib.parse import parse_qsl, unquote_plus

from .http_server import Handler, RecordedRequest, Reply, ScriptedServer

TOKEN_PATH = "/oauth/token"


class TokenEndpoint:
    """An authorization server's token endpoint, issuing ``fetched-TOKEN-...`` tokens."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        lifetime: float | None = 3600.0,
        delay: float = 0.0,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.lifetime = lifetime
        self.delay = delay
        self.failure: Reply | None = None  # answered instead of a token when set
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}  # token -> time.monotonic() it expires
        self._issued: list[str] = []
        self._server = ScriptedServer(self._answer)

    def __enter__(self) -> Self:
        self._server.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        """The token endpoint's URL."""
        return self._server.url + TOKEN_PATH

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every token request so far."""
        return self._server.requests

    @property
    def errors(self) -> list[str]:
        return self._server.errors

    @property
    def issued(self) -> list[str]:
        """Every token issued so far, in order."""
        with self._lock:
            return list(self._issued)

    def scopes(self) -> list[str | None]:
        """The ``scope`` of each token request (None when it sent none)."""
        return [dict(form(r)).get("scope") for r in self.requests]

    def revoke(self, token: str) -> None:
        """Make the API refuse ``token`` from now on."""
        with self._lock:
            self._expiry[token] = 0.0

    def valid(self, token: str) -> bool:
        """Whether ``token`` was issued here and has not expired or been revoked."""
        with self._lock:
            return time.monotonic() < self._expiry.get(token, 0.0)

    def guard(self, reply: Reply) -> Handler:
        """A handler answering ``reply`` to a request with a valid Bearer token, else 401."""

        def handle(request: RecordedRequest) -> Reply:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme == "Bearer" and self.valid(token):
                return reply
            return Reply.json({"code": "Unauthorized", "message": "bad token"}, 401)

        return handle

    def _answer(self, request: RecordedRequest) -> Reply:
        if request.method != "POST" or request.url_path != TOKEN_PATH:
            return Reply.json({"error": "invalid_request"}, 404)
        fields = dict(form(request))
        if fields.get("grant_type") != "client_credentials":
            return Reply.json({"error": "unsupported_grant_type"}, 400)
        if self._client(request, fields) != (self.client_id, self.client_secret):
            return Reply.json({"error": "invalid_client"}, 401)
        if self.failure is not None:
            return dataclasses.replace(self.failure, delay=self.delay)
        token = f"fetched-TOKEN-{uuid.uuid4().hex}"
        with self._lock:
            self._issued.append(token)
            lifetime = self.lifetime if self.lifetime is not None else 1e9
            self._expiry[token] = time.monotonic() + lifetime
        body: dict[str, object] = {"access_token": token, "token_type": "Bearer"}
        if self.lifetime is not None:
            body["expires_in"] = self.lifetime
        return dataclasses.replace(Reply.json(body), delay=self.delay)

    @staticmethod
    def _client(request: RecordedRequest, fields: dict[str, str]) -> tuple[str, str] | None:
        """The client's id and secret: HTTP Basic (each part form-urlencoded), or fields."""
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme == "Basic":
            user, _, password = base64.b64decode(encoded).decode().partition(":")
            return unquote_plus(user), unquote_plus(password)
        if "client_id" in fields:
            return fields["client_id"], fields.get("client_secret", "")
        return None


def form(request: RecordedRequest) -> list[tuple[str, str]]:
    """An ``application/x-www-form-urlencoded`` body as (name, value) pairs."""
    assert request.headers.get("content-type") == "application/x-www-form-urlencoded"
    return parse_qsl(request.body.decode(), keep_blank_values=True)
