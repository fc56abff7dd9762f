"""The OAuth 2.0 client credentials flow against a real token endpoint on 127.0.0.1.

``support.oauth2.TokenEndpoint`` issues tokens (checking the grant and the client's id and
secret) and the API server only answers to a valid, unexpired Bearer token of it
(``TokenEndpoint.guard``). The client (``security-schemes``' ``getMachine``, which asks for
scope ``read``) fetches a token once and reuses it, refreshes it shortly before it
expires, fetches once more after a 401 and retries once (never a loop), shares one fetch
among 50 concurrent tasks or 16 threads, and turns a failing token endpoint into a
``TokenError`` naming the endpoint, never the secret.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import pytest
from support.corpus import load
from support.http_server import Reply, ScriptedServer
from support.oauth2 import TokenEndpoint, form

Mode = Literal["sync", "async"]
CLIENT_ID = "client-id-7f3e"
SECRET = "cs-SECRET-client-secret-4d5e6f708192"
CASE = "security-schemes"


@pytest.fixture
def tokens() -> Iterator[TokenEndpoint]:
    with TokenEndpoint(client_id=CLIENT_ID, client_secret=SECRET) as endpoint:
        yield endpoint
    assert endpoint.errors == []


@pytest.fixture
def api(tokens: TokenEndpoint) -> Iterator[ScriptedServer]:
    with ScriptedServer(tokens.guard(Reply.json("ok"))) as server:
        yield server
    assert server.errors == []


def credentials(token_url: str, **kwargs: Any) -> Any:
    module = load(CASE)
    return module.OAuth2ClientCredentials(
        client_id=CLIENT_ID, client_secret=SECRET, token_url=token_url, **kwargs
    )


def client_class(mode: Mode) -> Any:
    module = load(CASE)
    return module.AsyncSecuredSchemesClient if mode == "async" else module.SecuredSchemesClient


def machine_calls(
    mode: Mode, api: ScriptedServer, machine: Any, count: int = 1, pause: float = 0.0
) -> list[Any]:
    """``get_machine`` ``count`` times through one client, ``pause`` seconds apart."""
    cls = client_class(mode)
    if mode == "sync":
        with cls(api.url, machine=machine, max_retries=0) as client:
            results = []
            for i in range(count):
                time.sleep(pause if i else 0)
                results.append(client.get_machine())
            return results

    async def main() -> list[Any]:
        async with cls(api.url, machine=machine, max_retries=0) as client:
            results = []
            for i in range(count):
                await asyncio.sleep(pause if i else 0)
                results.append(await client.get_machine())
            return results

    return asyncio.run(main())


def bearer_tokens(api: ScriptedServer) -> list[str]:
    return [r.headers["authorization"].removeprefix("Bearer ") for r in api.requests]


# --- fetch, cache, refresh ----------------------------------------------------------------


def test_a_token_is_fetched_once_and_reused(
    mode: Mode, tokens: TokenEndpoint, api: ScriptedServer
) -> None:
    assert machine_calls(mode, api, credentials(tokens.url), count=3) == ["ok"] * 3
    (request,) = tokens.requests
    assert request.method == "POST"
    assert dict(form(request)) == {"grant_type": "client_credentials", "scope": "read"}
    pair = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {pair}"
    assert bearer_tokens(api) == tokens.issued * 3


def test_an_expiring_token_is_refreshed_before_it_expires(
    mode: Mode, tokens: TokenEndpoint, api: ScriptedServer
) -> None:
    tokens.lifetime = 1.0
    results = machine_calls(mode, api, credentials(tokens.url), count=3, pause=1.0)
    assert results == ["ok"] * 3  # never a 401: each token was replaced before it expired
    assert len(tokens.requests) == 3
    assert bearer_tokens(api) == tokens.issued
    assert len(set(tokens.issued)) == 3


def test_a_401_fetches_a_new_token_and_retries_once(
    mode: Mode, tokens: TokenEndpoint, api: ScriptedServer
) -> None:
    first = tokens.guard(Reply.json("ok"))

    def revoke_the_first(request: Any) -> Reply:
        if len(api.requests) == 1:  # the service forgets the first token it sees
            tokens.revoke(request.headers["authorization"].removeprefix("Bearer "))
        return first(request)

    api.handler = revoke_the_first
    assert machine_calls(mode, api, credentials(tokens.url)) == ["ok"]
    assert len(tokens.requests) == 2
    assert bearer_tokens(api) == tokens.issued  # the refused token, then the new one


def test_a_second_401_is_the_answer_never_a_loop(
    mode: Mode, tokens: TokenEndpoint, api: ScriptedServer
) -> None:
    api.handler = lambda request: Reply.json({"code": "Unauthorized", "message": "no"}, 401)
    module = load(CASE)
    with pytest.raises(module.ApiStatusError) as caught:
        machine_calls(mode, api, credentials(tokens.url))
    assert caught.value.status_code == 401
    assert len(tokens.requests) == 2
    assert len(api.requests) == 2


def test_a_401_to_a_token_the_caller_gave_is_not_retried(mode: Mode, api: ScriptedServer) -> None:
    module = load(CASE)
    with pytest.raises(module.ApiStatusError):
        machine_calls(mode, api, "a-token-the-service-does-not-know")
    assert len(api.requests) == 1


# --- one fetch for concurrent callers -------------------------------------------------------


def test_50_concurrent_tasks_share_one_fetch(tokens: TokenEndpoint, api: ScriptedServer) -> None:
    tokens.delay = 0.3  # every task asks for a token while the first fetch is on its way

    async def main() -> list[Any]:
        cls = client_class("async")
        async with cls(api.url, machine=credentials(tokens.url), max_retries=0) as client:
            return await asyncio.gather(*(client.get_machine() for _ in range(50)))

    assert asyncio.run(main()) == ["ok"] * 50
    assert len(tokens.requests) == 1
    assert bearer_tokens(api) == tokens.issued * 50


def test_16_threads_share_one_fetch(tokens: TokenEndpoint, api: ScriptedServer) -> None:
    tokens.delay = 0.3
    start = threading.Barrier(16)
    cls = client_class("sync")
    with cls(api.url, machine=credentials(tokens.url), max_retries=0) as client:

        def one(_: int) -> Any:
            start.wait(10)
            return client.get_machine()

        with ThreadPoolExecutor(16) as executor:
            results = list(executor.map(one, range(16)))
    assert results == ["ok"] * 16
    assert len(tokens.requests) == 1
    assert bearer_tokens(api) == tokens.issued * 16


# --- scopes, client authentication, the endpoint --------------------------------------------


def test_given_scopes_replace_the_requirements(
    mode: Mode, tokens: TokenEndpoint, api: ScriptedServer
) -> None:
    machine_calls(mode, api, credentials(tokens.url, scopes=["write", "admin"]))
    assert tokens.scopes() == ["admin write"]


def test_the_client_can_authenticate_in_the_body(
    mode: Mode, tokens: TokenEndpoint, api: ScriptedServer
) -> None:
    machine_calls(mode, api, credentials(tokens.url, client_auth="body"))
    (request,) = tokens.requests
    assert "authorization" not in request.headers
    assert dict(form(request))["client_secret"] == SECRET


def test_the_specs_token_url_is_the_default(mode: Mode) -> None:
    module = load(CASE)
    plain = module.OAuth2ClientCredentials(client_id=CLIENT_ID, client_secret=SECRET)
    client = client_class(mode)("https://api.example.com", machine=plain)
    (source,) = client._auth._sources.values()
    assert source.token_url == "https://auth.example.com/token"
    asyncio.run(client.aclose()) if mode == "async" else client.close()


def test_a_plain_http_token_endpoint_is_refused(mode: Mode) -> None:
    remote = credentials("http://auth.example.com/token")
    with pytest.raises(ValueError, match="the client secret would travel unencrypted") as caught:
        client_class(mode)("https://api.example.com", machine=remote)
    assert SECRET not in str(caught.value)
    allowed = client_class(mode)(
        "https://api.example.com", machine=remote, allow_insecure_http=True
    )
    asyncio.run(allowed.aclose()) if mode == "async" else allowed.close()


# --- a failing token endpoint ---------------------------------------------------------------

FAILURES = {
    "refused": (Reply.json({"error": "invalid_scope", "error_description": "no"}, 400), 400),
    "broken": (Reply.text("upstream exploded", 500), 500),
    "not-json": (Reply.text("<html>sign in</html>", 200, "text/html"), 200),
    "no-token": (Reply.json({"token_type": "Bearer"}), 200),
    "not-bearer": (Reply.json({"access_token": "x", "token_type": "mac"}), 200),
    "echoes-the-secret": (Reply.json({"error": "bad", "error_description": SECRET}, 401), 401),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(FAILURES))
def test_a_failing_token_endpoint_raises_token_error(
    mode: Mode, tokens: TokenEndpoint, api: ScriptedServer, kind: str
) -> None:
    tokens.failure, status = FAILURES[kind]
    error = failed(mode, api, credentials(tokens.url))
    assert error.status_code == status
    assert f"the token endpoint {tokens.url} " in str(error)
    if kind == "refused":
        assert "HTTP 400: invalid_scope: no" in str(error)
    assert api.requests == []


def test_an_unreachable_token_endpoint_raises_token_error(mode: Mode, api: ScriptedServer) -> None:
    with ScriptedServer() as gone:
        url = gone.url + "/oauth/token"  # the port is closed once the block ends
    error = failed(mode, api, credentials(url))
    assert error.status_code is None
    assert f"the token endpoint {url} could not be reached: ConnectError" in str(error)


def failed(mode: Mode, api: ScriptedServer, machine: Any) -> Any:
    """The ``TokenError`` a call raises, checked to keep the secret out."""
    module = load(CASE)
    with pytest.raises(module.TokenError) as caught:
        machine_calls(mode, api, machine)
    error = caught.value
    assert isinstance(error, module.ApiError)
    assert error.operation == "getMachine"
    assert error.token_url == machine.token_url
    shown = str(error) + repr(error) + repr(error.args)
    assert SECRET not in shown
    return error


def test_logs_hide_the_secret_and_the_tokens(
    mode: Mode, tokens: TokenEndpoint, api: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.handler = lambda request: Reply.json({"code": "Unauthorized", "message": "no"}, 401)
    with pytest.raises(load(CASE).ApiStatusError):
        machine_calls(mode, api, credentials(tokens.url))
    assert len(tokens.issued) == 2
    pair = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    for record in caplog.records:
        for secret in [SECRET, pair, *tokens.issued]:
            assert secret not in record.getMessage(), record
            assert secret not in repr(record.__dict__), record
    assert any("HTTP Request: POST " + tokens.url in r.getMessage() for r in caplog.records)
