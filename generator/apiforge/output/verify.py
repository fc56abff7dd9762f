"""``apiforge verify``: does a generated package, wherever it was vendored, still match
its manifest, and (given the spec) the spec it was generated from?"""

from __future__ import annotations

import hashlib
import os
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
    # (a file of the spec, "old sha → new sha") for each that changed since generation
    spec_changes: list[tuple[Path, str]] = field(default_factory=list)
    checked: int = 0

    @property
    def clean(self) -> bool:
        """True when nothing drifted."""
        return not (self.edited or self.missing or self.extra or self.spec_changes)


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
        drift.spec_changes = _spec_changes(spec, recorded)
    return drift


def _spec_changes(spec: Path, recorded: manifest.Manifest) -> list[tuple[Path, str]]:
    """Each file of the spec whose bytes are not the ones generated from: the spec itself,
    and the other files it was read from (relative to its folder)."""
    files = dict(recorded.spec_files) or {recorded.spec_name: recorded.spec_sha256}
    files.pop(recorded.spec_name, None)  # the spec is the one named, whatever its name now
    folder = spec.resolve().parent  # where the spec really is: the paths start there
    shown = {folder / n: Path(os.path.normpath(spec.parent / n)) for n in files}
    changes = []
    for path, digest in [
        (spec, recorded.spec_sha256),
        *((folder / n, d) for n, d in files.items()),
    ]:
        try:
            current = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            if path != spec and not path.exists():
                changes.append((shown[path], f"{digest[:12]} → missing"))
                continue
            message = f"cannot read spec: {exc.strerror or exc}"
            where = Location(str(shown.get(path, path)))
            raise GenerationError([Diagnostic(Severity.ERROR, where, message)]) from None
        if current != digest:
            changes.append((shown.get(path, path), f"{digest[:12]} → {current[:12]}"))
    return changes
