"""Which OpenAPI object each key of each object holds, and where the ``$ref``s are.

``bundle`` needs the kind of every object it reaches through a ``$ref`` (a schema is
copied into the root's schemas, anything else put in place), and the kind of an object is
decided by where it stands: ``responses`` of an operation holds responses, ``schema`` of a
parameter a schema. One table covers Swagger 2.0 and OpenAPI 3.0 and 3.1, whose keys do
not clash. A key the table does not name holds an object of kind ``other``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .document import escape

if TYPE_CHECKING:
    from .ledger import Ledger

# Values that are data or vendor extensions: a "$ref" inside them is not a reference the
# generator follows (Azure's x-ms-examples point at example files beside the spec).
NOT_FOLLOWED = frozenset({"example", "examples", "default", "enum", "const"})

# Maps whose keys are names the spec chose (a property called "$ref" or "x-y" is a
# property), not keywords.
NAMED = frozenset(
    {
        "properties",
        "patternProperties",
        "definitions",
        "schemas",
        "parameters",
        "responses",
        "requestBodies",
        "securitySchemes",
        "securityDefinitions",
        "headers",
        "paths",
        "content",
        "variables",
        "mapping",
        "callbacks",
        "links",
        "encoding",
    }
)

SCHEMA = "schema"
OTHER = "other"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Inside a schema: the keywords holding one subschema, a map of them, a list of them.
SCHEMA_ONE = (
    "items",
    "additionalProperties",
    "not",
    "contains",
    "if",
    "then",
    "else",
    "propertyNames",
    "additionalItems",
    "unevaluatedItems",
    "unevaluatedProperties",
)
SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_WITH_SCHEMA = {
    "schema": ("one", SCHEMA),
    "content": ("map", "media type"),
    "items": ("one", SCHEMA),
}

# kind → key → (how the key holds them: "one", "map" of names or "list"; their kind)
_GRAMMAR: dict[str, dict[str, tuple[str, str]]] = {
    "document": {
        "paths": ("map", "path item"),
        "webhooks": ("map", "path item"),
        "components": ("one", "components"),
        "definitions": ("map", SCHEMA),
        "parameters": ("map", "parameter"),
        "responses": ("map", "response"),
        "securityDefinitions": ("map", OTHER),
    },
    "components": {
        "schemas": ("map", SCHEMA),
        "parameters": ("map", "parameter"),
        "responses": ("map", "response"),
        "requestBodies": ("map", "request body"),
        "headers": ("map", "header"),
        "callbacks": ("map", "callback"),
        "pathItems": ("map", "path item"),
        "securitySchemes": ("map", OTHER),
        "links": ("map", OTHER),
    },
    "path item": {
        "parameters": ("list", "parameter"),
        **{m: ("one", "operation") for m in _METHODS},
    },
    "operation": {
        "parameters": ("list", "parameter"),
        "requestBody": ("one", "request body"),
        "responses": ("map", "response"),
        "callbacks": ("map", "callback"),
    },
    "parameter": _WITH_SCHEMA,
    "header": _WITH_SCHEMA,
    "request body": {"content": ("map", "media type")},
    "media type": {"schema": ("one", SCHEMA), "encoding": ("map", "encoding")},
    "encoding": {"headers": ("map", "header")},
    "response": {
        "schema": ("one", SCHEMA),
        "content": ("map", "media type"),
        "headers": ("map", "header"),
        "links": ("map", OTHER),
    },
    SCHEMA: {
        **{k: ("one", SCHEMA) for k in SCHEMA_ONE},
        **{k: ("map", SCHEMA) for k in SCHEMA_MAPS},
        **{k: ("list", SCHEMA) for k in SCHEMA_LISTS},
    },
}


def child(kind: str, key: str) -> tuple[str, str]:
    """How the value of ``key`` in an object of ``kind`` holds objects, and their kind."""
    if kind == "callback":  # runtime expressions, each naming a path item
        return "one", "path item"
    return _GRAMMAR.get(kind, {}).get(key, ("one", OTHER))


def followed(key: str) -> bool:
    """Whether ``$ref``s under ``key`` are references the generator follows."""
    return key not in NOT_FOLLOWED and not key.startswith("x-")


_CONTAINERS = (dict, list)

# Where a container is: None for the walk's start, else (where its parent is, its key or
# index there).
Where = tuple["Where", str | int] | None


def spelled(start: str, where: Where) -> str:
    """The pointer of what is at ``where``, below ``start``."""
    tokens: list[str] = []
    while where is not None:
        where, token = where
        tokens.append(escape(token) if isinstance(token, str) else str(token))
    return start + "".join(f"/{t}" for t in reversed(tokens))


def ref_places(
    value: Any, named: bool = False, book: Ledger | None = None
) -> Iterator[tuple[Where, Any]]:
    """Every ``$ref`` the generator follows, with where the object holding it is
    (``spelled`` makes that a pointer), in document order; ``named``: ``value`` maps
    spec-chosen names to objects. ``book``, bound to ``value``: each part's as the last
    run found them, where the part is as it was (``ledger``)."""
    if book is None or not book.reads(value):
        yield from _refs_from([(value, None, named)])
        return
    from .ledger import section

    pending: list[tuple[Any, Where, bool]] = [(value, None, named)]
    while pending:
        value, where, named = pending.pop()
        if not section(where):
            yield from _piece_refs(value, where, named, book)
        elif isinstance(value, dict):  # one step of the walk below, for a section
            ref = None if named else value.get("$ref")
            if ref is not None:
                yield where, ref
            for key, item in reversed(value.items()):
                if isinstance(item, _CONTAINERS) and (named or followed(key)):
                    pending.append((item, (where, key), not named and key in NAMED))
        elif isinstance(value, list):
            for index in range(len(value) - 1, -1, -1):
                if isinstance(value[index], _CONTAINERS):
                    pending.append((value[index], (where, index), False))


def _piece_refs(value: Any, where: Where, named: bool, book: Ledger) -> Iterator[tuple[Where, Any]]:
    """The ``$ref``s of one part at ``where``: recorded, or walked and recorded."""
    pointer = spelled("", where)
    found = book.refs(pointer, value, named)
    if found is None:
        walked = list(_refs_from([(value, None, named)]))  # where, from the part on
        found = [(_tokens(inside), ref) for inside, ref in walked]
        book.note_refs(pointer, value, named, found)
    for tokens, ref in found:
        at = where
        for token in tokens:
            at = (at, token)
        yield at, ref


def _tokens(where: Where) -> tuple[str | int, ...]:
    found: list[str | int] = []
    while where is not None:
        where, token = where
        found.append(token)
    return tuple(reversed(found))


def _refs_from(stack: list[tuple[Any, Where, bool]]) -> Iterator[tuple[Where, Any]]:
    """The walk of ``ref_places`` from what ``stack`` holds. A loop over containers only,
    no pointer spelled out unless a caller needs one (GitHub's description: 150,000
    containers, 9,000 references, a handful of pointers needed)."""
    pop, push = stack.pop, stack.append
    while stack:
        value, where, named = pop()
        if isinstance(value, dict):
            ref = None if named else value.get("$ref")
            if ref is not None:
                yield where, ref
            # Pushed last to first, so that the first is walked next: document order.
            for key, item in reversed(value.items()):
                if isinstance(item, _CONTAINERS) and (
                    named or (key not in NOT_FOLLOWED and not key.startswith("x-"))  # followed()
                ):
                    push((item, (where, key), not named and key in NAMED))
        elif isinstance(value, list):
            for index in range(len(value) - 1, -1, -1):
                if isinstance(value[index], _CONTAINERS):
                    push((value[index], (where, index), False))
