"""The package README's usage example: valid, black-formatted Python that runs.

The example constructs the client with its required arguments, calls one operation with
a placeholder of the right type for every required argument, and prints the result.
Which operation, each placeholder, the imports and the line layout are decided here; the
README template only lays the lines out. Spec text (server defaults, constant values)
reaches the example only through ``quote.literal``.

The layout is the one black keeps at line length 88 (``layout``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import assert_never
from urllib.parse import quote as percent_encode
from urllib.parse import urljoin, urlsplit

from msgspec import Struct

from .. import ir
from . import emit, methods
from .imports import Import
from .layout import (
    INDENT,
    Brackets,
    Expr,
    call,
    display,
    import_lines,
    lay_out,
    number,
    placeholder,
    scalar,
    string,
)
from .quote import literal

NIL_UUID = "00000000-0000-0000-0000-000000000000"
MAX_MODEL_DEPTH = 4  # a model nested deeper is not built: another operation is chosen


class Example(Struct, frozen=True):
    """The example's lines: imports, the ``with`` statement, and the lines inside it
    (without the block's indentation, which the template adds)."""

    imports: tuple[str, ...]
    opening: tuple[str, ...]
    body: tuple[str, ...]

    @property
    def code(self) -> str:
        """The example as one module's source, as the README shows it."""
        lines = [*self.imports, "", *self.opening, *(INDENT + b for b in self.body)]
        return "\n".join(lines) + "\n"


# -- values ------------------------------------------------------------------------------


@dataclass
class Values:
    """Valid placeholder values of IR types, and the imports they need."""

    api: ir.Api
    package: str
    needed: set[Import] = field(default_factory=set)
    _building: list[str] = field(default_factory=list)  # the models under construction

    def value(
        self, t: ir.TypeRef, name: str, *, argument: bool, limits: ir.Constraints | None = None
    ) -> Expr | None:
        """A valid value of ``t`` named ``name``; None when none can be built. A method
        ``argument`` takes a UUID as a string; a model field needs a ``uuid.UUID``."""
        match t:
            case ir.PrimitiveType():
                return self._primitive(t.kind, name, argument, limits)
            case ir.ArrayType():
                count = max(1, limits.min_items or 0) if limits else 1  # check_items
                item = self.value(t.item, name, argument=argument)
                if item is None:  # a model's list may be empty; a required argument's not
                    return None if argument else display("[", (), "]")
                return display("[", [item] * count, "]")
            case ir.MapType():
                return display("{", (), "}")
            case ir.TupleType():
                values = [self.value(i, name, argument=False) for i in t.items]
                if len(values) < 2 or any(v is None for v in values):
                    return None  # ``(x)`` is no tuple; such an operation is not the example
                return display("(", [v for v in values if v is not None], ")")
            case ir.LiteralType():
                return scalar(t.value)
            case ir.ScalarUnion():  # annotated as it is, even for an argument
                options = (self.value(o, name, argument=False) for o in t.options)
                return next((o for o in options if o is not None), None)
            case ir.ModelRef():
                return self.model(t.name)
            case ir.EnumRef():
                found = self.api.enum(t.name)
                if found is None or not found.members:
                    return None
                self.needed.add(Import(self.package, t.name))
                return f"{t.name}.{found.members[0].name}"
            case ir.UnionRef():
                union = self.api.union(t.name)
                if union is None:
                    return None
                tag = union.discriminator  # each variant is built with its own tag
                built = (self.model(v.model, {tag: string(v.tag)}) for v in union.variants)
                return next((b for b in built if b is not None), None)
            case ir.UntaggedRef():
                return self.untagged(t.name, name)
            case _:
                assert_never(t)

    def untagged(self, union: str, name: str) -> Expr | None:
        """A value of the first alternative that can be built (annotated as it is, even
        for an argument); None for a union that holds itself all the way down."""
        found = next((u for u in self.api.untagged if u.name == union), None)
        if found is None or union in self._building or len(self._building) >= MAX_MODEL_DEPTH:
            return None
        self._building.append(union)
        try:
            built = (self.value(o, name, argument=False) for o in found.options)
            return next((b for b in built if b is not None), None)
        finally:
            self._building.pop()

    def _primitive(
        self, kind: ir.Primitive, name: str, argument: bool, limits: ir.Constraints | None
    ) -> Expr:
        match kind:
            case ir.Primitive.STR | ir.Primitive.ANY:
                return string(placeholder(name))
            case ir.Primitive.INT | ir.Primitive.FLOAT:
                return number(limits, integer=kind is ir.Primitive.INT)
            case ir.Primitive.BOOL:
                return "True"
            case ir.Primitive.UUID:
                if argument:
                    return string(NIL_UUID)
                self.needed.add(Import("uuid"))
                return call("uuid.UUID", [string(NIL_UUID)])
            case ir.Primitive.DATETIME:
                self.needed.add(Import("datetime"))
                utc = [("tzinfo", "datetime.timezone.utc")]
                return call("datetime.datetime", ["2024", "1", "1"], utc)
            case ir.Primitive.DATE:
                self.needed.add(Import("datetime"))
                return call("datetime.date", ["2024", "1", "1"])
            case ir.Primitive.BYTES:
                return "b" + string(placeholder(name))  # names are ASCII identifiers
            case _:
                assert_never(kind)

    def model(self, name: str, fixed: dict[str, Expr] | None = None) -> Expr | None:
        """The model constructed with its required fields (``fixed``: values by wire
        name, a union's tag); None when too deep, cyclic or impossible."""
        fields = _fields(self.api, name)
        if fields is None or name in self._building or len(self._building) >= MAX_MODEL_DEPTH:
            return None
        self._building.append(name)
        try:
            keywords: list[tuple[str, Expr]] = []
            for f in filter(_needs_value, fields):
                value = (fixed or {}).get(f.wire_name) or self.value(f.type, f.name, argument=False)
                if value is None and not f.nullable:
                    return None
                keywords.append((f.name, "None" if value is None else value))
        finally:
            self._building.pop()
        self.needed.add(Import(self.package, name))
        return call(name, (), keywords)


def _fields(api: ir.Api, name: str) -> list[ir.Field] | None:
    """A model's fields, its bases' first; None for a model that does not exist."""
    chain: list[ir.Model] = []
    current = api.model(name)
    while current is not None and current not in chain:
        chain.insert(0, current)
        current = api.model(current.base) if current.base else None
    fields = {f.name: f for model in chain for f in model.fields}
    return list(fields.values()) if chain else None


def _needs_value(f: ir.Field) -> bool:
    """Whether the generated model declares no default for ``f`` (``emit`` decides)."""
    return emit.field_default(f) in ("", f"msgspec.field(name={literal(f.wire_name)})")


# -- the operation -----------------------------------------------------------------------


def _inputs(op: ir.Operation) -> Iterator[tuple[ir.TypeRef, ir.Constraints | None]]:
    """The type and limits of each of ``methods.arguments(op)``, in its order."""
    params = [p for p in op.parameters if not p.client]
    yield from ((p.type, p.constraints) for p in params if p.location is ir.ParamLocation.PATH)
    if op.body and op.body.fields:
        yield from ((f.type, None) for f in op.body.fields)
    elif op.body:
        yield op.body.type, None
    yield from ((p.type, p.constraints) for p in params if p.location is not ir.ParamLocation.PATH)


class Choice(Struct, frozen=True):
    """An operation, the arguments its example passes, and what they import."""

    operation: ir.Operation
    arguments: tuple[tuple[str, Expr], ...]
    needed: frozenset[Import]
    credentials: frozenset[str] | None = frozenset()  # see ``credentials_for``

    @property
    def rank(self) -> tuple[bool, bool, bool, bool]:
        """An operation callable without a client certificate first, then arguments no
        deeper than a flat model or list, then GET, then one with a result to print."""
        nested = any(depth(v) > 1 for _, v in self.arguments)
        nothing = methods.result_annotation(self.operation) == "None"
        return (self.credentials is None, nested, self.operation.method != "GET", nothing)


def credentials_for(api: ir.Api, op: ir.Operation) -> frozenset[str] | None:
    """The schemes (by key) the example gives the client for ``op``: those of its first
    alternative that needs no client certificate (a file the reader must have); None
    when every alternative needs one."""
    files = {s.key for s in api.auth if isinstance(s, ir.MutualTlsScheme)}
    for requirement in op.security:
        if not any(key in files for key, _ in requirement):
            return frozenset(key for key, _ in requirement)
    return None if op.security else frozenset()


def depth(expr: Expr) -> int:
    """How deeply calls and displays nest in ``expr``: 0 for an atom."""
    match expr:
        case str():
            return 0
        case Brackets():
            return 1 + max((depth(v) for _, v in expr.elements), default=0)
        case _:
            assert_never(expr)


def arguments(api: ir.Api, op: ir.Operation, package: str) -> Choice | None:
    """The operation's required arguments with placeholders; None if one cannot be built."""
    values = Values(api, package)
    given: list[tuple[str, Expr]] = []
    for a, (t, limits) in zip(methods.arguments(op), _inputs(op), strict=True):
        if a.default is not None:
            continue  # optional, or sent with its default
        value = values.value(t, a.name, argument=True, limits=limits)
        if value is None:
            return None
        given.append((a.name, value))
    return Choice(op, tuple(given), frozenset(values.needed), credentials_for(api, op))


_BEST = (False, False, False, False)  # the best ``Choice.rank`` there is


def choose(api: ir.Api, package: str) -> Choice | None:
    """The operation the example calls: the best ``Choice.rank``, the first in the
    document among equals; None when no operation's arguments can be built. The first
    with the best rank there is ends the search (GitHub's first operation is one)."""
    best: Choice | None = None
    for op in api.operations:
        choice = arguments(api, op, package)
        if choice is not None and (best is None or choice.rank < best.rank):
            best = choice
            if best.rank == _BEST:
                break
    return best


# -- the client --------------------------------------------------------------------------


def server_values(server: ir.Server) -> dict[str, str]:
    """A value per server variable (by wire name): its default when the defaults make a
    URL the constructor accepts (``_runtime.base_url``), else a placeholder:
    ``https://<name>`` for a variable holding the scheme and host, ``https`` for the
    scheme alone, ``<name>`` for the rest."""
    placeholders = {}
    for v in server.variables:
        token = "{" + v.wire_name + "}"
        after = server.url[len(token) :] if server.url.startswith(token) else None
        leading = "https" if after and after.startswith("://") else f"https://{placeholder(v.name)}"
        placeholders[v.wire_name] = placeholder(v.name) if after is None else leading
    defaults = {v.wire_name: v.default for v in server.variables if v.default}
    values = {**placeholders, **defaults}
    return values if _accepted(server_url(server, values)) else placeholders


def server_url(server: ir.Server, values: dict[str, str]) -> str:
    """The URL ``_runtime.base_url`` makes of the variables' ``values``."""
    url = server.url
    for v in server.variables:
        value = values[v.wire_name]
        text = percent_encode(value, safe="") if v.encode else value.rstrip("/")
        url = url.replace("{" + v.wire_name + "}", text)
    return url


def _accepted(url: str) -> bool:
    """Whether ``_runtime.base_url`` takes ``url`` (plain http aside): a host over http(s)."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def insecure(url: str) -> bool:
    """Plain http to a host that is not loopback: ``allow_insecure_http=True`` needed."""
    import ipaddress

    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return urlsplit(url).scheme == "http" and not loopback


def credential(scheme: ir.SecurityScheme, values: Values) -> Expr:
    """A placeholder for a required credential argument: a token, ``(username,
    password)``, or the client credentials OAuth 2.0 fetches tokens with."""
    match scheme:
        case ir.OAuth2Scheme(token_url=str()):
            values.needed.add(Import(values.package, "OAuth2ClientCredentials"))
            ids = [(k, string(placeholder(k))) for k in ("client_id", "client_secret")]
            return call("OAuth2ClientCredentials", (), ids)
        case ir.ApiKeyScheme() | ir.HttpScheme() | ir.OAuth2Scheme() | ir.OpenIdConnectScheme():
            return string(placeholder(scheme.name))
        case ir.BasicScheme():
            return display("(", [string("<username>"), string("<password>")], ")")
        case ir.MutualTlsScheme():  # never required; a certificate and its key
            return display("(", [string("<certificate file>"), string("<key file>")], ")")
        case _:
            assert_never(scheme)


def _token_urls(api: ir.Api, base: str, given: frozenset[str]) -> list[str]:
    """The token endpoints the example's OAuth 2.0 client credentials fetch from."""
    return [
        urljoin(base + "/", s.token_url)
        for s in api.auth
        if isinstance(s, ir.OAuth2Scheme) and s.token_url and (s.required or s.key in given)
    ]


def constructor(api: ir.Api, values: Values, given: frozenset[str] = frozenset()) -> Brackets:
    """The client constructed with every required argument (``...`` for a client-level
    parameter no value can be built for) and the credentials of the schemes ``given``."""
    server = server_values(api.server)
    keywords: list[tuple[str, Expr]] = [
        (v.name, string(server[v.wire_name])) for v in api.server.variables
    ]
    keywords += [(a.name, credential(a, values)) for a in api.auth if a.required or a.key in given]
    for p in api.client_params:
        if p.required and p.default is None:
            value = values.value(p.type, p.name, argument=True, limits=p.constraints)
            keywords.append((p.name, "..." if value is None else value))
    base = server_url(api.server, server)
    if any(insecure(url) for url in [base, *_token_urls(api, base, given)]):
        keywords.append(("allow_insecure_http", "True"))
    return call(api.client_name, (), keywords)


def example(api: ir.Api, package: str) -> Example:
    """The usage example of the package ``package`` generated from ``api``."""
    values = Values(api, package)
    choice = choose(api, package)
    client = constructor(api, values, (choice and choice.credentials) or frozenset())
    needed = {Import(package, api.client_name), *values.needed}
    if choice is None:
        body = ["print(client)"]
    else:
        needed |= choice.needed
        op = choice.operation
        method = call(f"client.{api.owner(op)}{api.method_name(op)}", (), choice.arguments)
        if op.stream:  # a stream sends nothing until its block is entered
            loop = ["for item in items:", INDENT + "print(item)"]
            body = [*lay_out("with ", method, " as items:", 1), *(INDENT + line for line in loop)]
        elif methods.result_annotation(choice.operation) == "None":
            body = lay_out("", method, "", 1)
        else:
            body = [*lay_out("result = ", method, "", 1), "print(result)"]
    opening = lay_out("with ", client, " as client:")
    return Example(tuple(import_lines(needed)), tuple(opening), tuple(body))
