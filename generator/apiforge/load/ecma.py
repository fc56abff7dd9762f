"""ECMA-262 regular expressions, as OpenAPI writes ``pattern``, against Python's ``re``.

openapi-spec-validator checks a ``pattern`` by compiling it with ``re``, which lacks a few
ECMA-262 constructs (``\\p{L}``, ``\\u{1F600}``, ``(?<name>...)``, ``[^]``, letter escapes such
as Java's ``\\z``, which ECMA-262 reads as the letter ...). A pattern that
only fails for those is a well-formed regular expression in the language the spec is
written in; one that fails for anything else (``[a-``) is broken in both.
"""

from __future__ import annotations

import re
import warnings

_PROPERTY = re.compile(r"[A-Za-z_]+(?:=[A-Za-z0-9_]+)?")
_HEX = re.compile(r"[0-9A-Fa-f]{1,6}")
_HEX_DIGITS = {n: re.compile(f"[0-9A-Fa-f]{{{n}}}") for n in (2, 4)}
_GROUP_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
# The letter escapes ``re`` knows, outside a set and inside one.
_PYTHON_LETTERS = {False: frozenset("abBdDfnrsStvwWxuUNAZ"), True: frozenset("abdDfnrsStvwWxuUN")}


def compile_error(pattern: str) -> str:
    """Why Python's ``re`` cannot compile ``pattern``, or '' when it can."""
    with warnings.catch_warnings():  # "possible nested set" and the like are not errors
        warnings.simplefilter("ignore")
        try:
            re.compile(pattern)
        except re.error as exc:
            return str(exc)
        except (OverflowError, RecursionError, ValueError) as exc:
            return str(exc) or type(exc).__name__
    return ""


def only_ecma(pattern: str) -> bool:
    """Whether ``pattern`` compiles once the ECMA-262 constructs ``re`` lacks are read as
    constructs ``re`` has: it is a regular expression, in another dialect."""
    python = _as_python(pattern)
    return python is not None and python != pattern and not compile_error(python)


def _between(pattern: str, start: int, close: str, shape: re.Pattern[str]) -> int:
    """The index of ``close`` ending a well-formed ``shape`` that starts at ``start``, or -1."""
    end = pattern.find(close, start)
    return end if end > start and shape.fullmatch(pattern, start, end) else -1


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int] | None:
    """The Python spelling of the escape at ``pattern[i]`` (a backslash) and the index after
    it; None when it is an ECMA-262 escape that is not well formed."""
    kind = pattern[i + 1 : i + 2]
    brace = pattern[i + 2 : i + 3] == "{"
    if kind in ("p", "P") and brace:  # a Unicode property: \p{L}, \p{Script=Greek}
        end = _between(pattern, i + 3, "}", _PROPERTY)
        return None if end < 0 else ("\\w" if kind == "p" else "\\W", end + 1)
    if kind == "u" and brace:  # a code point: \u{1F600}
        end = _between(pattern, i + 3, "}", _HEX)
        if end < 0 or int(pattern[i + 3 : end], 16) > 0x10FFFF:
            return None
        return f"\\U{int(pattern[i + 3 : end], 16):08x}", end + 1
    if (kind == "x" and not _HEX_DIGITS[2].fullmatch(pattern, i + 2, i + 4)) or (
        kind == "u" and not _HEX_DIGITS[4].fullmatch(pattern, i + 2, i + 6)
    ):
        return kind, i + 2  # Annex B: \x{60} (PCRE's hex) is the letter x, then {60}
    if kind == "c" and pattern[i + 2 : i + 3].isascii() and pattern[i + 2 : i + 3].isalpha():
        return f"\\x{ord(pattern[i + 2]) % 32:02x}", i + 3  # a control character: \cJ
    if kind == "k" and pattern[i + 2 : i + 3] == "<" and not in_class:  # \k<name>
        end = _between(pattern, i + 3, ">", _GROUP_NAME)
        return None if end < 0 else ("(?:)", end + 1)  # may name a later group: Python cannot
    if kind.isascii() and kind.isalpha() and kind not in _PYTHON_LETTERS[in_class]:
        return kind, i + 2  # ECMA-262 (Annex B): an unknown letter escape is the letter
    return pattern[i : i + 2], i + 2


_CLASS_ESCAPES = frozenset("wWdDsSpP")


def _beside_class_escape(pattern: str, i: int, out: list[str]) -> bool:
    """Whether the ``-`` at ``pattern[i]``, in a set, follows or precedes a class escape
    (``[\\w-.]``, ``[.-\\d]``): no range, in ECMA-262; ``re`` refuses it."""
    before = out[-1] if out else ""
    after = pattern[i + 1 : i + 3]
    follows = len(before) == 2 and before[0] == "\\" and before[1] in _CLASS_ESCAPES
    return follows or (after[:1] == "\\" and after[1:] in _CLASS_ESCAPES)


def _as_python(pattern: str) -> str | None:
    """``pattern`` with ECMA-262-only constructs replaced by ones ``re`` compiles alike for
    well-formedness; None when one of them is malformed."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            escaped = _escape(pattern, i, in_class)
            if escaped is None:
                return None
            text, i = escaped
            out.append(text)
            continue
        if in_class and char == "-" and _beside_class_escape(pattern, i, out):
            out.append("\\-")  # ECMA (Annex B): a range to or from \w is a literal dash
        elif in_class:
            out.append("\\[" if char == "[" else char)  # ECMA has no nested sets
            in_class = char != "]"
        elif pattern.startswith("[]", i):  # ECMA: matches nothing
            out.append("(?!)")
            i += 2
            continue
        elif pattern.startswith("[^]", i):  # ECMA: matches anything
            out.append("[\\s\\S]")
            i += 3
            continue
        elif char == "[":
            in_class = True
            caret = pattern.startswith("[^", i)
            out.append("[^" if caret else "[")
            i += 2 if caret else 1
            continue
        elif pattern.startswith(("(?<=", "(?<!"), i):  # ECMA's look-behind may vary in width
            out.append("(?=" if pattern[i + 3] == "=" else "(?!")
            i += 4
            continue
        elif pattern.startswith("(?<", i):  # a named group: (?<name>...)
            out.append("(?P<")
            i += 3
            continue
        else:
            out.append(char)
        i += 1
    return "".join(out)
