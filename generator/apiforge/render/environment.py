"""The Jinja environment the templates render in: one per template directory (and
override), strict and deterministic, its compiled templates cached on disk, with the
functions templates may call; and rendering one template, a template's mistake reported
at its line instead of as a traceback."""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from msgspec import Struct

from ..cache import builtin_templates, cache_root
from ..diagnostics import Diagnostic, GenerationError, Location, Severity
from . import emit, example, methods, paging, quote, security


class Meta(Struct, frozen=True):
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


def render_template(template: str, *, meta: Meta, **context: Any) -> str:
    """One template rendered; a template mistake is reported, never a traceback."""
    return render_each(template, [context], meta=meta)[0]


def render_each(template: str, contexts: Iterable[dict[str, Any]], *, meta: Meta) -> list[str]:
    """``template`` rendered once for each of ``contexts``, as ``render_template`` does."""
    env = environment(templates_dir(), meta.templates)
    try:
        compiled = env.get_template(template)
        return [compiled.render(meta=meta, **context) for context in contexts]
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", 0) or _template_line(exc, template)
        folder = meta.templates if meta.templates and (meta.templates / template).exists() else None
        shown = str(folder / template) if folder else f"templates/{template}"
        where = Location(shown, line, 1 if line else 0)
        message = f"template error: {type(exc).__name__}: {exc}"
        raise GenerationError([Diagnostic(Severity.ERROR, where, message)]) from None
