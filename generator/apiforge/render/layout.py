"""Python expressions as the README's usage example writes them: calls and displays
(``Brackets``) laid out as black keeps them at line length 88 (one line when it fits,
else one element per line with a trailing comma, which black never joins back), and
literals in black's spelling."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import assert_never

from msgspec import Struct

from .. import ir
from . import imports
from .imports import Import
from .quote import literal

LINE_LENGTH = 88
INDENT = "    "


class Brackets(Struct, frozen=True):
    """A call ``f(a, k=v)`` or a display ``[a]``: its opening (``f(``, ``[``), its
    elements, each with what precedes it (``k=`` or nothing), and its closing bracket."""

    open: str
    elements: tuple[tuple[str, Expr], ...] = ()
    close: str = ")"


Expr = str | Brackets  # a str is an atom: source text that is never split
Keywords = Iterable[tuple[str, Expr]]


def call(function: str, args: Iterable[Expr] = (), keywords: Keywords = ()) -> Brackets:
    """``function(*args, name=value, ...)``."""
    elements = [("", a) for a in args] + [(f"{k}=", v) for k, v in keywords]
    return Brackets(f"{function}(", tuple(elements), ")")


def display(open: str, items: Iterable[Expr], close: str) -> Brackets:
    """A list ``[a, b]`` or dict ``{}`` display."""
    return Brackets(open, tuple(("", i) for i in items), close)


# -- layout ------------------------------------------------------------------------------


def width(text: str) -> int:
    """Columns as black counts them, never fewer: black gives a character one or two
    columns, so counting every non-ASCII one as two never keeps a line black would split
    (and a line split early keeps its trailing comma, which black respects)."""
    return sum(1 if c.isascii() else 2 for c in text)


def flat(expr: Expr) -> str:
    """``expr`` on one line."""
    match expr:
        case str():
            return expr
        case Brackets():
            inner = ", ".join(prefix + flat(value) for prefix, value in expr.elements)
            return f"{expr.open}{inner}{expr.close}"
        case _:
            assert_never(expr)


def lay_out(head: str, expr: Expr, tail: str = "", depth: int = 0) -> list[str]:
    """``head + expr + tail`` at ``depth`` indents: one line if it fits in 88 columns,
    else ``expr``'s elements one per line with a magic trailing comma, each laid out
    the same way. The lines are returned without ``depth``'s own indentation."""
    one_line = f"{head}{flat(expr)}{tail}"
    fits = width(INDENT * depth + one_line) <= LINE_LENGTH
    if fits or isinstance(expr, str) or not expr.elements:
        return [one_line]
    lines = [f"{head}{expr.open}"]
    for prefix, value in expr.elements:
        lines += [INDENT + line for line in lay_out(prefix, value, ",", depth + 1)]
    return [*lines, f"{expr.close}{tail}"]


def import_lines(needed: Iterable[Import]) -> list[str]:
    """Sorted import lines; a ``from`` import too long for one line gets parentheses and
    one name per line, as black writes it."""
    lines: list[str] = []
    for line in imports.render(needed):
        module, _, names = line.partition(" import ")
        if width(line) <= LINE_LENGTH or not module.startswith("from "):
            lines.append(line)
        else:
            lines += [f"{module} import (", *(f"{INDENT}{n}," for n in names.split(", ")), ")"]
    return lines


# -- literals ----------------------------------------------------------------------------

_ESCAPED = r"([^\\]|^)\\((?:\\\\)*)"


def string(text: str) -> str:
    """A str literal of ``text`` (made by ``quote.literal``) in black's quotes: double,
    unless that takes more backslashes (black's ``normalize_string_quotes``)."""
    source = literal(text)
    old, new = source[0], '"' if source[0] == "'" else "'"
    body = _sub_twice(_ESCAPED + new, rf"\1\2{new}", source[1:-1])  # needless escapes
    swapped = _sub_twice(_ESCAPED + old, rf"\1\2{old}", body)
    swapped = _sub_twice(rf"(([^\\]|^)(\\\\)*){new}", rf"\1\\{new}", swapped)
    kept, changed = body.count("\\"), swapped.count("\\")
    if changed > kept or (changed == kept and old == '"'):
        return f"{old}{body}{old}"
    return f"{new}{swapped}{new}"


def _sub_twice(pattern: str, replacement: str, text: str) -> str:
    """Substitute twice, since matches can overlap (black's ``sub_twice``)."""
    compiled = re.compile(pattern)
    return compiled.sub(replacement, compiled.sub(replacement, text))


def scalar(value: ir.Scalar) -> str:
    """A scalar from the spec (a constant) as black writes it."""
    if isinstance(value, str):
        return string(value)
    return literal(value).replace("e+", "e")  # black writes 1e+16 as 1e16


def number(limits: ir.Constraints | None, *, integer: bool) -> str:
    """1, or the nearest value within the parameter's minimum and maximum
    (``_runtime.check_range`` refuses anything outside them)."""
    low, high = (limits.minimum, limits.maximum) if limits else (None, None)
    low, high = (b if b is not None and math.isfinite(b) else None for b in (low, high))
    value: float = 1
    if low is not None and value < low:
        value = math.ceil(low) if integer else low
    if high is not None and value > high:
        value = math.floor(high) if integer else high
    return scalar(int(value) if integer else float(value))


def placeholder(name: str) -> str:
    """``<name>``: what the reader fills in."""
    return f"<{name.rstrip('_') or name}>"
