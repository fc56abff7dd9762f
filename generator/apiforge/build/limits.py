"""What Python can be written for: a type nested deeper than ``MAX_TYPE_DEPTH``
(``list[list[...]]`` through a chain of ``$ref``s, say) is refused at its place, before
the templates would write an annotation Python's parser rejects (it stops at 200 nested
brackets)."""

from __future__ import annotations

from collections.abc import Collection
from typing import assert_never

from .. import ir
from ..load import escape
from .context import BuildContext

MAX_TYPE_DEPTH = 64


def type_depth(t: ir.TypeRef) -> int:
    """How many brackets the annotation of ``t`` nests."""
    match t:
        case ir.ArrayType(item=item):
            return 1 + type_depth(item)
        case ir.TupleType(items=items):
            return 1 + max((type_depth(i) for i in items), default=0)
        case ir.MapType(value=value):
            return 1 + type_depth(value)
        case ir.ScalarUnion(options=options):
            return max((type_depth(o) for o in options), default=0)
        case ir.LiteralType():
            return 1
        case ir.PrimitiveType() | ir.ModelRef() | ir.EnumRef() | ir.UnionRef() | ir.UntaggedRef():
            return 0  # a named type: its annotation is its name
        case _:
            assert_never(t)


# Types whose annotation is a name: nothing to measure (most fields of a big spec).
_NAMED = (ir.PrimitiveType, ir.ModelRef, ir.EnumRef, ir.UnionRef, ir.UntaggedRef)


def _check(ctx: BuildContext, t: ir.TypeRef | None, where: str, key: str | None = None) -> None:
    """Report ``t`` if it nests too deeply, at ``where`` (``key`` below it, escaped only
    then: GitHub's 38,000 fields are all shallow)."""
    if t is None or isinstance(t, _NAMED):
        return
    depth = type_depth(t)
    if depth > MAX_TYPE_DEPTH:
        ctx.error(
            where if key is None else f"{where}/{escape(key)}",
            f"a type nested {depth} levels deep (arrays or maps in arrays or maps); "
            f"the most apiforge writes is {MAX_TYPE_DEPTH}",
        )


def check_depth(ctx: BuildContext, api: ir.Api, checked: Collection[int] = ()) -> None:
    """Report every field, parameter, body and response whose type nests too deeply; the
    fields of the models in ``checked`` (by ``id``: done from a record) are within limits."""
    for model in api.models:
        if id(model) in checked:
            continue
        for field in model.fields:
            _check(ctx, field.type, f"{model.pointer}/properties", field.wire_name)
    for op in api.operations:
        for p in op.parameters:
            _check(ctx, p.type, op.pointer)
        if op.body:
            _check(ctx, op.body.type, f"{op.pointer}/requestBody")
        for r in op.responses:
            _check(ctx, r.type, f"{op.pointer}/responses", r.status)
