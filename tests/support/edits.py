"""Edits of a document of the kinds a user makes between two runs: one component schema
or one operation changed."""

from __future__ import annotations

import copy
import random
from typing import Any


def _edit_schema(document: dict[str, Any], rnd: random.Random, n: int) -> bool:
    """One component schema edited one of four ways; False when there is none."""
    schemas = document.get("components", {}).get("schemas", {})
    if not schemas:
        return False
    name = rnd.choice(list(schemas))
    schema = schemas[name]
    properties = schema.get("properties") if isinstance(schema, dict) else None
    kind = n % 4
    if kind == 0 and isinstance(schema, dict):  # a property added
        schema.setdefault("properties", {})["addedByTheTest"] = {"type": "string"}
    elif kind == 1 and isinstance(properties, dict) and properties:  # one taken away
        del properties[rnd.choice(list(properties))]
    elif kind == 2 and isinstance(schema, dict):  # only its description
        schema["description"] = f"Edited {n}."
    else:  # replaced by one that makes new classes (an enum, an inline model)
        inline = {"type": "object", "properties": {"z": {"type": "integer"}}}
        enum = {"type": "string", "enum": ["a", "b"]}
        schemas[name] = {"type": "object", "properties": {"e": enum, "i": inline}}
    return True


def _edit_operation(document: dict[str, Any], rnd: random.Random, n: int) -> bool:
    """One operation edited one of four ways; False when there is none."""
    paths = document.get("paths") or {}
    found = [
        (path, method)
        for path, item in paths.items()
        if isinstance(item, dict)
        for method in item
        if method in ("get", "put", "post", "delete", "patch") and isinstance(item[method], dict)
    ]
    if not found:
        return False
    path, method = rnd.choice(found)
    op = paths[path][method]
    kind = n % 4
    if kind == 0:  # a query parameter added
        added = {"name": "addedByTheTest", "in": "query", "schema": {"type": "string"}}
        op["parameters"] = [*(op.get("parameters") or []), added]
    elif kind == 1:  # the operationId of another (renamed with a warning)
        others = [paths[p][m].get("operationId") for p, m in found if (p, m) != (path, method)]
        op["operationId"] = next((o for o in others if o), "edited")
    elif kind == 2:  # its answer made an inline model
        answer = {"type": "object", "properties": {"z": {"type": "integer"}}}
        content = {"application/json": {"schema": answer}}
        op["responses"] = {"200": {"description": "OK", "content": content}}
    else:  # taken away
        del paths[path][method]
    return True


def edits(document: dict[str, Any], rnd: random.Random, count: int) -> list[dict[str, Any]]:
    """``count`` copies of ``document``, each with one component schema or one operation
    edited (as long as there are some)."""
    edited: list[dict[str, Any]] = []
    for n in range(count):
        copied = copy.deepcopy(document)
        edit = _edit_operation if n % 2 else _edit_schema
        if edit(copied, rnd, n // 2) or _edit_schema(copied, rnd, n // 2):
            edited.append(copied)
    return edited
