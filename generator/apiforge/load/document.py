"""Stage 1: read a spec file, keeping where every value stands.

The result is a plain JSON-like document plus a map from JSON pointer to (line, column),
so that every later diagnostic can name a place in the file the user wrote. A spec split
across files is one ``LoadedSpec`` too (``bundle``): each other file is a ``Part``, and
``redirects`` say which file each part of the document came from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain, compress
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ..cache import MAX_SPEC_BYTES
from ..diagnostics import Diagnostic, GenerationError, Location, Severity
from . import jsonplaces, syntax

if TYPE_CHECKING:
    from .ledger import Ledger

Positions = Mapping[str, tuple[int, int]]
# Budgets: a spec larger than this is a mistake or an attack, refused before parsing;
# aliases may not expand a document to more values than MAX_NODES ("billion laughs").
MAX_BYTES = MAX_SPEC_BYTES
MAX_NODES = 1_000_000
# Real specs nest 34 levels at most (all 2,639 of the APIs-guru directory); past this
# depth no generated annotation would stay readable, or within Python's parser limits.
MAX_DEPTH = 128
# What json and YAML make containers of (exact types: a subclass is no JSON value).
_CONTAINERS = frozenset({dict, list})
Source = tuple[str, str]  # a file, as displayed, and a JSON pointer in it


class Budget:
    """What every file of one spec may spend together: bytes read and values parsed (or
    copied where a ``$ref`` is replaced by what it names)."""

    def __init__(self) -> None:
        self.bytes = MAX_BYTES
        self.values = MAX_NODES

    def spend_values(self, count: int) -> bool:
        """Take ``count`` values; False once the spec has used more than ``MAX_NODES``."""
        self.values -= count
        return self.values >= 0


@dataclass(frozen=True)
class AsRead:
    """A document and the JSON text it was parsed from, as ``json.loads`` parses it: what
    another process needs to have the same document (``verdict.Judge``). Copies of a spec
    keep it whatever their document: it stands for ``document`` only where that is the
    very object."""

    text: str
    document: Any


@dataclass(frozen=True)
class Part:
    """One file as read: any JSON value, where each value and key is written, its digest."""

    path: Path
    display: str
    document: Any
    positions: Positions
    keys: Positions
    sha256: str
    as_read: AsRead | None = None  # for a JSON file within the budgets, without duplicates


@dataclass(frozen=True)
class LoadedSpec:
    """A parsed document with its source positions and the SHA-256 of its bytes.

    After a Swagger 2.0 document is rewritten into the 3.x shape, ``origins`` maps pointers
    of the rewritten document to those of the file, so diagnostics still point into it. A
    spec split across files keeps the others in ``parts`` (by display name), and
    ``redirects`` maps a place of a file whose ``$ref`` was replaced (or, in the root, a
    schema copied in) to the place in another file that value came from; ``files`` lists
    every file read (path relative to the root's folder, as referred to: a file reached
    through two symlinks is listed twice; SHA-256), the root first.
    """

    path: Path
    display: str
    document: dict[str, Any]
    positions: Positions
    sha256: str
    origins: Mapping[str, str] = field(default_factory=dict)
    keys: Positions = field(default_factory=dict)  # where each mapping key is written
    parts: Mapping[str, Part] = field(default_factory=dict)
    redirects: Mapping[Source, Source] = field(default_factory=dict)
    files: tuple[tuple[str, str], ...] = ()
    as_read: AsRead | None = None  # the root's text, when it is JSON (see ``AsRead``)

    def original(self, pointer: str) -> str:
        """The pointer in the file that ``pointer`` (of the document) came from."""
        probe = pointer
        while probe not in self.origins:
            if not probe:
                return pointer
            probe = probe.rsplit("/", 1)[0]
        return self.origins[probe] + pointer[len(probe) :]

    def source(self, pointer: str) -> Source:
        """The file and the pointer in it where the value at ``pointer`` is written."""
        where = (self.display, self.original(pointer))
        for _ in range(len(self.redirects) + 1):  # each redirect leads into another file
            file, at = where
            probe = at
            while (file, probe) not in self.redirects and probe:
                probe = probe.rsplit("/", 1)[0]
            if (file, probe) not in self.redirects:
                break
            target, inside = self.redirects[(file, probe)]
            where = (target, inside + at[len(probe) :])
        return where

    def _positions(self, file: str) -> tuple[Positions, Positions]:
        part = self.parts.get(file)
        return (part.positions, part.keys) if part else (self.positions, self.keys)

    def locate(self, pointer: str) -> Location:
        """The file position of ``pointer``, or of its nearest ancestor that has one."""
        file, pointer = self.source(pointer)
        positions = self._positions(file)[0]
        probe = pointer
        while probe and probe not in positions:
            probe = probe.rsplit("/", 1)[0]
        line, column = positions.get(probe, (0, 0))
        return Location(file, line, column, pointer)

    def error_at_key(self, pointer: str, message: str) -> Diagnostic:
        """An error located at the key that names ``pointer``'s value."""
        file, at = self.source(pointer)
        line, column = self._positions(file)[1].get(at, (0, 0))
        if not line:
            return self.error(pointer, message)
        return Diagnostic(Severity.ERROR, Location(file, line, column, at), message)

    def error(self, pointer: str, message: str, hint: str = "") -> Diagnostic:
        """An error diagnostic located at ``pointer``."""
        return Diagnostic(Severity.ERROR, self.locate(pointer), message, hint)


def escape(token: str) -> str:
    """Escape one JSON-pointer segment (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """One JSON-pointer segment as the key it names (RFC 6901)."""
    return token.replace("~1", "/").replace("~0", "~")


def _failure(shown: str, message: str, at_start: bool = False) -> GenerationError:
    """An error about a whole file: at its first line and column with ``at_start``."""
    where = Location(shown, 1, 1) if at_start else Location(shown)
    return GenerationError([Diagnostic(Severity.ERROR, where, message)])


def parse(
    path: Path, display: str, budget: Budget, what: str = "spec", book: Ledger | None = None
) -> Part:
    """Read and parse one file of a spec, whatever JSON value it holds; raise
    ``GenerationError`` for anything unreadable. ``what`` names it in messages. ``book``:
    the parts' sizes as the last run measured them (``ledger``), bound to the document."""
    try:
        size = path.stat().st_size
        if size > budget.bytes:
            limit = f"the limit is {MAX_BYTES:,}"
            if budget.bytes < MAX_BYTES:  # other files of the spec were read first
                limit += f" for all of the spec's files, and {budget.bytes:,} were left"
            raise _failure(display, f"{what} is {size:,} bytes; {limit}")
        raw = path.read_bytes()
    except OSError as exc:
        raise _failure(display, f"cannot read {what}: {exc.strerror or exc}") from None
    budget.bytes -= len(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"{what} is not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}"
        raise _failure(display, message) from None
    json_data, duplicated = None, False
    if path.suffix == ".json":

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            nonlocal duplicated
            mapping = dict(items)
            duplicated = duplicated or len(mapping) < len(items)
            return mapping

        read = jsonplaces.indexed(text, pairs)  # JSON's own grammar, outer members placed
        json_data, placed = read if read is not None else (None, {})
        try:
            if read is None:  # not one object, or not well-formed: json.loads says
                json_data = json.loads(text, object_pairs_hook=pairs)
        except (json.JSONDecodeError, RecursionError) as exc:
            # Nesting past the json module's recursion shows as either; say which it was.
            deep = syntax.too_deep(display, text, MAX_DEPTH)
            if deep is None and isinstance(exc, json.JSONDecodeError):
                deep = syntax.json_error(exc, display, text)
            fallback = Diagnostic(Severity.ERROR, Location(display), "nested too deeply to read")
            raise GenerationError([deep or fallback]) from None
    if json_data is None:
        count, depth = 0, 0
    else:
        count, depth = _measured(json_data) if book is None else book.measured(json_data, _measured)
    fits = depth <= MAX_DEPTH and count <= budget.values
    if json_data is not None and fits and not duplicated:
        # Within the budgets: the places are found only if a diagnostic needs one.
        budget.spend_values(count)
        places = jsonplaces.Places(text, count, placed)
        document = json_data
        as_read = AsRead(text, document)
        positions: Positions = jsonplaces.PlaceMap(places, False)
        keys: Positions = jsonplaces.PlaceMap(places, True)
    else:  # composed as YAML, which says where a duplicate key or a budget is
        from . import yamlplaces  # only here: JSON specs do without PyYAML

        document, positions, keys = yamlplaces.parse(text, display, budget, json_data=json_data)
        as_read = None
    digest = hashlib.sha256(raw).hexdigest()
    return Part(path, display, document, positions, keys, digest, as_read)


def _members(container: dict[str, Any] | list[Any]) -> Iterable[Any]:
    return container.values() if type(container) is dict else container


def _measured(document: Any) -> tuple[int, int]:
    """How many values ``document`` holds, and how deep its containers nest (the root 0).

    Level by level, each level's containers picked out by C-level iteration: a walk in
    Python, one value at a time, took longer than parsing (GitHub's description: 0.3 s)."""
    count, depth = 1, 0
    level = [document] if type(document) in _CONTAINERS else []
    while level:
        count += sum(map(len, level))
        values = list(chain.from_iterable(map(_members, level)))
        level = list(compress(values, map(_CONTAINERS.__contains__, map(type, values))))
        depth += bool(level)
    return count, depth


def read(
    path: Path, display: str | None = None, budget: Budget | None = None, book: Ledger | None = None
) -> LoadedSpec:
    """Read and parse the spec at ``path``; raise ``GenerationError`` for anything
    unreadable, and for a document that is not a mapping. ``book``: see ``parse``."""
    part = parse(path, display or str(path), budget or Budget(), book=book)
    document = part.document
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a {type(document).__name__}, not a mapping"
        raise _failure(part.display, f"spec is {kind}", at_start=True)
    return LoadedSpec(
        path,
        part.display,
        document,
        part.positions,
        part.sha256,
        keys=part.keys,
        as_read=part.as_read,
    )


def ref_pointer(ref: str) -> str:
    """The JSON pointer a local ``#/...`` reference names, percent-decoding undone."""
    return "/".join(unquote(token) for token in ref[1:].split("/"))


_RAISE = object()


def resolve_pointer(document: Any, ref: str, missing: Any = _RAISE) -> Any:
    """The value a local ``#/...`` reference names; ``missing`` when there is none, if
    given, else ``KeyError``."""
    node = document
    for token in ref[2:].split("/") if ref != "#" else []:
        # A fragment may be percent-encoded (RFC 6901 section 6) before its ~ escapes.
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif missing is not _RAISE:
            return missing
        else:
            raise KeyError(ref)
    return node
