"""Reading JSON Schema keywords the same way for Swagger 2.0 (after ``upgrade``), OpenAPI
3.0 and 3.1, where their spellings differ."""

from __future__ import annotations

import json
from typing import Any


def types_of(schema: dict[str, Any]) -> list[str]:
    """``type`` as a list: 3.1 allows several, 3.0 one."""
    kind = schema.get("type")
    if type(kind) is str:  # nearly every schema: no conversion to make
        return [kind]
    if isinstance(kind, list):
        return [str(k) for k in kind]
    return [str(kind)] if kind is not None else []


def nullable(schema: Any) -> bool:
    """``nullable: true`` (3.0), ``type: [..., "null"]`` or a null alternative (3.1)."""
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")  # "null" in types_of(schema), without making the list
    if schema.get("nullable") is True or kind == "null":
        return True
    if isinstance(kind, list) and "null" in types_of(schema):
        return True
    if isinstance(schema.get("enum"), list) and None in schema["enum"]:
        return True
    options = schema.get("oneOf") or schema.get("anyOf") or []
    return any(only_null(o) for o in options) or null_part(schema)


def only_null(schema: Any) -> bool:
    """A schema that allows null alone: ``{type: "null"}``."""
    return isinstance(schema, dict) and types_of(schema) == ["null"]


def null_part(schema: dict[str, Any]) -> bool:
    """An ``allOf`` with a ``{type: "null"}`` part beside others: literally no value fits,
    but it means "nullable" (converters write it), and is read so, with a warning."""
    parts = schema.get("allOf")
    return isinstance(parts, list) and len(parts) > 1 and any(only_null(p) for p in parts)


def flag(schema: Any, key: str) -> bool:
    """A boolean keyword that is present and true."""
    return isinstance(schema, dict) and schema.get(key) is True


def text_of(schema: Any, key: str) -> str:
    """A string keyword or ''."""
    value = schema.get(key, "") if isinstance(schema, dict) else ""
    return value if isinstance(value, str) else ""


def described(schema: Any) -> str:
    """``description``, and the allowed values when no enum class will list them (an
    enum of booleans, numbers or a mix of kinds)."""
    text = text_of(schema, "description")
    values = schema.get("enum") if isinstance(schema, dict) else None
    if not isinstance(values, list):
        return text
    present = [v for v in values if v is not None]
    if all(isinstance(v, str) for v in present) or all(
        isinstance(v, int) and not isinstance(v, bool) for v in present
    ):
        return text  # an enum class documents its members
    shown = ", ".join(f"``{json.dumps(v)}``" for v in values)
    return f"{text}\n\nOne of: {shown}.".strip()
