"""Stage 3: IR → module source text, through the Jinja templates in ``templates/``.

One function per output file kind. Templates only lay out; the names, annotations and
escaped text they print come from ``quote``, code fragments from ``emit`` and ``methods``,
and the imports from ``imports``.
"""

from __future__ import annotations

import contextlib
import traceback
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, assert_never

import jinja2

from .. import ir
from ..cache import builtin_templates, cache_root
from ..diagnostics import Diagnostic, GenerationError, Location, Severity
from . import emit, example, imports, methods, paging, quote, security
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


@dataclass(frozen=True)
class Meta:
    """What every file header states."""

    generator_version: str
    spec_name: str
    spec_sha256: str
    templates: Path | None = None  # a directory whose templates override the built-in ones


def templates_dir() -> Path:
    """The built-in templates: inside the installed package, or beside it in a checkout."""
    return builtin_templates()


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """A bytecode cache whose every failure is a miss, never an error."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError, ValueError, EOFError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    root = cache_root()
    if root is None:
        return None
    try:
        (root / "jinja").mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _QuietBytecodeCache(str(root / "jinja"))


@cache
def environment(directory: Path, override: Path | None = None) -> jinja2.Environment:
    """One strict, deterministic environment per template directory (and override)."""
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(directory)]
    if override is not None:
        # A file in the override directory replaces the built-in one of the same name.
        loaders.insert(0, jinja2.FileSystemLoader(override))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        bytecode_cache=_bytecode_cache(),  # compiled templates, checked against their source
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is Python: escaping is emit's job, not HTML's
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        doc=quote.docstring,
        literal=quote.literal,
        annotation=emit.annotation,
        field_annotation=emit.field_annotation,
        field_default=emit.field_default,
        untagged_alias=emit.untagged_alias,
        alternative=emit.alternative,
        param_signature=emit.param_signature,
        arguments=methods.arguments,
        signature_lines=methods.signature,
        builder_call=methods.builder_call,
        paged_arguments=paging.paged_arguments,
        page_values=paging.page_values,
        stream_annotation=methods.stream_annotation,
        stream_decoder=methods.stream_decoder,
        items_expression=paging.items_expression,
        next_expression=paging.next_expression,
        builder_arguments=methods.builder_arguments,
        body_local=methods.body_local,
        body_statements=methods.body_statements,
        result_annotation=methods.result_annotation,
        decoders=methods.decoders,
        decoder_declarations=methods.decoder_declarations,
        success_statements=methods.success_statements,
        enum_base=emit.enum_base,
        md=quote.markdown,
        check_calls=emit.check_calls,
        send_statements=emit.send_statements,
        path_expression=emit.path_expression,
        usage_example=example.example,
        describe_credential=security.describe,
        credential_signature=security.signature,
        credential_runtime=security.runtime,
        security_requirements=security.requirements,
    )
    env.filters["comment"] = quote.comment
    return env


def _template_line(exc: Exception, template: str) -> int:
    """The template line a render-time error happened on: Jinja rewrites its traceback
    frames to template files and lines."""
    frames = traceback.extract_tb(exc.__traceback__)
    return next((f.lineno or 0 for f in reversed(frames) if Path(f.filename).name == template), 0)


def _render(template: str, *, meta: Meta, **context: Any) -> str:
    """One template rendered; a template mistake is reported, never a traceback."""
    env = environment(templates_dir(), meta.templates)
    try:
        return env.get_template(template).render(meta=meta, **context)
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", 0) or _template_line(exc, template)
        folder = meta.templates if meta.templates and (meta.templates / template).exists() else None
        shown = str(folder / template) if folder else f"templates/{template}"
        where = Location(shown, line, 1 if line else 0)
        message = f"template error: {type(exc).__name__}: {exc}"
        raise GenerationError([Diagnostic(Severity.ERROR, where, message)]) from None


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


def models(api: ir.Api, meta: Meta) -> str:
    """``_models.py``."""
    error_model = _error_model(api)
    needed = {Import("typing", "TypeAlias")} | (
        {Import("typing", "Any")} if not error_model else set()
    )
    if api.models:
        needed.add(Import("msgspec"))
    for model in api.models:
        for field in model.fields:
            needed |= imports.for_type(field.type)
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
    # Each field's annotation and default, worked out here: two template calls per field
    # (76,000 on GitHub's description) were a fifth of rendering its models.
    fields = {
        m.name: [
            (f, emit.field_annotation(f, m.name in sent), emit.field_default(f, m.name in sent))
            for f in m.fields
        ]
        for m in ordered
    }
    return _render(
        "_models.py.jinja",
        meta=meta,
        models=ordered,
        fields=fields,
        unions=api.unions,
        untagged=api.untagged,
        imports=lines,
        sent=sent,
        error_model=error_model,
    )


def enums(api: ir.Api, meta: Meta) -> str:
    """``_enums.py``."""
    return _render("_enums.py.jinja", meta=meta, enums=api.enums)


def runtime_module(name: str, meta: Meta) -> str:
    """One of ``RUNTIME_MODULES``: its source (an override's, if there is one) under the
    header."""
    env = environment(templates_dir(), meta.templates)
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, f"runtime/{name}")
    return _render("runtime.py.jinja", meta=meta, source=source.rstrip("\n"))


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
    return _render(
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
    return _render(
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
    return _render("__init__.py.jinja", meta=meta, api=api, imports=lines, exports=sorted(public))


def readme(api: ir.Api, meta: Meta, package_name: str) -> str:
    """``README.md``."""
    return _render("README.md.jinja", meta=meta, api=api, package=package_name, enums=api.enums)
