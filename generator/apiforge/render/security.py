"""The constructor arguments of the security schemes: their annotations, docstrings and
the runtime objects they are handed to (``templates/runtime/_auth.py``), and the
security requirements each request builder lists.

One ``match`` per question, ending in ``assert_never``: a new scheme kind makes
``mypy --strict`` name every place here.
"""

from __future__ import annotations

from typing import assert_never

from .. import ir
from .imports import Import
from .quote import literal

_CERTIFICATE = "str | tuple[str, str] | tuple[str, str, str]"


def _token(is_async: bool) -> str:
    """A token: text, or a function called for every request (awaited on async)."""
    return "str | Callable[[], str | Awaitable[str]]" if is_async else "str | Callable[[], str]"


def annotation(scheme: ir.SecurityScheme, is_async: bool) -> str:
    """The constructor argument's annotation (without ``| None`` for optional ones)."""
    match scheme:
        case ir.ApiKeyScheme() | ir.HttpScheme() | ir.OpenIdConnectScheme():
            return _token(is_async)
        case ir.BasicScheme():
            return "tuple[str, str]"
        case ir.OAuth2Scheme():
            token = _token(is_async)
            return f"OAuth2ClientCredentials | {token}" if scheme.token_url else token
        case ir.MutualTlsScheme():
            return _CERTIFICATE
        case _:
            assert_never(scheme)


def signature(scheme: ir.SecurityScheme, is_async: bool) -> str:
    """The argument as the constructor declares it; optional ones default to None."""
    declared = f"{scheme.name}: {annotation(scheme, is_async)}"
    return declared if scheme.required else f"{declared} | None = None"


_TOKEN_DOC = "a str, or a function returning one, called for every request"


def describe(scheme: ir.SecurityScheme) -> str:
    """What the argument is and how it travels, for the constructor's docstring (raw
    text with spec names in it: the template prints it through ``quote.docstring``)."""
    return f"{_what(scheme)} Never shown in repr(), messages or logs."


def _what(scheme: ir.SecurityScheme) -> str:
    match scheme:
        case ir.ApiKeyScheme():
            where = {
                ir.KeyLocation.HEADER: "the ``{}`` header",
                ir.KeyLocation.QUERY: "the ``{}`` query parameter",
                ir.KeyLocation.COOKIE: "the ``{}`` cookie",
            }[scheme.location].format(scheme.wire_name)
            return f"An API key sent in {where}: {_TOKEN_DOC}."
        case ir.HttpScheme() if scheme.scheme == "Bearer":
            shape = f" ({scheme.bearer_format})" if scheme.bearer_format else ""
            header = "``Authorization: Bearer <token>``"
            return f"A bearer token{shape}, sent as {header}: {_TOKEN_DOC}."
        case ir.HttpScheme():
            header = f"``Authorization: {scheme.scheme} <credential>``"
            return f"A {scheme.scheme} credential, sent as {header}: {_TOKEN_DOC}."
        case ir.BasicScheme():
            return "``(username, password)`` for HTTP Basic authentication."
        case ir.OAuth2Scheme():
            return _describe_oauth2(scheme)
        case ir.OpenIdConnectScheme():
            return f"An OpenID Connect token, sent as a bearer token: {_TOKEN_DOC}."
        case ir.MutualTlsScheme():
            return (
                "A client certificate for TLS: a PEM file holding certificate and key, or"
                " ``(certificate file, key file)``, or ``(certificate file, key file,"
                " password)``."
            )
        case _:
            assert_never(scheme)


def _describe_oauth2(scheme: ir.OAuth2Scheme) -> str:
    flows = ", ".join(scheme.flows)
    if scheme.token_url is None:
        return f"An OAuth 2.0 access token ({flows}), sent as a bearer token: {_TOKEN_DOC}."
    return (
        f"``OAuth2ClientCredentials``, to fetch tokens from ``{scheme.token_url}`` (its"
        " ``token_url``"
        f" overrides that), or an access token ({flows}): {_TOKEN_DOC}."
    )


def runtime(scheme: ir.SecurityScheme) -> str:
    """The ``_auth`` scheme object the client hands the argument to."""
    key, argument = literal(scheme.key), literal(scheme.name)
    match scheme:
        case ir.ApiKeyScheme():
            where, name = literal(scheme.location.value), literal(scheme.wire_name)
            return f"_auth.ApiKey({key}, {argument}, {where}, {name}, {scheme.name})"
        case ir.HttpScheme():
            kind = literal(scheme.scheme)
            return f"_auth.Http({key}, {argument}, {kind}, {scheme.name})"
        case ir.BasicScheme():
            return f"_auth.Basic({key}, {argument}, {scheme.name})"
        case ir.OAuth2Scheme() if scheme.token_url is not None:
            url = literal(scheme.token_url)
            return f"_auth.OAuth2({key}, {argument}, {scheme.name}, {url})"
        case ir.OAuth2Scheme() | ir.OpenIdConnectScheme():
            return f"_auth.Http({key}, {argument}, {literal('Bearer')}, {scheme.name})"
        case ir.MutualTlsScheme():
            return f"_auth.MutualTLS({key}, {argument}, {scheme.name})"
        case _:
            assert_never(scheme)


def requirements(op: ir.Operation) -> str:
    """The request's alternatives as a tuple literal: ``((("key", ("scope",)),),)``."""

    def requirement(req: ir.Requirement) -> str:
        pairs = "".join(
            f"({literal(key)}, ({''.join(f'{literal(s)},' for s in scopes)})),"
            for key, scopes in req
        )
        return f"({pairs}),"

    return f"({''.join(requirement(req) for req in op.security)})"


def imports(api: ir.Api, is_async: bool) -> set[Import]:
    """What the constructor's credential arguments need."""
    needed = {Import(".", "_auth")}
    tokens = (ir.ApiKeyScheme, ir.HttpScheme, ir.OAuth2Scheme, ir.OpenIdConnectScheme)
    if any(isinstance(s, tokens) for s in api.auth):
        needed.add(Import("collections.abc", "Callable"))
        if is_async:
            needed.add(Import("collections.abc", "Awaitable"))
    if any(isinstance(s, ir.OAuth2Scheme) and s.token_url for s in api.auth):
        needed.add(Import("._oauth2", "OAuth2ClientCredentials"))
    return needed
