"""Prism checks the credentials the generated clients send, for every scheme it checks.

Prism validates security as the spec declares it: an ``apiKey`` present in its header,
query parameter or cookie; ``Authorization: Basic`` holding ``user:password``;
``Authorization: Bearer ...`` for bearer, OAuth 2.0 and OpenID Connect; a Digest
credential's fields; alternatives (any one) and combinations (all), and ``{}`` (nothing
needed). A request that breaks them is answered 401. Both corpus documents that spell
these schemes in OpenAPI 3.0 are mocked as they are, and every operation is called by
both clients with the credentials it needs; the client credentials flow fetches its token
from a real token endpoint on 127.0.0.1 first. mutualTLS is left out: Prism does not
check it (it would have to terminate TLS). The negative controls show that Prism refuses
a request without the credentials, or with only part of a combination.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from support.corpus import case, load
from support.oauth2 import TokenEndpoint
from support.prism import Prism, running_prism

Kind = Literal["sync", "async"]
KINDS: tuple[Kind, ...] = ("sync", "async")
DIGEST = 'username="alice", realm="api", nonce="abc", uri="signed", response="0a1b"'
CLIENT_ID, SECRET = "prism-client", "prism-SECRET-4c5d"


@pytest.fixture(scope="module")
def prisms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Prism]]:
    """Prism mocking each construct's OpenAPI 3.0 spelling, as it is."""
    with (
        running_prism(spec("security-schemes"), log_dir=tmp_path_factory.mktemp("p2")) as old,
        running_prism(spec("security-schemes-3x"), log_dir=tmp_path_factory.mktemp("p3")) as new,
    ):
        yield {"security-schemes": old, "security-schemes-3x": new}


@pytest.fixture(scope="module")
def tokens() -> Iterator[TokenEndpoint]:
    with TokenEndpoint(client_id=CLIENT_ID, client_secret=SECRET) as endpoint:
        yield endpoint


def spec(name: str) -> Path:
    return case(name).path / "openapi-3.0.yaml"


def calls(
    kind: Kind, name: str, prism: Prism, todo: Sequence[tuple[str, dict[str, Any]]], **options: Any
) -> list[httpx.Response]:
    """``todo`` through one client talking to ``prism``; every response Prism gave."""
    module = load(name)
    (cls_name,) = [n for n in module.__all__ if n.endswith("Client") and n[:5] != "Async"]
    seen: list[httpx.Response] = []

    def record(response: httpx.Response) -> None:
        if response.url.port == httpx.URL(prism.url).port:
            response.read()
            seen.append(response)

    async def arecord(response: httpx.Response) -> None:
        if response.url.port == httpx.URL(prism.url).port:
            await response.aread()
            seen.append(response)

    if kind == "sync":
        with (
            httpx.Client(event_hooks={"response": [record]}) as http,
            getattr(module, cls_name)(prism.url, http_client=http, **options) as client,
        ):
            for method, kwargs in todo:
                assert getattr(client, method)(**kwargs) is not None
        return seen

    async def main() -> None:
        async with (
            httpx.AsyncClient(event_hooks={"response": [arecord]}) as http,
            getattr(module, f"Async{cls_name}")(prism.url, http_client=http, **options) as c,
        ):
            for method, kwargs in todo:
                assert await getattr(c, method)(**kwargs) is not None

    asyncio.run(main())
    return seen


def assert_accepted(responses: Sequence[httpx.Response], prism: Prism, count: int) -> None:
    refused = [
        f"{r.request.method} {r.request.url.path} -> {r.status_code} "
        f"{r.headers.get('sl-violations')} {r.text[:300]}"
        for r in responses
        if r.status_code >= 400 or "sl-violations" in r.headers
    ]
    assert not refused, "\n".join(refused) + f"\n--- Prism's log:\n{prism.output()[-2000:]}"
    assert len(responses) == count


@pytest.mark.parametrize("kind", KINDS)
def test_prism_accepts_every_scheme_2x(
    prisms: dict[str, Prism], tokens: TokenEndpoint, kind: Kind
) -> None:
    module = load("security-schemes")
    machine = module.OAuth2ClientCredentials(
        client_id=CLIENT_ID, client_secret=SECRET, token_url=tokens.url
    )
    names = ["get_keyed", "get_basic", "get_both", "get_machine", "get_user", "get_public"]
    options = {
        "x_api_key": "header-key",
        "basic": ("ada", "secret"),
        "machine": machine,
        "password": "user-token",
    }
    prism = prisms["security-schemes"]
    responses = calls(kind, "security-schemes", prism, [(n, {}) for n in names], **options)
    assert_accepted(responses, prism, len(names))
    keyed = calls(kind, "security-schemes", prism, [("get_keyed", {})], api_key="query-key")
    assert_accepted(keyed, prism, 1)
    assert keyed[0].request.url.params["api_key"] == "query-key"
    by_path = {r.request.url.path: r.request for r in responses}
    assert by_path["/machine"].headers["authorization"].startswith("Bearer fetched-TOKEN-")


@pytest.mark.parametrize("kind", KINDS)
def test_prism_accepts_every_scheme_3x(prisms: dict[str, Prism], kind: Kind) -> None:
    todo = [
        ("get_me", {}),
        ("get_session", {"theme": "dark"}),
        ("get_signed", {}),
        ("get_oidc", {}),
        ("get_service", {}),
        ("get_combined", {}),
        ("get_maybe", {}),
    ]
    options = {"bearer": "jwt", "session": "cookie-key", "digest": DIGEST, "oidc": "id-token"}
    prism = prisms["security-schemes-3x"]
    responses = calls(kind, "security-schemes-3x", prism, todo, **options)
    assert_accepted(responses, prism, len(todo))
    anonymous = calls(kind, "security-schemes-3x", prism, [("get_maybe", {})])
    assert_accepted(anonymous, prism, 1)
    assert "authorization" not in anonymous[0].request.headers


@pytest.mark.parametrize(
    ("name", "path", "headers"),
    [
        ("security-schemes", "/keyed", {}),
        ("security-schemes", "/basic", {"Authorization": "Bearer not-basic"}),
        ("security-schemes", "/both", {"X-Api-Key": "only-the-key"}),
        ("security-schemes", "/machine", {"X-Api-Key": "a-key-is-no-token"}),
        ("security-schemes-3x", "/combined", {"Authorization": "Bearer only-the-token"}),
        ("security-schemes-3x", "/session", {"Cookie": "theme=dark"}),
        ("security-schemes-3x", "/signed", {"Authorization": "Digest nothing"}),
    ],
)
def test_prism_refuses_missing_credentials(
    prisms: dict[str, Prism], name: str, path: str, headers: dict[str, str]
) -> None:
    response = httpx.get(prisms[name].url + path, headers=headers, timeout=10.0)
    assert response.status_code == 401, response.text
