"""Paging declared in the spec: ``x-apiforge-pagination``, and Azure's ``x-ms-pageable``.

An operation that says how its pages link gets an ``iter_…`` method on both clients that
walks every page. The scheme is never guessed from names; the keys present choose it::

    x-apiforge-pagination:
      offset: skip            # offset: the number of items to skip, and
      limit: take             #   the page size (both query parameters)
      page: page              # page: the page number (counted from page-start, default 1),
      size: per_page          #   and optionally the page size
      cursor: after           # cursor: the query parameter the next cursor goes in, and
      next-cursor: meta.next  #   the answer's field holding it (dotted)
      next-link: links.next   # next-link: the answer's field holding the next page's URL
      link-header: true       # link-header: the next page's URL in the Link header (RFC 8288)
      items: data             # where the items are, when the answer is an object (dotted)
      max-page-size: 256      # optional; default: the size parameter's maximum
      name: iter_images       # optional; default: iter_ + the method name without get_/list_

``x-ms-pageable: {nextLinkName: nextLink, itemName: value}`` is the ``next-link`` scheme
(``itemName`` defaults to ``value``; a null ``nextLinkName`` is a single page).
"""

from __future__ import annotations

from typing import Any

from msgspec import structs

from .. import ir, names
from ..load.document import escape
from .context import BuildContext
from .schemas import SchemaBuilder

EXTENSION = "x-apiforge-pagination"
AZURE = "x-ms-pageable"
_KEYS = {
    "offset",
    "limit",
    "page",
    "size",
    "page-start",
    "cursor",
    "next-cursor",
    "next-link",
    "link-header",
    "items",
    "max-page-size",
    "name",
}
# The iterators' own arguments: no other parameter of the operation may have their names.
OWN = ("page_size", "limit")


def _method_name(op: ir.Operation) -> names.PythonIdentifier:
    stem = op.name.removeprefix("get_").removeprefix("list_")
    return names.snake(f"iter_{stem}")


class _Reader:
    """One extension object read against its operation; errors located under ``where``."""

    def __init__(
        self,
        ctx: BuildContext,
        schemas: SchemaBuilder,
        op: ir.Operation,
        where: str,
        lenient: bool = False,
        configured: bool = False,
    ) -> None:
        self.ctx, self.schemas, self.op, self.where = ctx, schemas, op, where
        self.lenient = lenient  # another's extension (x-ms-pageable): a warning, no iterator
        self.configured = configured  # pyproject.toml's: said so, located at the operation
        self.ok = True

    def error(self, key: str, message: str) -> None:
        if self.configured:
            message = f"[tool.apiforge.pagination] {self.op.operation_id}: {message}"
            self.ctx.error(self.where, message)
            self.ok = False
            return
        at = f"{self.where}/{escape(key)}" if key else self.where
        if self.lenient:
            self.ctx.warn(at, f"{message}; no iterator")
        else:
            self.ctx.error(at, message)
        self.ok = False

    def query(self, raw: dict[str, Any], role: str, integer: bool) -> ir.Parameter | None:
        """The query parameter ``raw[role]`` names (an integer, where ``integer``)."""
        by_wire = {p.wire_name: p for p in self.op.parameters}
        param = by_wire.get(str(raw.get(role)))
        if param is None or param.location is not ir.ParamLocation.QUERY:
            self.error(role, f"{role} must name a query parameter of the operation")
            return None
        if integer and not (
            isinstance(param.type, ir.PrimitiveType) and param.type.kind is ir.Primitive.INT
        ):
            self.error(role, f"{role} parameter {param.wire_name!r} must be an integer")
            return None
        return param

    def field_path(self, key: str, dotted: Any) -> tuple[ir.Field, ...] | None:
        """The answer's fields along ``dotted`` (``meta.next``), each a model's field."""
        success = self.op.success
        current = success.type if success else None
        found: list[ir.Field] = []
        for part in str(dotted).split("."):
            model = (
                self.schemas.models.get(current.name) if isinstance(current, ir.ModelRef) else None
            )
            fields = {f.wire_name: f for f in self.schemas.lineage(model)} if model else {}
            if part not in fields:
                self.error(key, f"{key} {dotted!r} is no field of the operation's answer")
                return None
            found.append(fields[part])
            current = fields[part].type
        return tuple(found)


def pagination(
    ctx: BuildContext,
    schemas: SchemaBuilder,
    raw: Any,
    op: ir.Operation,
    configured: bool = False,
) -> ir.Pagination | None:
    """The paging of ``op`` from its extension object, or None (after errors) when invalid;
    ``configured``: the object is ``[tool.apiforge.pagination]``'s, errors at the operation."""
    where = op.pointer if configured else f"{op.pointer}/{EXTENSION}"
    if not isinstance(raw, dict):
        ctx.error(where, f"{EXTENSION} must be a mapping naming how the pages link")
        return None
    read = _Reader(ctx, schemas, op, where, configured=configured)
    for key in sorted(set(raw) - _KEYS):
        read.error(key, f"unknown {EXTENSION} key {key!r}")
    kinds = [k for k in ("offset", "page", "cursor", "next-link", "link-header") if k in raw]
    if not kinds:
        read.error("", f"{EXTENSION} needs one of offset, page, cursor, next-link, link-header")
        return None
    if len(kinds) > 1:
        read.error(kinds[1], f"{kinds[0]} and {kinds[1]} are two schemes; give one")
        return None
    kind = ir.PageKind(kinds[0])
    paging = ir.Pagination(
        name=names.snake(str(raw["name"])) if "name" in raw else _method_name(op),
        kind=kind,
        item=ir.PrimitiveType(ir.Primitive.ANY),
    )
    match kind:
        case ir.PageKind.OFFSET:
            paging = _sized(read, raw, paging, "offset", "limit", required=True)
        case ir.PageKind.PAGE:
            start = raw.get("page-start", 1)
            if not isinstance(start, int) or isinstance(start, bool):
                read.error("page-start", "page-start must be an integer")
            paging = _sized(read, raw, paging, "page", "size", required=False)
            paging = structs.replace(paging, page_start=start if isinstance(start, int) else 1)
        case ir.PageKind.CURSOR:
            cursor = read.query(raw, "cursor", integer=False)
            after = read.field_path("next-cursor", raw.get("next-cursor"))
            paging = structs.replace(paging, start=cursor, next=after or ())
        case ir.PageKind.NEXT_LINK:
            after = read.field_path("next-link", raw.get("next-link"))
            paging = structs.replace(paging, next=after or ())
        case ir.PageKind.LINK_HEADER:
            if raw.get("link-header") is not True:
                read.error("link-header", "link-header must be true")
    return _with_items(read, raw.get("items"), paging) if read.ok else None


def azure(
    ctx: BuildContext, schemas: SchemaBuilder, raw: Any, op: ir.Operation
) -> ir.Pagination | None:
    """``x-ms-pageable`` as the next-link scheme; None for a single page, or after a
    warning where it does not fit the answer (the operation keeps its method)."""
    where = f"{op.pointer}/{AZURE}"
    if not isinstance(raw, dict) or raw.get("nextLinkName") is None:
        return None
    read = _Reader(ctx, schemas, op, where, lenient=True)
    after = read.field_path("nextLinkName", raw["nextLinkName"])
    paging = ir.Pagination(
        _method_name(op), ir.PageKind.NEXT_LINK, ir.PrimitiveType(ir.Primitive.ANY)
    )
    paging = structs.replace(paging, next=after or ())
    found = _with_items(read, raw.get("itemName", "value"), paging) if read.ok else None
    return found


def _sized(
    read: _Reader,
    raw: dict[str, Any],
    paging: ir.Pagination,
    start: str,
    size: str,
    *,
    required: bool,
) -> ir.Pagination:
    """The scheme's start parameter (offset or page number) and its page-size one."""
    first = read.query(raw, start, integer=True)
    limit = read.query(raw, size, integer=True) if required or size in raw else None
    if limit is None:
        return structs.replace(paging, start=first)
    maximum = raw.get("max-page-size", limit.constraints.maximum)
    if not isinstance(maximum, int) or isinstance(maximum, bool) or maximum < 1:
        read.error("", "max-page-size must be a positive integer (or the limit needs a maximum)")
        return paging
    return structs.replace(paging, start=first, size=limit, max_page_size=maximum)


def _with_items(read: _Reader, items: Any, paging: ir.Pagination) -> ir.Pagination | None:
    """Where the answer holds its items: the answer itself (an array), or ``items``."""
    taken = {p.name for p in (paging.start, paging.size) if p is not None}
    clash = sorted(({p.name for p in read.op.parameters} - taken) & set(OWN))
    if clash:
        read.error("", f"parameter {clash[0]!r} clashes with the iterator's own argument")
        return None
    success = read.op.success
    if items is None:
        if success is None or not isinstance(success.type, ir.ArrayType):
            read.error("", "a paginated operation must return a JSON array (or name its items)")
            return None
        return structs.replace(paging, item=success.type.item)
    path = read.field_path("items", items)
    if path is None:
        return None
    last = path[-1].type
    if not isinstance(last, ir.ArrayType):
        read.error("items", f"items {items!r} must be an array of the answer")
        return None
    return structs.replace(paging, item=last.item, items=path)
