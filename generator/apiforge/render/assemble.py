"""The package's files in the order they are rendered, each module rendered by ``files``
or, when its inputs are as the last run into the same output folder left them, taken
from what that run kept (``memo``)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from msgspec import structs

from .. import ir
from ..output.pieces import Known, Pieced
from . import example, files, memo
from .environment import Meta

README_STAMP = "(spec sha256 "  # what precedes the spec's digest in the README's header


def stream(
    api: ir.Api, meta: Meta, package_name: str, slot: str = ""
) -> Iterator[tuple[str, str | Pieced | Known]]:
    """Every file of the generated package, by relative path, unformatted, each as soon as
    it is rendered: the models first, whose formatting takes longest (the formatting stage
    starts on what is rendered while the rest is). ``slot`` names the output folder: the
    modules rendered from a view of the model are kept there (``memo``), and the models
    module goes in pieces (``output/pieces.py``), its classes rendered as formatting asks."""
    kept = memo.Memo(slot, meta)
    if kept.keeps:
        yield "_models.py", files.models_pieced(api, meta, kept.keys)
    else:
        yield "_models.py", files.models(api, meta)
    view = kept.view(api)
    seen = kept.digest(structs.astuple(view))
    for path, is_async in (("_client.py", False), ("_async_client.py", True)):
        yield (
            path,
            kept.module(
                path, (seen, is_async), meta, partial(files.client, view, is_async=is_async)
            ),
        )
    has_unions = bool(api.unions or api.untagged)
    yield (
        "_operations.py",
        kept.module(
            "_operations.py",
            (seen, package_name, has_unions),
            meta,
            partial(files.operations, view, package=package_name, has_unions=has_unions),
        ),
    )
    enums = kept.digest(api.enums)
    yield "_enums.py", kept.module("_enums.py", enums, meta, partial(files.enums, api))
    public = files.exports(api)
    yield (
        "__init__.py",
        kept.module(
            "__init__.py", (seen, public), meta, partial(files.package_init, view, public=public)
        ),
    )
    yield "py.typed", ""
    for name in files.RUNTIME_MODULES:
        if name != "_unions.py" or api.unions or api.untagged:
            yield name, files.runtime_module(name, meta)
    usage, listed = example.example(api, package_name), files.models_listed(api)
    readme = partial(
        files.readme, view, package_name=package_name, usage=usage, listed=listed, enums=api.enums
    )
    made_of = (seen, enums, package_name, usage, listed)
    yield "README.md", kept.module("README.md", made_of, meta, readme, README_STAMP)


def package(api: ir.Api, meta: Meta, package_name: str) -> dict[str, str]:
    """Every file of the generated package, by relative path, unformatted."""
    found = stream(api, meta, package_name)
    return {p: t if isinstance(t, str) else t.text() for p, t in sorted(found)}
