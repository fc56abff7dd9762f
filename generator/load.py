"""Stage 1: read a spec file, keep where every value stands, check refs, and validate it.

The result is a plain JSON-like document plus a map from JSON pointer to (line, column),
so that every later diagnostic can name a place in the file the user wrote.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import ValidationError, best_match

from .diagnostics import Diagnostic, GenerationError, Location, Severity

Positions = Mapping[str, tuple[int, int]]
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe YAML that keeps timestamps as strings: a spec is JSON data, not Python objects."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class LoadedSpec:
    """A parsed document with its source positions and the SHA-256 of its bytes."""

    path: Path
    display: str
    document: dict[str, Any]
    positions: Positions
    sha256: str

    def locate(self, pointer: str) -> Location:
        """The file position of ``pointer``, or of its nearest ancestor that has one."""
        probe = pointer
        while probe and probe not in self.positions:
            probe = probe.rsplit("/", 1)[0]
        line, column = self.positions.get(probe, (0, 0))
        return Location(self.display, line, column, pointer)

    def error(self, pointer: str, message: str, hint: str = "") -> Diagnostic:
        """An error diagnostic located at ``pointer``."""
        return Diagnostic(Severity.ERROR, self.locate(pointer), message, hint)


def escape(token: str) -> str:
    """Escape one JSON-pointer segment (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def _positions(node: yaml.Node, pointer: str, out: dict[str, tuple[int, int]]) -> None:
    """Record where each value starts, walking the composed YAML node tree."""
    out[pointer] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _positions(value, f"{pointer}/{escape(str(key.value))}", out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _positions(item, f"{pointer}/{index}", out)


def _stringify_keys(value: Any) -> Any:
    """YAML reads ``200:`` as an int; OpenAPI keys are always strings."""
    if isinstance(value, dict):
        return {str(k): _stringify_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_keys(v) for v in value]
    return value


def _parse(path: Path, text: str, display: str) -> tuple[Any, Positions]:
    """Parse YAML (or JSON, its subset) keeping positions; raise on syntax errors."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        loc = Location(display, line, col)
        raise GenerationError(
            [Diagnostic(Severity.ERROR, loc, f"YAML syntax error: {problem}")]
        ) from None
    except yaml.YAMLError as exc:
        raise GenerationError(
            [Diagnostic(Severity.ERROR, Location(display), f"YAML syntax error: {exc}")]
        ) from None
    positions: dict[str, tuple[int, int]] = {}
    if node is not None:
        _positions(node, "", positions)
    return _stringify_keys(data), positions


def read(path: Path, display: str | None = None) -> LoadedSpec:
    """Read and parse ``path``; raise ``GenerationError`` for anything unreadable."""
    shown = display or str(path)
    try:
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
    if path.suffix == ".json":
        try:
            json.loads(text)  # JSON's own grammar first: YAML accepts more than JSON.
        except json.JSONDecodeError as exc:
            loc = Location(shown, exc.lineno, exc.colno)
            raise GenerationError(
                [Diagnostic(Severity.ERROR, loc, f"JSON syntax error: {exc.msg}")]
            ) from None
    document, positions = _parse(path, text, shown)
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a {type(document).__name__}, not a mapping"
        raise GenerationError(
            [Diagnostic(Severity.ERROR, Location(shown, 1, 1), f"spec is {kind}")]
        )
    return LoadedSpec(path, shown, document, positions, hashlib.sha256(raw).hexdigest())


def _refs(value: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    """Every ``$ref`` in the document with the pointer of the object holding it."""
    if isinstance(value, dict):
        ref = value.get("$ref")
        if ref is not None:
            yield pointer, ref
        for key, item in value.items():
            yield from _refs(item, f"{pointer}/{escape(key)}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _refs(item, f"{pointer}/{index}")


def resolve_pointer(document: Any, ref: str) -> Any:
    """The value a local ``#/...`` reference names; ``KeyError`` when there is none."""
    node = document
    for token in ref[2:].split("/") if ref != "#" else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(ref)
    return node


def check_refs(spec: LoadedSpec) -> list[Diagnostic]:
    """Refuse remote and unresolved references before the validator trips over them."""
    problems = []
    for pointer, ref in _refs(spec.document, ""):
        where = f"{pointer}/$ref"
        if not isinstance(ref, str):
            problems.append(spec.error(where, "$ref must be a string"))
        elif not ref.startswith("#"):
            problems.append(
                spec.error(
                    where,
                    f"external reference {ref!r} is not supported",
                    "generation never reads other files or the network; inline the schema",
                )
            )
        else:
            try:
                resolve_pointer(spec.document, ref)
            except KeyError:
                problems.append(spec.error(where, f"unresolved reference {ref!r}"))
    return problems


def _validator_for(spec: LoadedSpec) -> Any:
    """The openapi-spec-validator class for the document's version, or None."""
    import openapi_spec_validator as osv  # costly import, paid only when validating

    version = str(spec.document.get("openapi", ""))
    if version.startswith("3.0."):
        return osv.OpenAPIV30SpecValidator
    if version.startswith("3.1."):
        return osv.OpenAPIV31SpecValidator
    return None


def _is_not_a_ref(error: ValidationError) -> bool:
    """The complaint of a "Reference Object" branch: the value simply has no ``$ref``."""
    return error.validator == "required" and "'$ref'" in str(error.message)


def _deepest(error: ValidationError) -> ValidationError:
    """Follow ``anyOf``/``oneOf`` context down to the most specific complaint."""
    while error.context:
        # "X or a $ref" schemas: the $ref branch's complaint is never the useful one.
        candidates = [e for e in error.context if not _is_not_a_ref(e)] or error.context
        match = best_match(candidates)
        if match is None:
            break
        error = match
    return error


def validate(spec: LoadedSpec) -> list[Diagnostic]:
    """Check the document against the OpenAPI schema; return located diagnostics."""
    if "openapi" not in spec.document:
        hint = "apiforge reads OpenAPI 3.0 documents with an 'openapi: 3.0.x' field"
        return [spec.error("", "not an OpenAPI document: no 'openapi' field", hint)]
    validator_cls = _validator_for(spec)
    if validator_cls is None:
        version = spec.document.get("openapi")
        return [spec.error("/openapi", f"unsupported OpenAPI version {version!r}")]
    problems = check_refs(spec)
    if problems:
        return problems
    found: list[tuple[str, str]] = []
    try:
        for error in validator_cls(spec.document).iter_errors():
            deepest = _deepest(error)
            pointer = "".join(f"/{escape(str(p))}" for p in deepest.absolute_path)
            found.append((pointer, deepest.message))
    except Exception as exc:  # the validator's own crash must not become our traceback
        found.append(("", f"the spec could not be validated: {type(exc).__name__}: {exc}"))
    # Nested schema checks report paths relative to the schema; keep them only when nothing
    # better located was found, so one mistake is not reported twice.
    located = [(p, m) for p, m in found if p in spec.positions]
    chosen = located or found
    unique = dict.fromkeys(chosen)
    return [spec.error(pointer, message) for pointer, message in unique]
