"""Imports as data: each module's needs are collected as ``Import`` values, then rendered
once, merged and sorted the way ruff's isort rules expect."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from functools import cache
from typing import assert_never

from msgspec import Struct

from .. import ir


class Import(Struct, frozen=True, order=True):
    """``import module`` when ``name`` is empty, else ``from module import name``."""

    module: str
    name: str = ""


MODELS = "._models"
ENUMS = "._enums"


@cache
def _section(module: str) -> int:
    """isort's order: future, standard library, third party, this package."""
    if module == "__future__":
        return 0
    if module.startswith("."):
        return 3
    return 1 if module.split(".")[0] in sys.stdlib_module_names else 2


_DIGITS = re.compile(r"(\d+)")


@cache  # the same model names are imported by four modules of a package
def _member_key(name: str) -> tuple[int, list[tuple[int, str]], str]:
    """ruff's order of imported names: CONSTANTS, then Classes, then the rest, with
    numbers compared by value (``Tag2`` before ``Tag10``)."""
    rank = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    parts = [(int(p), "") if p.isdigit() else (-1, p) for p in _DIGITS.split(name.lower())]
    return rank, parts, name


def render(imports: Iterable[Import]) -> list[str]:
    """Import lines grouped by section, plain imports before ``from`` imports, names merged."""
    plain: list[set[str]] = [set() for _ in range(4)]
    froms: list[dict[str, set[str]]] = [{} for _ in range(4)]
    for i in set(imports):
        section = _section(i.module)
        if i.name:
            froms[section].setdefault(i.module, set()).add(i.name)
        else:
            plain[section].add(i.module)
    lines: list[str] = []
    for section in range(4):
        block = [f"import {module}" for module in sorted(plain[section])]
        # Relative imports sort by module with the dots ignored, as ruff does.
        for module in sorted(froms[section], key=lambda m: (m.lstrip("."), m)):
            names = ", ".join(sorted(froms[section][module], key=_member_key))
            block.append(f"from {module} import {names}")
        if block:
            if lines:
                lines.append("")
            lines.extend(block)
    return lines


def for_type(t: ir.TypeRef, *, inputs: bool = False) -> set[Import]:
    """What an annotation of ``t`` needs; ``inputs`` adds what argument annotations use."""
    match t:
        case ir.PrimitiveType():
            return _for_primitive(t.kind, inputs=inputs)
        case ir.ArrayType():
            extra = {Import("collections.abc", "Sequence")} if inputs else set()
            return extra | for_type(t.item, inputs=inputs)
        case ir.MapType():
            extra = {Import("collections.abc", "Mapping")} if inputs else set()
            return extra | for_type(t.value, inputs=inputs)
        case ir.ScalarUnion():
            return set().union(*(for_type(o, inputs=inputs) for o in t.options))
        case ir.TupleType():
            return set().union(*(for_type(o, inputs=inputs) for o in t.items))
        case ir.LiteralType():
            return {Import("typing", "Literal")}
        case ir.ModelRef() | ir.UnionRef() | ir.UntaggedRef():
            return {Import(MODELS, t.name)}
        case ir.EnumRef():
            return {Import(ENUMS, t.name)}
        case _:
            assert_never(t)


def _for_primitive(kind: ir.Primitive, *, inputs: bool) -> set[Import]:
    """What ``emit``'s annotation of a scalar names (``input_annotation``'s with ``inputs``)."""
    match kind:
        case ir.Primitive.DATETIME | ir.Primitive.DATE:
            return {Import("datetime")}
        case ir.Primitive.UUID:
            return {Import("uuid")}
        case ir.Primitive.ANY:
            return {Import("typing", "Any")}
        case ir.Primitive.BYTES:
            return {Import("typing", "BinaryIO")} if inputs else set()
        case ir.Primitive.STR | ir.Primitive.INT | ir.Primitive.FLOAT | ir.Primitive.BOOL:
            return set()
        case _:
            assert_never(kind)


def local_to(module: str, imports: Iterable[Import]) -> set[Import]:
    """Drop imports of names from ``module`` itself."""
    return {i for i in imports if i.module != module}
