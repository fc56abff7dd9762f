"""JSON values made from a spec's schemas: the arguments the contract run sends.

Each value satisfies its schema as far as Python can tell: types, formats, enums, ``const``,
bounds, lengths, item counts and ``pattern`` (when Python can compile it). ``readOnly``
properties are never sent. ``full`` decides the shape: only what the schema requires, or
every property too (nested objects stop adding optional properties at ``DEPTH``). Choices
among enum values and union alternatives come from a seeded ``random.Random``, so the same
seed gives the same value on every run.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from . import patterns

DEPTH = 4  # below this many objects, only required properties
LIMIT = 24  # a schema that requires itself deeper than this gives up (an empty object)
FORMATS = {
    "date-time": "2024-05-06T07:08:09Z",
    "date": "2024-05-06",
    "time": "07:08:09Z",
    "uuid": "5f0c6c1a-8c7e-4a53-9d8a-0b6c1f2e3d4a",
    "guid": "5f0c6c1a-8c7e-4a53-9d8a-0b6c1f2e3d4a",
    "email": "someone@example.com",
    "idn-email": "someone@example.com",
    "uri": "https://example.com/a",
    "url": "https://example.com/a",
    "iri": "https://example.com/a",
    "uri-reference": "https://example.com/a",
    "iri-reference": "https://example.com/a",
    "uri-template": "https://example.com/{a}",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "YXBpZm9yZ2U=",
    "duration": "P1D",
    "json-pointer": "/a",
    "regex": "a+",
    "date-time-rfc1123": "Mon, 06 May 2024 07:08:09 GMT",
}
_TEXT = "apiforge"
_SCALARS = frozenset({"string", "number", "integer", "boolean"})

Resolve = Callable[[str], Any]


class Maker:
    """Makes values for the schemas of one document."""

    def __init__(self, document: Any, seed: str, *, valid: Callable[[Any, Any], bool]) -> None:
        self.document = document
        self.random = random.Random(seed)
        self.valid = valid  # whether a value fits a schema: picks among union alternatives
        self._extended: dict[str, list[tuple[str, str]]] | None = None

    def value(self, schema: Any, *, full: bool, depth: int = 0) -> Any:
        """A value that fits ``schema``."""
        sub = self._subtype(schema) if depth <= LIMIT else None
        if sub is not None:
            tag, value, ref = sub
            made = self.value({"$ref": ref}, full=full, depth=depth)
            return {**made, tag: value} if isinstance(made, dict) else made
        schema = self.flat(schema)
        if depth > LIMIT:
            return {}
        if "const" in schema:
            return schema["const"]
        enum = [v for v in schema.get("enum") or [] if v is not None]
        if enum:
            return self.random.choice(enum)
        options = [self.flat(o) for o in (schema.get("oneOf") or schema.get("anyOf") or [])]
        options = [o for o in options if _kind(o) != "null"]
        if options:
            return self._alternative(schema, options, full, depth)
        return self._of_kind(schema, _kind(schema), full, depth)

    def _subtype(self, schema: Any) -> tuple[str, str, str] | None:
        """For a reference to a schema with a ``discriminator`` (and no ``oneOf``): one of
        the schemas that extend it by ``allOf``, as (tag property, tag value, reference).
        Azure's polymorphic bodies: the base alone lacks what its kinds require."""
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        target = resolve(self.document, ref) if isinstance(ref, str) else None
        if not isinstance(target, dict) or "oneOf" in target or "anyOf" in target:
            return None
        disc = target.get("discriminator")
        tag = disc.get("propertyName") if isinstance(disc, dict) else disc  # 2.0: a string
        kinds = self._extensions().get(str(ref), [])
        if not isinstance(tag, str) or not kinds:
            return None
        mapping = (disc.get("mapping") or {}) if isinstance(disc, dict) else {}
        by_ref = {v: k for k, v in mapping.items() if isinstance(v, str)}
        name, sub = self.random.choice(kinds)
        value = (
            by_ref.get(sub) or resolve(self.document, sub).get("x-ms-discriminator-value") or name
        )
        return tag, str(value), sub

    def _extensions(self) -> dict[str, list[tuple[str, str]]]:
        """Each schema reference and the (name, reference) of the schemas whose ``allOf``
        names it."""
        if self._extended is None:
            self._extended = {}
            for base in ("#/components/schemas/", "#/definitions/"):
                holder = resolve(self.document, base.rstrip("/"))
                for name, schema in (holder if isinstance(holder, dict) else {}).items():
                    for part in (schema.get("allOf") or []) if isinstance(schema, dict) else []:
                        if isinstance(part, dict) and isinstance(part.get("$ref"), str):
                            found = self._extended.setdefault(part["$ref"], [])
                            found.append((name, base + name.replace("~", "~0").replace("/", "~1")))
        return self._extended

    def _alternative(self, schema: Any, options: list[Any], full: bool, depth: int) -> Any:
        """A value of one alternative that fits the whole union (``oneOf``: only one)."""
        rest = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
        start = self.random.randrange(len(options))
        ordered = options[start:] + options[:start]
        if "oneOf" in schema and all(_kind(o) in _SCALARS for o in options):
            # A parameter travels as text, which Prism reads as each alternative's type in
            # turn: 1 (as "1") fits both number and string, and true both boolean and
            # string. Text that is no number or boolean fits the string alternative alone.
            ordered.sort(key=lambda option: _kind(option) != "string")
        tried = None
        for option in ordered:
            candidate = self.value(_merge([rest, option]), full=full, depth=depth)
            tried = candidate if tried is None else tried
            if self.valid(candidate, schema):
                return candidate
        return tried

    def _of_kind(self, schema: Any, kind: str, full: bool, depth: int) -> Any:
        if kind == "object":
            return self._object(schema, full, depth)
        if kind == "array":
            return self._array(schema, full, depth)
        if kind in ("integer", "number"):
            return _number(schema, kind == "integer")
        if kind == "boolean":
            return True
        return _string(schema)

    def _object(self, schema: Any, full: bool, depth: int) -> dict[str, Any]:
        properties = schema.get("properties") or {}
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        names = list(properties) if full and depth < DEPTH else []
        names += [r for r in required if r not in names]
        found: dict[str, Any] = {}
        for name in names:
            raw = properties.get(name, {})
            if self.flat(raw).get("readOnly") and name not in required:
                continue
            found[name] = self.value(raw, full=full, depth=depth + 1)
        extra = schema.get("additionalProperties")
        wanted = int(schema.get("minProperties") or 0)
        if isinstance(extra, dict) and ((not found and full) or len(found) < wanted):
            for i in range(max(wanted - len(found), 1)):
                found[f"key{i}"] = self.value(extra, full=full, depth=depth + 1)
        return found

    def _array(self, schema: Any, full: bool, depth: int) -> list[Any]:
        low = int(schema.get("minItems") or 0)
        high = schema.get("maxItems")
        # An argument that is a list gets an item even when only the required are made: a
        # form or a query cannot carry an empty list, so none would be sent at all.
        count = max(low, 1 if (full or depth == 0) and depth < DEPTH else 0)
        if isinstance(high, int):
            count = min(count, high)
        items = schema.get("items")
        if isinstance(items, list):  # prefixItems in 2019-09 spelling
            items = items[0] if items else {}
        made = [self.value(items or {}, full=full, depth=depth + 1) for _ in range(count)]
        if schema.get("uniqueItems") and count > 1:
            made = _distinct(made, lambda: self.value(items or {}, full=full, depth=depth + 1))
        return made

    def flat(self, schema: Any) -> dict[str, Any]:
        """``schema`` with its ``$ref`` followed and its ``allOf`` merged in."""
        return flat(self.document, schema)


def flat(document: Any, schema: Any) -> dict[str, Any]:
    """``schema`` with its ``$ref`` followed (within ``document``) and its ``allOf``
    merged in."""
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 64:
        target = resolve(document, schema["$ref"])
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **rest} if rest and isinstance(target, dict) else target
        seen += 1
    if schema is True or not isinstance(schema, dict):
        return {}
    parts = schema.get("allOf")
    if isinstance(parts, list) and parts:
        own = {k: v for k, v in schema.items() if k != "allOf"}
        return _merge([own, *(flat(document, p) for p in parts)])
    return schema


def resolve(document: Any, ref: str) -> Any:
    """The value at a local ``#/...`` reference; ``{}`` for anything else."""
    if not ref.startswith("#"):
        return {}
    node = document
    for token in ref[1:].split("/")[1:]:
        key = unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return {}
    return node


def _merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The schemas of an ``allOf`` as one: properties and required lists joined, the first
    word on anything else."""
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key == "properties" and isinstance(value, dict):
                known = merged.setdefault("properties", {})
                for name, prop in value.items():  # both parts' words on a property hold
                    both = isinstance(known.get(name), dict) and isinstance(prop, dict)
                    known[name] = _merge([known[name], prop]) if both else known.get(name, prop)
            elif key == "required" and isinstance(value, list):
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def _kind(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _number(schema: dict[str, Any], integer: bool) -> int | float:
    low, high = (
        _bound(schema, "minimum", "exclusiveMinimum"),
        _bound(schema, "maximum", "exclusiveMaximum"),
    )
    value: float = 1
    if low is not None and high is not None and not integer:
        value = (low[0] + high[0]) / 2
    else:
        if low is not None and value <= low[0]:
            value = low[0] + (1 if low[1] else 0)
        if high is not None and value >= high[0]:
            value = high[0] - (1 if high[1] else 0)
    step = schema.get("multipleOf")
    if isinstance(step, int | float) and step > 0:
        value = math.ceil(value / step) * step
        if high is not None and value > high[0]:
            value -= step
    return math.ceil(value) if integer else float(value)


def _bound(schema: dict[str, Any], name: str, exclusive: str) -> tuple[float, bool] | None:
    """A bound and whether it is exclusive, in the 3.0 (boolean) or 3.1 (number) spelling."""
    bound, flag = schema.get(name), schema.get(exclusive)
    if isinstance(flag, int | float) and not isinstance(flag, bool):
        return float(flag), True
    if isinstance(bound, int | float) and not isinstance(bound, bool):
        return float(bound), flag is True
    return None


def _string(schema: dict[str, Any]) -> str:
    low = int(schema.get("minLength") or 0)
    high = schema.get("maxLength")
    high = int(high) if isinstance(high, int | float) else None
    pattern = schema.get("pattern")
    formatted = FORMATS.get(str(schema.get("format", "")))
    if isinstance(pattern, str):
        # A format's own text, where the pattern finds it too (a uri that must start with
        # http): what the pattern alone makes would seldom be of the format.
        if formatted is not None and _fits(formatted, pattern, low, high):
            return formatted
        found = patterns.sample(pattern, low, high)
        if found is not None:
            return found
    text = formatted or _TEXT
    if len(text) < low:
        text += "x" * (low - len(text))
    if high is not None and len(text) > high:
        text = text[:high]
    return text


def _fits(text: str, pattern: str, low: int, high: int | None) -> bool:
    """Whether ``text`` is ``low``..``high`` characters long and ``pattern`` is found in it."""
    if len(text) < low or (high is not None and len(text) > high):
        return False
    try:
        return re.search(pattern, text) is not None
    except (re.error, RecursionError, OverflowError):
        return False


def _distinct(made: list[Any], more: Callable[[], Any]) -> list[Any]:
    """``made`` with repeats replaced by fresh values, where fresh ones differ."""
    out: list[Any] = []
    for value in made:
        for _ in range(8):
            if value not in out:
                break
            value = more()
        out.append(value)
    return out
