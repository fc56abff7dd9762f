"""Stage 1: read a spec file, keep where every value stands, check refs, and validate it.

The result is a plain JSON-like document plus a map from JSON pointer to (line, column),
so that every later diagnostic can name a place in the file the user wrote.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

from ..cache import MAX_SPEC_BYTES
from ..diagnostics import Diagnostic, GenerationError, Location, Severity
from . import syntax

Positions = Mapping[str, tuple[int, int]]
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe YAML for specs: keys keep their spelling (``on:`` stays "on", ``200:`` "200"),
    timestamps stay strings, and only true/false are booleans, as in YAML 1.2 and JSON."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                )
            mapping[key_node.value] = self.construct_object(value_node, deep=deep)
        return mapping


_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, _BOOL if tag == "tag:yaml.org,2002:bool" else rx)
        for tag, rx in resolvers
        if tag != "tag:yaml.org,2002:timestamp"
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# Budgets: a spec larger than this is a mistake or an attack, refused before parsing;
# aliases may not expand a document to more values than MAX_NODES ("billion laughs").
MAX_BYTES = MAX_SPEC_BYTES
MAX_NODES = 1_000_000
# Real specs nest 34 levels at most (all 2,639 of the APIs-guru directory); past this
# depth no generated annotation would stay readable, or within Python's parser limits.
MAX_DEPTH = 128
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}")


@dataclass(frozen=True)
class LoadedSpec:
    """A parsed document with its source positions and the SHA-256 of its bytes.

    After a Swagger 2.0 document is rewritten into the 3.x shape, ``origins`` maps pointers
    of the rewritten document to those of the file, so diagnostics still point into it.
    """

    path: Path
    display: str
    document: dict[str, Any]
    positions: Positions
    sha256: str
    origins: Mapping[str, str] = field(default_factory=dict)
    keys: Positions = field(default_factory=dict)  # where each mapping key is written

    def original(self, pointer: str) -> str:
        """The pointer in the file that ``pointer`` (of the document) came from."""
        probe = pointer
        while probe not in self.origins:
            if not probe:
                return pointer
            probe = probe.rsplit("/", 1)[0]
        return self.origins[probe] + pointer[len(probe) :]

    def locate(self, pointer: str) -> Location:
        """The file position of ``pointer``, or of its nearest ancestor that has one."""
        pointer = self.original(pointer)
        probe = pointer
        while probe and probe not in self.positions:
            probe = probe.rsplit("/", 1)[0]
        line, column = self.positions.get(probe, (0, 0))
        return Location(self.display, line, column, pointer)

    def error_at_key(self, pointer: str, message: str) -> Diagnostic:
        """An error located at the key that names ``pointer``'s value."""
        line, column = self.keys.get(self.original(pointer), (0, 0))
        if not line:
            return self.error(pointer, message)
        where = Location(self.display, line, column, self.original(pointer))
        return Diagnostic(Severity.ERROR, where, message)

    def error(self, pointer: str, message: str, hint: str = "") -> Diagnostic:
        """An error diagnostic located at ``pointer``."""
        return Diagnostic(Severity.ERROR, self.locate(pointer), message, hint)


def escape(token: str) -> str:
    """Escape one JSON-pointer segment (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


class _Walker:
    """Records where each value starts and finds duplicate keys, by JSON pointer."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.positions: dict[str, tuple[int, int]] = {}
        self.keys: dict[str, tuple[int, int]] = {}
        self.problems: list[Diagnostic] = []
        self.visited = 0

    def walk(self, node: yaml.Node, pointer: str, depth: int = 0) -> None:
        self.visited += 1
        if self.visited > MAX_NODES:
            # Aliases can make a small file expand exponentially ("billion laughs").
            raise GenerationError(
                [self._at(node, pointer, f"spec expands to over {MAX_NODES:,} values")]
            )
        self.positions[pointer] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if depth > MAX_DEPTH and isinstance(node, yaml.CollectionNode):
            raise GenerationError(
                [self._at(node, pointer, f"nested more than {MAX_DEPTH} levels deep")]
            )
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                name = str(key.value)
                child = f"{pointer}/{escape(name)}"
                self.keys[child] = (key.start_mark.line + 1, key.start_mark.column + 1)
                if name in seen and name != "<<":
                    self.problems.append(self._at(key, child, f"duplicate key {name!r}"))
                seen.add(name)
                self.walk(value, child, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, f"{pointer}/{index}", depth + 1)

    def _at(self, node: yaml.Node, pointer: str, message: str) -> Diagnostic:
        mark = node.start_mark
        return Diagnostic(
            Severity.ERROR, Location(self.display, mark.line + 1, mark.column + 1, pointer), message
        )


def _compose(text: str, display: str, *, construct: bool) -> tuple[Any, _Walker]:
    """Compose ``text``, walk it for positions and duplicates, and construct it if asked."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        walker = _Walker(display)
        if node is not None:
            walker.walk(node, "")
        data = loader.construct_document(node) if node is not None and construct else None
    finally:
        loader.dispose()
    return data, walker


def _parse(text: str, display: str, *, json_data: Any = None) -> tuple[Any, Positions, Positions]:
    """Parse YAML keeping positions; for JSON, ``json_data`` is the document already read."""
    if json_data is not None:
        # YAML cannot read escaped surrogate pairs; their text does not matter for positions.
        text = _SURROGATE_ESCAPE.sub("xxxxxx", text)
    try:
        data, walker = _compose(text, display, construct=json_data is None)
    except yaml.YAMLError as exc:
        if json_data is None:
            raise syntax.yaml_error(exc, display, text, _BaseLoader) from None
        # Valid JSON that YAML misreads (or nests past libyaml's limit): no positions.
        deep = syntax.too_deep(display, text, MAX_DEPTH)
        if deep is not None:
            raise GenerationError([deep]) from None
        return json_data, {}, {}
    if walker.problems:
        raise GenerationError(walker.problems)
    return (data if json_data is None else json_data), walker.positions, walker.keys


def read(path: Path, display: str | None = None) -> LoadedSpec:
    """Read and parse ``path``; raise ``GenerationError`` for anything unreadable."""
    shown = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            message = f"spec is {size:,} bytes; the limit is {MAX_BYTES:,}"
            raise GenerationError([Diagnostic(Severity.ERROR, Location(shown), message)])
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise GenerationError(
            [Diagnostic(Severity.ERROR, Location(shown), f"cannot read spec: {reason}")]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"spec is not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}"
        raise GenerationError([Diagnostic(Severity.ERROR, Location(shown), message)]) from None
    json_data = None
    if path.suffix == ".json":
        try:
            json_data = json.loads(text)  # JSON's own grammar: YAML accepts more.
        except (json.JSONDecodeError, RecursionError) as exc:
            # Nesting past the json module's recursion shows as either; say which it was.
            deep = syntax.too_deep(shown, text, MAX_DEPTH)
            if deep is None and isinstance(exc, json.JSONDecodeError):
                deep = syntax.json_error(exc, shown, text)
            fallback = Diagnostic(Severity.ERROR, Location(shown), "nested too deeply to read")
            raise GenerationError([deep or fallback]) from None
    document, positions, keys = _parse(text, shown, json_data=json_data)
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a {type(document).__name__}, not a mapping"
        raise GenerationError(
            [Diagnostic(Severity.ERROR, Location(shown, 1, 1), f"spec is {kind}")]
        )
    digest = hashlib.sha256(raw).hexdigest()
    return LoadedSpec(path, shown, document, positions, digest, keys=keys)


def ref_pointer(ref: str) -> str:
    """The JSON pointer a local ``#/...`` reference names, percent-decoding undone."""
    return "/".join(unquote(token) for token in ref[1:].split("/"))


def resolve_pointer(document: Any, ref: str) -> Any:
    """The value a local ``#/...`` reference names; ``KeyError`` when there is none."""
    node = document
    for token in ref[2:].split("/") if ref != "#" else []:
        # A fragment may be percent-encoded (RFC 6901 section 6) before its ~ escapes.
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(ref)
    return node
