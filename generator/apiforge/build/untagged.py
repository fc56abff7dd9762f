"""Unions without a discriminator: which ones msgspec decodes by itself, and, for the
others, the facts that tell their alternatives apart and the warnings where none does.

msgspec decodes a union of types by itself when it holds at most one type of each JSON
kind (one object-like type, a model or a map; one array; one string-like type, though
string literals join a plain ``str``; one integer-like type, likewise) and no class it
cannot see into (a union's marker class). Those stay plain annotations
(``ir.ScalarUnion``), as they always were. Every other union becomes an
``ir.UntaggedUnion`` whose table ``templates/runtime/_unions.py`` reads with this rule
(``docs/openapi-support.md`` states it for users):

1. A value goes to the alternatives of its JSON kind (an integer to the integer ones, then
   to the number ones); an alternative that allows anything comes after them.
2. An object goes only to the alternatives whose required properties it has, whose
   ``const`` (or single-value ``enum``) properties it lacks or has with that value, and
   whose closed key set (``additionalProperties: false``) holds every key it has: the
   one declaring most of its keys first, then the first listed. A scalar goes first to
   the alternatives whose enum or ``const`` lists it, then to those listing no values, in
   the order listed.
3. The first of them that decodes the value gives the result; when none does, the first
   one's error is the decoding error.

An object carries the properties its own alternative declares; so it can be taken for
another alternative only when it has no property but ones both declare and passes both
filters. Such pairs, scalars that an earlier alternative always takes, shared enum values
and arrays whose items may fit both are the overlaps, each reported as a warning.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import assert_never

from .. import ir
from ..names import ClassName

_STRINGS = (ir.Primitive.STR, ir.Primitive.UUID, ir.Primitive.DATETIME, ir.Primitive.DATE)
_PLAIN = (ir.Primitive.STR, ir.Primitive.INT, ir.Primitive.FLOAT, ir.Primitive.BOOL)


class Pending(ir.Node, frozen=True):
    """An untagged union as the schema builder found it, before its facts are known.

    ``at`` is where its warnings point (the ``oneOf``, ``anyOf`` or ``type`` keyword),
    ``keyword`` that keyword's name.
    """

    name: ClassName
    description: str
    options: tuple[ir.TypeRef, ...]
    pointer: str
    at: str
    keyword: str


@dataclass(frozen=True)
class Known:
    """What facts are read from: the models, enums and unions the build made."""

    models: Mapping[str, ir.Model]
    enums: Mapping[str, ir.Enum]
    unions: Mapping[str, ir.Union]
    untagged: Mapping[str, Pending]


# -- what msgspec decodes by itself ---------------------------------------------------------


def _slot(t: ir.TypeRef) -> tuple[str, object] | None:
    """The msgspec union slot ``t`` takes and what it is there ("plain" for ``str`` and
    ``int``, "literal" for literals); None for a class msgspec cannot put in a union."""
    match t:
        case ir.PrimitiveType(kind=kind):
            if kind in (ir.Primitive.STR, ir.Primitive.INT):
                return ("str" if kind is ir.Primitive.STR else "int", "plain")
            if kind in (ir.Primitive.FLOAT, ir.Primitive.BOOL):
                return (kind.value, "plain")
            return ("str", kind)  # a uuid, date, date-time or base64 string
        case ir.LiteralType(value=value):
            slots = {bool: "bool", int: "int", float: "float", str: "str"}
            return (slots[type(value)], "literal")
        case ir.EnumRef():
            return ("int" if t.integer else "str", t)
        case ir.ModelRef() | ir.MapType():
            return ("object", t)
        case ir.ArrayType() | ir.TupleType():
            return ("array", t)
        case ir.UnionRef() | ir.UntaggedRef() | ir.ScalarUnion():
            return None
        case _:
            assert_never(t)


def _fits_one_slot(what: set[object]) -> bool:
    """Whether msgspec takes these types in one slot: literals join each other and a
    plain ``str``, ``int``, ``float`` or ``bool``; anything else must be alone."""
    others = what - {"literal"}
    if len(others) > 1:
        return False
    return not others or others == {"plain"} or "literal" not in what


def _decodes_to_class(t: ir.TypeRef) -> bool:
    """Whether values of ``t`` decode into generated classes."""
    match t:
        case ir.ModelRef() | ir.UnionRef() | ir.UntaggedRef():
            return True
        case (
            ir.PrimitiveType()
            | ir.ArrayType()
            | ir.TupleType()
            | ir.MapType()
            | ir.LiteralType()
            | ir.ScalarUnion()
            | ir.EnumRef()
        ):
            return False
        case _:
            assert_never(t)


def _flat(options: Sequence[ir.TypeRef]) -> Iterator[ir.TypeRef]:
    """``options`` with nested plain unions spelt out."""
    for t in options:
        if isinstance(t, ir.ScalarUnion):
            yield from _flat(t.options)
        else:
            yield t


def native(options: Sequence[ir.TypeRef]) -> bool:
    """Whether msgspec decodes a union of ``options`` by itself, as an annotation."""
    flat = list(_flat(options))
    anything = ir.PrimitiveType(ir.Primitive.ANY)
    if anything in flat and any(_decodes_to_class(t) for t in flat):
        return False  # Any would take the objects meant for the class
    slots: dict[str, set[object]] = {}
    # Beside Any, msgspec still refuses what shares a slot (gsmtasks.com: two str enums).
    for t in (t for t in flat if t != anything):
        slot = _slot(t)
        if slot is None:
            return False
        slots.setdefault(slot[0], set()).add(slot[1])
    return all(_fits_one_slot(what) for what in slots.values())


# -- facts -----------------------------------------------------------------------------------


def kind_of(t: ir.TypeRef) -> ir.JsonKind:
    """The JSON kind of values of ``t`` (a union's alternatives are spelt out first)."""
    match t:
        case ir.PrimitiveType(kind=kind):
            if kind in _STRINGS or kind is ir.Primitive.BYTES:
                return ir.JsonKind.STRING
            scalars = {
                ir.Primitive.INT: ir.JsonKind.INTEGER,
                ir.Primitive.FLOAT: ir.JsonKind.NUMBER,
                ir.Primitive.BOOL: ir.JsonKind.BOOLEAN,
            }
            return scalars.get(kind, ir.JsonKind.ANY)
        case ir.LiteralType(value=value):
            kinds = {bool: ir.JsonKind.BOOLEAN, int: ir.JsonKind.INTEGER, str: ir.JsonKind.STRING}
            return kinds.get(type(value), ir.JsonKind.NUMBER)
        case ir.EnumRef():
            return ir.JsonKind.INTEGER if t.integer else ir.JsonKind.STRING
        case ir.ArrayType() | ir.TupleType():
            return ir.JsonKind.ARRAY
        case ir.ModelRef() | ir.MapType() | ir.UnionRef():
            return ir.JsonKind.OBJECT
        case ir.ScalarUnion() | ir.UntaggedRef():
            return ir.JsonKind.ANY  # never an alternative: _leaves spells them out
        case _:
            assert_never(t)


def _leaves(options: Sequence[ir.TypeRef], known: Known, seen: set[str]) -> Iterator[ir.TypeRef]:
    """The alternatives to decide between: nested unions without a tag spelt out, so the
    outer one decides with their facts (a value of theirs is one of the outer union)."""
    for t in options:
        if isinstance(t, ir.ScalarUnion):
            yield from _leaves(t.options, known, seen)
        elif isinstance(t, ir.UntaggedRef):
            if t.name not in seen and t.name in known.untagged:
                seen.add(t.name)
                yield from _leaves(known.untagged[t.name].options, known, seen)
        else:
            yield t


def distinct(types: Iterable[ir.TypeRef]) -> tuple[ir.TypeRef, ...]:
    """``types`` without repeats: a number's format, say, makes no other Python type."""
    found: dict[object, ir.TypeRef] = {}
    for t in types:
        found.setdefault(t.kind if isinstance(t, ir.PrimitiveType) else t, t)
    return tuple(found.values())


def _fields(known: Known, name: str) -> list[ir.Field]:
    """A model's fields, its bases' first."""
    chain: list[ir.Model] = []
    model = known.models.get(name)
    while model is not None and model not in chain:
        chain.insert(0, model)
        model = known.models.get(model.base) if model.base else None
    return [f for m in chain for f in m.fields]


def _const(t: ir.TypeRef, known: Known) -> ir.Scalar | None:
    """The one value a property of type ``t`` may have: a ``const`` or single-value enum."""
    if isinstance(t, ir.LiteralType):
        return t.value
    if isinstance(t, ir.EnumRef) and t.name in known.enums:
        members = known.enums[t.name].members
        return members[0].value if len(members) == 1 else None
    return None


def _alternative(t: ir.TypeRef, known: Known) -> ir.Alternative:
    """``t`` as an alternative, with every fact it shows."""
    kind = kind_of(t)
    if isinstance(t, ir.ModelRef):
        fields = _fields(known, t.name)
        consts = ((f.wire_name, _const(f.type, known)) for f in fields)
        model = known.models.get(t.name)
        return ir.Alternative(
            t,
            kind,
            required=tuple(f.wire_name for f in fields if f.required),
            consts=tuple((w, v) for w, v in consts if v is not None),
            keys=tuple(f.wire_name for f in fields),
            closed=bool(model and model.closed),
        )
    if isinstance(t, ir.UnionRef) and t.name in known.unions:
        union = known.unions[t.name]  # needs its tag; may hold what any variant declares
        keys = [f.wire_name for v in union.variants for f in _fields(known, v.model)]
        tag = union.discriminator
        return ir.Alternative(t, kind, required=(tag,), keys=tuple(dict.fromkeys([tag, *keys])))
    if isinstance(t, ir.EnumRef) and t.name in known.enums:
        return ir.Alternative(t, kind, values=tuple(m.value for m in known.enums[t.name].members))
    if isinstance(t, ir.LiteralType):
        return ir.Alternative(t, kind, values=(t.value,))
    return ir.Alternative(t, kind)


def _group(kind: ir.JsonKind) -> ir.JsonKind:
    """Kinds whose values may go to the same alternatives (an integer to a number)."""
    return ir.JsonKind.NUMBER if kind is ir.JsonKind.INTEGER else kind


def _needed(alternatives: list[ir.Alternative]) -> list[ir.Alternative]:
    """The table: facts kept only where another alternative may take the same value."""
    groups = [_group(a.kind) for a in alternatives]
    shared = ir.JsonKind.ANY in groups
    return [
        a if shared or groups.count(_group(a.kind)) > 1 else ir.Alternative(a.type, a.kind)
        for a in alternatives
    ]


# -- overlaps --------------------------------------------------------------------------------


def describe(t: ir.TypeRef) -> str:
    """How a warning names an alternative: its class, or its kind in the spec's words."""
    match t:
        case ir.ModelRef() | ir.EnumRef() | ir.UnionRef() | ir.UntaggedRef():
            return t.name
        case ir.PrimitiveType(kind=kind, format=fmt):
            words = {ir.Primitive.INT: "integer", ir.Primitive.FLOAT: "number"}
            word = words.get(kind, "boolean" if kind is ir.Primitive.BOOL else "string")
            if kind is ir.Primitive.ANY:
                return "any value"
            return f"{word} ({fmt})" if fmt and kind not in _PLAIN else word
        case ir.LiteralType(value=value):
            return f"const {json.dumps(value)}"
        case ir.ArrayType(item=item):
            return f"array of {describe(item)}"
        case ir.TupleType(items=items):
            return f"array of {', '.join(describe(i) for i in items) or 'nothing'}"
        case ir.MapType(value=value):
            return f"map of {describe(value)}"
        case ir.ScalarUnion(options=options):
            return " or ".join(describe(o) for o in options)
        case _:
            assert_never(t)


def _names(wire: Sequence[str]) -> str:
    return ", ".join(wire)


def _both_take(a: ir.Alternative, b: ir.Alternative) -> list[str] | None:
    """The properties both object alternatives declare when an object holding only such
    properties can pass both filters; None when none can (their facts tell them apart)."""
    shared = [k for k in a.keys if k in b.keys]
    needed = set(a.required) | set(b.required)
    if not needed <= set(shared):
        return None
    a_consts, b_consts = dict(a.consts), dict(b.consts)
    clash = [p for p in needed if p in a_consts and p in b_consts and a_consts[p] != b_consts[p]]
    return None if clash else shared


def _witness(shared: list[str], needed: list[str]) -> str:
    """The objects that fit two alternatives, in words."""
    if not shared:
        return "an object with no properties"
    if needed == shared:
        return f"an object with only {_names(shared)}"
    if not needed:
        return f"an object with no other properties than {_names(shared)}"
    return f"an object with {_names(needed)} and no other properties than {_names(shared)}"


def _advice(a: ir.Alternative, b: ir.Alternative, shared: list[str], needed: list[str]) -> str:
    """What would tell two object alternatives apart: the fields that would have to differ."""
    own = [
        f"{describe(x.type)}: {_names(keys)}"
        for x, keys in (
            (a, [k for k in a.keys if k not in b.keys]),
            (b, [k for k in b.keys if k not in a.keys]),
        )
        if keys
    ]
    advice = [f"require a property only one of them declares ({'; '.join(own)})"] if own else []
    if needed:
        advice.append(f"give {_names(needed)} a different const in each")
    elif shared:
        advice.append(f"require one of {_names(shared)} with a different const in each")
    return " or ".join(advice) if advice else "declare properties that differ"


def _object_overlap(a: ir.Alternative, b: ir.Alternative, keyword: str) -> str | None:
    """The warning for two object alternatives that an object can fit both, or None."""
    shared = _both_take(a, b)
    if shared is None:
        return None
    first, second = describe(a.type), describe(b.type)
    needed = [k for k in shared if k in a.required or k in b.required]
    return (
        f"'{keyword}' alternatives {first} and {second} cannot always be told apart: "
        f"{_witness(shared, needed)} fits both and decodes as {first}, the first listed; "
        f"to tell them apart, {_advice(a, b, shared, needed)}"
    )


def _item_kinds(t: ir.TypeRef, known: Known) -> set[ir.JsonKind]:
    """The JSON kinds of an array's items."""
    kinds = {kind_of(leaf) for leaf in _leaves([t], known, set())}
    return set(ir.JsonKind) if ir.JsonKind.ANY in kinds else kinds


def _other_overlap(a: ir.Alternative, b: ir.Alternative, keyword: str, known: Known) -> str | None:
    """The warning for two scalar or array alternatives of one kind, or None."""
    first, second = describe(a.type), describe(b.type)
    start = f"'{keyword}' alternatives {first} and {second} cannot always be told apart: "
    if a.kind is ir.JsonKind.ARRAY and isinstance(a.type, ir.ArrayType):
        assert isinstance(b.type, ir.ArrayType)
        if _item_kinds(a.type.item, known) & _item_kinds(b.type.item, known):
            return start + f"an array whose items fit both decodes as {first}, the first listed"
        return None
    common = [v for v in a.values if v in b.values]
    if len(common) == 1:
        value = json.dumps(common[0])
        return start + f"the value {value} fits both and decodes as {first}, the first listed"
    if common:
        values = ", ".join(json.dumps(v) for v in common)
        return start + f"the values {values} fit both and decode as {first}, the first listed"
    plain = isinstance(a.type, ir.PrimitiveType) and a.type.kind in _PLAIN
    if plain and not a.values and not b.values:
        kind = a.kind.value
        return start + (
            f"every {kind} fits {first}, listed first, so {second} is never chosen;"
            f" list {second} first"
        )
    return None


def _overlaps(alternatives: list[ir.Alternative], keyword: str, known: Known) -> list[str]:
    """One warning per pair of alternatives that some value fits both."""
    found: list[str] = []
    for index, a in enumerate(alternatives):
        for b in alternatives[index + 1 :]:
            if a.kind is not b.kind or a.kind is ir.JsonKind.ANY:
                continue
            if a.kind is ir.JsonKind.OBJECT:
                message = _object_overlap(a, b, keyword)
            else:
                message = _other_overlap(a, b, keyword, known)
            if message:
                found.append(message)
    return found


def decide(union: Pending, known: Known) -> tuple[ir.UntaggedUnion, list[str]]:
    """The union with the table its decoder reads, and a warning per overlap."""
    leaves = distinct(_leaves(union.options, known, {union.name}))
    alternatives = [_alternative(t, known) for t in leaves]
    warnings = _overlaps(alternatives, union.keyword, known)
    table = tuple(_needed(alternatives))
    built = ir.UntaggedUnion(union.name, union.description, union.options, table, union.pointer)
    return built, warnings
