"""Syntax errors located where the user can mend them.

PyYAML and json report an error where they gave up, which for a bracket or quote left
open is the end of the file or a later line. These find the construct left open (the
``[``, ``{`` or quote) and report there, with PyYAML's own place as a hint when that is
the better one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, GenerationError, Location, Severity

if TYPE_CHECKING:  # imported where a YAML error is explained: JSON specs do without PyYAML
    import yaml

    Loader = type[yaml.SafeLoader]  # the C loader when PyYAML has libyaml, else the pure one


def yaml_error(
    exc: yaml.YAMLError, display: str, text: str, loader: Loader | None = None
) -> GenerationError:
    """A located diagnostic for a YAML error, where the user can mend it; ``loader``
    scans the text again (the pure-Python one when not given)."""
    import yaml

    loader = loader or yaml.SafeLoader
    if isinstance(exc, yaml.MarkedYAMLError):
        return GenerationError([_marked_error(exc, display, text, loader)])
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
_QUOTE_LEFT_OPEN = ("found unexpected end of stream", "found unexpected document")
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_CONTEXT = re.compile(r"^while (?:parsing|scanning) an? (.+)$")


@cache
def _flow_tokens() -> dict[type[yaml.Token], str]:
    import yaml

    return {
        yaml.FlowSequenceStartToken: "[",
        yaml.FlowSequenceEndToken: "]",
        yaml.FlowMappingStartToken: "{",
        yaml.FlowMappingEndToken: "}",
    }


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


def _yaml_brackets(text: str, loader: Loader) -> Iterator[_Bracket]:
    """The flow brackets of ``text`` in order, up to its end or the first scanner error."""
    import yaml

    flow = _flow_tokens()
    try:
        for token in yaml.scan(text, Loader=loader):
            char = flow.get(type(token))
            if char:
                yield char, _point(token.start_mark)
    except yaml.YAMLError:
        return  # the brackets before the error are all there is to go on


def _runaway_quote(text: str, at: _Point, display: str, loader: Loader) -> Diagnostic | None:
    """A quoted string that spans lines and ends just before ``at``: a quote left open.

    Its closing quote is the one meant to open a later string, so the error PyYAML
    reports is on that later line, after the string.
    """
    import yaml

    previous = None
    try:
        for token in yaml.scan(text, Loader=loader):
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


def _marked_error(exc: yaml.MarkedYAMLError, display: str, text: str, loader: Loader) -> Diagnostic:
    """A YAML error at the bracket or quote left open, else where PyYAML stopped."""
    import yaml

    problem, context = exc.problem or "", exc.context or ""
    problem_mark, context_mark = exc.problem_mark, exc.context_mark
    if isinstance(exc, yaml.parser.ParserError) and problem_mark:
        found = _dangling(_yaml_brackets(text, loader), _point(problem_mark))
        if found != (None, None):
            return _bracket_error(display, found)
        runaway = _runaway_quote(text, _point(problem_mark), display, loader)
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


def json_error(exc: json.JSONDecodeError, display: str, text: str) -> Diagnostic:
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


def too_deep(display: str, text: str, limit: int) -> Diagnostic | None:
    """An error at the first JSON bracket nested more than ``limit`` levels deep, or None."""
    depth = 0
    for char, where in _json_brackets(text):
        depth += 1 if char in "[{" else -1 if char in "]}" else 0
        if depth > limit:
            return _error_at(display, where, f"nested more than {limit} levels deep")
    return None
