"""Turning wire names into Python names, in one place.

Wire names (``tagIds``, ``GeneralProduct``, ``Training-Key``) are never used as Python
identifiers directly: each kind of name is its own ``str`` subtype, made only here, so a
template cannot print an unchecked name by accident.
"""

from __future__ import annotations

import keyword
import re
import sys
import unicodedata
from functools import lru_cache
from typing import NewType, TypeVar

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
# Names the generated modules import, or builtins their annotations use: a spec name
# spelled like one would shadow it (a field ``str`` breaks ``list[str]`` in its class body).
_RESERVED = frozenset(
    {"self", "cls", "msgspec", "httpx", "enum", "datetime", "uuid", "typing", "annotations"}
    | {"str", "int", "float", "bool", "bytes", "list", "dict", "object", "None", "frozenset"}
    | {"ClassVar", "cast"}
)
# Hard keywords, plus the soft keywords of every supported Python (3.12 added ``type``),
# fixed here so that output never depends on the Python that runs the generator.
_KEYWORDS = frozenset(keyword.kwlist) | {"_", "case", "match", "type"}


# Names as types: each kind of name its own type for the checker, plain text at run time
# (so the model's encoding, ``ir.encode``, holds them as it holds any text).
PythonIdentifier = NewType("PythonIdentifier", str)  # snake_case, valid, no keyword
ClassName = NewType("ClassName", str)  # CapWords, a valid Python identifier
ConstantName = NewType("ConstantName", str)  # UPPER_SNAKE, for enum members


def words(name: str) -> list[str]:
    """Split any wire spelling (camelCase, kebab-case, snake_case, spaces) into words."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _WORD.findall(ascii_name)


def _safe(name: str, fallback: str) -> str:
    """Make ``name`` a legal identifier that is neither a keyword nor a leading digit."""
    if not name:
        name = fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    if name in _KEYWORDS or name in _RESERVED:
        name += "_"
    return name


@lru_cache(maxsize=1 << 15)  # asked again and again for the same spellings
def snake(name: str) -> PythonIdentifier:
    """``tagIds`` → ``tag_ids``; ``class`` → ``class_``; ``2xx`` → ``value_2_xx``."""
    return PythonIdentifier(_safe("_".join(w.lower() for w in words(name)), "value"))


@lru_cache(maxsize=1 << 15)  # asked again and again for the same spellings
def class_name(name: str) -> ClassName:
    """``image performance`` → ``ImagePerformance``; keeps existing inner capitals."""
    joined = "".join(w[:1].upper() + w[1:] for w in words(name))
    return ClassName(_safe(joined, "Model"))


def client_class(title: str) -> ClassName:
    """The client class named after the API's title, each word capitalised once:
    ``Medcorder Nearby Doctor API`` → ``MedcorderNearbyDoctorApiClient`` (the package
    is ``medcorder_nearby_doctor_api``; the two read alike)."""
    found = [w[:1].upper() + w[1:].lower() for w in words(title)] or ["Api"]
    if found[-1] != "Client":
        found.append("Client")
    return ClassName(_safe("".join(found), "Api"))


def package_name(*candidates: str) -> PythonIdentifier:
    """A package name from the first candidate (the API's title, then the spec's file
    name) that gives one: lowercase ASCII words joined by ``_``, starting with a letter,
    neither a keyword nor a standard-library module it would shadow (``email_client``)."""
    for candidate in candidates:
        joined = "_".join(w.lower() for w in words(candidate))
        if joined and joined[0].isalpha():
            if joined in _KEYWORDS or joined in sys.stdlib_module_names:
                joined += "_client"
            return PythonIdentifier(joined)
    return PythonIdentifier("api_client")


@lru_cache(maxsize=1 << 15)  # asked again and again for the same spellings
def constant(name: str) -> ConstantName:
    """``GeneralProduct`` → ``GENERAL_PRODUCT``."""
    return ConstantName(_safe("_".join(w.upper() for w in words(name)), "VALUE"))


N = TypeVar("N", bound=str)


def unique(names: list[N]) -> list[N]:
    """Suffix later duplicates with ``_2``, ``_3`` … so that every name is unique and stable."""
    seen: set[str] = set()
    result: list[N] = []
    for name in names:
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = type(name)(f"{name}_{n}")
        seen.add(candidate)
        result.append(candidate)
    return result


# Class names the generated package defines itself; spec names must not take them.
RESERVED_CLASSES = frozenset(
    {
        "Any",
        "ApiConnectionError",
        "ApiEnum",
        "ApiError",
        "ApiIntEnum",
        "ApiStatusError",
        "ApiTimeoutError",
        "AsyncIterator",
        "Awaitable",
        "BinaryIO",
        "Callable",
        "ClassVar",
        "Iterator",
        "Literal",
        "Mapping",
        "OAuth2ClientCredentials",
        "ResponseDecodeError",
        "RetryPolicy",
        "Self",
        "Sequence",
        "TYPE_CHECKING",
        "TokenError",
        "TypeAlias",
        "UnknownVariant",
    }
)
