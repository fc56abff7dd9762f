"""The typed intermediate representation: everything the templates may know about an API.

``build`` makes these from a validated document; no later stage looks at the document
again. All classes are frozen and hold tuples, so the IR can be shared and hashed.
"""

from __future__ import annotations

import enum
from functools import cached_property

from msgspec import Struct
from msgspec.msgpack import Encoder

from .names import ClassName, ConstantName, PythonIdentifier


class Node(Struct, frozen=True, tag=True, tag_field="ir", array_like=True, gc=False):
    """What every IR class is: frozen, so hashable and shared freely; tagged with its
    class name, so an encoding of the IR (``encode``) tells a ``ModelRef`` from an
    ``EnumRef`` of the same name, and encoded as an array of its values. Not tracked by
    the garbage collector: frozen values of frozen values can hold no cycle, and GitHub's
    model is 100,000 of them."""


_ENCODER = Encoder()


def encode(value: object) -> bytes:
    """``value`` (IR nodes, tuples, strings, numbers, booleans, None) as bytes that are
    equal exactly when the values are: what the caches key on."""
    return _ENCODER.encode(value)


class Primitive(enum.Enum):
    """Scalar kinds with a Python type of their own."""

    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    UUID = "uuid"
    DATETIME = "datetime"
    DATE = "date"
    BYTES = "bytes"
    ANY = "any"


class PrimitiveType(Node, frozen=True):
    """A scalar; ``format`` is kept for documentation only."""

    kind: Primitive
    format: str | None = None

    @property
    def literal_default(self) -> bool:
        """Whether a spec default (JSON text, number...) is a literal of this type's
        Python type; a date-time's text is not, and its default is left to the service."""
        return self.kind not in (
            Primitive.DATETIME,
            Primitive.DATE,
            Primitive.UUID,
            Primitive.BYTES,
        )


class ArrayType(Node, frozen=True):
    """A JSON array of ``item``; ``item_nullable`` when an item may be JSON null."""

    item: TypeRef
    item_nullable: bool = False


class TupleType(Node, frozen=True):
    """A JSON array of exactly these items, in order (3.1's closed ``prefixItems``)."""

    items: tuple[TypeRef, ...]


class MapType(Node, frozen=True):
    """A JSON object with arbitrary keys (``additionalProperties``); ``value_nullable``
    when a value may be JSON null."""

    value: TypeRef
    value_nullable: bool = False


class LiteralType(Node, frozen=True):
    """One fixed value (``const``, or a single-value enum)."""

    value: str | int | float | bool


class ScalarUnion(Node, frozen=True):
    """``oneOf``/``anyOf`` of values of different JSON kinds (``str | int``)."""

    options: tuple[TypeRef, ...]


class UnionRef(Node, frozen=True):
    """A reference to a discriminated ``Union`` by its alias name."""

    name: ClassName


class UntaggedRef(Node, frozen=True):
    """A reference to an ``UntaggedUnion`` by its alias name."""

    name: ClassName


class ModelRef(Node, frozen=True):
    """A reference to a ``Model`` by its class name."""

    name: ClassName


class EnumRef(Node, frozen=True):
    """A reference to an ``Enum`` by its class name; ``integer`` for integer enums."""

    name: ClassName
    integer: bool = False


TypeRef = (
    PrimitiveType
    | ArrayType
    | TupleType
    | MapType
    | LiteralType
    | ScalarUnion
    | ModelRef
    | EnumRef
    | UnionRef
    | UntaggedRef
)
Scalar = str | int | float | bool


class Constraints(Node, frozen=True):
    """Validation the client performs before sending a value."""

    minimum: int | float | None = None
    maximum: int | float | None = None
    min_items: int | None = None
    max_items: int | None = None


class Field(Node, frozen=True):
    """One property of a model."""

    wire_name: str
    name: PythonIdentifier
    type: TypeRef
    required: bool
    nullable: bool
    read_only: bool
    description: str
    default: Scalar | None = None
    example: str = ""


class Model(Node, frozen=True):
    """An object schema, emitted as a ``msgspec.Struct``; ``base`` is its parent model."""

    name: ClassName
    description: str
    fields: tuple[Field, ...]
    pointer: str
    base: ClassName | None = None
    closed: bool = False  # additionalProperties: false; only untagged unions look at it

    @property
    def read_only(self) -> tuple[str, ...]:
        """Wire names the client never sends."""
        return tuple(f.wire_name for f in self.fields if f.read_only)


class EnumMember(Node, frozen=True):
    """One allowed value and its Python member name."""

    name: ConstantName
    value: str | int


class Enum(Node, frozen=True):
    """A string or integer enum; ``open`` ones decode unknown values to pseudo-members."""

    name: ClassName
    description: str
    members: tuple[EnumMember, ...]
    pointer: str
    open: bool = True

    @property
    def is_int(self) -> bool:
        """True for integer enums."""
        return all(isinstance(m.value, int) for m in self.members)


class Variant(Node, frozen=True):
    """One alternative of a discriminated union and the tag that selects it."""

    tag: str
    model: ClassName


class Union(Node, frozen=True):
    """``oneOf``/``anyOf`` with a discriminator; unknown tags keep the raw object."""

    name: ClassName
    description: str
    discriminator: str
    variants: tuple[Variant, ...]
    pointer: str


class JsonKind(enum.Enum):
    """The JSON kind of a value: what an untagged union looks at first."""

    OBJECT = "object"
    ARRAY = "array"
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    ANY = "any"  # a schema that allows anything: tried last, for every kind


class Alternative(Node, frozen=True):
    """One alternative of an ``UntaggedUnion`` and the facts that select it.

    The facts are kept only where another alternative of the same ``kind`` needs them:
    for objects, the required properties, the ``const`` (or single-value ``enum``)
    properties, the declared properties and whether others are refused; for scalars,
    the only values allowed (an enum's or a ``const``).
    """

    type: TypeRef
    kind: JsonKind
    required: tuple[str, ...] = ()
    consts: tuple[tuple[str, Scalar], ...] = ()
    keys: tuple[str, ...] = ()
    closed: bool = False
    values: tuple[Scalar, ...] = ()


class UntaggedUnion(Node, frozen=True):
    """``oneOf``/``anyOf`` (or a type list) that msgspec cannot decode by itself: a value
    is matched to ``alternatives`` by its JSON kind and their facts (the rule is in
    ``build/untagged.py``). ``options`` are the declared types, which type checkers see."""

    name: ClassName
    description: str
    options: tuple[TypeRef, ...]
    alternatives: tuple[Alternative, ...]
    pointer: str


class ParamLocation(enum.Enum):
    """Where a parameter travels."""

    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"


# Separators of non-exploded array parameters, by OpenAPI style (tsv comes from Swagger 2.0).
SEPARATORS = {
    "form": ",",
    "simple": ",",
    "spaceDelimited": " ",
    "pipeDelimited": "|",
    "x-tabDelimited": "\t",
}


class Parameter(Node, frozen=True):
    """One operation parameter; ``explode=False`` arrays are sent comma-joined."""

    wire_name: str
    name: PythonIdentifier
    location: ParamLocation
    type: TypeRef
    required: bool
    description: str
    default: Scalar | None
    constraints: Constraints
    explode: bool
    style: str = "form"
    client: bool = False
    skip_encoding: bool = False
    json: bool = False  # given as ``content: {application/json: ...}``: sent as JSON text


class BodyKind(enum.Enum):
    """How a request body is encoded."""

    JSON = "json"
    FORM = "form"
    MULTIPART = "multipart"
    BINARY = "binary"


class FormField(Node, frozen=True):
    """One part of a form or multipart body; ``is_file`` parts take bytes or a file.
    ``spread``: a mapping whose entries are the fields (the schema names none)."""

    wire_name: str
    name: PythonIdentifier
    type: TypeRef
    required: bool
    description: str
    is_file: bool
    spread: bool = False
    # The body's Encoding Object for this field: a urlencoded object's style (form or
    # deepObject) and explode; ``json`` when its contentType is JSON (the value as JSON text).
    style: str = "form"
    explode: bool = True
    json: bool = False


class RequestBody(Node, frozen=True):
    """The request body: one argument (JSON, binary) or one argument per form field."""

    kind: BodyKind
    media_type: str
    name: PythonIdentifier
    type: TypeRef
    required: bool
    description: str
    fields: tuple[FormField, ...] = ()
    nullable: bool = False  # a JSON body whose schema allows null: None sends ``null``


class Response(Node, frozen=True):
    """A declared response; ``status`` is ``"200"``-like or ``"default"``."""

    status: str
    description: str
    media_types: tuple[str, ...]  # the one ``type`` is decoded from first
    type: TypeRef | None
    binary: bool = False
    text: bool = False  # a text/* body that is not JSON or XML: returned as str
    nullable: bool = False  # the schema allows null: the body may be JSON ``null``
    stream: str = ""  # "sse" (text/event-stream) or "lines" (JSON lines): items as they come


class KeyLocation(enum.Enum):
    """Where an ``apiKey`` travels."""

    HEADER = "header"
    QUERY = "query"
    COOKIE = "cookie"


class Scheme(Node, frozen=True, kw_only=True):
    """What every security scheme has: its key in securitySchemes and its constructor
    argument, required only when every operation needs it and no alternative."""

    key: str
    name: PythonIdentifier
    description: str = ""
    required: bool = False


class ApiKeyScheme(Scheme, frozen=True, kw_only=True):
    """``apiKey``: a key sent in a header, the query or a cookie named ``wire_name``
    (the argument is named after ``wire_name``, not the key)."""

    location: KeyLocation
    wire_name: str


class HttpScheme(Scheme, frozen=True, kw_only=True):
    """``http`` but basic: ``Authorization: <scheme> <credential>``; ``scheme`` is
    ``Bearer`` for bearer, else the spec's text."""

    scheme: str
    bearer_format: str = ""


class BasicScheme(Scheme, frozen=True, kw_only=True):
    """``http`` with ``scheme: basic``: a username and a password."""


class OAuth2Scheme(Scheme, frozen=True, kw_only=True):
    """``oauth2``: a bearer token, which the client fetches itself from ``token_url``
    when the scheme has a clientCredentials flow."""

    flows: tuple[str, ...]  # the OpenAPI 3 flow names, in the spec's order
    token_url: str | None = None


class OpenIdConnectScheme(Scheme, frozen=True, kw_only=True):
    """``openIdConnect``: a bearer token the caller obtains."""

    url: str


class MutualTlsScheme(Scheme, frozen=True, kw_only=True):
    """``mutualTLS`` (3.1): a client certificate for the TLS handshake; never required,
    since a caller's own ``http_client`` may carry it instead."""


SecurityScheme = (
    ApiKeyScheme | HttpScheme | BasicScheme | OAuth2Scheme | OpenIdConnectScheme | MutualTlsScheme
)
# One security requirement: every (scheme key, scopes) in it is sent together.
Requirement = tuple[tuple[str, tuple[str, ...]], ...]


class PageKind(enum.Enum):
    """How an operation's pages link (build/paging.py)."""

    OFFSET = "offset"  # an offset and a page size in the query
    PAGE = "page"  # a page number, and perhaps a page size, in the query
    CURSOR = "cursor"  # a cursor from the answer, sent back in the query
    NEXT_LINK = "next-link"  # the next page's URL in the answer
    LINK_HEADER = "link-header"  # the next page's URL in the Link header (RFC 8288)


class Pagination(Node, frozen=True):
    """The paging of an operation, from ``x-apiforge-pagination`` or ``x-ms-pageable``."""

    name: PythonIdentifier
    kind: PageKind
    item: TypeRef
    start: Parameter | None = None  # the offset, page number or cursor parameter
    size: Parameter | None = None  # the page-size parameter
    max_page_size: int = 0
    page_start: int = 1  # the first page's number
    next: tuple[Field, ...] = ()  # the answer's fields down to the next cursor or URL
    items: tuple[Field, ...] = ()  # the answer's fields down to the items; () the answer


class Operation(Node, frozen=True):
    """One HTTP operation, emitted as a method on both clients."""

    operation_id: str
    name: PythonIdentifier
    method: str
    path: str
    summary: str
    description: str
    parameters: tuple[Parameter, ...]
    responses: tuple[Response, ...]
    # Alternatives: the first requirement whose credentials the client holds is sent;
    # () when the operation needs none (``security: []``, or none declared).
    security: tuple[Requirement, ...]
    pointer: str
    pagination: Pagination | None = None
    body: RequestBody | None = None
    headers: ClassName | None = None  # the model of the headers its success answer declares
    idempotent: bool = False  # x-apiforge-idempotent: a POST or PATCH retried like a PUT
    tags: tuple[str, ...] = ()

    @property
    def success(self) -> Response | None:
        """The lowest declared 2xx response."""
        ok = self.successes
        return min(ok, key=lambda r: r.status) if ok else None

    @property
    def successes(self) -> tuple[Response, ...]:
        """Every declared 2xx response, lowest status first; with none, the ``default``
        response, which then describes the 2xx answers too (OpenAPI: every status not
        declared on its own)."""
        found = sorted((r for r in self.responses if r.status[:1] == "2"), key=lambda r: r.status)
        return tuple(found) or tuple(r for r in self.responses if r.status == "default")

    @property
    def accepts(self) -> tuple[str, ...]:
        """The media types the client may ask for: the lowest 2xx answer's; where no 2xx
        answer names one (shutterstock.com's authorize: a 302 of text/html), those of the
        other answers, so the Accept header names something the service declares."""
        if self.success is not None and self.success.media_types:
            return self.success.media_types
        return tuple(dict.fromkeys(t for r in self.responses for t in r.media_types))

    @property
    def sent(self) -> tuple[Parameter, ...]:
        """The parameters that travel beside the path: query, headers, cookies."""
        return tuple(p for p in self.parameters if p.location is not ParamLocation.PATH)

    @property
    def has_cookies(self) -> bool:
        """True when a parameter is a cookie: the request builder collects them."""
        return any(p.location is ParamLocation.COOKIE for p in self.parameters)

    @property
    def stream(self) -> Response | None:
        """The success answer that streams its items (Server-Sent Events, JSON lines)."""
        return next((r for r in self.successes if r.stream), None)

    @property
    def binary(self) -> bool:
        """True when the success answer is a file: bytes, and a streaming variant."""
        return any(r.binary for r in self.successes)

    @property
    def error(self) -> Response | None:
        """The ``default`` response, which describes the error body."""
        return next((r for r in self.responses if r.status == "default"), None)


class GroupMethod(Node, frozen=True):
    """An operation as a method of its group, under a name without the tag's words."""

    name: PythonIdentifier
    operation: Operation


class OperationGroup(Node, frozen=True):
    """The operations of one tag: ``client.<attribute>.<method>(...)`` (build/groups.py)."""

    attribute: PythonIdentifier
    class_name: ClassName
    tag: str
    description: str
    methods: tuple[GroupMethod, ...]


class ServerVariable(Node, frozen=True):
    """A ``{Name}`` in the server URL, given to the client constructor."""

    wire_name: str
    name: PythonIdentifier
    description: str
    default: str | None
    encode: bool = False  # Swagger 2.0 host parameters without x-ms-skip-url-encoding


class Server(Node, frozen=True):
    """The base URL template and its variables."""

    url: str
    variables: tuple[ServerVariable, ...]


class Api(Node, frozen=True, dict=True, gc=True):
    """The whole API, as the templates see it."""

    title: str
    version: str
    description: str
    client_name: ClassName
    server: Server
    auth: tuple[SecurityScheme, ...]  # the schemes the operations use, in the spec's order
    models: tuple[Model, ...]
    enums: tuple[Enum, ...]
    operations: tuple[Operation, ...]
    unions: tuple[Union, ...] = ()
    client_params: tuple[Parameter, ...] = ()
    untagged: tuple[UntaggedUnion, ...] = ()
    groups: tuple[OperationGroup, ...] = ()  # empty unless grouped by tag

    def owner(self, op: Operation) -> str:
        """What comes between ``client.`` and the operation's method: ``""``, or its
        group's attribute and a dot (``"droplets."``)."""
        for group in self.groups:
            if any(m.operation.operation_id == op.operation_id for m in group.methods):
                return f"{group.attribute}."
        return ""

    def method_name(self, op: Operation) -> str:
        """The operation's method name on its owner (the client, or its group)."""
        for group in self.groups:
            for m in group.methods:
                if m.operation.operation_id == op.operation_id:
                    return m.name
        return op.name

    @property
    def ungrouped(self) -> tuple[Operation, ...]:
        """The operations that are methods of the client itself."""
        grouped = {m.operation.operation_id for g in self.groups for m in g.methods}
        return tuple(op for op in self.operations if op.operation_id not in grouped)

    def client_param(self, wire_name: str) -> Parameter:
        """The constructor argument carrying client-level parameter ``wire_name``."""
        return next(p for p in self.client_params if p.wire_name == wire_name)

    @cached_property
    def _named(self) -> dict[tuple[str, str], Model | Enum | Union]:
        # Built once: renders look names up per field (thousands of models on big specs).
        named: dict[tuple[str, str], Model | Enum | Union] = {}
        for model in reversed(self.models):  # the first of a name wins, as next() found it
            named[("model", model.name)] = model
        for values in reversed(self.enums):
            named[("enum", values.name)] = values
        for union in reversed(self.unions):
            named[("union", union.name)] = union
        return named

    def model(self, name: str) -> Model | None:
        found = self._named.get(("model", name))
        return found if isinstance(found, Model) else None

    def enum(self, name: str) -> Enum | None:
        found = self._named.get(("enum", name))
        return found if isinstance(found, Enum) else None

    def union(self, name: str) -> Union | None:
        found = self._named.get(("union", name))
        return found if isinstance(found, Union) else None
