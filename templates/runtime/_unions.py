"""Decoding unions: tagged ones keeping unknown variants, untagged ones by their facts.
Not public API.

msgspec cannot fall back to "anything else" in a union, nor tell untagged objects apart,
so each union is a marker class that msgspec hands to ``decode`` with the raw value; type
checkers see the real union.

An untagged union's ``alternatives`` table is worked out when the package is generated
(apiforge's ``build/untagged.py``). A value goes to the alternatives of its JSON kind (an
integer to the integer ones, then the number ones; one allowing anything comes last). An
object goes only to those whose required properties it has, whose constant properties it
lacks or has with that value, and whose closed key set holds its keys: the one declaring
most of its keys first, then the first listed. A scalar goes first to those whose values
list it, then to those listing none. The first that decodes it gives the result.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar, Literal, get_args, get_origin

import msgspec

_KINDS = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
}


class UnknownVariant:
    """A union member whose discriminator value the spec does not know.

    Attributes:
        tag: The discriminator value, or None when it was missing.
        raw: The object exactly as received; sent back unchanged when encoded.
    """

    __slots__ = ("raw", "tag")

    def __init__(self, tag: object, raw: dict[str, Any]) -> None:
        self.tag = tag
        self.raw = raw

    def __repr__(self) -> str:
        return f"UnknownVariant(tag={self.tag!r}, raw={self.raw!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnknownVariant) and (other.tag, other.raw) == (
            self.tag,
            self.raw,
        )

    def __hash__(self) -> int:
        return hash(repr(self.tag))


class _UnionMeta(type):
    """msgspec checks that what ``decode`` returns is an instance of the field's type:
    for a union marker, that is a value of any of its alternatives."""

    def __instancecheck__(cls, instance: object) -> bool:
        return cls.holds(instance)

    def holds(cls, instance: object) -> bool:
        """Whether ``instance`` is a value of the union; the markers say."""
        return False


class TaggedUnion(metaclass=_UnionMeta):
    """Base of the runtime marker classes of the generated unions with a tag."""

    discriminator: ClassVar[str]
    variants: ClassVar[dict[str, str]]

    @classmethod
    def holds(cls, instance: object) -> bool:
        """A variant, or an unknown one."""
        if isinstance(instance, UnknownVariant):
            return True
        module = sys.modules[cls.__module__]
        names = getattr(cls, "variants", {}).values()
        return any(isinstance(instance, getattr(module, name)) for name in names)

    @classmethod
    def choose(cls, raw: Any) -> Any:
        """The variant ``raw`` names, decoded; or an ``UnknownVariant``."""
        if not isinstance(raw, dict):
            raise TypeError(f"expected an object, got {type(raw).__name__}")
        tag = raw.get(cls.discriminator)
        name = cls.variants.get(tag) if isinstance(tag, str) else None
        if name is None:
            return UnknownVariant(tag, raw)
        variant = getattr(sys.modules[cls.__module__], name)
        return msgspec.convert(raw, variant, strict=False, dec_hook=decode)


def _same(value: object, fixed: object) -> bool:
    """JSON equality: ``true`` is not ``1``."""
    return value == fixed and isinstance(value, bool) == isinstance(fixed, bool)


class Alternative:
    """One row of an untagged union's table: a JSON kind, the type a value becomes,
    and the facts a value must show to be it (only those another row needs)."""

    __slots__ = ("closed", "consts", "keys", "kind", "required", "type", "values")

    def __init__(
        self,
        kind: str,
        type_: Any,
        *,
        required: tuple[str, ...] = (),
        consts: dict[str, Any] | None = None,
        keys: tuple[str, ...] = (),
        closed: bool = False,
        values: tuple[Any, ...] = (),
    ) -> None:
        self.kind = kind
        self.type = type_
        self.required = frozenset(required)
        self.consts = consts or {}
        self.keys = frozenset(keys)
        self.closed = closed
        self.values = values

    def admits(self, raw: Any) -> bool:
        """Whether ``raw`` shows every fact of this row."""
        if isinstance(raw, dict):
            if not self.required <= raw.keys():
                return False
            if any(k in raw and not _same(raw[k], v) for k, v in self.consts.items()):
                return False
            return not self.closed or raw.keys() <= self.keys
        return not self.values or any(_same(raw, v) for v in self.values)

    def rank(self, raw: Any, kind: str | None) -> tuple[int, int] | None:
        """Where this row comes among those ``raw`` may be, or None when it may not:
        its own kind first (an integer then goes to numbers), anything-goes last; then
        the objects declaring more of the keys, the scalars listing the value."""
        if self.kind == "any":
            return (2, 0)
        if self.kind == kind:
            group = 0
        elif self.kind == "number" and kind == "integer":
            group = 1
        else:
            return None
        if not self.admits(raw):
            return None
        if isinstance(raw, dict):
            return (group, -len(self.keys & raw.keys()))
        return (group, 0 if self.values else 1)

    def holds(self, instance: object) -> bool:
        """Whether ``instance`` is a value of this row's type."""
        origin = get_origin(self.type)
        if origin is Literal:
            return any(_same(instance, v) for v in get_args(self.type))
        if self.type is Any:
            return True
        if self.type is float:
            return isinstance(instance, int | float)
        expected = origin if isinstance(origin, type) else self.type
        return isinstance(expected, type) and isinstance(instance, expected)


class UntaggedUnion(metaclass=_UnionMeta):
    """Base of the runtime marker classes of the generated unions without a tag."""

    alternatives: ClassVar[tuple[Alternative, ...]] = ()

    @classmethod
    def holds(cls, instance: object) -> bool:
        """A value of any alternative."""
        return any(a.holds(instance) for a in cls.alternatives)

    @classmethod
    def choose(cls, raw: Any) -> Any:
        """``raw`` decoded as the first alternative the rule offers it to that takes it."""
        kind = _KINDS.get(type(raw))
        ranked = []
        for index, alternative in enumerate(cls.alternatives):
            rank = alternative.rank(raw, kind)
            if rank is not None:
                ranked.append((rank, index, alternative))
        ranked.sort(key=lambda row: (row[0], row[1]))
        first: msgspec.ValidationError | None = None
        for _, _, alternative in ranked:
            try:
                return msgspec.convert(raw, alternative.type, dec_hook=decode)
            except msgspec.ValidationError as exc:
                first = first or exc
        if first is not None:
            raise ValueError(str(first))  # msgspec adds where in the document it is
        raise ValueError(f"{cls.__name__}: {cls._refusal(kind)}")

    @classmethod
    def _refusal(cls, kind: str | None) -> str:
        """Why no alternative was tried for a value of JSON kind ``kind``."""
        kinds = dict.fromkeys(a.kind for a in cls.alternatives)
        if kind not in kinds:
            return f"expected {' or '.join(kinds)}, got {kind or 'null'}"
        if kind == "object":
            return (
                "no alternative fits the object: a required property is missing,"
                " a constant differs or a property is not allowed"
            )
        return f"no alternative allows this {kind}"


def decode(t: type, obj: Any) -> Any:
    """msgspec's ``dec_hook``: decode union-typed values."""
    if isinstance(t, type) and issubclass(t, TaggedUnion | UntaggedUnion):
        return t.choose(obj)
    raise NotImplementedError(f"cannot decode {t!r}")
