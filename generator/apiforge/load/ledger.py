"""What the last run into the same output folder found in each part of the document,
taken again where the part is as it was: after one schema changes, the others are not
walked for their ``$ref``s (``objects.ref_places``) nor read for lenient mistakes
(``lenient.read``).

A *part* is a member of a section: a path item (``/paths/{path}``), a component
(``/components/{kind}/{name}``), a Swagger 2.0 definition, parameter or response, a
webhook. Each walk expands the document's root and its sections exactly as it would when
walking everything, and treats what it reaches there as one piece: recorded by the
piece's pointer with the piece's fingerprint (SHA-256 of its value, ``marshal`` version
0), and taken from the record while the fingerprint (and that of every part a finding
read through a ``$ref``) is the same. The build's record shares the fingerprints of the
parts lenient reading left as they were (``build/replay.py``).

Nothing here changes what a run finds: a piece is walked whenever there is any doubt
(no record, another fingerprint, a value judged by the reference validator).
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from collections.abc import Callable
from typing import Any

import msgspec

from .document import resolve_pointer
from .objects import Where, spelled

# The sections whose members are parts, by pointer ("" is the root, expanded too).
_SECTIONS = frozenset(
    {"", "/paths", "/webhooks", "/components", "/definitions", "/parameters", "/responses"}
)


def section(where: Where) -> bool:
    """Whether the container at ``where`` is the root or a section, whose members are
    parts: a walk expands it instead of taking it as one piece."""
    if where is None:
        return True
    parent, token = where
    if parent is None:
        return f"/{token}" in _SECTIONS
    return parent == (None, "components")


def part_of(pointer: str) -> str:
    """The part a JSON pointer is in: ``/components/schemas/Pet`` for anything inside it,
    ``/paths/~1pets`` likewise; else its first token's section (``/info``)."""
    tokens = pointer.split("/", 4)
    if len(tokens) < 2:
        return ""  # the root
    if tokens[1] == "components":
        return "/".join(tokens[:4])
    return "/".join(tokens[:3]) if f"/{tokens[1]}" in _SECTIONS else "/".join(tokens[:2])


class Findings(msgspec.Struct, array_like=True, frozen=True):
    """What ``lenient`` found in one piece, in the order found. ``context``: what else
    the findings depend on (the document's version, how the walk entered the piece);
    ``deps``: the parts a value check read through ``$ref``s, with their fingerprints."""

    context: str
    deps: tuple[tuple[str, str], ...]
    dropped: tuple[tuple[str, str], ...]
    hidden: tuple[tuple[str, str], ...]
    hoisted: tuple[tuple[str, str], ...]
    replaced: tuple[tuple[str, str, Any], ...]
    said: tuple[tuple[str, str], ...]  # warnings: (pointer, message), placed again


# A $ref of a piece: the path from the piece to the object holding it, and its value.
Ref = tuple[tuple[str | int, ...], Any]


class Facts(msgspec.Struct, array_like=True, frozen=True):
    """One piece's fingerprint and what the walks found in it (None: not recorded)."""

    print: str
    refs: tuple[Ref, ...] | None = None
    named: bool = False  # how the $ref walk entered the piece
    lenient: Findings | None = None
    measured: tuple[int, int] | None = None  # how many values it holds, how deep it nests


def _skeleton(
    value: dict[str, Any], where: Where, level: int, parts: list[tuple[Where, Any, int]]
) -> dict[str, Any]:
    """A copy of the root or a section (at ``level``) with each part that is a container
    None instead (added to ``parts``), each section within a skeleton too."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        at = (where, key)
        if type(item) is dict and section(at):
            out[key] = _skeleton(item, at, level + 1, parts)
        elif where is not None and type(item) in (dict, list):
            parts.append((at, item, level + 1))
            out[key] = None
        else:
            out[key] = item
    return out


_DECODER = msgspec.msgpack.Decoder(dict[str, Facts])
_ENCODER = msgspec.msgpack.Encoder()
_RECORD = "parts"


def record_key() -> str:
    """The key line of a record kept per output folder (this ledger, the build's): what
    wrote it, so that another generator, Python or msgspec reads none."""
    from .. import __version__
    from ..cache import builtin_templates, generator_digest

    made_by = f"{__version__} {generator_digest(builtin_templates())} {sys.version_info[:2]}"
    return hashlib.sha256(f"{made_by} msgspec {msgspec.__version__}".encode()).hexdigest()


def fingerprint(value: Any) -> str:
    """The SHA-256 of ``value``; '' when it holds what cannot be told apart (a YAML date),
    which no recorded fingerprint equals."""
    try:
        # Version 0: the bytes depend on the values alone, never on how they are shared
        # or interned.
        return hashlib.sha256(marshal.dumps(value, 0)).hexdigest()
    except ValueError:
        return ""


class Ledger:
    """The facts recorded for one output folder (``slot``) and those of this run; bound to
    the one document its fingerprints are of (``bind``)."""

    def __init__(self, slot: str) -> None:
        from ..cache import Slots, cache_root

        root = cache_root()
        self.slot = slot  # the output folder
        self.slots = Slots(root / "parts" if root is not None and slot else None, slot)
        self.key = record_key()
        self.old: dict[str, Facts] = self._recorded()
        self.new: dict[str, dict[str, Any]] = {}  # what this run found, by piece
        self.document: Any = None
        self._prints: dict[str, tuple[Any, str]] = {}  # pointer: (the value, its print)

    def _recorded(self) -> dict[str, Facts]:
        data = self.slots.read_bytes(_RECORD, self.key)
        try:
            return _DECODER.decode(data) if data else {}
        except msgspec.DecodeError:
            return {}

    def bind(self, document: Any) -> None:
        """Fingerprint ``document``'s pieces from now on (the document as read)."""
        if document is not self.document:
            self.document, self._prints = document, {}

    def reads(self, document: Any) -> bool:
        """Whether the ledger is bound to ``document`` (this very object)."""
        return document is self.document

    def print(self, pointer: str, value: Any) -> str:
        """The fingerprint of the piece at ``pointer``, whose value is ``value``."""
        known = self._prints.get(pointer)
        if known is not None and known[0] is value:
            return known[1]
        found = fingerprint(value)
        self._prints[pointer] = (value, found)
        return found

    def print_at(self, pointer: str) -> str:
        """The fingerprint of what is at ``pointer`` in the bound document ("absent" when
        nothing is)."""
        known = self._prints.get(pointer)
        if known is not None:
            return known[1]
        try:
            value = resolve_pointer(self.document, "#" + pointer)
        except (KeyError, IndexError, TypeError):
            return "absent"
        return self.print(pointer, value)

    def shared(self, pointer: str, value: Any) -> str | None:
        """The fingerprint already taken of ``value`` as the piece at ``pointer``, or None:
        the build's record takes it instead of marshalling the part again."""
        known = self._prints.get(pointer)
        return known[1] if known is not None and known[0] is value else None

    def _same(self, pointer: str, value: Any) -> Facts | None:
        """The recorded facts of the piece, if its fingerprint is the recorded one."""
        old = self.old.get(pointer)
        if old is None or not old.print or self.print(pointer, value) != old.print:
            return None
        return old

    def _note(self, pointer: str, value: Any, **found: Any) -> None:
        self.print(pointer, value)  # recorded with the piece
        self.new.setdefault(pointer, {}).update(found)

    def measured(self, document: Any, measure: Callable[[Any], tuple[int, int]]) -> tuple[int, int]:
        """``measure(document)``: how many values ``document`` holds and how deep its
        containers nest (the root 0), each part's taken from the record where the part
        is as it was, measured apart otherwise. Binds the ledger to ``document``."""
        if type(document) is not dict:
            return measure(document)
        self.bind(document)
        parts: list[tuple[Where, Any, int]] = []
        count, depth = measure(_skeleton(document, None, 0, parts))
        for where, value, level in parts:
            pointer = spelled("", where)
            old = self._same(pointer, value)
            if old is not None and old.measured is not None:
                found = old.measured
            else:
                found = measure(value)
                self._note(pointer, value, measured=found)
            count += found[0] - 1  # the part's own value is the skeleton's None
            depth = max(depth, level + found[1])
        return count, depth

    def refs(self, pointer: str, value: Any, named: bool) -> list[Ref] | None:
        """The piece's recorded ``$ref``s, or None."""
        old = self._same(pointer, value)
        if old is None or old.refs is None or old.named != named:
            return None
        return list(old.refs)

    def note_refs(self, pointer: str, value: Any, named: bool, found: list[Ref]) -> None:
        self._note(pointer, value, refs=tuple(found), named=named)

    def findings(self, pointer: str, value: Any, context: str) -> Findings | None:
        """The piece's recorded lenient findings, if made in the same ``context``; or None."""
        old = self._same(pointer, value)
        found = old.lenient if old is not None else None
        if found is None or found.context != context:
            return None
        if any(self.print_at(part) != print_ for part, print_ in found.deps):
            return None
        return found

    def note_findings(self, pointer: str, value: Any, found: Findings) -> None:
        self._note(pointer, value, lenient=found)

    def keep(self) -> None:
        """Keep for the next run the facts of every piece fingerprinted in this one: as
        recorded where it is as it was, with what this run found; unless that is the
        record as it is."""
        record: dict[str, Facts] = {}
        for pointer, (_, found) in self._prints.items():
            old = self.old.get(pointer)
            facts = old if old is not None and found and old.print == found else Facts(found)
            if pointer in self.new:
                facts = msgspec.structs.replace(facts, **self.new[pointer])
            record[pointer] = facts
        if self.new or record.keys() != self.old.keys():
            try:
                data = _ENCODER.encode(record)
            except OverflowError:  # an integer MessagePack cannot hold: nothing is kept
                return
            self.slots.write_bytes(_RECORD, self.key, data)
