"""A module's statements found from its lines alone, without parsing it.

Cutting a module into blocks needs only where its statements start and end, and which are
classes, functions or ``if``s; Python's parser builds the whole tree for that, most of the
formatting stage on a big package (2.3 s of CPU on GitHub's). A statement at an
indentation starts on a line at that indentation that does not go on one before it (no
closing bracket, ``else``, ``elif``, ``except``, ``finally``, comment or blank). That reading
is wrong only where such a line lies inside a string or brackets, and a cut there leaves a
block that is not Python: ruff and black refuse it, ruff also through the block boundary it
then finds inside a string, unformatted (``ruffed.run``), and the module is cut again by
the parser (``format._format_modules``). A block that is not Python cannot have been
formatted before, so none comes from the cache.

The statements are ``ast`` nodes with only what the cutting reads: the line numbers, the
decorators, and the body of a class long enough to be formatted in parts.
"""

from __future__ import annotations

import ast
import re

_CONTINUES = re.compile(r"(?:else|elif|except|finally)\b")
_DEF = re.compile(r"(?:async\s+)?def\b")
_NOT_A_START = frozenset(" \t\r\n#)]}")


def _node(kind: type[ast.stmt], line: int, decorators: list[ast.expr]) -> ast.stmt:
    node = kind.__new__(kind)  # no fields but those the cutting reads
    node.lineno, node.end_lineno = line, line
    if isinstance(node, ast.ClassDef | ast.FunctionDef):
        node.decorator_list, node.body = decorators, []
    return node


def _kind(text: str) -> type[ast.stmt] | None:
    """The kind of statement starting with ``text``; None for a decorator."""
    if text.startswith("@"):
        return None
    if text.startswith("class") and not text[5:6].isidentifier():
        return ast.ClassDef
    if text.startswith(("def", "async")) and _DEF.match(text):
        return ast.FunctionDef
    if text.startswith("if") and not (text[2:3].isidentifier() or text[2:3].isdigit()):
        return ast.If
    return ast.Pass


def statements(lines: list[str], lo: int, hi: int, indent: str, long: int) -> list[ast.stmt]:
    """The statements written at ``indent`` in ``lines[lo:hi]``, each with its body when it
    is a class of more than ``long`` lines (its members, one level deeper). Raises
    ``ValueError`` where the lines cannot be read so (the parser then cuts)."""
    width = len(indent)
    found: list[ast.stmt] = []
    starts: list[int] = []  # the line each statement starts on, decorators included
    decorators: list[ast.expr] = []
    for at in range(lo, hi):
        line = lines[at]
        if line[width : width + 1] in _NOT_A_START or not line.startswith(indent):
            continue
        text = line[width:]
        if _CONTINUES.match(text):
            continue
        kind = _kind(text)
        if not decorators:
            starts.append(at)
        if kind is None:
            decorators.append(ast.expr.__new__(ast.expr))
            decorators[-1].lineno = at + 1
            continue
        if decorators and kind not in (ast.ClassDef, ast.FunctionDef):
            raise ValueError("a decorator before no class or function")
        found.append(_node(kind, at + 1, decorators))
        decorators = []
    if decorators:
        raise ValueError("a decorator at the end")
    for node, start, end in zip(found, starts, [*starts[1:], hi], strict=True):
        last = end - 1
        while last > start and (not lines[last].strip() or lines[last].startswith(indent + "#")):
            last -= 1
        node.end_lineno = last + 1
        if isinstance(node, ast.ClassDef) and last - start >= long:
            node.body = statements(lines, node.lineno, last + 1, indent + "    ", long)
            if not node.body:
                raise ValueError("a long class with no statement read in it")
    return found
