"""Where each value and each key of a JSON spec is written, found only when asked.

``json.loads`` reads GitHub's 13 MB description in 0.2 s; composing it as YAML to learn
every node's place took 7 s, spent on every run though most runs print no diagnostic.
So a JSON spec's places are a ``Places`` that finds the place of a pointer a diagnostic
asks about by walking the text along its path only (each container read as far as
needed, once), and turns an offset into a line and column only for those pointers.
"""

from __future__ import annotations

import bisect
import json
import json.scanner
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
# true, false, null, and what json.loads reads beyond JSON: NaN, Infinity, -Infinity
_LITERAL = {"t": 4, "f": 5, "n": 4, "N": 3, "I": 8}


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


class _Members:
    """The members of one object or array found so far, by pointer token: (the offset of
    the key's opening quote, -1 for an array's item; the offset of the value)."""

    def __init__(self, at: int, text: str) -> None:
        self.found: dict[str, tuple[int, int]] = {}
        self.is_object = text[at] == "{"
        # Where the next member is looked for; -1 once the container ends (or is no
        # container: a scalar has no members).
        self.at = at + 1 if text[at] in "{[" else -1
        self.first = True

    def find(self, token: str, text: str, scan: _Scan) -> tuple[int, int] | None:
        from .document import escape  # document imports this module: here, not at the top

        if token in self.found:
            return self.found[token]
        while self.at >= 0:
            i = _skip(text, self.at)
            if not self.first:
                if text[i] != ",":
                    self.at = -1
                    break
                i = _skip(text, i + 1)
            elif text[i] in "}]":
                self.at = -1
                break
            self.first = False
            if self.is_object:
                key, end = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
                name, key_at, i = escape(key), i, _skip(text, _skip(text, end) + 1)
            else:
                name, key_at = str(len(self.found)), -1
            self.found[name] = (key_at, i)
            self.at = scan(text, i)[1]  # past the value, parsed in C
            if name == token:
                return key_at, i
        return None


_Scan = Callable[[str, int], tuple[object, int]]
Pairs = Callable[[list[tuple[str, Any]]], dict[str, Any]]
# How many levels of objects ``indexed`` places the members of as it reads them: enough
# that a diagnostic's walk starts in one operation or one schema (/paths/{path}/{method},
# /components/schemas/{name}), never scanning whole sections again.
INDEXED_LEVELS = 3


def indexed(text: str, pairs: Pairs) -> tuple[Any, dict[str, _Members]] | None:
    """``json.loads(text, object_pairs_hook=pairs)`` of a text that is one object, with
    the members of its objects ``INDEXED_LEVELS`` deep placed on the way: the value, and
    those members by the object's pointer. None for any other text (json.loads then reads
    it, or says what is wrong)."""
    scan: _Scan = json.scanner.make_scanner(json.JSONDecoder(object_pairs_hook=pairs))  # type: ignore[arg-type]
    start = _skip(text, 0)
    if not text.startswith("{", start):
        return None
    placed: dict[str, _Members] = {}
    try:
        value, end = _object(text, start, "", 1, scan, pairs, placed)
    except (ValueError, StopIteration, IndexError, RecursionError):
        return None
    return (value, placed) if _skip(text, end) == len(text) else None


def _object(
    text: str,
    at: int,
    pointer: str,
    level: int,
    scan: _Scan,
    pairs: Pairs,
    placed: dict[str, _Members],
) -> tuple[dict[str, Any], int]:
    """The object at ``at`` and the offset past it, its members (and theirs, ``level``
    counting down to ``INDEXED_LEVELS``) placed."""
    from .document import escape  # document imports this module: here, not at the top

    scanstring = json.decoder.scanstring  # type: ignore[attr-defined]
    members, items = _Members(at, text), list[tuple[str, Any]]()
    i = _skip(text, at + 1)
    while text[i] != "}" or items:
        if text[i] != '"':
            raise ValueError("a key expected")
        key, end = scanstring(text, i + 1)
        key_at, i = i, _skip(text, end)
        if text[i] != ":":
            raise ValueError("a colon expected")
        i = _skip(text, i + 1)
        name = escape(key)
        value: Any
        if text[i] == "{" and level < INDEXED_LEVELS:
            value, end = _object(text, i, f"{pointer}/{name}", level + 1, scan, pairs, placed)
        else:  # parsed in C
            value, end = scan(text, i)
        members.found.setdefault(name, (key_at, i))  # a duplicate key: read as YAML instead
        items.append((key, value))
        i = _skip(text, end)
        if text[i] == "}":
            break
        if text[i] != ",":
            raise ValueError("a comma expected")
        i = _skip(text, i + 1)
    members.at = -1  # every member found
    placed[pointer] = members
    return pairs(items), i + 1


class Places:
    """The places of one JSON text's values and keys. A pointer asked about is found by
    walking its path only, each container read as far as needed, the values passed over
    parsed by json's C scanner (GitHub's description: a few diagnostics cost as much as
    reading it once); every place is scanned only when all of them are asked for."""

    def __init__(self, text: str, values: int, placed: dict[str, _Members] | None = None) -> None:
        self._text = text
        self.count = values  # how many values the text holds, known without scanning
        self._found: tuple[dict[str, int], dict[str, int]] | None = None
        self._members: dict[str, _Members] = placed or {}  # some placed while read
        self._scan: _Scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
        # Offsets whose line is known; those lines, and where they start.
        self._anchors, self._lines, self._starts = [0], [0], [0]
        self._returns = "\r" in text  # whether a line may end in CR (or CRLF)

    def found(self) -> tuple[dict[str, int], dict[str, int]]:
        """Every value's and key's offset."""
        if self._found is None:
            self._found = offsets(self._text)
        return self._found

    def place(self, pointer: str) -> tuple[int, int] | None:
        """(The offset of the key naming ``pointer``'s value, -1 when none does; the
        value's offset), or None when the text has no such value."""
        if self._found is not None:
            values, keys = self._found
            return (keys.get(pointer, -1), values[pointer]) if pointer in values else None
        text, at, key_at, path = self._text, _skip(self._text, 0), -1, ""
        for token in pointer.split("/")[1:] if pointer else ():
            members = self._members.get(path)
            if members is None:
                members = self._members[path] = _Members(at, text)
            hit = members.find(token, text, self._scan)
            if hit is None:
                return None
            (key_at, at), path = hit, f"{path}/{token}"
        return key_at, at

    def line_column(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of ``offset``: the line breaks counted from the
        nearest offset before it whose line is known."""
        text = self._text
        nearest = bisect.bisect_right(self._anchors, offset) - 1
        start = self._anchors[nearest]
        if self._returns:
            breaks = text.count("\n", start, offset) + text.count("\r", start, offset)
            line = self._lines[nearest] + breaks - text.count("\r\n", start, offset)
            ends = max(text.rfind("\n", start, offset), text.rfind("\r", start, offset))
        else:  # one pass over the text, not three (most specs have no CR)
            line = self._lines[nearest] + text.count("\n", start, offset)
            ends = text.rfind("\n", start, offset)
        line_start = ends + 1
        line_start = line_start or self._starts[nearest]  # no break since the anchor
        self._anchors.insert(nearest + 1, offset)
        self._lines.insert(nearest + 1, line)
        self._starts.insert(nearest + 1, line_start)
        return line + 1, offset - line_start + 1


class PlaceMap(Mapping[str, tuple[int, int]]):
    """JSON pointer → (line, column) of the values (``keys=False``) or of the keys."""

    def __init__(self, places: Places, keys: bool) -> None:
        self._places, self._keys = places, keys

    def _offset(self, pointer: str) -> int:
        found = self._places.place(pointer)
        offset = -1 if found is None else found[0] if self._keys else found[1]
        if offset < 0:
            raise KeyError(pointer)
        return offset

    def __getitem__(self, pointer: str) -> tuple[int, int]:
        return self._places.line_column(self._offset(pointer))

    def __contains__(self, pointer: object) -> bool:
        try:
            return isinstance(pointer, str) and self._offset(pointer) >= 0
        except KeyError:
            return False

    def __iter__(self) -> Iterator[str]:
        return iter(self._places.found()[1 if self._keys else 0])

    def __len__(self) -> int:
        # The values are counted while the document is read; keys only once scanned.
        return len(self._places.found()[1]) if self._keys else self._places.count
