"""apiforge: generate a typed, vendorable Python client from an OpenAPI document.

The pipeline, one module per stage: ``load`` → ``build`` → ``render`` → ``format`` →
``write``. ``generate`` runs it and returns a ``Report``; it never prints or exits.
"""

from __future__ import annotations

import keyword

from .config import Config
from .diagnostics import Diagnostic, GenerationError, Location, Report, Severity

__version__ = "0.1.0"
__all__ = ["Config", "Diagnostic", "Report", "Severity", "__version__", "generate", "render_files"]


def render_files(config: Config) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """Load, build, render and format: the package's files in memory, and any warnings."""
    import dataclasses

    from . import build, load, render
    from .load import swagger2, validate
    from .output import format, manifest

    spec = load.read(config.spec, display=str(config.spec))
    problems = validate.validate(spec)
    if problems:
        raise GenerationError(problems)
    if "swagger" in spec.document:
        document, origins = swagger2.upgrade(spec.document)
        spec = dataclasses.replace(spec, document=document, origins=origins)
    api, warnings = build.build(spec)
    meta = render.Meta(__version__, config.spec.name, spec.sha256, config.templates)
    formatted = format.format_package(
        render.package(api, meta, config.package), skip=render.RUNTIME_MODULES
    )
    files = {path: text.encode("utf-8") for path, text in formatted.items()}
    files[manifest.NAME] = manifest.render(
        files,
        version=__version__,
        package=config.package,
        spec=config.spec.name,
        spec_sha=spec.sha256,
    )
    return files, warnings


def _check_package_name(name: str) -> None:
    if not name.isidentifier() or not name.isascii() or keyword.iskeyword(name):
        message = f"package name {name!r} is not a valid Python identifier"
        raise GenerationError([Diagnostic(Severity.ERROR, Location("--package"), message)])


def _inputs_key(config: Config) -> str:
    """The key of this generation's inputs, or '' when the spec cannot be read (the full
    pipeline then reports why)."""
    from . import cache

    try:
        if config.spec.stat().st_size > cache.MAX_SPEC_BYTES:
            return ""  # refused by load before it reads a byte; do not hash it either
        spec_bytes = config.spec.read_bytes()
    except OSError:
        return ""
    return cache.inputs_key(
        spec_bytes, config.package, __version__, cache.builtin_templates(), config.templates
    )


def _unchanged(config: Config, key: str) -> list[str] | None:
    """The package's files when the last run into it had these same inputs and nothing was
    touched since; None otherwise. Imports nothing heavy: this is the everyday no-op."""
    from . import cache
    from .output import manifest

    target = config.target
    if any(target.parent.glob(f".{target.name}.apiforge-*")):
        return None  # an interrupted run left something to clean: take the full path
    recorded = cache.recorded_run(target)
    owned = manifest.read(target)
    if not key or recorded is None or owned is None or recorded[0] != key:
        return None
    current = manifest.existing(target)
    if manifest.sha256(current.get(manifest.NAME, b"")) != recorded[1]:
        return None
    if set(current) != set(owned.files) | {manifest.NAME}:
        return None
    if any(manifest.sha256(current[p]) != digest for p, digest in owned.files.items()):
        return None
    return sorted(current)


def generate(config: Config) -> Report:
    """Generate (or with ``config.check``, compare) the package; problems go in the report."""
    from . import cache
    from .output import manifest

    report = Report()
    try:
        _check_package_name(config.package)
        key = _inputs_key(config)
        same = _unchanged(config, key)
        if same is not None:
            report.unchanged = same
            return report
        from .output import write  # past the no-op path, which must stay light

        files, warnings = render_files(config)
        if config.strict:
            warnings = [w._replace(severity=Severity.ERROR) for w in warnings]
        report.diagnostics.extend(warnings)
        if report.errors:
            return report
        target = config.target
        if config.check:
            current = manifest.existing(target)
            report.stale = write.stale(files, current)
            report.unchanged = sorted(set(files) - set(report.stale))
            report.diff = write.diff(files, current, str(target))
        else:
            with write.lock(target.parent):
                report.written = write.write(files, target, force=config.force)
            report.unchanged = sorted(set(files) - set(report.written))
        if key and not report.stale and not warnings:
            cache.record_run(target, key, files[manifest.NAME])
    except GenerationError as exc:
        report.diagnostics.extend(exc.diagnostics)
    except OSError as exc:
        where = Location(exc.filename or str(config.target))
        message = f"cannot write output: {exc.strerror or exc}"
        report.diagnostics.append(Diagnostic(Severity.ERROR, where, message))
    return report
