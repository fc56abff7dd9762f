"""The one way text from the spec reaches generated code.

Spec text (descriptions, summaries, wire names, defaults, examples, titles, versions) is
hostile until proven otherwise: it may hold quotes, backslashes, line breaks, control or
bidirectional characters, triple quotes, Markdown or HTML. Templates and the other render
modules print it only through these functions, so injection safety can be audited here:

* ``literal``: a Python literal (``repr``), for code;
* ``docstring``: text inside a triple-quoted docstring, reflowed;
* ``comment``: text on one ``#`` comment line;
* ``markdown``: text on one line of the package README's tables and lists;
* ``header_value``: text sent in an HTTP header (the User-Agent).

Identifiers are the other gate: ``names`` turns wire names into valid Python names.
``tests/generator/test_quote.py`` checks that templates print free text only through here.
"""

from __future__ import annotations

import math
import re
import textwrap
import unicodedata
from functools import lru_cache

_DOC_WIDTH = 84
_LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s")


def literal(value: object) -> str:
    """A Python literal for a JSON scalar; ``repr`` escapes quotes and invisible characters."""
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'  # repr gives inf and nan, which are not literals
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    raise TypeError(f"no literal for {type(value).__name__}")


def _escape_char(char: str) -> str:
    """Keep printable characters; spell out control, separator and bidi characters."""
    if char == "\n" or (char.isprintable() and unicodedata.category(char) != "Cf"):
        return char
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


# What ``_escape_char`` may change: all but printable ASCII (most text, passed as it is).
_UNUSUAL = re.compile(r"[^\x20-\x7e]")


def _escaped(text: str) -> str:
    """``text`` with ``_escape_char`` applied to every character."""
    return _UNUSUAL.sub(lambda m: _escape_char(m.group()), text)


def comment(text: str) -> str:
    """Spec text made safe on one ``#`` comment line."""
    return _escaped(text.replace("\n", "\\n"))


def _paragraphs(text: str) -> list[list[str]]:
    """Blank-line separated blocks; a block that looks like a list keeps its lines."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if not line.strip():
            blocks.append([])
        else:
            blocks[-1].append(line.rstrip())
    return [b for b in blocks if b]


def _wrap_block(block: list[str], width: int, lead: int = 0) -> list[str]:
    """Wrap one paragraph; ``lead`` columns of its first line are already taken."""
    if any(_LIST_ITEM.match(line) for line in block):
        lines = block
    else:
        lines = [" ".join(line.strip() for line in block)]
    out: list[str] = []
    for line in lines:
        first = " " * lead if not out else ""
        if len(first) + len(line) <= width and line.strip() and line == line.rstrip():
            out.append(line)  # what textwrap gives a line that fits, only sooner
            continue
        wrapped = textwrap.wrap(
            line,
            width,
            initial_indent=first,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [""]
        wrapped[0] = wrapped[0][len(first) :]
        out.extend(wrapped)
    return out


# GitHub's description asks for 27,500 docstrings, 11,500 of them different (a field's
# text repeated across models, each method's in both clients).
@lru_cache(maxsize=1 << 14)
def docstring(text: str, indent: int = 0, first: int | None = None) -> str:
    """Spec text made safe inside a triple-quoted docstring, reflowed to fit the page.

    Lines after the first start at ``indent``; the first starts at column ``first``
    (default ``indent``), as after ``name: `` in an ``Args:`` entry.
    """
    safe = _escaped(text.replace("\r\n", "\n").replace("\\", "\\\\"))
    safe = safe.strip()
    if safe.endswith('"'):  # it would merge with the closing quotes
        safe = safe[:-1] + '\\"'
    safe = safe.replace('"""', '\\"\\"\\"')
    lines: list[str] = []
    for block in _paragraphs(safe):
        if lines:
            lines.append("")
        lead = max(0, (first if first is not None else indent) - indent) if not lines else 0
        lines.extend(_wrap_block(block, _DOC_WIDTH - indent, lead))
    pad = " " * indent
    return "\n".join(pad + line if line else "" for line in lines).lstrip()


def markdown(text: str) -> str:
    """Spec text on one line of a Markdown table or list: no breaks, pipes, code or HTML."""
    one_line = " ".join(comment(text).replace("\\n", " ").split())
    return (
        one_line.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("`", "'")
    )


def header_value(text: str) -> str:
    """Text made a valid HTTP header value: visible ASCII, anything else replaced by ``_``."""
    return "".join(c if "!" <= c <= "~" else "_" for c in text)
