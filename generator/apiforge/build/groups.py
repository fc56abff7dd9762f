"""Operations grouped by tag (``group_by = "tag"``): ``client.droplets.list(...)``.

An operation goes to the group of its first tag; one without tags stays on the client. A
method's name in its group drops the tag's words (``list_droplets`` in ``droplets`` is
``list``), unless that leaves nothing, a name another method of the group has, or one the
group's own attributes use; then it keeps its full name.
"""

from __future__ import annotations

import keyword
from collections.abc import Sequence

from .. import ir, names
from .context import BuildContext

GROUP_ATTRIBUTES = ("with_raw_response", "_client")
# Names annotations use: a method called so hides the builtin from the annotations of the
# methods after it in the class (mypy: 'Function "list" is not valid as a type'). One such
# method per group may keep its short name, and goes last.
_BUILTINS = frozenset(
    {"list", "dict", "set", "frozenset", "tuple", "type", "str", "int", "float", "bool", "bytes"}
)


def _words(name: str) -> set[str]:
    """A tag's words, singular and plural alike (``droplets`` → droplet, droplets)."""
    found = set()
    for word in names.snake(name).split("_"):
        found |= {word, word.removesuffix("s"), word + "s", word.removesuffix("es")}
    return found - {""}


def _short(op: ir.Operation, tag: str) -> str:
    kept = [w for w in op.name.split("_") if w not in _words(tag)]
    return "_".join(kept)


def groups(
    ctx: BuildContext, operations: Sequence[ir.Operation], own: Sequence[str]
) -> tuple[ir.OperationGroup, ...]:
    """The groups of ``operations``, named apart from the client's other methods and
    ``own`` (its fixed methods)."""
    by_tag: dict[str, list[ir.Operation]] = {}
    for op in operations:
        if op.tags:
            by_tag.setdefault(op.tags[0], []).append(op)
    taken = set(own)
    for op in operations:
        if not op.tags:
            taken |= {op.name, f"stream_{op.name}"} | (
                {op.pagination.name} if op.pagination else set()
            )
    descriptions = _descriptions(ctx)
    found = []
    attributes = names.unique(
        [*map(names.PythonIdentifier, sorted(taken)), *map(names.snake, by_tag)]
    )
    for (tag, ops), attribute in zip(by_tag.items(), attributes[len(taken) :], strict=True):
        class_name = ctx.claim_class(f"{tag} operations")
        ctx.class_names |= {f"Async{class_name}", f"{class_name}WithRawResponse"}
        ctx.class_names.add(f"Async{class_name}WithRawResponse")
        wanted = [_short(op, tag) for op in ops]
        pagers = {op.pagination.name for op in ops if op.pagination}
        methods: list[ir.GroupMethod] = []
        shadowing: list[ir.GroupMethod] = []
        for op, short in zip(ops, wanted, strict=True):
            clash = (
                not short
                or not short.isidentifier()
                or keyword.iskeyword(short)
                or wanted.count(short) > 1
                or short in pagers
                or short in GROUP_ATTRIBUTES
                or short.startswith(("stream_", "iter_"))
                or (short in _BUILTINS and bool(shadowing))
            )
            method = ir.GroupMethod(names.PythonIdentifier(op.name if clash else short), op)
            (shadowing if method.name in _BUILTINS else methods).append(method)
        methods += shadowing
        found.append(
            ir.OperationGroup(attribute, class_name, tag, descriptions.get(tag, ""), tuple(methods))
        )
    return tuple(found)


def _descriptions(ctx: BuildContext) -> dict[str, str]:
    """Each declared tag's description."""
    declared = ctx.spec.document.get("tags")
    found = {}
    for tag in declared if isinstance(declared, list) else []:
        if isinstance(tag, dict) and isinstance(tag.get("name"), str):
            found[tag["name"]] = str(tag.get("description") or "")
    return found
