"""The typed intermediate representation: everything the templates may know about an API.

``build`` makes these from a validated document; no later stage looks at the document
again. All classes are frozen and hold tuples, so the IR can be shared and hashed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .names import ClassName, ConstantName, PythonIdentifier


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


@dataclass(frozen=True)
class PrimitiveType:
    """A scalar; ``format`` is kept for documentation only."""

    kind: Primitive
    format: str | None = None


@dataclass(frozen=True)
class ArrayType:
    """A JSON array of ``item``."""

    item: TypeRef


@dataclass(frozen=True)
class ModelRef:
    """A reference to a ``Model`` by its class name."""

    name: ClassName


@dataclass(frozen=True)
class EnumRef:
    """A reference to an ``Enum`` by its class name."""

    name: ClassName


TypeRef = PrimitiveType | ArrayType | ModelRef | EnumRef


@dataclass(frozen=True)
class Constraints:
    """Validation the client performs before sending a value."""

    minimum: int | float | None = None
    maximum: int | float | None = None
    min_items: int | None = None
    max_items: int | None = None


@dataclass(frozen=True)
class Field:
    """One property of a model."""

    wire_name: str
    name: PythonIdentifier
    type: TypeRef
    required: bool
    nullable: bool
    read_only: bool
    description: str


@dataclass(frozen=True)
class Model:
    """An object schema, emitted as a ``msgspec.Struct``."""

    name: ClassName
    description: str
    fields: tuple[Field, ...]
    pointer: str


@dataclass(frozen=True)
class EnumMember:
    """One allowed value and its Python member name."""

    name: ConstantName
    value: str


@dataclass(frozen=True)
class Enum:
    """A string enum; unknown values from the server decode to pseudo-members."""

    name: ClassName
    description: str
    members: tuple[EnumMember, ...]
    pointer: str


class ParamLocation(enum.Enum):
    """Where a parameter travels."""

    PATH = "path"
    QUERY = "query"
    HEADER = "header"


@dataclass(frozen=True)
class Parameter:
    """One operation parameter; ``explode=False`` arrays are sent comma-joined."""

    wire_name: str
    name: PythonIdentifier
    location: ParamLocation
    type: TypeRef
    required: bool
    description: str
    default: str | int | float | bool | None
    constraints: Constraints
    explode: bool


@dataclass(frozen=True)
class Response:
    """A declared response; ``status`` is ``"200"``-like or ``"default"``."""

    status: str
    description: str
    media_types: tuple[str, ...]
    type: TypeRef | None


@dataclass(frozen=True)
class ApiKeyAuth:
    """An ``apiKey`` security scheme sent in a header; ``name`` is the constructor argument."""

    scheme: str
    header: str
    name: PythonIdentifier


@dataclass(frozen=True)
class Pagination:
    """Offset paging learnt from the ``x-apiforge-pagination`` extension of an operation."""

    name: PythonIdentifier
    offset: Parameter
    limit: Parameter
    max_page_size: int
    item: TypeRef


@dataclass(frozen=True)
class Operation:
    """One HTTP operation, emitted as a method on both clients."""

    operation_id: str
    name: PythonIdentifier
    method: str
    path: str
    summary: str
    description: str
    parameters: tuple[Parameter, ...]
    responses: tuple[Response, ...]
    auth: tuple[ApiKeyAuth, ...]
    pointer: str
    pagination: Pagination | None = None

    @property
    def success(self) -> Response | None:
        """The lowest declared 2xx response."""
        ok = [r for r in self.responses if r.status.startswith("2")]
        return min(ok, key=lambda r: r.status) if ok else None

    @property
    def error(self) -> Response | None:
        """The ``default`` response, which describes the error body."""
        return next((r for r in self.responses if r.status == "default"), None)


@dataclass(frozen=True)
class ServerVariable:
    """A ``{Name}`` in the server URL, given to the client constructor."""

    wire_name: str
    name: PythonIdentifier
    description: str
    default: str | None


@dataclass(frozen=True)
class Server:
    """The base URL template and its variables."""

    url: str
    variables: tuple[ServerVariable, ...]


@dataclass(frozen=True)
class Api:
    """The whole API, as the templates see it."""

    title: str
    version: str
    description: str
    client_name: ClassName
    server: Server
    auth: tuple[ApiKeyAuth, ...]
    models: tuple[Model, ...]
    enums: tuple[Enum, ...]
    operations: tuple[Operation, ...]
