"""Defaults and examples judged without the validator, where the verdict is certain.

openapi-spec-validator checks each ``default`` (and apiforge each ``example``) against its
schema with jsonschema, whose import costs a third of a second. Most values need none of
it: ``Plain.errors`` reads a schema keyword by keyword, $refs inside the document followed,
and says the value matches, or fails with the validator's reasons (in jsonschema 4.26's
words), or that it cannot be sure (a keyword not read here, a branch of ``oneOf`` that may
match, a format whose checker may be installed). Only the last go to the validator. Each
rule is one the validator cannot disagree with: tests have the validator judge every
value told here, in the sample and in cases written for each reason.
"""

from __future__ import annotations

import datetime
import importlib.util
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from .document import resolve_pointer

# The verdict on a value: [] it matches, else the validator's reasons; None: not certain.
Errors = list[str] | None

# Keywords that say nothing of which values a schema allows (besides extensions), and the
# fields of a Swagger 2.0 parameter or header that carry schema keywords.
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "example", "examples", "nullable", "$comment"}
    | {"readOnly", "writeOnly", "deprecated", "externalDocs", "xml", "discriminator"}
    | {"name", "in", "collectionFormat", "allowEmptyValue"}
)
_OF_TYPE: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
# The keywords that constrain values of one type only (others pass them untouched).
_FOR_TYPE: dict[str, frozenset[str]] = {
    "number": frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
    | {"multipleOf"},
    "string": frozenset({"minLength", "maxLength", "pattern"}),
    "array": frozenset({"items", "minItems", "maxItems", "uniqueItems"}),
    "object": frozenset({"properties", "required", "additionalProperties", "minProperties"})
    | {"maxProperties", "patternProperties"},
}
_KEYWORD_TYPE = {key: kind for kind, keys in _FOR_TYPE.items() for key in keys}
# Keywords whose reasons are about other places (or schemas): the validator ranks those.
_NESTING = frozenset({"$ref", "allOf", "anyOf", "oneOf", "items", "properties"})
# Each size keyword: (too small or too large, what jsonschema says at the edge, otherwise).
_SIZES: dict[str, tuple[bool, str, str]] = {
    "minLength": (True, "should be non-empty", "is too short"),
    "minItems": (True, "should be non-empty", "is too short"),
    "minProperties": (True, "should be non-empty", "does not have enough properties"),
    "maxLength": (False, "is expected to be empty", "is too long"),
    "maxItems": (False, "is expected to be empty", "is too long"),
    "maxProperties": (False, "is expected to be empty", "has too many properties"),
}

# Formats the validator checks with jsonschema's own code, and those it checks only when
# a package is installed (jsonschema/_format.py): without one, any text passes.
_BUILTIN_FORMATS = frozenset(
    {"date", "time", "email", "idn-email", "ipv4", "ipv6", "regex", "uuid", "binary"}
    | {"byte", "password", "int32", "int64", "float", "double"}
)
_FORMAT_PACKAGES: dict[str, tuple[str, ...]] = {
    "uri": ("rfc3987", "rfc3986_validator"),
    "uri-reference": ("rfc3987", "rfc3986_validator"),
    "iri": ("rfc3987", "rfc3987_syntax"),
    "iri-reference": ("rfc3987", "rfc3987_syntax"),
    "date-time": ("rfc3339_validator",),
    "hostname": ("fqdn",),
    "idn-hostname": ("idna",),
    "color": ("webcolors",),
    "json-pointer": ("jsonpointer",),
    "relative-json-pointer": ("jsonpointer",),
    "uri-template": ("uri_template",),
    "duration": ("isoduration",),
}
_NUMBER_FORMATS = frozenset({"int32", "int64", "float", "double"})


@cache
def _checked(name: str) -> bool:
    """Whether the validator checks format ``name`` here (found without importing)."""
    if name in _BUILTIN_FORMATS:
        return True
    packages = _FORMAT_PACKAGES.get(name, ())
    return any(importlib.util.find_spec(p) is not None for p in packages)


_DATE = r"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_HOUR = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
_TIME = rf"{_HOUR}:[0-5][0-9](?:[.][0-9]+)?(?:Z|[+-]{_HOUR})"
# RFC 3986's URI: what every URI checker takes, and every IRI checker (an IRI widens it).
_PCHAR = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})"
_URI = (
    rf"[A-Za-z][A-Za-z0-9+.-]*:(?://(?:[A-Za-z0-9._~!$&'()*+,;=:-]*@)?[A-Za-z0-9._~!$&'()*+,;=-]*"
    rf"(?::[0-9]*)?(?:/{_PCHAR}*)*|/?(?:{_PCHAR}+(?:/{_PCHAR}*)*)?)"
    rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?"
)
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+"
# Text no checker of the format takes (each a superset of what its checkers take).
_NEVER: dict[str, re.Pattern[str]] = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    # rfc3339-validator reads the text upper-cased, and with ``$``, which passes a last newline
    "date-time": re.compile(
        r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})\n?"
    ),
    "email": re.compile(r".*@.*", re.DOTALL),
    "idn-email": re.compile(r".*@.*", re.DOTALL),
}


def _written_as(pattern: str, dated: bool = False) -> Callable[[str], bool]:
    """Text written as ``pattern`` (a day of the calendar when ``dated``)."""
    compiled = re.compile(pattern)

    def passes(value: str) -> bool:
        match = compiled.fullmatch(value)
        if match is None or not dated:
            return match is not None
        try:
            datetime.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return False
        return True

    return passes


# Text certainly of a format, conservatively (an int32 short of its ends).
_TEXT_PASSING: dict[str, Callable[[str], bool]] = {
    "uuid": _written_as("[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"),
    "date": _written_as(_DATE, dated=True),
    "date-time": _written_as(f"{_DATE}T{_TIME}", dated=True),
    "email": _written_as(_EMAIL),
    "idn-email": _written_as(_EMAIL),
    **dict.fromkeys(("uri", "uri-reference", "iri", "iri-reference"), _written_as(_URI)),
    **dict.fromkeys(("binary", "password"), lambda _text: True),
}
_INT_ENDS = {"int32": 2**31, "int64": 2**63}


def _format_errors(name: Any, value: Any) -> Errors:
    """Format ``name`` on ``value``."""
    if not isinstance(name, str):
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool) or not _checked(name):
        return []  # every checker passes what it does not check
    if name in _NUMBER_FORMATS:  # float and double take every number and pass text
        if not isinstance(value, int) or name not in _INT_ENDS:
            return []
        end = _INT_ENDS[name]
        return [] if -end < value < end - 1 else None  # the very ends: the validator's
    if not isinstance(value, str):
        return []  # text formats pass numbers
    passing = _TEXT_PASSING.get(name)
    if passing is not None and passing(value):
        return []
    never = _NEVER.get(name)
    if never is not None and never.fullmatch(value) is None:
        return [f"{value!r} is not a {name!r}"]
    return None


# A group that repeats and holds a repeat (``([\w .-]*)*``, beezup.com's URL pattern) can
# take Python's backtracking ``re`` exponential time on a value it does not match.
NESTED_REPEAT = re.compile(r"\([^()]*[+*}][^()]*\)[+*{]")
# A piece of a pattern read the same by Python's ``re`` and ECMA-262 (which the validator
# uses when a package for it is installed) on printable ASCII text: a literal character,
# a set, a group's bracket, an alternative or an anchor, with its quantifier.
_PORTABLE = re.compile(
    r"(?:[^\\\[\](){}?*+|^$]|\\[dDwWsSbB^$\\.*+?()\[\]{}|/]|\[\^?(?:[^\\\[\]]|\\[dDwWs\\\]/.-])+\]"
    r"|\((?:\?:)?|\)|\||\^|\$)(?:(?:[?*+]|\{[0-9]+(?:,[0-9]*)?\})\??)?"
)
_PRINTABLE = re.compile(r"[ -~]*")


def _pattern_errors(pattern: Any, value: str) -> Errors:
    """``pattern`` on text ``value``, when both regex dialects read it the same."""
    if not isinstance(pattern, str) or NESTED_REPEAT.search(pattern):
        return None
    if _PRINTABLE.fullmatch(value) is None or not _portable(pattern):
        return None
    try:
        found = re.search(pattern, value)
    except (re.error, RecursionError, OverflowError):
        return None
    return [] if found else [f"{value!r} does not match {pattern!r}"]


def _portable(pattern: str) -> bool:
    at = 0
    while at < len(pattern):
        match = _PORTABLE.match(pattern, at)
        if match is None or match.end() == at:
            return False
        at = match.end()
    return True


def _plain_number(bound: Any) -> bool:
    return isinstance(bound, int | float) and not isinstance(bound, bool)


def _all(found: list[Errors]) -> Errors:
    """Every reason of parts judged alike; None when one is not certain."""
    reasons: list[str] = []
    for part in found:
        if part is None:
            return None
        reasons += part
    return reasons


_DEPTH = 64  # $refs followed at most this deep (a value is finite; a loop of $refs is not)


class Plain:
    """The keywords of one document's schemas, judged without the validator."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.root = document
        self.swagger = "swagger" in document
        self.v31 = str(document.get("openapi", "")).startswith("3.1.")
        self.reads: list[str] | None = None  # when a list, each $ref followed is added

    def matches(self, schema: Any, value: Any) -> bool:
        """Whether ``value`` certainly matches ``schema``. False says nothing."""
        return self.errors(schema, value) == []

    def errors(self, schema: Any, value: Any, depth: int = 0) -> Errors:
        """Why ``value`` fails ``schema``: [] when it matches, None when not certain."""
        if not isinstance(schema, dict) or depth > _DEPTH:
            return None
        if "discriminator" in schema and {"allOf", "anyOf", "oneOf"} & set(schema):
            return None  # the validator then picks a branch by the discriminator
        reasons: list[str] = []
        nested = False
        for key, bound in schema.items():
            found = self._keyword(key, bound, schema, value, depth)
            if found is None:
                return None
            nested = nested or bool(found and (key in _NESTING or isinstance(bound, dict)))
            reasons += found
        if len(reasons) > 1 and not nested:
            return reasons[:1]  # all about one place: the validator names the first written
        return reasons

    def _keyword(
        self, key: str, bound: Any, schema: dict[str, Any], value: Any, depth: int
    ) -> Errors:
        """Keyword ``key`` of ``schema`` on ``value``."""
        if key in _ANNOTATIONS or key.startswith("x-"):
            return []
        if key == "type":
            return self._type(schema, value)
        if key == "format":
            return _format_errors(bound, value)
        if key == "enum":
            return _enum_errors(bound, value)
        of = _KEYWORD_TYPE.get(key)
        if of is not None:
            return self._of_type(key, bound, schema, value, depth) if _OF_TYPE[of](value) else []
        if key == "required" and isinstance(bound, bool):
            return []  # of a Swagger 2.0 parameter: no schema keyword
        if key == "$ref":
            target = self._target(bound)
            return None if target is None else self.errors(target, value, depth + 1)
        if not isinstance(bound, list) or key not in ("allOf", "anyOf", "oneOf"):
            return None
        found = [self.errors(part, value, depth + 1) for part in bound]
        if key == "allOf":
            return _all(found)
        if key == "anyOf":
            return [] if [] in found else None
        fails = [part for part in found if part]  # a branch certainly failed
        return [] if found.count([]) == 1 and len(fails) == len(found) - 1 else None

    def _type(self, schema: dict[str, Any], value: Any) -> Errors:
        kind = schema["type"]
        listed = kind if self.v31 and isinstance(kind, list) else [kind]
        null = "null" if self.v31 else ""  # a type of 3.1's dialect only
        if not listed or any(
            not isinstance(k, str) or (k not in _OF_TYPE and k != null) for k in listed
        ):
            return None  # a type the validator may not know: it decides
        if value is None and not self.v31:
            # OpenAPI 3.0's type keyword gives two reasons; the validator names the first
            return [] if self.nullable(schema) else ["None for not nullable"]
        if any(_OF_TYPE[k](value) if k != "null" else value is None for k in listed):
            return []
        if isinstance(value, float) and value.is_integer() and "integer" in listed:
            return None  # 1.0 is an integer to some dialects
        return [f"{value!r} is not of type {', '.join(repr(k) for k in listed)}"]

    def nullable(self, schema: dict[str, Any]) -> bool:
        """``nullable: true``, or in Swagger 2.0 ``x-nullable: true``."""
        return schema.get("nullable") is True or (self.swagger and schema.get("x-nullable") is True)

    def _of_type(
        self, key: str, bound: Any, schema: dict[str, Any], value: Any, depth: int
    ) -> Errors:
        """Keyword ``key`` on ``value``, of the type it constrains."""
        if key in _SIZES:
            if not _plain_number(bound):
                return None
            low, edge, beyond = _SIZES[key]
            size = len(value)
            if (bound <= size) if low else (size <= bound):
                return []
            return [f"{value!r} {edge if bound == (1 if low else 0) else beyond}"]
        if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            return self._bound(key, bound, schema, value)
        if key == "pattern":
            return _pattern_errors(bound, value)
        if key == "items":
            if not isinstance(bound, dict):
                return None  # draft 4's tuples
            return _all([self.errors(bound, item, depth + 1) for item in value])
        if key == "uniqueItems":
            return [] if bound is False or _distinct(value) else None
        if key == "required":
            return self._required(bound, schema, value)
        properties = schema.get("properties", {})
        if not isinstance(properties, dict) or "patternProperties" in schema:
            return None
        if key == "properties":
            known = [(properties[k], v) for k, v in value.items() if k in properties]
            return _all([self.errors(part, v, depth + 1) for part, v in known])
        if key == "additionalProperties":
            extra = [k for k in value if k not in properties]
            if bound is True or not extra:
                return []
            if bound is False:
                if len(extra) > 1:
                    return None  # named in an order of the validator's own
                return [f"Additional properties are not allowed ({extra[0]!r} was unexpected)"]
            return _all([self.errors(bound, value[k], depth + 1) for k in extra])
        return None  # multipleOf: the validator's

    def _bound(self, key: str, bound: Any, schema: dict[str, Any], value: Any) -> Errors:
        """A minimum or maximum: OpenAPI 3.0's with its boolean exclusive flag beside it,
        3.1's exclusive bounds keywords of their own."""
        low = key in ("minimum", "exclusiveMinimum")
        flag = "exclusiveMinimum" if low else "exclusiveMaximum"
        if key == flag and not self.v31:
            return [] if isinstance(bound, bool) else None  # read with its bound
        exclusive = key == flag or (not self.v31 and schema.get(flag) is True)
        if not _plain_number(bound) or (
            not self.v31 and not isinstance(schema.get(flag, False), bool)
        ):
            return None
        if low:
            within = bound < value if exclusive else bound <= value
        else:
            within = value < bound if exclusive else value <= bound
        if within:
            return []
        than = ("less" if low else "greater") + (" than or equal to" if exclusive else " than")
        return [f"{value!r} is {than} the {'minimum' if low else 'maximum'} of {bound!r}"]

    def _required(self, bound: Any, schema: dict[str, Any], value: dict[str, Any]) -> Errors:
        if not isinstance(bound, list) or not all(isinstance(n, str) for n in bound):
            return None
        missing = [name for name in bound if name not in value]
        properties = schema.get("properties")
        for name in missing:
            part = properties.get(name) if isinstance(properties, dict) else None
            if isinstance(part, dict) and (part.get("readOnly") or part.get("writeOnly")):
                return None  # 3.0's validator lets these be missing, 3.1's does not
        return [f"{name!r} is a required property" for name in missing]

    def _target(self, ref: Any) -> Any:
        """What a ``#/...`` $ref points to in the document, or None."""
        if not isinstance(ref, str) or not ref.startswith("#") or "%" in ref:
            return None  # percent-encoded: left to the validator's reading of it
        if self.reads is not None:
            self.reads.append(ref)
        return resolve_pointer(self.root, ref, None)


def _enum_errors(bound: Any, value: Any) -> Errors:
    """Whether ``value`` is in enum ``bound`` (JSON equality: 1 is not true)."""
    if not isinstance(bound, list):
        return None
    if isinstance(value, str):  # only text equals text
        return [] if value in bound else [f"{value!r} is not one of {bound!r}"]
    if isinstance(value, int) and not isinstance(value, bool):
        return [] if any(type(e) is int and e == value for e in bound) else None
    return None


def _distinct(items: list[Any]) -> bool:
    """Whether the items are certainly unique: all text, or all integers, none repeated."""
    kinds = {type(item) for item in items}
    return len(kinds) <= 1 and kinds <= {str, int} and len(set(items)) == len(items)
