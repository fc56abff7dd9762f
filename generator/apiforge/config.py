"""Settings: ``[tool.apiforge]`` in pyproject.toml, overridden by command-line flags.

One target is written as keys of the table itself; several as ``[[tool.apiforge.targets]]``
entries, each with a ``name``. Paths in the file are relative to the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

# What a target leaves out: the package is then named after the spec (its title, else its
# file name) when it is generated; a spec has no default.
DEFAULTS = {"output": "generated"}
_KEYS = {"name", "spec", "output", "package", "templates", "ref_root", "group_by", "pagination"}
GROUP_BY = ("none", "tag")


class ConfigError(ValueError):
    """pyproject.toml's ``[tool.apiforge]`` cannot be used as written."""


class Config(NamedTuple):
    """One generation target; paths are absolute or relative to the working directory.

    A NamedTuple, as cheap to import as the no-op regeneration needs to be."""

    spec: Path | None
    output: Path
    package: str = ""
    check: bool = False
    force: bool = False
    strict: bool = False
    templates: Path | None = None
    name: str = "default"
    ref_root: Path | None = None  # where $refs may lead; None: the spec's own folder
    group_by: str = "none"  # "tag": operations as methods of a group per tag
    # operationId -> what x-apiforge-pagination would say, for a spec its users cannot edit
    pagination: dict[str, dict[str, Any]] | None = None

    @property
    def target(self) -> Path:
        """The package directory that generation replaces (once ``package`` is known)."""
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
    text = pyproject.read_bytes()
    if b"apiforge" not in text:  # not ours to read (nor to judge)
        return {}
    from . import cache

    known = cache.parsed_table(text)
    if known is not None:
        return known
    import tomllib  # a tenth of the no-op run: only when the cache does not have the table

    try:
        data = tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{pyproject}: {exc}") from None
    table = data.get("tool", {}).get("apiforge", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.apiforge] must be a table")
    cache.keep_table(text, table)
    return table


def _target(entry: dict[str, Any], base: Path, where: str) -> Config:
    """One target from its settings, with defaults for what it leaves out."""
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown setting {unknown[0]!r}; known: {sorted(_KEYS)}")
    settings = {**DEFAULTS, **{k: v for k, v in entry.items() if k != "targets"}}
    templates = settings.get("templates")
    spec = settings.get("spec")
    ref_root = settings.get("ref_root")
    group_by = str(settings.get("group_by", "none"))
    if group_by not in GROUP_BY:
        raise ConfigError(f"{where}: group_by must be one of {list(GROUP_BY)}, got {group_by!r}")
    pagination = settings.get("pagination")
    if pagination is not None and not (
        isinstance(pagination, dict) and all(isinstance(v, dict) for v in pagination.values())
    ):
        raise ConfigError(f"{where}: pagination must be a table of tables, by operationId")
    return Config(
        spec=base / str(spec) if spec else None,
        output=base / str(settings["output"]),
        package=str(settings.get("package", "")),
        templates=base / str(templates) if templates else None,
        name=str(settings.get("name", "default")),
        ref_root=base / str(ref_root) if ref_root else None,
        group_by=group_by,
        pagination=pagination,
    )


def targets(cwd: Path) -> list[Config]:
    """Every target the nearest pyproject.toml declares (the defaults when there is none)."""
    pyproject = find_pyproject(cwd)
    if pyproject is None:
        return [_target({}, cwd, "defaults")]
    table = _table(pyproject)
    base = pyproject.parent
    where = f"{pyproject}: [tool.apiforge]"
    entries = table.get("targets")
    if entries is None:
        return [_target(table, base, where)]
    stray = sorted(set(table) - {"targets"})
    if stray:
        raise ConfigError(f"{where}: {stray[0]!r} is ignored beside targets; set it in each target")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{where}: targets must be an array of tables")
    found = [_target(e, base, f"{where} targets[{i}]") for i, e in enumerate(entries)]
    names = [c.name for c in found]
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}: every target needs its own name, got {names}")
    return found


def load(cwd: Path, *, target: str | None = None, **overrides: Any) -> Config:
    """One target (the named one, else the first), with non-None ``overrides`` applied."""
    found = targets(cwd)
    if target is not None:
        matching = [c for c in found if c.name == target]
        if not matching:
            raise ConfigError(f"no target named {target!r}; known: {[c.name for c in found]}")
        found = matching
    return with_overrides(found[0], **overrides)


def with_overrides(config: Config, **overrides: Any) -> Config:
    """``config`` with the flags the user gave (None means not given)."""
    given = {k: v for k, v in overrides.items() if v is not None}
    return config._replace(**given)
