"""Stage 3: IR → module source text, through the Jinja templates in ``templates/``.

One function per output file kind. Templates only lay out; the names, annotations and
escaped text they print come from ``quote``, code fragments from ``emit`` and ``methods``,
and the imports from ``imports``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, assert_never

from .. import ir
from ..output.pieces import Pieced
from . import emit, example, imports, methods, paging, quote, security
from .environment import Meta, environment, render_each, render_template, templates_dir
from .imports import Import

# Copied from templates/runtime/ as they are: plain Python, already formatted.
RUNTIME_MODULES = (
    "_auth.py",
    "_base.py",
    "_errors.py",
    "_mend.py",
    "_oauth2.py",
    "_paging.py",
    "_raw.py",
    "_runtime.py",
    "_sse.py",
    "_unions.py",
    "_xml.py",
)
ERROR_CLASSES = (
    "ApiError",
    "ApiStatusError",
    "ApiTimeoutError",
    "ApiConnectionError",
    "ResponseDecodeError",
    "TokenError",
)


def _error_model(api: ir.Api) -> str:
    """The one model every operation's error response uses, or '' when they differ."""
    types = {op.error.type for op in api.operations if op.error}
    only = next(iter(types)) if len(types) == 1 else None
    return only.name if isinstance(only, ir.ModelRef) else ""


def _inner(t: ir.TypeRef, api: ir.Api) -> list[ir.TypeRef]:
    """The types a value of ``t`` holds directly (a model's fields excluded)."""
    match t:
        case ir.ArrayType(item=item):
            return [item]
        case ir.MapType(value=value):
            return [value]
        case ir.ScalarUnion(options=options):
            return list(options)
        case ir.TupleType(items=items):
            return list(items)
        case ir.UnionRef(name=name):
            found = next((u for u in api.unions if u.name == name), None)
            return [ir.ModelRef(v.model) for v in found.variants] if found else []
        case ir.UntaggedRef(name=name):
            untagged = next((u for u in api.untagged if u.name == name), None)
            return list(untagged.options) if untagged else []
        case ir.PrimitiveType() | ir.LiteralType() | ir.EnumRef() | ir.ModelRef():
            return []
        case _:
            assert_never(t)


def sent_models(api: ir.Api) -> set[str]:
    """Models that can travel in a request: only these need their read-only fields listed."""
    by_name = {m.name: m for m in api.models}
    found: set[str] = set()
    seen: set[ir.TypeRef] = set()  # untagged unions may hold themselves
    todo: list[ir.TypeRef] = []
    for op in api.operations:
        todo += [p.type for p in op.parameters]
        if op.body:
            todo += [op.body.type, *(f.type for f in op.body.fields)]
    while todo:
        t = todo.pop()
        if t in seen:
            continue
        seen.add(t)
        todo += _inner(t, api)
        if isinstance(t, ir.ModelRef) and t.name not in found and t.name in by_name:
            found.add(t.name)
            model = by_name[t.name]
            todo += [f.type for f in model.fields]
            if model.base:
                todo.append(ir.ModelRef(model.base))
    return found


def _base_first(models: tuple[ir.Model, ...]) -> list[ir.Model]:
    """Models in document order, except that a base class comes before its subclasses."""
    by_name = {m.name: m for m in models}
    placed: dict[str, ir.Model] = {}

    def place(model: ir.Model) -> None:
        if model.name in placed:
            return
        if model.base and model.base in by_name:
            place(by_name[model.base])
        placed[model.name] = model

    for model in models:
        place(model)
    return list(placed.values())


Part = tuple[ir.Model, bool]  # a model's class: the model, and whether requests carry it
# Where the classes go in ``_models.py``'s frame when it is rendered around them (text no
# template prints).
_CLASSES = "\0classes\0"


class _Fields(Mapping[str, list[tuple[ir.Field, str, str]]]):
    """Each model's fields with their annotations and defaults, by model name, worked out
    when asked for: the classes get theirs one by one, and an override of
    ``_models.py.jinja`` written when they were laid out there finds them under ``fields``."""

    def __init__(self, models: Sequence[ir.Model], sent: set[str]) -> None:
        self.models: dict[str, ir.Model] = {m.name: m for m in models}
        self.sent = sent

    def __getitem__(self, name: str) -> list[tuple[ir.Field, str, str]]:
        model, sent = self.models[name], name in self.sent
        return [
            (f, emit.field_annotation(f, sent), emit.field_default(f, sent)) for f in model.fields
        ]

    def __iter__(self) -> Iterator[str]:
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)


def _classes(made_of: Sequence[Part], meta: Meta) -> list[str]:
    """The class of each model (and whether requests carry it)."""
    # Each field's annotation and default, worked out here: two template calls per field
    # (76,000 on GitHub's description) were a fifth of rendering its models.
    contexts = [
        {
            "model": m,
            "sent": sent,
            "fields": [
                (f, emit.field_annotation(f, sent), emit.field_default(f, sent)) for f in m.fields
            ],
        }
        for m, sent in made_of
    ]
    return render_each("_model.py.jinja", contexts, meta=meta)


def _frame(api: ir.Api) -> tuple[list[Part], dict[str, Any]]:
    """The classes of ``_models.py`` (each model, and whether requests carry it), and what
    its template is rendered with around them."""
    error_model = _error_model(api)
    needed = {Import("typing", "TypeAlias")} | (
        {Import("typing", "Any")} if not error_model else set()
    )
    if api.models:
        needed.add(Import("msgspec"))
    for t in {
        f.type for m in api.models for f in m.fields
    }:  # each type once (GitHub's: 38,000 fields)
        needed |= imports.for_type(t)
    sent = sent_models(api)
    if any(m.read_only and m.name in sent for m in api.models):
        needed.add(Import("typing", "ClassVar"))
    if api.unions:
        needed |= {Import("typing", n) for n in ("TYPE_CHECKING", "TypeAlias", "ClassVar")}
        needed |= {Import(".", "_unions"), Import("._unions", "UnknownVariant")}
        needed |= {Import(imports.MODELS, v.model) for u in api.unions for v in u.variants}
    if api.untagged:
        needed |= {Import("typing", n) for n in ("TYPE_CHECKING", "TypeAlias")}
        needed.add(Import(".", "_unions"))
        for u in api.untagged:
            for t in (*u.options, *(a.type for a in u.alternatives)):
                needed |= imports.for_type(t)
    lines = imports.render(imports.local_to(imports.MODELS, needed))
    ordered = _base_first(api.models)
    parts = [(m, m.name in sent) for m in ordered]
    return parts, {
        "models": ordered,
        "fields": _Fields(ordered, sent),
        "unions": api.unions,
        "untagged": api.untagged,
        "imports": lines,
        "sent": sent,
        "error_model": error_model,
    }


def models(api: ir.Api, meta: Meta) -> str:
    """``_models.py``, every class rendered."""
    parts, frame = _frame(api)
    return render_template("_models.py.jinja", meta=meta, classes=_classes(parts, meta), **frame)


def models_pieced(
    api: ir.Api, meta: Meta, keys: Callable[[Sequence[Part]], list[str]]
) -> Pieced | str:
    """``_models.py`` in pieces (``output/pieces.py``): the built-in frame rendered around a
    mark where the classes go, each class's key (``keys``), and its classes rendered only
    when formatting asks. The whole module when it has no class: formatting cuts the
    module into blocks at each class, and without one the head and the tail may be one."""
    parts, frame = _frame(api)
    if not parts:
        return render_template("_models.py.jinja", meta=meta, classes=[], **frame)
    framed = render_template("_models.py.jinja", meta=meta, classes=[_CLASSES], **frame)
    head, _, tail = framed.partition(_CLASSES)

    def make(at: Sequence[int]) -> list[str]:
        return _classes([parts[i] for i in at], meta)

    return Pieced(head, tail, keys(parts), make)


def enums(api: ir.Api, meta: Meta) -> str:
    """``_enums.py``."""
    return render_template("_enums.py.jinja", meta=meta, enums=api.enums)


def runtime_module(name: str, meta: Meta) -> str:
    """One of ``RUNTIME_MODULES``: its source (an override's, if there is one) under the
    header."""
    env = environment(templates_dir(), meta.templates)
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, f"runtime/{name}")
    return render_template("runtime.py.jinja", meta=meta, source=source.rstrip("\n"))


def _user_agent(api: ir.Api, meta: Meta, package: str) -> str:
    """``package/version apiforge/version``, the spec's version made a header value."""
    version = quote.header_value(api.version) or "0"
    return f"{package}/{version} apiforge/{meta.generator_version}"


def _signature_imports(api: ir.Api) -> set[Import]:
    """What the operations' argument and return annotations need."""
    needed: set[Import] = set()
    for op in api.operations:
        for p in op.parameters:
            needed |= imports.for_type(p.type, inputs=True)
        if op.body:
            body_types = [f.type for f in op.body.fields] if op.body.fields else [op.body.type]
            for t in body_types:
                needed |= imports.for_type(t, inputs=True)
        for r in op.successes:
            if r.type:
                needed |= imports.for_type(r.type)
    for p in api.client_params:
        needed |= imports.for_type(p.type, inputs=True)
    return needed


def operations(api: ir.Api, meta: Meta, package: str, has_unions: bool | None = None) -> str:
    """``_operations.py``; ``has_unions``: whether the whole model has unions, when ``api``
    is a view of it."""
    if has_unions is None:
        has_unions = bool(api.unions or api.untagged)
    needed = {Import("httpx"), Import(".", "_runtime")} | _signature_imports(api)
    if any(methods.decoders(op) for op in api.operations):
        needed.add(Import("msgspec"))
        if has_unions:
            needed.add(Import(".", "_unions"))
    for op in api.operations:
        if op.error and op.error.type:
            needed |= imports.for_type(op.error.type)
        if methods.uses_cast(op):
            needed.add(Import("typing", "cast"))
        if any(p.json for p in op.parameters):
            needed.add(Import("msgspec"))
    lines = imports.render(needed)
    return render_template(
        "_operations.py.jinja",
        meta=meta,
        user_agent=quote.literal(_user_agent(api, meta, package)),
        operations=api.operations,
        imports=lines,
        has_unions=has_unions,
    )


def client(api: ir.Api, meta: Meta, *, is_async: bool) -> str:
    """``_client.py`` or ``_async_client.py``: one template, two flavours."""
    needed = {
        Import("httpx"),
        Import("collections.abc", "Mapping"),
        Import(".", "_base"),
        Import(".", "_raw"),
        Import(".", "_operations"),
        Import(".", "_runtime"),
        Import("._runtime", "RetryPolicy"),
    }
    iterator = Import("collections.abc", "AsyncIterator" if is_async else "Iterator")
    for op in api.operations:
        if op.pagination:
            needed |= {iterator} | imports.for_type(op.pagination.item)
            if paging.uses_module(op.pagination):
                needed.add(Import(".", "_paging"))
            if op.pagination.kind is ir.PageKind.CURSOR and op.pagination.start:
                needed |= imports.for_type(op.pagination.start.type)
        if op.binary:
            needed |= {iterator, Import("contextlib")}
        if op.headers and not op.stream:
            needed.add(Import(imports.MODELS, op.headers))
        if op.stream:
            needed.add(Import(".", "_sse"))
            if op.stream.type:
                needed |= imports.for_type(op.stream.type)
    needed |= security.imports(api, is_async)
    lines = imports.render(needed | _signature_imports(api))
    name = f"Async{api.client_name}" if is_async else api.client_name
    return render_template(
        "_client.py.jinja", meta=meta, api=api, imports=lines, is_async=is_async, class_name=name
    )


def exports(api: ir.Api) -> dict[str, str]:
    """Every public name and the module it comes from."""
    names = {api.client_name: "._client", f"Async{api.client_name}": "._async_client"}
    names.update(dict.fromkeys(ERROR_CLASSES, "._errors"))
    names["RetryPolicy"] = "._runtime"
    names["ApiResponse"] = "._raw"
    names["ApiResponseWithHeaders"] = "._raw"
    if any(isinstance(s, ir.OAuth2Scheme) and s.token_url for s in api.auth):
        names["OAuth2ClientCredentials"] = "._oauth2"
    names.update({m.name: imports.MODELS for m in api.models})
    names.update({e.name: imports.ENUMS for e in api.enums})
    names.update({u.name: imports.MODELS for u in api.unions})
    names.update({u.name: imports.MODELS for u in api.untagged})
    if api.unions:
        names["UnknownVariant"] = "._unions"
    return names


def package_init(api: ir.Api, meta: Meta, public: dict[str, str] | None = None) -> str:
    """``__init__.py``: the public facade (``public``: ``exports`` of the whole model, when
    ``api`` is a view of it)."""
    public = exports(api) if public is None else public
    lines = imports.render(Import(module, name) for name, module in public.items())
    return render_template(
        "__init__.py.jinja", meta=meta, api=api, imports=lines, exports=sorted(public)
    )


def readme(
    api: ir.Api,
    meta: Meta,
    package_name: str,
    usage: example.Example | None = None,
    listed: tuple[tuple[str, str | None], ...] | None = None,
    enums: tuple[ir.Enum, ...] | None = None,
) -> str:
    """``README.md`` (``usage``: the example, ``listed``: ``models_listed`` and ``enums``
    those of the whole model, when ``api`` is a view of it)."""
    return render_template(
        "README.md.jinja",
        meta=meta,
        api=api,
        package=package_name,
        example=usage if usage is not None else example.example(api, package_name),
        models=listed if listed is not None else models_listed(api),
        enums=api.enums if enums is None else enums,
    )


def models_listed(api: ir.Api) -> tuple[tuple[str, str | None], ...]:
    """What the README says of each model: its name and its description's first line
    (None without a description)."""
    return tuple(
        (m.name, m.description.split("\n")[0] if m.description else None) for m in api.models
    )
