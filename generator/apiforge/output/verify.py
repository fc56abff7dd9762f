"""``apiforge verify``: does a generated package, wherever it was vendored, still match
its manifest, and (given the spec) the spec it was generated from?"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Diagnostic, GenerationError, Location, Severity
from . import manifest
from .manifest import existing


@dataclass
class Drift:
    """How a package differs from its manifest; empty lists mean it does not."""

    edited: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    spec_change: str = ""  # "old sha → new sha" when the spec changed since generation
    checked: int = 0

    @property
    def clean(self) -> bool:
        """True when nothing drifted."""
        return not (self.edited or self.missing or self.extra or self.spec_change)


def verify(directory: Path, spec: Path | None = None) -> Drift:
    """Compare ``directory`` with its manifest; raise ``GenerationError`` on bad input."""
    where = Location(str(directory))
    if not directory.is_dir():
        message = f"{directory} is not a directory"
        raise GenerationError([Diagnostic(Severity.ERROR, where, message)])
    recorded = manifest.read(directory)
    if recorded is None:
        message = f"no readable {manifest.NAME} in {directory}: not a package apiforge generated"
        raise GenerationError([Diagnostic(Severity.ERROR, where, message)])
    files = existing(directory)
    files.pop(manifest.NAME, None)
    drift = Drift(checked=len(recorded.files))
    for path, digest in sorted(recorded.files.items()):
        if path not in files:
            drift.missing.append(path)
        elif hashlib.sha256(files[path]).hexdigest() != digest:
            drift.edited.append(path)
    drift.extra = sorted(set(files) - set(recorded.files))
    if spec is not None:
        try:
            current = hashlib.sha256(spec.read_bytes()).hexdigest()
        except OSError as exc:
            message = f"cannot read spec: {exc.strerror or exc}"
            raise GenerationError(
                [Diagnostic(Severity.ERROR, Location(str(spec)), message)]
            ) from None
        if current != recorded.spec_sha256:
            drift.spec_change = f"{recorded.spec_sha256[:12]} → {current[:12]}"
    return drift
