"""Every security scheme on the wire, through both clients (the ``mode`` fixture).

The corpus packages ``security-schemes`` (what Swagger 2.0 can spell too: API keys in a
header and the query, basic, OAuth 2.0's four flows), ``security-schemes-3x`` (bearer,
another HTTP scheme, a cookie key, OpenID Connect, OAuth 2.0 with two flows, an anonymous
alternative) and ``security-mutual-tls`` (a client certificate) talk to a ScriptedServer
on 127.0.0.1 whose handler checks the credential each operation's security asks for and
answers 401 to anything else. Alternatives, combinations, ``security: []``, token
functions, the caller's own ``httpx.Auth``, refusals before sending, and secrets kept out
of repr(), messages and logs. The OAuth 2.0 client credentials flow has its own module,
``test_client_oauth2.py``.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import logging
import re
import ssl
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

import httpx
import pytest
from support.corpus import load
from support.http_server import RecordedRequest, Reply, ScriptedServer
from support.paths import REPO_ROOT

Mode = Literal["sync", "async"]
Call = tuple[str, dict[str, Any]]  # a method name and its keyword arguments

# Distinctive, so that finding one anywhere it must not be is unambiguous.
KEY = "hk-SECRET-header-0f1e2d3c4b5a"
QUERY_KEY = "qk-SECRET-query-69788796a5b4"
USER, PASSWORD = "ada", "pw-SECRET-basic-c3d2e1f0"
MACHINE = "mt-SECRET-machine-token-1a2b"
USER_TOKEN = "ut-SECRET-user-token-3c4d"
BEARER = "bt-SECRET-bearer-jwt-5e6f"
SESSION = "sk-SECRET/session+key=="  # cookie-octets only: travels as it is
OIDC = "id-SECRET-openid-token-7a8b"
SERVICE = "sv-SECRET-service-token-9c0d"
DIGEST = 'username="alice", realm="api", nonce="abc", uri="signed", response="0a1b"'
SECRETS = [KEY, QUERY_KEY, PASSWORD, MACHINE, USER_TOKEN, BEARER, SESSION, OIDC, SERVICE]
TLS = REPO_ROOT / "tests" / "support" / "tls"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def client_class(case: str, mode: Mode) -> Any:
    module = load(case)
    (name,) = [n for n in module.__all__ if n.endswith("Client") and not n.startswith("Async")]
    return getattr(module, f"Async{name}" if mode == "async" else name)


def calls(mode: Mode, case: str, url: str, todo: Sequence[Call], **options: Any) -> list[Any]:
    """``todo`` through one client of the flavour, built with ``options``; the results."""
    cls = client_class(case, mode)
    options = {"max_retries": 0, **options}
    if mode == "sync":
        with cls(url, **options) as client:
            return [getattr(client, name)(**kwargs) for name, kwargs in todo]

    async def main() -> list[Any]:
        async with cls(url, **options) as client:
            return [await getattr(client, name)(**kwargs) for name, kwargs in todo]

    return asyncio.run(main())


def one(mode: Mode, case: str, url: str, method: str, **options: Any) -> Any:
    """One call, without arguments, through a fresh client."""
    return calls(mode, case, url, [(method, {})], **options)[0]


# What the server insists on, per path: a check of the request, else 401.
Check = Callable[[RecordedRequest], bool]


def header(name: str, value: str | None) -> Check:
    return lambda r: r.headers.get_all(name) == ([] if value is None else [value])


def query(pairs: list[tuple[str, str]]) -> Check:
    return lambda r: r.query_params == pairs


def both(*checks: Check) -> Check:
    return lambda r: all(check(r) for check in checks)


NOTHING = both(header("Authorization", None), header("X-Api-Key", None), query([]))
BASIC = basic(USER, PASSWORD)
CHECKS: dict[str, Check] = {
    "/keyed": both(header("X-Api-Key", KEY), header("Authorization", None), query([])),
    "/basic": both(header("Authorization", BASIC), header("X-Api-Key", None)),
    "/both": both(header("X-Api-Key", KEY), header("Authorization", BASIC)),
    "/machine": header("Authorization", f"Bearer {MACHINE}"),
    "/user": header("Authorization", f"Bearer {USER_TOKEN}"),
    "/public": NOTHING,
    "/me": header("Authorization", f"Bearer {BEARER}"),
    "/session": both(
        header("Cookie", f"theme=dark; SESSION={SESSION}"), header("Authorization", None)
    ),
    "/signed": header("Authorization", f"digest {DIGEST}"),
    "/oidc": header("Authorization", f"Bearer {OIDC}"),
    "/service": header("Authorization", f"Bearer {SERVICE}"),
    "/combined": both(
        header("Authorization", f"Bearer {BEARER}"), header("Cookie", f"SESSION={SESSION}")
    ),
    "/maybe": header("Authorization", f"Bearer {BEARER}"),
    "/ping": header("Authorization", None),
}


def checking(checks: dict[str, Check] = CHECKS) -> Callable[[RecordedRequest], Reply]:
    """The server's handler: "ok" when the path's check passes, else 401."""

    def handle(request: RecordedRequest) -> Reply:
        if checks[request.url_path](request):
            return Reply.json("ok")
        return Reply.json({"code": "Unauthorized", "message": "no"}, 401)

    return handle


ALL_2X = {
    "x_api_key": KEY,
    "api_key": QUERY_KEY,
    "basic": (USER, PASSWORD),
    "machine": MACHINE,
    "password": USER_TOKEN,
    "implicit": "unused-implicit",
    "access_code": "unused-access-code",
}
ALL_3X = {"bearer": BEARER, "session": SESSION, "digest": DIGEST, "oidc": OIDC, "service": SERVICE}
CALLS_2X: list[Call] = [
    (name, {})
    for name in ("get_keyed", "get_basic", "get_both", "get_machine", "get_user", "get_public")
]
CALLS_3X: list[Call] = [
    ("get_me", {}),
    ("get_session", {"theme": "dark"}),
    ("get_signed", {}),
    ("get_oidc", {}),
    ("get_service", {}),
    ("get_combined", {}),
    ("get_maybe", {}),
]


# --- each scheme, where it travels ----------------------------------------------------------


def test_each_scheme_2x_sends_its_credential(mode: Mode, server: ScriptedServer) -> None:
    server.handler = checking()
    assert calls(mode, "security-schemes", server.url, CALLS_2X, **ALL_2X) == ["ok"] * 6
    assert [r.url_path for r in server.requests] == [
        "/keyed", "/basic", "/both", "/machine", "/user", "/public"
    ]  # fmt: skip


def test_each_scheme_3x_sends_its_credential(mode: Mode, server: ScriptedServer) -> None:
    server.handler = checking()
    assert calls(mode, "security-schemes-3x", server.url, CALLS_3X, **ALL_3X) == ["ok"] * 7


def test_the_first_alternative_the_client_can_meet_is_sent(
    mode: Mode, server: ScriptedServer
) -> None:
    server.handler = checking(
        {
            "/keyed": both(header("X-Api-Key", None), query([("api_key", QUERY_KEY)])),
            "/user": header("Authorization", "Bearer code-token"),
            "/service": header("Authorization", f"Bearer {BEARER}"),
        }
    )
    todo: list[Call] = [("get_keyed", {}), ("get_user", {})]
    options = {"api_key": QUERY_KEY, "access_code": "code-token"}
    assert calls(mode, "security-schemes", server.url, todo, **options) == ["ok", "ok"]
    assert one(mode, "security-schemes-3x", server.url, "get_service", bearer=BEARER) == "ok"


def test_an_anonymous_alternative_sends_nothing_without_credentials(
    mode: Mode, server: ScriptedServer
) -> None:
    server.handler = checking({"/maybe": header("Authorization", None)})
    assert one(mode, "security-schemes-3x", server.url, "get_maybe") == "ok"


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        pytest.param(DIGEST, f"digest {DIGEST}", id="credential"),
        pytest.param(f"Digest {DIGEST}", f"Digest {DIGEST}", id="whole-value"),
    ],
)
def test_another_http_scheme_takes_its_credential_or_the_whole_value(
    mode: Mode, server: ScriptedServer, value: str, sent: str
) -> None:
    server.handler = checking({"/signed": header("Authorization", sent)})
    assert one(mode, "security-schemes-3x", server.url, "get_signed", digest=value) == "ok"


def test_keys_are_encoded_for_the_query_and_the_cookie(mode: Mode, server: ScriptedServer) -> None:
    server.handler = checking(
        {
            "/keyed": query([("api_key", "a b&c=d/é")]),
            "/session": header("Cookie", "SESSION=a%20b%3Bc%2Cd"),
        }
    )
    assert one(mode, "security-schemes", server.url, "get_keyed", api_key="a b&c=d/é") == "ok"
    assert server.requests[0].query == "api_key=a%20b%26c%3Dd%2F%C3%A9"
    assert one(mode, "security-schemes-3x", server.url, "get_session", session="a b;c,d") == "ok"


# --- token functions ------------------------------------------------------------------------


def test_token_functions_are_called_for_every_request(mode: Mode, server: ScriptedServer) -> None:
    server.handler = lambda request: Reply.json("ok")
    counter = itertools.count(1)
    todo: list[Call] = [("get_keyed", {}), ("get_keyed", {}), ("get_both", {})]
    rotating = {"x_api_key": lambda: f"key-{next(counter)}", "basic": (USER, PASSWORD)}
    calls(mode, "security-schemes", server.url, todo, **rotating)
    assert [r.headers["X-Api-Key"] for r in server.requests] == ["key-1", "key-2", "key-3"]


def test_the_async_client_awaits_a_coroutine_function(server: ScriptedServer) -> None:
    server.handler = checking()
    tokens = iter([BEARER, BEARER])

    async def token() -> str:
        await asyncio.sleep(0)
        return next(tokens)

    todo: list[Call] = [("get_me", {}), ("get_maybe", {})]
    assert calls("async", "security-schemes-3x", server.url, todo, bearer=token) == ["ok", "ok"]


def test_the_sync_client_refuses_a_coroutine_function(server: ScriptedServer) -> None:
    async def token() -> str:
        return BEARER

    with pytest.raises(TypeError, match="bearer: the synchronous client needs a function"):
        one("sync", "security-schemes-3x", server.url, "get_me", bearer=token)
    assert server.requests == []


def test_a_token_function_must_return_str(mode: Mode, server: ScriptedServer) -> None:
    with pytest.raises(TypeError, match="bearer returned NoneType, not str"):
        one(mode, "security-schemes-3x", server.url, "get_me", bearer=lambda: None)
    assert server.requests == []


# --- refused before anything is sent --------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "method", "given", "wanted"),
    [
        ("security-schemes", "get_basic", {"x_api_key": KEY}, "pass basic= to the client"),
        (
            "security-schemes",
            "get_both",
            {"basic": (USER, PASSWORD)},
            "pass x_api_key= and basic= to the client",
        ),
        (
            "security-schemes",
            "get_user",
            {"machine": MACHINE},
            "pass password= or implicit= or access_code= to the client",
        ),
        ("security-schemes", "get_keyed", {}, "pass x_api_key= or api_key= to the client"),
        ("security-schemes-3x", "get_combined", {"bearer": BEARER}, "bearer= and session="),
        ("security-mutual-tls", "ping", {}, "pass client_cert= or bearer= to the client"),
    ],
)
def test_a_call_no_credential_meets_is_refused_before_sending(
    mode: Mode,
    server: ScriptedServer,
    case: str,
    method: str,
    given: dict[str, Any],
    wanted: str,
) -> None:
    with pytest.raises(ValueError) as caught:
        one(mode, case, server.url, method, **given)
    assert wanted in str(caught.value)
    assert "needs credentials the client was not given" in str(caught.value)
    assert all(secret not in str(caught.value) for secret in SECRETS)
    assert server.requests == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"basic": f"{USER}:{PASSWORD}"}, "basic: a (username, password) tuple"),
        ({"basic": (f"{USER}:x", PASSWORD)}, "the username without ':'"),
        ({"x_api_key": 1234}, "x_api_key: a str, or a function returning one"),
        ({"machine": {"client_id": "x"}}, "machine: OAuth2ClientCredentials, a str"),
    ],
)
def test_a_credential_of_the_wrong_kind_is_refused(
    mode: Mode, options: dict[str, Any], message: str
) -> None:
    cls = client_class("security-schemes", mode)
    with pytest.raises(TypeError, match=re.escape(message)) as caught:
        cls("https://example.invalid", **options)
    assert PASSWORD not in str(caught.value)


def test_a_key_no_header_can_carry_is_refused(mode: Mode, server: ScriptedServer) -> None:
    injected = f"{KEY}\r\nX-Injected: 1"
    with pytest.raises(ValueError, match="x_api_key: a header value must be printable") as caught:
        one(mode, "security-schemes", server.url, "get_keyed", x_api_key=injected)
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)
    assert server.requests == []


# --- the caller's own httpx.Auth ------------------------------------------------------------


class Signer(httpx.Auth):
    """Signs every request; what a scheme the spec cannot describe would do."""

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        request.headers["X-Signature"] = f"signed {request.method} {request.url.path}"
        yield request


def test_auth_runs_on_every_request_and_meets_any_requirement(
    mode: Mode, server: ScriptedServer
) -> None:
    server.handler = lambda request: Reply.json("ok")
    todo: list[Call] = [("get_keyed", {}), ("get_basic", {}), ("get_public", {})]
    calls(mode, "security-schemes", server.url, todo, x_api_key=KEY, auth=Signer())
    keyed, basic_call, public = server.requests
    assert keyed.headers["X-Signature"] == "signed GET /keyed"
    assert keyed.headers["X-Api-Key"] == KEY  # the built-in credentials, and the signature
    assert "authorization" not in basic_call.headers  # left to the caller's auth: no error
    assert basic_call.headers["X-Signature"] == "signed GET /basic"
    assert public.headers["X-Signature"] == "signed GET /public"


# --- mutual TLS ----------------------------------------------------------------------------


@pytest.fixture
def tls_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedServer]:
    """An HTTPS ScriptedServer that requires a client certificate signed by the test CA;
    the client trusts that CA through SSL_CERT_FILE, which httpx honours."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(TLS / "ca.pem"))
    context.load_cert_chain(str(TLS / "server.pem"))
    context.verify_mode = ssl.CERT_REQUIRED
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))
    with ScriptedServer(lambda request: Reply.json("ok"), tls=context) as srv:
        yield srv
    assert srv.errors == []


CERTIFICATES = {
    "one-file": str(TLS / "client.pem"),
    "cert-and-key": (str(TLS / "client.crt"), str(TLS / "client.key")),
    "encrypted-key": (str(TLS / "client.crt"), str(TLS / "client-encrypted.key"), "test-password"),
}


@pytest.mark.parametrize("form", sorted(CERTIFICATES))
def test_the_client_certificate_is_presented(
    mode: Mode, tls_server: ScriptedServer, form: str
) -> None:
    certificate = CERTIFICATES[form]
    assert one(mode, "security-mutual-tls", tls_server.url, "ping", client_cert=certificate) == "ok"
    (request,) = tls_server.requests
    assert request.peer_certificate is not None
    assert (("commonName", "apiforge test client"),) in request.peer_certificate["subject"]
    assert "authorization" not in request.headers


def test_without_a_certificate_the_handshake_fails(mode: Mode, tls_server: ScriptedServer) -> None:
    module = load("security-mutual-tls")
    with pytest.raises(module.ApiConnectionError):
        one(mode, "security-mutual-tls", tls_server.url, "ping", bearer=BEARER)
    assert tls_server.requests == []


def test_a_refusal_read_as_a_tls_alert_is_a_connection_error(
    mode: Mode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TLS 1.3 refuses a missing certificate after the client's handshake is done: when the
    server reads the request before closing, the client reads the alert, which httpcore's
    async backend raises as a bare ``ssl.SSLError`` (once a flaky failure of the test above)."""
    module = load("security-mutual-tls")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(TLS / "ca.pem"))
    context.load_cert_chain(str(TLS / "server.pem"))
    context.verify_mode = ssl.CERT_REQUIRED
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))
    with ScriptedServer(lambda request: Reply.json("ok"), tls=context, tls_refusal="clean") as srv:
        with pytest.raises(module.ApiConnectionError, match="ping: connection failed"):
            one(mode, "security-mutual-tls", srv.url, "ping", bearer=BEARER)
        assert srv.requests == []


def test_a_certificate_cannot_be_added_to_a_borrowed_http_client(mode: Mode) -> None:
    cls = client_class("security-mutual-tls", mode)
    certificate = CERTIFICATES["one-file"]
    with (
        httpx.Client() as http,
        pytest.raises(ValueError, match="client_cert: a client certificate cannot be added"),
    ):
        borrowed = (
            http if mode == "sync" else httpx.AsyncClient(transport=httpx.AsyncHTTPTransport())
        )
        cls("https://example.invalid", client_cert=certificate, http_client=borrowed)


def test_a_borrowed_http_client_may_carry_the_certificate(tls_server: ScriptedServer) -> None:
    context = ssl.create_default_context(cafile=str(TLS / "ca.pem"))
    context.load_cert_chain(str(TLS / "client.pem"))
    with httpx.Client(verify=context) as http:
        assert one("sync", "security-mutual-tls", tls_server.url, "ping", http_client=http) == "ok"
    assert tls_server.requests[0].peer_certificate is not None


# --- secrets never shown --------------------------------------------------------------------


def test_repr_hides_every_secret(mode: Mode) -> None:
    for case, options in (("security-schemes", ALL_2X), ("security-schemes-3x", ALL_3X)):
        client = client_class(case, mode)("https://example.invalid", **options)
        text = repr(client) + repr(vars(client))
        assert all(secret not in text for secret in SECRETS), text
        asyncio.run(client.aclose()) if mode == "async" else client.close()
    module = load("security-schemes")
    credentials = module.OAuth2ClientCredentials(client_id="ci", client_secret=PASSWORD)
    assert PASSWORD not in repr(credentials) and "ci" in repr(credentials)


def test_errors_hide_every_secret(mode: Mode, server: ScriptedServer) -> None:
    server.handler = lambda request: Reply.json({"code": "Unauthorized", "message": "no"}, 401)
    module = load("security-schemes")
    for name, _ in CALLS_2X:
        with pytest.raises(module.ApiStatusError) as caught:
            one(mode, "security-schemes", server.url, name, **ALL_2X)
        error = caught.value
        shown = str(error) + repr(error) + repr(error.args)
        assert all(secret not in shown for secret in SECRETS), shown


def test_logs_hide_every_secret_and_show_the_rest(
    mode: Mode, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: httpx and httpcore included
    server.handler = lambda request: Reply.json("ok")
    calls(mode, "security-schemes", server.url, [("get_keyed", {})], api_key=QUERY_KEY)
    calls(mode, "security-schemes", server.url, CALLS_2X, **ALL_2X)
    calls(mode, "security-schemes-3x", server.url, CALLS_3X, **ALL_3X)
    assert server.requests[0].query_params == [("api_key", QUERY_KEY)]  # sent, yet ...
    for record in caplog.records:
        for secret in [*SECRETS, basic(USER, PASSWORD).split()[1]]:
            assert secret not in record.getMessage(), record
            assert secret not in repr(record.__dict__), record
    messages = [r.getMessage() for r in caplog.records]
    # httpx logs each URL at INFO: the query's key is redacted there ...
    assert any("HTTP Request: GET" in m and "/keyed?api_key=[secure]" in m for m in messages)
    # ... and the client logs each attempt's headers at DEBUG, credentials redacted.
    sending = [m for m in messages if ": sending GET " in m]
    assert len(sending) == 1 + len(CALLS_2X) + len(CALLS_3X)
    assert all("User-Agent" in m or "user-agent" in m for m in sending)
    assert any("/keyed?api_key=[secure]" in m for m in sending)
    assert all("[secure]" in m for m in sending if "/public" not in m)
