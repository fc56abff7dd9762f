"""apiforge: generate a typed, vendorable Python client from an OpenAPI document.

The pipeline, one module per stage: ``load`` → ``build`` → ``render`` → ``format`` →
``write``. ``generate`` runs it and returns a ``Report``; it never prints or exits.
"""

from __future__ import annotations

import hashlib
import keyword
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from . import heap
from .config import Config
from .diagnostics import Diagnostic, GenerationError, Location, Report, Severity, once

if TYPE_CHECKING:
    from .load import LoadedSpec
    from .load.ledger import Ledger
    from .load.verdict import Judge
    from .output.manifest import Manifest

__version__ = "0.1.0"
__all__ = [
    "Config",
    "Diagnostic",
    "Rendered",
    "Report",
    "Severity",
    "__version__",
    "check_package_name",
    "generate",
    "name_package",
    "render_files",
]


# Told the name of each stage as a run enters it ("validating", "formatting"...): the
# command line shows it on a terminal when a run is slow.
OnStage = Callable[[str], None]


def _silent(_stage: str) -> None:
    pass


class Rendered(NamedTuple):
    """A package generated in memory: its files, the warnings, the client class's name."""

    files: dict[str, bytes]
    warnings: list[Diagnostic]
    client: str


class Unchanged(NamedTuple):
    """An output folder as the last run with the same inputs left it."""

    files: list[str]
    client: str
    warnings: list[Diagnostic]  # what that run warned of, to be said again


def _spec_path(config: Config) -> Path:
    """The spec to read; a located error when none was given."""
    if config.spec is None:
        message = "no spec to generate from"
        hint = "name one: `apiforge generate path/to/openapi.yaml`"
        raise GenerationError([Diagnostic(Severity.ERROR, Location("apiforge"), message, hint)])
    return config.spec


def render_files(
    config: Config, spec: LoadedSpec | None = None, on_stage: OnStage = _silent
) -> Rendered:
    """Load (unless ``spec`` is the spec already read), build, render and format: the
    package's files in memory, any warnings, and the client's class name."""
    from .load import verdict
    from .stack import run_deep

    path = _spec_path(config)
    judge = verdict.Judge.start(_size(spec, path))  # on this thread: it ends with it
    if judge is None:  # judged here: the validator's port must outlive the thread below
        verdict.prepare()
    try:
        return run_deep(lambda: _render_files(config, spec, on_stage, judge), str(path))
    finally:
        if judge is not None:
            judge.close()


def _size(spec: LoadedSpec | None, path: Path) -> int:
    """How big the spec's root file is, in bytes (0 when that cannot be told)."""
    if spec is not None and spec.as_read is not None:
        return len(spec.as_read.text)
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _render_files(
    config: Config, spec: LoadedSpec | None, on_stage: OnStage, judge: Judge | None
) -> Rendered:
    from . import load
    from .load.ledger import Ledger

    with heap.kept() as keep:
        book = Ledger(str(config.target.resolve()))  # what the last run found in each part
        if spec is None:
            on_stage("reading the spec")
            path = _spec_path(config)
            spec = load.read(path, display=str(path), book=book)
        heap.outlive(spec, book)  # the document as read, and its parts' fingerprints
        try:
            rendered = _rendered(config, spec, on_stage, keep, judge, book)
        except Exception:
            if judge is None or not judge.asked or judge.clean():
                raise
        else:
            if judge is None or not judge.asked or judge.clean():
                return rendered
        # The validator finds more than the judge could tell: what was built from the
        # document counts for nothing, and the stages run again to say what is wrong.
        return _rendered(config, spec, on_stage, keep, None, book)


def _rendered(
    config: Config,
    spec: LoadedSpec,
    on_stage: OnStage,
    keep: Callable[[], None],
    judge: Judge | None,
    book: Ledger,
) -> Rendered:
    from . import build, load, render
    from .output import format, manifest

    path = _spec_path(config)
    on_stage("validating")
    slot = book.slot  # what is kept of this folder's last run
    spec, read_leniently = load.ready(spec, config.ref_root, judge, book)
    keep()  # the document as read and as built from
    on_stage("building the model")
    api, warnings = build.build(spec, config.group_by, config.pagination or {}, slot, book)
    book.keep()
    keep()  # the model
    meta = render.Meta(__version__, path.name, spec.sha256, config.templates)
    on_stage("rendering and formatting")
    rendered = render.stream(api, meta, config.package, slot)  # formatted as it is rendered
    modules = format.format_package(rendered, render.RUNTIME_MODULES, slot, spec.sha256)
    formatted = dict(sorted(modules.items()))
    heap.outlive(spec, api, modules)
    files = {path: text.encode("utf-8") for path, text in formatted.items()}
    files[manifest.NAME] = manifest.render(
        files,
        version=__version__,
        package=config.package,
        client=api.client_name,
        spec=path.name,
        spec_sha=spec.sha256,
        spec_files=dict(spec.files),
    )
    return Rendered(files, once(read_leniently + warnings), api.client_name)


def _package_of(spec: LoadedSpec) -> str:
    """The package name a spec gives: its title's, else its file name's."""
    from . import names

    document = spec.document
    info = document.get("info") if isinstance(document, dict) else None
    title = info.get("title") if isinstance(info, dict) else None
    return names.package_name(title if isinstance(title, str) else "", spec.path.stem)


def name_package(spec: Path) -> str:
    """The package name ``spec`` gives when none is configured (the API's title in
    snake_case, else the file name's). Raises ``GenerationError`` when it cannot be read."""
    from . import load

    return _package_of(load.read(spec, display=str(spec)))


def _named(config: Config) -> tuple[Config, LoadedSpec | None]:
    """``config`` with its package named after the spec when none was given, and the spec
    read for that, so it is not read twice."""
    path = _spec_path(config)
    if config.package:
        return config, None
    from . import load

    spec = load.read(path, display=str(path))
    return config._replace(package=_package_of(spec)), spec


def check_package_name(name: str) -> None:
    """Raise ``GenerationError`` unless ``name`` can be imported as a package."""
    if not name.isidentifier() or not name.isascii() or keyword.iskeyword(name):
        message = f"package name {name!r} is not a valid Python identifier"
        raise GenerationError([Diagnostic(Severity.ERROR, Location("--package"), message)])


def _inputs_key(config: Config, spec_files: Iterable[str]) -> str:
    """The key of this generation's inputs, its spec read from ``spec_files`` (the files the
    last run read, relative to the spec's folder) and the spec itself; '' when one cannot
    be read (the full pipeline then reports why)."""
    from . import cache

    path = _spec_path(config)
    listed = sorted({*spec_files, path.name})
    try:
        folder = path.resolve().parent
        where = {name: path if name == path.name else folder / name for name in listed}
        allowed = (config.ref_root or folder).resolve()
        if any(not p.resolve().is_relative_to(allowed) for n, p in where.items() if n != path.name):
            return ""  # not a file this spec may read: the full pipeline says why
        if sum(p.stat().st_size for p in where.values()) > cache.MAX_SPEC_BYTES:
            return ""  # refused by load before it reads a byte; do not hash it either
        found = [(name, hashlib.sha256(where[name].read_bytes()).hexdigest()) for name in listed]
    except OSError:
        return ""
    return _key(config, found)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=str)


def _key(config: Config, spec_files: list[tuple[str, str]]) -> str:
    """The inputs key of ``config`` with a spec whose files have these digests."""
    from . import cache

    templates = cache.builtin_templates()
    return cache.inputs_key(
        spec_files,
        f"{config.package}\0{config.group_by}\0{_json(config.pagination)}",
        __version__,
        templates,
        config.templates,
        config.ref_root,
    )


def _unchanged(config: Config, key: str, owned: Manifest | None) -> Unchanged | None:
    """The package's files, client class and the last run's warnings when that run had
    these same inputs and nothing was touched since; None otherwise. Imports nothing heavy:
    this is the everyday no-op."""
    from . import cache
    from .output import manifest

    target = config.target
    if any(target.parent.glob(f".{target.name}.apiforge-*")):
        return None  # an interrupted run left something to clean: take the full path
    recorded = cache.recorded_run(target)
    if not key or recorded is None or owned is None or recorded.key != key:
        return None
    if recorded.warnings and recorded.spec != str(_spec_path(config)):
        return None  # its warnings name the spec as it was named then: say them anew
    current = manifest.existing(target)
    if manifest.sha256(current.get(manifest.NAME, b"")) != recorded.manifest_sha:
        return None
    if set(current) != set(owned.files) | {manifest.NAME}:
        return None
    if any(manifest.sha256(current[p]) != digest for p, digest in owned.files.items()):
        return None
    return Unchanged(sorted(current), owned.client, list(recorded.warnings))


def _strict(config: Config, found: list[Diagnostic]) -> list[Diagnostic]:
    """``found`` as this run reports it: every warning an error with ``--strict``."""
    if not config.strict:
        return found
    return [d._replace(severity=Severity.ERROR) for d in found]


def generate(config: Config, on_stage: OnStage = _silent) -> Report:
    """Generate (or with ``config.check``, compare) the package; problems go in the report.
    ``on_stage`` is told each stage the run enters."""
    from . import cache
    from .output import manifest

    report = Report()
    try:
        on_stage("reading the spec")
        config, spec = _named(config)
        report.target = config.target
        check_package_name(config.package)
        owned = manifest.read(config.target)
        key = _inputs_key(config, owned.spec_files if owned else ())
        same = _unchanged(config, key, owned)
        if same is not None:
            report.unchanged, report.client = same.files, same.client
            report.diagnostics = _strict(config, same.warnings)  # as the full run would say
            return report
        from .output import write  # past the no-op path, which must stay light

        files, warnings, report.client = render_files(config, spec, on_stage)
        report.diagnostics.extend(once(_strict(config, warnings)))
        if report.errors:
            return report
        target = config.target
        on_stage("comparing" if config.check else "writing")
        if config.check:
            current = manifest.existing(target)
            report.stale = write.stale(files, current)
            report.unchanged = sorted(set(files) - set(report.stale))
            report.diff = write.diff(files, current, str(target))
        else:
            with write.lock(target.parent):
                report.written = write.write(files, target, force=config.force)
            report.unchanged = sorted(set(files) - set(report.written))
        made = manifest.parse(files[manifest.NAME])
        if made is not None and not report.stale:
            key = _key(config, sorted(made.spec_files.items()))  # the bytes this run read
            spec_named = str(_spec_path(config))
            cache.record_run(target, key, files[manifest.NAME], spec_named, report.diagnostics)
    except GenerationError as exc:
        report.diagnostics.extend(once(_strict(config, exc.diagnostics)))
    except OSError as exc:
        where = Location(exc.filename or str(config.target))
        message = f"cannot write output: {exc.strerror or exc}"
        report.diagnostics.append(Diagnostic(Severity.ERROR, where, message))
    except Exception as exc:  # a bug of ours: a plain error line, the traceback kept aside
        import traceback

        message = f"internal error: {type(exc).__name__}: {exc}"
        hint = "please report this with the spec that caused it; `-v` shows where it happened"
        where = Location(str(config.spec or "apiforge"))
        report.diagnostics.append(Diagnostic(Severity.ERROR, where, message, hint))
        report.traceback = traceback.format_exc()
    return report
