"""Where each value and each key of a JSON spec is written, found only when asked.

``json.loads`` reads GitHub's 13 MB description in 0.2 s; composing it as YAML to learn
every node's place took 7 s, spent on every run though most runs print no diagnostic.
So a JSON spec's places are a ``Places`` that scans the text (values located by JSON
pointer, as offsets) the first time a diagnostic asks, in about a second for that file,
and turns an offset into a line and column only for the pointers asked about.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator, Mapping

_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
# true, false, null, and what json.loads reads beyond JSON: NaN, Infinity, -Infinity
_LITERAL = {"t": 4, "f": 5, "n": 4, "N": 3, "I": 8}
_BREAK = re.compile(r"\r\n?|\n")


def _skip(text: str, at: int) -> int:
    """The offset of the first character from ``at`` on that is not JSON whitespace."""
    match = _SPACE.match(text, at)
    return match.end() if match else at


def offsets(text: str) -> tuple[dict[str, int], dict[str, int]]:
    """The offset of each value, and of each key's opening quote, by JSON pointer, in
    ``text``, which ``json.loads`` has read (so it is well-formed). Iterative: nesting
    costs no Python stack."""
    from .document import escape  # document imports this module: here, not at the top

    values: dict[str, int] = {}
    keys: dict[str, int] = {}
    skip, scanstring = _skip, json.decoder.scanstring  # type: ignore[attr-defined]
    stack: list[tuple[bool, str, int]] = []  # (an object?, its pointer, the item's index)
    pointer, i = "", skip(text, 0)
    while True:
        values[pointer] = i
        char = text[i]
        if char in "{[" and text[skip(text, i + 1)] not in "}]":
            i = skip(text, i + 1)
            if char == "{":
                key, end = scanstring(text, i + 1)
                stack.append((True, pointer, 0))
                keys[pointer := f"{pointer}/{escape(key)}"] = i
                i = skip(text, skip(text, end) + 1)  # past the colon
            else:
                stack.append((False, pointer, 0))
                pointer = f"{pointer}/0"
            continue
        if char in "{[":
            i = skip(text, i + 1) + 1  # an empty object or array
        elif char == '"':
            i = scanstring(text, i + 1)[1]
        elif char in _LITERAL:
            i += _LITERAL[char]
        elif text.startswith("-I", i):
            i += 9
        else:
            match = _NUMBER.match(text, i)
            i = match.end() if match else i + 1
        while stack:  # after a value: the next item, or the end of its containers
            i = skip(text, i)
            is_object, parent, index = stack[-1]
            if text[i] != ",":
                stack.pop()
                i += 1
                continue
            i = skip(text, i + 1)
            if is_object:
                key, end = scanstring(text, i + 1)
                keys[pointer := f"{parent}/{escape(key)}"] = i
                i = skip(text, skip(text, end) + 1)
            else:
                stack[-1] = (False, parent, index + 1)
                pointer = f"{parent}/{index + 1}"
            break
        else:
            return values, keys


class Places:
    """The places of one JSON text's values and keys, scanned on first use."""

    def __init__(self, text: str, values: int) -> None:
        self._text: str | None = text
        self.count = values  # how many values the text holds, known without scanning
        self._found: tuple[dict[str, int], dict[str, int]] | None = None
        self._breaks: list[int] = []  # the offset after each line break

    def found(self) -> tuple[dict[str, int], dict[str, int]]:
        if self._found is None:
            assert self._text is not None
            self._found = offsets(self._text)
            self._breaks = [m.end() for m in _BREAK.finditer(self._text)]
            self._text = None  # what was needed of it is kept
        return self._found

    def line_column(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of ``offset``."""
        line = bisect.bisect_right(self._breaks, offset)
        start = self._breaks[line - 1] if line else 0
        return line + 1, offset - start + 1


class PlaceMap(Mapping[str, tuple[int, int]]):
    """JSON pointer → (line, column) of the values (``keys=False``) or of the keys."""

    def __init__(self, places: Places, keys: bool) -> None:
        self._places, self._keys = places, keys

    def _offsets(self) -> dict[str, int]:
        return self._places.found()[1 if self._keys else 0]

    def __getitem__(self, pointer: str) -> tuple[int, int]:
        return self._places.line_column(self._offsets()[pointer])

    def __contains__(self, pointer: object) -> bool:
        return pointer in self._offsets()

    def __iter__(self) -> Iterator[str]:
        return iter(self._offsets())

    def __len__(self) -> int:
        # The values are counted while the document is read; keys only once scanned.
        return len(self._offsets()) if self._keys else self._places.count
