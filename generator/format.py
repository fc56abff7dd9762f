"""Stage 4: format rendered modules with black, in process."""

from __future__ import annotations

import black
from black.mode import Mode, TargetVersion
from black.parsing import InvalidInput

from .diagnostics import Diagnostic, GenerationError, Location, Severity

MODE = Mode(target_versions={TargetVersion.PY311}, line_length=88)


def format_module(path: str, source: str) -> str:
    """Black-formatted ``source``; a template that emits invalid Python is our bug, reported."""
    if not path.endswith(".py"):
        return source
    try:
        return black.format_str(source, mode=MODE)
    except InvalidInput as exc:
        message = f"internal error: the templates produced invalid Python: {exc}"
        hint = "please report this with the spec that caused it"
        raise GenerationError([Diagnostic(Severity.ERROR, Location(path), message, hint)]) from None


def format_package(files: dict[str, str]) -> dict[str, str]:
    """Every module of a package formatted; other files untouched."""
    return {path: format_module(path, text) for path, text in files.items()}
