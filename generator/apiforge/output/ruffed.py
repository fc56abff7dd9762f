"""ruff's formatting of blocks, and where it could part from black's.

ruff formats about 35 times faster than black. Its output is kept where it is sure to be
black's: ``may_part`` and ``spaced_after_imports`` find the layouts where the two could
differ (measured on GitHub's client), and black formats those blocks itself (``format``).
All blocks go to ruff in one run, separated by a comment it keeps as written; a separator
found changed tells that a block cut from the lines alone (``scan``) is no Python.
"""

from __future__ import annotations

import ast
import itertools
import os
import re
import subprocess

LINE_LENGTH = 88


class Unreadable(Exception):
    """A block cut from the lines alone is no Python (``scan``): cut by the parser."""


# Which blocks ruff formats and which black does; part of the cache's key, as the versions.
SHARE = "ruff unless may_part (6), spaced_after_imports; classes split; slimmed; scanned"
# Between two blocks sent to ruff in one text: a comment, kept as it is written.
_SEPARATOR = "# apiforge: block boundary\n"
# The boundary as written: ruff spaces a comment's "#" from its text, so one found
# unspaced after it was inside a string, and one indented was inside brackets: a cut
# there (``scan``) made a block that is no Python.
_WRITTEN_SEPARATOR = "#apiforge: block boundary\n"
_INSIDE = re.compile(r"^[ \t]+# apiforge: block boundary$|#apiforge: block boundary", re.M)


# Test hook: black formats everything (the kill test watches black's worker processes).
BLACK_ONLY_ENV = "APIFORGE_TEST_BLACK_ONLY"


def run(sources: list[str], cut_from_lines: bool = False) -> list[str | None]:
    """ruff's formatting of each of ``sources``, in one run; None for any it could not
    format as black would be sure to (a line left too long), or all when ruff is missing
    or fails (black then formats them)."""
    if not sources or os.environ.get(BLACK_ONLY_ENV):
        return [None] * len(sources)
    try:
        from ruff import find_ruff_bin  # type: ignore[import-untyped]

        command = [find_ruff_bin(), "format", "--isolated", "--line-length", str(LINE_LENGTH)]
        command += ["--target-version", "py311", "--stdin-filename", "generated.py", "-"]
        text = f"\n\n{_WRITTEN_SEPARATOR}\n\n".join(s.strip("\n") + "\n" for s in sources)
        done = subprocess.run(command, input=text, capture_output=True, text=True, check=False)
    except (ImportError, OSError):
        return [None] * len(sources)
    if cut_from_lines and (done.returncode != 0 or _INSIDE.search(done.stdout)):
        raise Unreadable  # a block the lines cut is no Python: cut by the parser
    parts = done.stdout.split(_SEPARATOR)
    if done.returncode != 0 or len(parts) != len(sources):
        return [None] * len(sources)
    return [None if may_part(part) or spaced_after_imports(part) else part for part in parts]


# A name with its annotation: a field, a parameter.
_ANNOTATED = re.compile(r"[\w.]+: ")
# A line no formatter can split: one name or string, maybe with a comma or a bracket after.
_ATOM = re.compile(r"""(?:[\w.]+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')[,)\]]*""")


def may_part(formatted: str) -> bool:
    """Whether black could lay out ``formatted`` (ruff's output) otherwise: it splits a
    type at its ``|``s (black puts the type in parentheses), or it has a line over the
    limit that is none of: one atom, a comment, a line ending in the bracket whose items
    follow, a docstring's text or first line, a docstring on one line (where black leaves
    a long line as ruff does; the line that closes a docstring it may break), or it ends
    a docstring with an escaped quote (black spaces it from the closing quotes). What the
    two lay out alike was measured on GitHub's client; black judges it in the tests."""
    lines = formatted.splitlines()
    quiet = '\\"""' not in formatted and "| " not in formatted
    if quiet and max(map(len, lines), default=0) <= LINE_LENGTH:
        return False  # nothing below can apply: most blocks, decided in C
    inside = False  # in a docstring, which the templates start on a line of its own
    for at, line in enumerate(lines):
        text = line.strip()
        if inside:
            inside = not text.endswith('"""')
            if not inside and (len(line) > LINE_LENGTH or text.endswith('\\""""')):
                return True  # black may move the closing quotes, or space them from \"
            continue
        if text.startswith('"""'):
            one_line = len(text) >= 6 and text.endswith('"""')
            inside = not one_line
            if one_line and text.endswith('\\""""'):
                return True  # black writes \" """, ruff \""""
            continue
        if text.startswith("| ") and not _parenthesized_union(lines, at):
            return True
        if len(line) <= LINE_LENGTH:
            continue
        if _ANNOTATED.match(text):
            return True  # black puts a long annotation in parentheses, ruff does not
        if not (_ATOM.fullmatch(text) or text.startswith("#") or text.endswith(("(", "[", "{"))):
            return True
    return False


# One operand of a type union: a name, maybe subscripted (``list[Pet]``), nothing else.
_OPERAND = re.compile(r"[\w.]+(?:\[[\w.\[\], ]*\])?")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _parenthesized_union(lines: list[str], at: int) -> bool:
    """Whether the ``| ...`` line ``lines[at]`` belongs to a union ruff has put in
    parentheses of its own, an operand a line: black lays those out alike. A union split
    without them (a parameter's ``a: int`` then ``| None``) black puts in parentheses."""
    first = at
    while first > 0 and lines[first].lstrip().startswith("| "):
        first -= 1
    last = at
    while last + 1 < len(lines) and lines[last + 1].lstrip().startswith("| "):
        last += 1
    if first == 0 or last + 1 == len(lines):
        return False
    opener, closer, indent = lines[first - 1], lines[last + 1], _indent(lines[first])
    return (
        opener.endswith("(")
        and _indent(opener) + 4 == indent
        and closer.lstrip().startswith(")")
        and _indent(closer) == _indent(opener)
        and _OPERAND.fullmatch(lines[first].strip()) is not None
        and all(_indent(line) == indent for line in lines[first : last + 1])
    )


def spaced_after_imports(formatted: str) -> bool:
    """Whether two blank lines follow the imports before a statement that is no class or
    function: black makes them one, ruff keeps them."""
    if "import " not in formatted:
        return False
    body = ast.parse(formatted).body
    lines = formatted.splitlines()
    for node, after in itertools.pairwise(body):
        if isinstance(node, ast.Import | ast.ImportFrom) and not isinstance(
            after, ast.Import | ast.ImportFrom | ast.ClassDef | ast.FunctionDef
        ):
            end = node.end_lineno or node.lineno
            if lines[end : end + 2] == ["", ""]:
                return True
    return False
