"""What black need not see of a block it must format.

black lays out each logical line on its own, by the line and its depth alone; what it
decides from the lines around one is the blank lines between them, and there one plain
assignment is like another. So in a block that goes to black (one long annotation in a
model of eighty fields; the `if TYPE_CHECKING:` block of a package with many unions, where
black spent 2.5 s on the tables after one long alias), each assignment directly inside its
class or `if` that ruff lays out as black would (``ruffed.may_part``) is shown to black as
a one-line placeholder assignment, and ruff's layout of it takes the placeholder's place
in black's output. A placeholder black does not give back exactly once means the block
goes to black whole.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import NamedTuple

_INDENT = "    "
_WRAPPER = "if _:\n"  # ruff formats each assignment inside it, at its depth in the block


class Slimmed(NamedTuple):
    """A block as black is shown it, and what replaces each placeholder line after."""

    source: str
    fills: dict[str, str]  # placeholder line (without its newline) -> ruff's layout


def _assignments(source: str) -> list[tuple[int, int]]:
    """(first line index, end line index) of each assignment directly inside the block's
    one class or ``if`` (its branches), alone on its lines and with no comment in them."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.ClassDef | ast.If):
        return []
    top = tree.body[0]
    inner = [*top.body, *(top.orelse if isinstance(top, ast.If) else [])]
    lines = source.splitlines()
    found = []
    for node in inner:
        if not isinstance(node, ast.Assign | ast.AnnAssign) or node.end_lineno is None:
            continue
        first, end = node.lineno - 1, node.end_lineno
        alone = (
            node.col_offset == len(_INDENT)
            and lines[first].startswith(_INDENT)
            and not lines[end - 1][node.end_col_offset or 0 :].strip()
        )
        if alone and not any("#" in line for line in lines[first:end]):
            found.append((first, end))
    return found


def slim_all(sources: list[str], ruff: Callable[[list[str]], list[str | None]]) -> list[Slimmed]:
    """Each of ``sources`` with the assignments ruff lays out as black does replaced by
    placeholders (one ``ruff`` run for all of them)."""
    spans = [_assignments(s) for s in sources]
    texts = [s.splitlines(keepends=True) for s in sources]
    wrapped = [
        _WRAPPER + "".join(lines[a:b])
        for lines, found in zip(texts, spans, strict=True)
        for a, b in found
    ]
    laid_out = iter(ruff(wrapped))
    slimmed = []
    for lines, found in zip(texts, spans, strict=True):
        out: list[str] = []
        fills: dict[str, str] = {}
        taken = 0
        for a, b in found:
            layout = next(laid_out)
            layout = layout.strip("\n") if layout is not None else None
            if layout is None or not layout.startswith(_WRAPPER):
                continue
            placeholder = f"{_INDENT}_apiforge_placeholder_{len(fills)} = 0"
            fills[placeholder] = layout.removeprefix(_WRAPPER)
            out += [*lines[taken:a], placeholder + "\n"]
            taken = b
        out += lines[taken:]
        slimmed.append(Slimmed("".join(out), fills))
    return slimmed


def filled(blacked: str, slimmed: Slimmed) -> str | None:
    """black's output of a slimmed block with ruff's layouts in the placeholders' places;
    None when a placeholder is not found exactly once (black formats the block whole)."""
    lines = blacked.split("\n")
    places = [at for at, line in enumerate(lines) if line in slimmed.fills]
    if sorted(lines[at] for at in places) != sorted(slimmed.fills):
        return None
    for at in places:
        lines[at] = slimmed.fills[lines[at]]
    return "\n".join(lines)
