"""Security schemes and requirements: what each scheme asks the client's constructor for,
and what each operation sends.

Every scheme of OpenAPI 3.0/3.1 (Swagger 2.0's are rewritten into them on load) becomes
one ``ir.SecurityScheme`` with a constructor argument: an ``apiKey``'s is named after its
header, query or cookie name, every other scheme's after its key in ``securitySchemes``.
An operation's ``security`` (else the document's) becomes alternatives of requirements.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from msgspec import structs

from .. import ir, names
from ..load.document import escape
from .context import BuildContext
from .keywords import text_of

# RFC 9110 token: header names, auth-scheme names, cookie names (RFC 6265 cookie-name).
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_FLOWS = ("implicit", "password", "clientCredentials", "authorizationCode")


def schemes(ctx: BuildContext, taken: list[names.PythonIdentifier]) -> dict[str, ir.SecurityScheme]:
    """Every scheme of ``components/securitySchemes`` by key, in the spec's order; each
    argument name unique against ``taken``, which grows with them."""
    found: dict[str, ir.SecurityScheme] = {}
    raw = ctx.doc.get("components", {}).get("securitySchemes", {})
    for key, node in raw.items():
        scheme, pointer = ctx.deref(node, f"/components/securitySchemes/{escape(key)}")
        made = _scheme(ctx, str(key), scheme, pointer)
        if made is not None:
            name = names.unique([*taken, made.name])[-1]
            taken.append(name)
            found[key] = structs.replace(made, name=name)
    return found


def _scheme(ctx: BuildContext, key: str, scheme: Any, pointer: str) -> ir.SecurityScheme | None:
    """One scheme, its argument named by the rule of its kind; None after an error."""
    kind = scheme.get("type")
    description = text_of(scheme, "description")
    if kind == "apiKey":
        return _api_key(ctx, key, scheme, pointer, description)
    if kind == "http":
        return _http(ctx, key, scheme, pointer, description)
    name = names.snake(key)
    if kind == "oauth2":
        flows: Mapping[str, Any] = scheme.get("flows") or {}
        token_url = (flows.get("clientCredentials") or {}).get("tokenUrl")
        found = tuple(f for f in flows if f in _FLOWS)
        return ir.OAuth2Scheme(
            key=key, name=name, description=description, flows=found, token_url=token_url
        )
    if kind == "openIdConnect":
        url = str(scheme.get("openIdConnectUrl", ""))
        return ir.OpenIdConnectScheme(key=key, name=name, description=description, url=url)
    if kind == "mutualTLS":
        return ir.MutualTlsScheme(key=key, name=name, description=description)
    ctx.error(f"{pointer}/type", f"unknown security scheme type {kind!r}")
    return None


def _api_key(
    ctx: BuildContext, key: str, scheme: Any, pointer: str, description: str
) -> ir.ApiKeyScheme | None:
    """An ``apiKey``; one whose header or cookie name is not a token is left out."""
    location = ir.KeyLocation(scheme["in"])
    wire = str(scheme["name"])
    if location is not ir.KeyLocation.QUERY and not _TOKEN.fullmatch(wire):
        _left_out(ctx, f"{pointer}/name", f"{location.value} name {wire!r} is not a token")
        return None
    return ir.ApiKeyScheme(
        key=key, name=names.snake(wire), description=description, location=location, wire_name=wire
    )


def _left_out(ctx: BuildContext, pointer: str, why: str) -> None:
    """A scheme no request could carry (a name with spaces is a label, not a header): the
    client has no argument for it, and requirements naming it ask for nothing more."""
    ctx.warn(
        pointer,
        f"{why} (RFC 9110), so no request can carry it; the scheme is left out"
        " (pass such a credential with auth=)",
    )


def _http(
    ctx: BuildContext, key: str, scheme: Any, pointer: str, description: str
) -> ir.BasicScheme | ir.HttpScheme | None:
    """``http``: basic, bearer, or another scheme whose credential the caller makes."""
    written = str(scheme.get("scheme", ""))
    if not _TOKEN.fullmatch(written):
        _left_out(
            ctx, f"{pointer}/scheme", f"HTTP authentication scheme {written!r} is not a token"
        )
        return None
    name = names.snake(key)
    if written.lower() == "basic":
        return ir.BasicScheme(key=key, name=name, description=description)
    bearer = written.lower() == "bearer"
    fmt = scheme.get("bearerFormat") if bearer else None
    return ir.HttpScheme(
        key=key,
        name=name,
        description=description,
        scheme="Bearer" if bearer else written,
        bearer_format=fmt if isinstance(fmt, str) else "",
    )


def requirements(
    ctx: BuildContext, raw: Any, pointer: str, known: Mapping[str, ir.SecurityScheme]
) -> tuple[ir.Requirement, ...]:
    """``security`` as alternatives; a requirement naming no scheme of the document is
    refused (it could never be met). ``known`` lacks the schemes refused already."""
    declared = ctx.doc.get("components", {}).get("securitySchemes", {})
    found: list[ir.Requirement] = []
    for i, requirement in enumerate(raw or []):
        pairs = []
        for key, scopes in requirement.items():
            if key not in known:
                if key not in declared:
                    where = f"{pointer}/{i}/{escape(key)}"
                    ctx.error(where, f"no security scheme named {key!r}")
                continue
            pairs.append((str(key), tuple(str(s) for s in scopes or ())))
        found.append(tuple(pairs))
    # An empty requirement alone asks for nothing: the same as no security at all.
    return () if all(not r for r in found) else tuple(found)


def used(
    known: Mapping[str, ir.SecurityScheme], operations: tuple[ir.Operation, ...]
) -> tuple[ir.SecurityScheme, ...]:
    """The schemes some operation uses, in the spec's order, each marked required when
    every operation needs it in every alternative (mutualTLS never: see its class)."""
    keys = {key for op in operations for req in op.security for key, _ in req}

    def needed(key: str) -> bool:
        return bool(operations) and all(
            op.security and all(key in dict(req) for req in op.security) for op in operations
        )

    return tuple(
        structs.replace(s, required=needed(k) and not isinstance(s, ir.MutualTlsScheme))
        for k, s in known.items()
        if k in keys
    )
