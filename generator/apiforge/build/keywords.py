"""Reading JSON Schema keywords the same way for Swagger 2.0 (after ``upgrade``), OpenAPI
3.0 and 3.1, where their spellings differ."""

from __future__ import annotations

from typing import Any


def types_of(schema: dict[str, Any]) -> list[str]:
    """``type`` as a list: 3.1 allows several, 3.0 one."""
    kind = schema.get("type")
    if isinstance(kind, list):
        return [str(k) for k in kind]
    return [str(kind)] if kind is not None else []


def nullable(schema: Any) -> bool:
    """``nullable: true`` (3.0), ``type: [..., "null"]`` or a null alternative (3.1)."""
    if not isinstance(schema, dict):
        return False
    if schema.get("nullable") is True or "null" in types_of(schema):
        return True
    options = schema.get("oneOf") or schema.get("anyOf") or []
    return any(isinstance(o, dict) and types_of(o) == ["null"] for o in options)


def flag(schema: Any, key: str) -> bool:
    """A boolean keyword that is present and true."""
    return isinstance(schema, dict) and schema.get(key) is True


def text_of(schema: Any, key: str) -> str:
    """A string keyword or ''."""
    value = schema.get(key, "") if isinstance(schema, dict) else ""
    return value if isinstance(value, str) else ""
