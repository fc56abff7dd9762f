"""The component schemas and operations built by the last run into the same output folder,
their building done again from its record instead: after one schema changes, the others
are not built.

A *unit* is what ``SchemaBuilder.components`` does for one component schema (building it,
and every schema it reaches that is not built yet), or what ``api._operation`` does for
one operation. What a unit did is recorded (``Unit``): the entries it wrote into the
build's tables (models, enums, unions, the type of each pointer, the operations, the
operationIds...), in order; the class names it claimed (with the class name each was made
from); the warnings it gave. So is what it depended on: each part of the document it
read, once, by fingerprint (a component's or a path item's whole), and each entry of the
tables it read, present or not.

A unit is done again from its record when, in this run, the units before it were those
recorded, in the same order; every part of the document it read is as it was; none of the
table entries it read is one that may differ from the recorded run's (``Replay.differ``);
and claiming its class names again gives the names it got. Otherwise it is built, and the
entries it wrote that differ from the recorded ones (or that only one of the two wrote)
may differ from then on. GitHub's description after one schema changed: its model built
in 0.25-0.4 s through the record, 0.77-0.94 s from scratch.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, KeysView, ValuesView
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from .. import ir
from ..load import ledger
from ..load.document import resolve_pointer
from ..names import ClassName
from .untagged import Pending

if TYPE_CHECKING:
    from ..load.ledger import Ledger
    from .context import BuildContext

# What a unit may write into the build's tables.
Value = (
    str  # an operationId's operation
    | ir.Operation
    | ir.Model
    | Pending
    | ir.Enum
    | ir.Union
    | ir.PrimitiveType
    | ir.ArrayType
    | ir.TupleType
    | ir.MapType
    | ir.LiteralType
    | ir.ScalarUnion
    | ir.UnionRef
    | ir.UntaggedRef
    | ir.ModelRef
    | ir.EnumRef
)


class Unit(msgspec.Struct, frozen=True):
    """What building one component schema or operation (``pointer``) did, and what it
    depended on."""

    pointer: str
    inputs: tuple[tuple[str, str], ...]  # each part of the document read, its fingerprint
    reads: tuple[tuple[str, str], ...]  # each table entry read: (table, key)
    claims: tuple[tuple[ClassName, ClassName], ...]  # each class name claimed: (base, got)
    writes: tuple[tuple[str, str, Value], ...]  # (table, key, value), in order
    said: tuple[tuple[bool, str, str, str], ...]  # each warning: (error, pointer, text, hint)


class Log:
    """What the unit being recorded reads, writes, claims and says (nothing is noted
    outside a unit)."""

    def __init__(self) -> None:
        self.on = False
        self.read: set[tuple[str, str]] = set()
        self.seen: set[str] = set()  # pointers of the parts of the document read
        self.claims: list[tuple[ClassName, ClassName]] = []
        self.writes: list[tuple[str, str, Any]] = []
        self.said: list[tuple[bool, str, str, str]] = []

    @contextmanager
    def unit(self, pointer: str) -> Iterator[None]:
        """Note everything done inside, from scratch."""
        self.read, self.seen, self.claims, self.writes, self.said = set(), {pointer}, [], [], []
        self.on = True
        try:
            yield
        finally:
            self.on = False


V = TypeVar("V")


class Table(dict[str, V]):
    """One of the builder's tables: a dict that tells its ``Log`` what is read and written."""

    __slots__ = ("log", "name")

    def __init__(self, name: str, log: Log) -> None:
        super().__init__()
        self.name = name
        self.log = log

    def _read(self, key: str) -> None:
        """Note that the unit being recorded reads entry ``key`` (``EVERY``: all of them)."""
        if self.log.on:
            self.log.read.add((self.name, key))

    def __getitem__(self, key: str) -> V:
        self._read(key)
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        self._read(str(key))
        return dict.__contains__(self, key)

    def get(self, key: str, default: V | None = None) -> V | None:  # type: ignore[override]
        self._read(key)
        return dict.get(self, key, default)

    def __setitem__(self, key: str, value: V) -> None:
        if self.log.on:
            self.log.writes.append((self.name, key, value))
        dict.__setitem__(self, key, value)

    def __iter__(self) -> Iterator[str]:
        self._read(EVERY)  # every entry read: any that differs makes the unit built again
        return dict.__iter__(self)

    def values(self) -> ValuesView[V]:  # type: ignore[override]
        self._read(EVERY)
        return dict.values(self)

    def items(self) -> ItemsView[str, V]:  # type: ignore[override]
        self._read(EVERY)
        return dict.items(self)

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        self._read(EVERY)
        return dict.keys(self)

    def __len__(self) -> int:
        self._read(EVERY)
        return dict.__len__(self)

    def __delitem__(self, key: str) -> None:
        if self.log.on:  # a unit's record holds what it wrote, never what it took away
            raise TypeError(f"table {self.name}: a unit may only write with []")
        dict.__delitem__(self, key)


def _part(pointer: str) -> str:
    """The part of the document whose fingerprint stands for ``pointer``'s: a component's
    whole (``/components/schemas/Pet``) or a path item's for anything inside it, else the
    node at the pointer."""
    tokens = pointer.split("/", 4)
    if len(tokens) > 3 and tokens[1] == "components":
        return "/".join(tokens[:4])
    if len(tokens) > 2 and tokens[1] == "paths":
        return "/".join(tokens[:3])
    return pointer


class Replay:
    """The units the last run into the output folder recorded (``recorded``), done again
    where they may be; and this run's, recorded for the next one (``units``)."""

    def __init__(
        self, ctx: BuildContext, recorded: list[Unit] | None, book: Ledger | None = None
    ) -> None:
        self.ctx = ctx
        self.book = book
        self.recorded = recorded or []
        self.log = ctx.log  # what the build's tables and ``ctx`` tell
        self.units: list[Unit] = []
        self.differ: set[tuple[str, str]] = set()  # entries that may not be as recorded
        self.aligned = True  # the units so far are the recorded ones, in order
        self.redone = 0  # how many units were done from their record
        # The models done from a record: a build that kept it found them within limits.
        self.checked: set[int] = set()
        self._prints: dict[str, str] = {}

    def fingerprint(self, part: str) -> str:
        """The SHA-256 of the document's ``part`` (``_part``: "absent" when there is none;
        '' when it holds what cannot be told apart: never equal to a recorded one)."""
        found = self._prints.get(part)
        if found is None:
            try:
                node = resolve_pointer(self.ctx.doc, "#" + part)
            except (KeyError, IndexError, TypeError):
                node = _ABSENT
            if node is _ABSENT:
                found = "absent"
            else:  # taken already by the ledger, where lenient reading left the part as read
                shared = self.book.shared(part, node) if self.book is not None else None
                found = ledger.fingerprint(node) if shared is None else shared
            self._prints[part] = found
        return found

    def unit(
        self, pointer: str, tables: dict[str, Table[Any]], build: Callable[[], object]
    ) -> None:
        """The unit of the component schema or operation at ``pointer``: done from its
        record, or built (``build``) and noted."""
        index = len(self.units)
        old = self.recorded[index] if self.aligned and index < len(self.recorded) else None
        if old is not None and old.pointer == pointer and self._may_redo(old):
            self._redo(old, tables)
            self.units.append(old)
            return
        with self.log.unit(pointer):
            build()
        log = self.log
        new = Unit(
            pointer,
            tuple((p, self.fingerprint(p)) for p in sorted({_part(p) for p in log.seen})),
            tuple(sorted(log.read)),
            tuple(log.claims),
            tuple(log.writes),
            tuple(log.said),
        )
        self.units.append(new)
        if old is None or old.pointer != pointer:
            self.aligned = False  # nothing to compare with: every later unit is built
        else:
            self.differ |= _differences(old, new)

    def _may_redo(self, old: Unit) -> bool:
        """Whether building ``old``'s unit now would do what its record says."""
        if any(not print_ or self.fingerprint(part) != print_ for part, print_ in old.inputs):
            return False
        if self.differ:
            tables = {table for table, _ in self.differ}
            for entry in old.reads:  # an entry that may differ, or a table that holds one
                if entry in self.differ or (entry[1] == EVERY and entry[0] in tables):
                    return False
        claimed: set[str] = set()
        for base, got in old.claims:
            if self.ctx.free_class(base, claimed) != got:
                return False
            claimed.add(got)
        return True

    def _redo(self, old: Unit, tables: dict[str, Table[Any]]) -> None:
        self.ctx.class_names.update(got for _, got in old.claims)
        for table, key, value in old.writes:
            dict.__setitem__(tables[table], key, value)
            if type(value) is ir.Model:
                self.checked.add(id(value))
        for error, pointer, text, hint in old.said:
            if error:
                self.ctx.error(pointer, text, hint)
            else:
                self.ctx.warn(pointer, text)
        self.redone += 1


_MISSING = object()
_ABSENT = object()
EVERY = "\0every"  # the key of a read of a whole table (no key of a table starts so)


def said(pointer: str, message: str) -> tuple[str, str]:
    """The entry a warning stands for, for a unit that gives it only if it was not given
    already (``parameters._warn_once``): it reads whether it was."""
    return ("said", f"{pointer}\0{message}")


def _differences(old: Unit, new: Unit) -> set[tuple[str, str]]:
    """The table entries the two units leave differently (one of them alone wrote some),
    and the warnings only one of them gave."""
    warned = {said(p, m) for _, p, m, _ in old.said} ^ {said(p, m) for _, p, m, _ in new.said}
    before = {(t, k): v for t, k, v in old.writes}
    after = {(t, k): v for t, k, v in new.writes}
    both = before.keys() | after.keys()
    return warned | {e for e in both if before.get(e, _MISSING) != after.get(e, _MISSING)}


# -- the record, kept per output folder -----------------------------------------------


_CHUNKS = msgspec.msgpack.Decoder(list[msgspec.Raw])
_DECODER = msgspec.msgpack.Decoder(list[Unit])
_RECORD = "units"
CHUNK = 64  # units encoded together: a chunk whose units were all done again is kept as is


class Shelf:
    """The units recorded by the last run into one output folder (``slot``), kept in the
    cache (``built/``, one entry a folder, like the rendered modules), in chunks of
    ``CHUNK``: after one schema changed, the chunks that hold only units done from the
    record are written again as they were read, not encoded again (GitHub's record: 11 MB,
    encoded in 0.05-0.06 s)."""

    def __init__(self, slot: str) -> None:
        from ..cache import Slots, cache_root

        root = cache_root()
        self.slots = Slots(root / "built" if root is not None and slot else None, slot)
        self.key = ledger.record_key()
        self._chunks: list[msgspec.Raw] = []  # as read

    def units(self) -> list[Unit] | None:
        """The last run's units; None when there are none that can be read."""
        data = self.slots.read_bytes(_RECORD, self.key)
        if data is None:
            return None
        try:
            chunks = _CHUNKS.decode(data)
            found = [unit for chunk in chunks for unit in _DECODER.decode(chunk)]
        except msgspec.DecodeError:
            return None
        self._chunks = chunks
        return found

    def keep(self, replay: Replay) -> None:
        """Keep this run's units for the next run, unless they are the last run's."""
        units, recorded = replay.units, replay.recorded
        if replay.redone == len(units) and len(units) == len(recorded):
            return
        chunks: list[msgspec.Raw] = []
        for n, start in enumerate(range(0, len(units), CHUNK)):
            new, old = units[start : start + CHUNK], recorded[start : start + CHUNK]
            same = len(new) == len(old) and all(a is b for a, b in zip(new, old, strict=True))
            kept = same and n < len(self._chunks)
            try:
                chunks.append(self._chunks[n] if kept else msgspec.Raw(ir.encode(new)))
            except OverflowError:  # an integer MessagePack cannot hold: nothing is kept
                return
        self.slots.write_bytes(_RECORD, self.key, ir.encode(chunks))
