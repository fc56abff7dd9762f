"""Stage 1: read a spec file, keep where every value stands, check refs, and validate it.

The result is a plain JSON-like document plus a map from JSON pointer to (line, column),
so that every later diagnostic can name a place in the file the user wrote.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

from ..cache import MAX_SPEC_BYTES
from ..diagnostics import Diagnostic, GenerationError, Location, Severity

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

    def walk(self, node: yaml.Node, pointer: str) -> None:
        self.visited += 1
        if self.visited > MAX_NODES:
            # Aliases can make a small file expand exponentially ("billion laughs").
            raise GenerationError(
                [self._at(node, pointer, f"spec expands to over {MAX_NODES:,} values")]
            )
        self.positions[pointer] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                name = str(key.value)
                child = f"{pointer}/{escape(name)}"
                self.keys[child] = (key.start_mark.line + 1, key.start_mark.column + 1)
                if name in seen and name != "<<":
                    self.problems.append(self._at(key, child, f"duplicate key {name!r}"))
                seen.add(name)
                self.walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, f"{pointer}/{index}")

    def _at(self, node: yaml.Node, pointer: str, message: str) -> Diagnostic:
        mark = node.start_mark
        return Diagnostic(
            Severity.ERROR, Location(self.display, mark.line + 1, mark.column + 1, pointer), message
        )


def _syntax_error(exc: yaml.YAMLError, display: str, text: str) -> GenerationError:
    """A located diagnostic for a YAML error, where the user can mend it."""
    if isinstance(exc, yaml.MarkedYAMLError):
        return GenerationError([_marked_error(exc, display, text)])
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
        before = text[: exc.position]
        line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        code = (
            exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
        )
        message = f"YAML syntax error: control characters such as U+{code:04X} are not allowed"
        return GenerationError([Diagnostic(Severity.ERROR, Location(display, line, col), message)])
    return GenerationError(
        [Diagnostic(Severity.ERROR, Location(display), f"YAML syntax error: {exc}")]
    )


# PyYAML reports an error where it gave up, which for a bracket or quote left open is
# the end of the file or a later line; these find the opening character instead.
_Point = tuple[int, int]  # 1-based line and column
_Bracket = tuple[str, _Point]  # "[", "]", "{", "}" (or a quote) and where it is
_CLOSER = {"[": "]", "{": "}"}
_OPENER = {"]": "[", "}": "{"}
_FLOW_TOKENS: dict[type[yaml.Token], str] = {
    yaml.FlowSequenceStartToken: "[",
    yaml.FlowSequenceEndToken: "]",
    yaml.FlowMappingStartToken: "{",
    yaml.FlowMappingEndToken: "}",
}
_QUOTE_LEFT_OPEN = ("found unexpected end of stream", "found unexpected document")
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_CONTEXT = re.compile(r"^while (?:parsing|scanning) an? (.+)$")


def _point(mark: yaml.Mark) -> _Point:
    """A YAML mark as a 1-based line and column."""
    return mark.line + 1, mark.column + 1


def _error_at(display: str, where: _Point, message: str, hint: str = "") -> Diagnostic:
    """An error diagnostic at ``where`` in the file shown as ``display``."""
    return Diagnostic(Severity.ERROR, Location(display, *where), message, hint)


def _dangling(brackets: Iterable[_Bracket], at: _Point) -> tuple[_Bracket | None, _Bracket | None]:
    """The innermost bracket open at ``at`` that nothing matching closes, and what ends it.

    ``(opener, None)``: open to the end; ``(opener, closer)``: closed by the wrong kind;
    ``(None, closer)``: the bracket at ``at`` closes nothing; ``(None, None)``: none of these.
    """
    stack: list[_Bracket] = []
    depth = -1  # how many were open at ``at``, once it is reached
    for char, where in brackets:
        if depth < 0 and where >= at:
            depth = len(stack)
            if not stack:
                return None, ((char, where) if char in _OPENER and where == at else None)
        if char in _CLOSER:
            stack.append((char, where))
            continue
        if not stack:  # a closer with nothing open, before ``at``: no account to give
            return None, None
        opener = stack.pop()
        if len(stack) < depth:
            return (None, None) if _CLOSER[opener[0]] == char else (opener, (char, where))
    if depth < 0:
        depth = len(stack)
    return (stack[depth - 1] if depth else None), None


def _bracket_error(display: str, found: tuple[_Bracket | None, _Bracket | None]) -> Diagnostic:
    """The diagnostic for what ``_dangling`` found: at the opener, or at a stray closer."""
    opener, closer = found
    if opener is None:
        assert closer is not None
        return _error_at(
            display, closer[1], f"{closer[0]!r} has no matching {_OPENER[closer[0]]!r}"
        )
    hint = ""
    if closer is not None:
        (line, column), wanted = closer[1], _CLOSER[opener[0]]
        hint = f"found {closer[0]!r} at line {line}, column {column} where {wanted!r} was expected"
    return _error_at(display, opener[1], f"{opener[0]!r} is never closed", hint)


def _yaml_brackets(text: str) -> Iterator[_Bracket]:
    """The flow brackets of ``text`` in order, up to its end or the first scanner error."""
    try:
        for token in yaml.scan(text, Loader=_BaseLoader):
            char = _FLOW_TOKENS.get(type(token))
            if char:
                yield char, _point(token.start_mark)
    except yaml.YAMLError:
        return  # the brackets before the error are all there is to go on


def _runaway_quote(text: str, at: _Point, display: str) -> Diagnostic | None:
    """A quoted string that spans lines and ends just before ``at``: a quote left open.

    Its closing quote is the one meant to open a later string, so the error PyYAML
    reports is on that later line, after the string.
    """
    previous = None
    try:
        for token in yaml.scan(text, Loader=_BaseLoader):
            if _point(token.start_mark) >= at:
                break
            previous = token
    except yaml.YAMLError:
        return None
    if not isinstance(previous, yaml.ScalarToken) or previous.style not in ("'", '"'):
        return None
    start, end = previous.start_mark, previous.end_mark
    if start.line == end.line or end.line + 1 != at[0]:
        return None
    hint = f"it runs on to the {previous.style!r} at line {end.line + 1}, column {end.column}"
    return _error_at(display, _point(start), f"{previous.style!r} is not closed on its line", hint)


def _char_at(text: str, mark: yaml.Mark) -> str:
    """The character at ``mark``: YAML also breaks lines at U+0085/2028/2029, skips a BOM."""
    lines = _YAML_BREAK.split(text.removeprefix("\ufeff"), maxsplit=mark.line + 1)
    line = lines[mark.line] if mark.line < len(lines) else ""
    return line[mark.column : mark.column + 1]


def _marked_error(exc: yaml.MarkedYAMLError, display: str, text: str) -> Diagnostic:
    """A YAML error at the bracket or quote left open, else where PyYAML stopped."""
    problem, context = exc.problem or "", exc.context or ""
    problem_mark, context_mark = exc.problem_mark, exc.context_mark
    if isinstance(exc, yaml.parser.ParserError) and problem_mark:
        found = _dangling(_yaml_brackets(text), _point(problem_mark))
        if found != (None, None):
            return _bracket_error(display, found)
        runaway = _runaway_quote(text, _point(problem_mark), display)
        if runaway:
            return runaway
    if context_mark and context == "while scanning a quoted scalar":
        quote = _char_at(text, context_mark)
        if problem.startswith(_QUOTE_LEFT_OPEN) and quote in ("'", '"'):
            return _error_at(display, _point(context_mark), f"{quote!r} is never closed")
    if context_mark and context == "while scanning a simple key":
        problem_mark = context_mark  # the line with a key and no ':', not the line after
    if problem.startswith("but "):  # "expected a single document ..., but found another"
        problem = f"{context}, {problem}"
    mark = problem_mark or context_mark
    where = _point(mark) if mark else (0, 0)
    hint = ""
    described = _CONTEXT.match(context)
    if described and context_mark and _point(context_mark) != where:
        line, column = _point(context_mark)
        hint = f"in the {described[1]} that starts at line {line}, column {column}"
    return _error_at(
        display, where, f"YAML syntax error: {problem or context or 'invalid YAML'}", hint
    )


_JSON_LEXEME = re.compile(r'"(?:[^"\\]|\\.)*(?P<end>")?|[][{}]')


def _json_brackets(text: str) -> Iterator[_Bracket]:
    """JSON's brackets in order, and the quote of each string not closed on its line."""
    for number, line in enumerate(text.split("\n"), 1):  # a JSON string is on one line
        for match in _JSON_LEXEME.finditer(line):
            if match[0][0] != '"':
                yield match[0], (number, match.start() + 1)
            elif not match["end"]:
                yield '"', (number, match.start() + 1)


def _json_error(exc: json.JSONDecodeError, display: str, text: str) -> Diagnostic:
    """A JSON error at the bracket or quote left open, else where the json module stopped."""
    at = (exc.lineno, exc.colno)
    if exc.msg.startswith("Unterminated string") or (
        exc.msg.startswith("Invalid control character")
        and text[exc.pos : exc.pos + 1] in ("\r", "\n")
    ):
        for char, where in _json_brackets(text):
            if char == '"' and where[0] == exc.lineno:
                if exc.msg.startswith("Unterminated"):
                    return _error_at(display, where, "'\"' is never closed")
                hint = "a JSON string cannot span lines"
                return _error_at(display, where, "'\"' is not closed on its line", hint)
    brackets = (bracket for bracket in _json_brackets(text) if bracket[0] != '"')
    found = _dangling(brackets, at)
    if found != (None, None):
        return _bracket_error(display, found)
    return _error_at(display, at, f"JSON syntax error: {exc.msg}")


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
            raise _syntax_error(exc, display, text) from None
        return json_data, {}, {}  # valid JSON that YAML misreads: no positions, still usable
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
        except json.JSONDecodeError as exc:
            raise GenerationError([_json_error(exc, shown, text)]) from None
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
