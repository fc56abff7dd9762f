"""A string that a regular expression finds, for arguments a spec constrains by ``pattern``.

JSON Schema's ``pattern`` is searched for, not matched whole, so any string holding a match
will do; the shortest one built from the parsed expression usually is, and is checked with
``re.search`` before use. Patterns Python cannot compile give ``None``: the caller leaves
the value unconstrained (apiforge keeps such patterns as documentation only).
"""

from __future__ import annotations

import re
import re._constants as c  # the parser's opcodes: the stable interface of ``re._parser``
import re._parser as sre
from typing import Any

# Characters tried, in order, for a class or a negated class.
_CANDIDATES = "a0Zb1_-. xA"
_CATEGORY = {
    c.CATEGORY_DIGIT: "0",
    c.CATEGORY_NOT_DIGIT: "a",
    c.CATEGORY_SPACE: " ",
    c.CATEGORY_NOT_SPACE: "a",
    c.CATEGORY_WORD: "a",
    c.CATEGORY_NOT_WORD: "-",
    c.CATEGORY_LINEBREAK: "\n",
    c.CATEGORY_NOT_LINEBREAK: "a",
}
_MAX_REPEAT_SHOWN = 64  # an unbounded repeat is never drawn longer than this


def sample(pattern: str, min_length: int = 0, max_length: int | None = None) -> str | None:
    """A string of ``min_length``..``max_length`` characters in which ``pattern`` is found;
    None when Python cannot compile the pattern or no such string was built."""
    try:
        compiled = re.compile(pattern)
        parsed = sre.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    # Repeats drawn longer and longer; then exactly long enough for ``min_length`` when
    # one repeat holds the whole string (a 40-character sha: ``^[0-9a-f]+$``).
    for extra in dict.fromkeys((0, 1, 2, 4, 8, 16, 32, max(min_length - 1, 0), min_length)):
        text = _Builder(extra).sequence(parsed)
        if len(text) < min_length and not _anchored_end(pattern):
            text += "a" * (min_length - len(text))
        fits = len(text) >= min_length and (max_length is None or len(text) <= max_length)
        if fits and compiled.search(text):
            return text
    return None


def _anchored_end(pattern: str) -> bool:
    return pattern.endswith("$") or pattern.endswith(r"\Z")


class _Builder:
    """Builds text from a parsed pattern, repeating each repeat ``extra`` times more than
    its minimum (within its maximum)."""

    def __init__(self, extra: int) -> None:
        self.extra = extra
        self.groups: dict[int, str] = {}

    def sequence(self, items: Any) -> str:
        return "".join(self.item(op, av) for op, av in items)

    def item(self, op: Any, av: Any) -> str:
        if op is c.LITERAL:
            return chr(av)
        if op is c.NOT_LITERAL:
            return next(ch for ch in _CANDIDATES if ord(ch) != av)
        if op is c.ANY:
            return "a"
        if op is c.IN:
            return _member(av)
        if op is c.BRANCH:
            return self.sequence(av[1][0])
        if op is c.SUBPATTERN:
            text = self.sequence(av[-1])
            if av[0] is not None:
                self.groups[av[0]] = text
            return text
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, body = av
            count = low + self.extra
            if high is not c.MAXREPEAT:
                count = min(count, high)
            shown = min(count, max(_MAX_REPEAT_SHOWN, self.extra))
            return "".join(self.sequence(body) for _ in range(shown))
        if op is c.ATOMIC_GROUP:
            return self.sequence(av)
        if op is c.GROUPREF:
            return self.groups.get(av, "")
        if op is c.GROUPREF_EXISTS:
            return self.sequence(av[1])
        return ""  # anchors (AT) and look-arounds take no characters


def _member(items: list[tuple[Any, Any]]) -> str:
    """A character of a ``[...]`` class."""
    negated = bool(items) and items[0][0] is c.NEGATE
    if negated:
        return next((ch for ch in _CANDIDATES if not _in(items[1:], ch)), "~")
    preferred = next((ch for ch in _CANDIDATES if _in(items, ch)), None)
    if preferred is not None:
        return preferred
    op, av = items[0]
    if op is c.LITERAL:
        return chr(av)
    if op is c.RANGE:
        return chr(av[0])
    if op is c.CATEGORY:
        return _CATEGORY.get(av, "a")
    return "a"


def _in(items: list[tuple[Any, Any]], ch: str) -> bool:
    code = ord(ch)
    for op, av in items:
        if op is c.LITERAL and av == code:
            return True
        if op is c.RANGE and av[0] <= code <= av[1]:
            return True
        if op is c.CATEGORY and re.fullmatch(_CATEGORY_RE.get(av, "(?!)"), ch):
            return True
    return False


_CATEGORY_RE = {
    c.CATEGORY_DIGIT: r"\d",
    c.CATEGORY_NOT_DIGIT: r"\D",
    c.CATEGORY_SPACE: r"\s",
    c.CATEGORY_NOT_SPACE: r"\S",
    c.CATEGORY_WORD: r"\w",
    c.CATEGORY_NOT_WORD: r"\W",
}
