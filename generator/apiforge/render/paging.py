"""Python source for the ``iter_…`` methods: which arguments the pager sets itself, and
where in an answer the items and the next page are. ``templates/_client.py.jinja`` lays
the method out for each ``ir.PageKind``."""

from __future__ import annotations

from typing import assert_never

from .. import ir
from .methods import Argument, arguments
from .quote import literal


def page_values(pg: ir.Pagination) -> dict[str, str]:
    """The operation's arguments the pager sets, and the local each takes its value from
    (for ``methods.builder_call``)."""
    found: dict[str, str] = {}
    match pg.kind:
        case ir.PageKind.OFFSET:
            found = {"start": "_offset", "size": "_size"}
        case ir.PageKind.PAGE:
            found = {"start": "_number", "size": "_size"}
        case ir.PageKind.CURSOR:
            found = {"start": "_cursor"}
        case ir.PageKind.NEXT_LINK | ir.PageKind.LINK_HEADER:
            found = {}
        case _:
            assert_never(pg.kind)
    params = {"start": pg.start, "size": pg.size}
    return {p.name: local for role, local in found.items() if (p := params[role]) is not None}


def paged_arguments(op: ir.Operation) -> list[Argument]:
    """The iterator's own arguments: the operation's, without those the pager sets."""
    assert op.pagination is not None
    taken = page_values(op.pagination)
    return [a for a in arguments(op) if a.name not in taken]


def _path(fields: tuple[ir.Field, ...]) -> str:
    """The attribute names as a tuple literal (black keeps it on one line)."""
    names = [literal(f.name) for f in fields]
    return f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"


def items_expression(pg: ir.Pagination, page: str) -> str:
    """The items of the answer held in ``page``, a list (empty where a field is None)."""
    if not pg.items:
        return page
    return f"_paging.field_at({page}, {_path(pg.items)}) or []"


def next_expression(pg: ir.Pagination, page: str) -> str:
    """The next cursor or URL in the answer held in ``page``, or None."""
    return f"_paging.field_at({page}, {_path(pg.next)})"


def uses_module(pg: ir.Pagination) -> bool:
    """Whether the iterator calls the runtime's ``_paging`` (a field path, or a link)."""
    return bool(pg.items) or pg.kind not in (ir.PageKind.OFFSET, ir.PageKind.PAGE)
