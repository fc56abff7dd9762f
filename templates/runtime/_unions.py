"""Decoding discriminated unions, keeping unknown variants. Not public API.

msgspec cannot fall back to "anything else" in a union, so each union is a marker class
that msgspec hands to ``decode`` with the raw object; type checkers see the real union.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar

import msgspec


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
    for a union marker, that is any of its variants, or an unknown one."""

    def __instancecheck__(cls, instance: object) -> bool:
        if isinstance(instance, UnknownVariant):
            return True
        module = sys.modules[cls.__module__]
        names = getattr(cls, "variants", {}).values()
        return any(isinstance(instance, getattr(module, name)) for name in names)


class TaggedUnion(metaclass=_UnionMeta):
    """Base of the runtime marker classes of the generated unions."""

    discriminator: ClassVar[str]
    variants: ClassVar[dict[str, str]]

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


def decode(t: type, obj: Any) -> Any:
    """msgspec's ``dec_hook``: decode union-typed values."""
    if isinstance(t, type) and issubclass(t, TaggedUnion):
        return t.choose(obj)
    raise NotImplementedError(f"cannot decode {t!r}")
