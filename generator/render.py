"""Stage 3: IR → module source text, through the Jinja templates in ``templates/``.

One function per output file kind. Templates only lay out; the names, annotations and
escaped literals they print come from ``emit`` and the imports from ``imports``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from . import emit, imports, ir
from .imports import Import

ERROR_CLASSES = (
    "ApiError",
    "ApiStatusError",
    "ApiTimeoutError",
    "ApiConnectionError",
    "ResponseDecodeError",
)


@dataclass(frozen=True)
class Meta:
    """What every file header states."""

    generator_version: str
    spec_name: str
    spec_sha256: str


def templates_dir() -> Path:
    """The built-in templates: inside the installed package, or beside it in a checkout."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


@cache
def environment(directory: Path) -> jinja2.Environment:
    """One strict, deterministic environment per template directory."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is Python: escaping is emit's job, not HTML's
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        doc=emit.doc_text,
        literal=emit.literal,
        annotation=emit.annotation,
        field_annotation=emit.field_annotation,
        field_default=emit.field_default,
        param_signature=emit.param_signature,
        check_calls=emit.check_calls,
        send_statements=emit.send_statements,
        path_expression=emit.path_expression,
    )
    env.filters["comment"] = emit.comment_text
    return env


def _render(template: str, **context: Any) -> str:
    return environment(templates_dir()).get_template(template).render(**context)


def _error_model(api: ir.Api) -> str:
    """The one model every operation's error response uses, or '' when they differ."""
    types = {op.error.type for op in api.operations if op.error}
    only = next(iter(types)) if len(types) == 1 else None
    return only.name if isinstance(only, ir.ModelRef) else ""


def models(api: ir.Api, meta: Meta) -> str:
    """``_models.py``."""
    needed = {Import("msgspec")}
    for model in api.models:
        for field in model.fields:
            needed |= imports.for_type(field.type)
    lines = imports.render(imports.local_to(imports.MODELS, needed))
    return _render("_models.py.jinja", meta=meta, models=api.models, imports=lines)


def enums(api: ir.Api, meta: Meta) -> str:
    """``_enums.py``."""
    return _render("_enums.py.jinja", meta=meta, enums=api.enums)


def errors(api: ir.Api, meta: Meta) -> str:
    """``_errors.py``."""
    return _render("_errors.py.jinja", meta=meta, error_model=_error_model(api))


def runtime(api: ir.Api, meta: Meta, package: str) -> str:
    """``_runtime.py``."""
    agent = f"{package}/{api.version} apiforge/{meta.generator_version}"
    return _render("_runtime.py.jinja", meta=meta, user_agent=emit.literal(agent))


def _signature_imports(api: ir.Api) -> set[Import]:
    """What the operations' argument and return annotations need."""
    needed: set[Import] = set()
    for op in api.operations:
        for p in op.parameters:
            needed |= imports.for_type(p.type, inputs=True)
        if op.success and op.success.type:
            needed |= imports.for_type(op.success.type)
    return needed


def operations(api: ir.Api, meta: Meta) -> str:
    """``_operations.py``."""
    needed = {Import("httpx"), Import(".", "_runtime")} | _signature_imports(api)
    if any(r.type for op in api.operations for r in op.responses):
        needed.add(Import("msgspec"))
    for op in api.operations:
        for r in (op.success, op.error):
            if r and r.type:
                needed |= imports.for_type(r.type)
    lines = imports.render(needed)
    return _render("_operations.py.jinja", meta=meta, operations=api.operations, imports=lines)


def client(api: ir.Api, meta: Meta, *, is_async: bool) -> str:
    """``_client.py`` or ``_async_client.py``: one template, two flavours."""
    needed = {
        Import("httpx"),
        Import("asyncio" if is_async else "time"),
        Import("typing", "Self"),
        Import(".", "_operations"),
        Import(".", "_runtime"),
        Import("._errors", "ApiError"),
        Import("._runtime", "RetryPolicy"),
    }
    for op in api.operations:
        if op.pagination:
            iterator = "AsyncIterator" if is_async else "Iterator"
            needed |= {Import("collections.abc", iterator)} | imports.for_type(op.pagination.item)
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
    names.update({m.name: imports.MODELS for m in api.models})
    names.update({e.name: imports.ENUMS for e in api.enums})
    return names


def package_init(api: ir.Api, meta: Meta) -> str:
    """``__init__.py``: the public facade."""
    public = exports(api)
    lines = imports.render(Import(module, name) for name, module in public.items())
    return _render("__init__.py.jinja", meta=meta, api=api, imports=lines, exports=sorted(public))


def package(api: ir.Api, meta: Meta, package_name: str) -> dict[str, str]:
    """Every file of the generated package, by relative path, unformatted."""
    return {
        "__init__.py": package_init(api, meta),
        "_async_client.py": client(api, meta, is_async=True),
        "_client.py": client(api, meta, is_async=False),
        "_enums.py": enums(api, meta),
        "_errors.py": errors(api, meta),
        "_models.py": models(api, meta),
        "_operations.py": operations(api, meta),
        "_runtime.py": runtime(api, meta, package_name),
        "_xml.py": _render("_xml.py.jinja", meta=meta),
        "py.typed": "",
    }
