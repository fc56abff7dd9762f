"""The ``x-apiforge-pagination`` extension: offset/limit paging declared in the spec.

An operation that returns an array and takes an offset and a page-size parameter can say
so; the clients then get an ``iter_…`` method that walks every page. The pattern is never
guessed from operation names::

    x-apiforge-pagination:
      offset: skip            # query parameter holding the number of items to skip
      limit: take             # query parameter holding the page size
      max-page-size: 256      # optional; default: the limit parameter's maximum
      name: iter_images       # optional; default: iter_ + the method name without get_/list_
"""

from __future__ import annotations

from typing import Any

from .. import ir, names
from .context import BuildContext

EXTENSION = "x-apiforge-pagination"
_KEYS = {"offset", "limit", "max-page-size", "name"}


def _method_name(op: ir.Operation) -> names.PythonIdentifier:
    stem = op.name.removeprefix("get_").removeprefix("list_")
    return names.snake(f"iter_{stem}")


def pagination(ctx: BuildContext, raw: Any, op: ir.Operation) -> ir.Pagination | None:
    """The paging of ``op`` from its extension object, or None (after errors) when invalid."""
    where = f"{op.pointer}/{EXTENSION}"
    if not isinstance(raw, dict):
        ctx.error(where, f"{EXTENSION} must be a mapping with 'offset' and 'limit'")
        return None
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        ctx.error(f"{where}/{unknown[0]}", f"unknown {EXTENSION} key {unknown[0]!r}")
    by_wire = {p.wire_name: p for p in op.parameters}
    found: dict[str, ir.Parameter] = {}
    for role in ("offset", "limit"):
        param = by_wire.get(str(raw.get(role)))
        if param is None or param.location is not ir.ParamLocation.QUERY:
            ctx.error(f"{where}/{role}", f"{role} must name a query parameter of the operation")
        elif not (isinstance(param.type, ir.PrimitiveType) and param.type.kind is ir.Primitive.INT):
            ctx.error(f"{where}/{role}", f"{role} parameter {param.wire_name!r} must be an integer")
        else:
            found[role] = param
    success = op.success
    if success is None or not isinstance(success.type, ir.ArrayType):
        ctx.error(where, "a paginated operation must return a JSON array")
        return None
    if len(found) < 2:
        return None
    max_size = raw.get("max-page-size", found["limit"].constraints.maximum)
    if not isinstance(max_size, int) or isinstance(max_size, bool) or max_size < 1:
        ctx.error(where, "max-page-size must be a positive integer (or the limit needs a maximum)")
        return None
    others = {p.name for p in op.parameters} - {found["offset"].name, found["limit"].name}
    clash = sorted(others & {"page_size", "limit"})
    if clash:
        ctx.error(where, f"parameter {clash[0]!r} clashes with the iterator's own argument")
        return None
    name = names.snake(str(raw["name"])) if "name" in raw else _method_name(op)
    return ir.Pagination(name, found["offset"], found["limit"], max_size, success.type.item)
