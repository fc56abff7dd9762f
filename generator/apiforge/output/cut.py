"""A module cut into blocks: the imports, each class, function or ``if``, each run of
simple statements; a class of more than ``SPLIT_LINES`` lines further into its header and
its methods (or its runs of other statements), each formatted alone by ``format`` and
joined again with the blank lines black puts between them. The statements are read from
the lines (``scan``) or found by Python's parser.
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import itertools
from collections.abc import Callable

from . import scan


def _is_block(node: ast.stmt) -> bool:
    return isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef | ast.If)


def _is_member(node: ast.stmt) -> bool:
    return isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)


def _starts(
    lines: list[str],
    nodes: list[ast.stmt],
    is_block: Callable[[ast.stmt], bool],
    indent: str,
    after: int,
) -> list[int]:
    """The line indexes to cut ``lines`` at: before each of ``nodes`` that ``is_block``
    and after each (``after``: the line the statement before the first ends on)."""
    starts: list[int] = []
    previous_block, previous_end = False, after
    for node in nodes:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        # Comment lines right above a statement belong to it, as black keeps them; lines
        # after the previous statement's end cannot be inside one of its strings.
        while first - 1 > previous_end and lines[first - 2].startswith(indent + "#"):
            first -= 1
        block = is_block(node)
        if (block or previous_block) and first - 1 > (starts[-1] if starts else 0):
            starts.append(first - 1)
        previous_block, previous_end = block, node.end_lineno or node.lineno
    return starts


# A class longer than this is formatted in parts: its header, and each method on its own
# (GitHub's client classes are 60,000 lines: one long line sent all of it to black).
SPLIT_LINES = 400
_WRAPPER = "class _:\n"  # what each part after the header is formatted inside


# A module cut: each block's text, and its units when it is a long class.
Blocks = list[tuple[str, list[str] | None]]


def blocks(source: str, parse: bool = True) -> Blocks:
    """The blocks of ``source`` (cut before every top-level class, function or ``if`` and
    after each), each with its units when it is a long class: its header
    (the class line and what comes before its first method) and each of its methods, or
    of its runs of other statements, each of those inside ``_WRAPPER``; else None. The
    statements found by the parser, or (``parse`` False) from the lines (``scan``)."""
    lines = source.splitlines(keepends=True)
    body = None
    if not parse:
        with contextlib.suppress(ValueError):
            body = scan.statements(lines, 0, len(lines), "", SPLIT_LINES)
    if body is None:
        body = ast.parse(source).body
    bounds = [0, *_starts(lines, body, _is_block, "", 0), len(lines)]
    found: list[tuple[str, list[str] | None]] = []
    spans = itertools.pairwise(bounds)
    for (a, b), node in zip(spans, _one_node_each(body, bounds), strict=True):
        if a < b:
            found.append(("".join(lines[a:b]), _units(lines, a, b, node)))
    return found


def _one_node_each(nodes: list[ast.stmt], bounds: list[int]) -> list[ast.stmt | None]:
    """For each span of ``bounds``, its statement when it holds exactly one."""
    spans: list[list[ast.stmt]] = [[] for _ in bounds[1:]]
    for node in nodes:
        spans[bisect.bisect_right(bounds, node.lineno - 1) - 1].append(node)
    return [span[0] if len(span) == 1 else None for span in spans]


def _units(lines: list[str], a: int, b: int, node: ast.stmt | None) -> list[str] | None:
    """The units of the class ``node`` spanning ``lines[a:b]``, if it is long enough to
    format in parts (and has a header to format alone); None to format it whole."""
    if b - a <= SPLIT_LINES or not isinstance(node, ast.ClassDef) or node.decorator_list:
        return None
    if _is_member(node.body[0]):
        return None  # no header to format alone
    after = node.body[0].lineno - 1
    cuts = [a, *_starts(lines, node.body, _is_member, "    ", after), b]
    parts = ["".join(lines[x:y]) for x, y in itertools.pairwise(cuts) if x < y]
    return [parts[0], *(_WRAPPER + part for part in parts[1:])]


def joined(done: dict[str, str], units: list[str]) -> str:
    """A class formatted in parts, put back together: one blank line between them, as
    black puts between the methods of a class."""
    header, *rest = (done[u] for u in units)
    inner = [part.strip("\n").removeprefix(_WRAPPER).strip("\n") for part in rest]
    return "\n\n".join([header.strip("\n"), *inner])
