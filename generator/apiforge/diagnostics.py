"""Problems found while generating, as values: a severity, a location and a message.

Every stage appends to a ``Report`` instead of raising or printing; the CLI alone decides
what reaches the terminal and which exit code that means.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import NamedTuple


class Severity(enum.Enum):
    """How bad a diagnostic is; errors stop generation before anything is written."""

    ERROR = "error"
    WARNING = "warning"


# NamedTuples, not dataclasses: importing dataclasses (and with it inspect) costs more than
# the whole everyday no-op regeneration, which reaches this module.
class Location(NamedTuple):
    """Where in which file a problem lies; line and column are 1-based, 0 when unknown."""

    file: str
    line: int = 0
    column: int = 0
    pointer: str = ""


class Diagnostic(NamedTuple):
    """One problem, printed as ``FILE:LINE:COL: error: MESSAGE (at #/json/pointer)``."""

    severity: Severity
    location: Location
    message: str
    hint: str = ""

    def format(self) -> str:
        """Render in the compiler style editors and CI annotations understand."""
        loc = self.location
        where = loc.file
        if loc.line:
            where += f":{loc.line}:{loc.column or 1}"
        text = f"{where}: {self.severity.value}: {self.message}"
        if loc.pointer:
            text += f" (at #{loc.pointer})"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


def once(found: list[Diagnostic]) -> list[Diagnostic]:
    """Each diagnostic once, in the order found: an object written in one file and used
    in many places (a shared parameter) gives the same diagnostic at each use."""
    return list(dict.fromkeys(found))


class GenerationError(Exception):
    """Raised by a stage that cannot go on; carries every diagnostic found so far."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("\n".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics

    def __reduce__(self) -> tuple[type[GenerationError], tuple[list[Diagnostic]]]:
        # Raised in a worker process, it crosses back pickled: with its diagnostics.
        return GenerationError, (self.diagnostics,)


class Report:
    """What one ``generate()`` call did: diagnostics, files written or stale, and the diff."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.written: list[str] = []
        self.unchanged: list[str] = []
        self.stale: list[str] = []
        self.diff = ""
        self.target: Path | None = None  # the package directory, once its name is known
        self.client = ""  # the generated client's class name
        self.traceback = ""  # where an internal error happened, for a bug report

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics that make the run fail."""
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def exit_code(self) -> int:
        """2 on any error, 1 when ``--check`` found stale output, 0 otherwise."""
        if self.errors:
            return 2
        return 1 if self.stale else 0
