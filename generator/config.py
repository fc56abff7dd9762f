"""Settings: ``[tool.apiforge]`` in pyproject.toml, overridden by command-line flags."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

DEFAULTS = {
    "spec": "spec/customvision-training.yaml",
    "output": "generated",
    "package": "customvision_training",
}


@dataclass(frozen=True)
class Config:
    """One generation target; paths are absolute or relative to the working directory."""

    spec: Path
    output: Path
    package: str
    check: bool = False
    force: bool = False
    strict: bool = False

    @property
    def target(self) -> Path:
        """The package directory that generation replaces."""
        return self.output / self.package


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start``."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _table(pyproject: Path) -> dict[str, Any]:
    """The ``[tool.apiforge]`` table, or an empty one."""
    with pyproject.open("rb") as fh:
        data = tomllib.load(fh)
    table = data.get("tool", {}).get("apiforge", {})
    return table if isinstance(table, dict) else {}


def load(cwd: Path, **overrides: Any) -> Config:
    """Defaults, then pyproject.toml (paths relative to it), then non-None ``overrides``."""
    settings: dict[str, Any] = dict(DEFAULTS)
    base = cwd
    pyproject = find_pyproject(cwd)
    if pyproject is not None:
        base = pyproject.parent
        settings.update(_table(pyproject))
    config = Config(
        spec=base / str(settings["spec"]),
        output=base / str(settings["output"]),
        package=str(settings["package"]),
    )
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(config, **given)
