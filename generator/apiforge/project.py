"""Setting a project up: ``apiforge init`` writes ``[tool.apiforge]`` into pyproject.toml,
and both it and ``apiforge generate`` look for a spec when none is named.

pyproject.toml is the user's file: it is parsed before and after the edit, and written
only when everything but ``[tool.apiforge]`` reads back exactly as it was.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from .config import ConfigError

# Where a spec usually is, in the order they are offered.
_SPEC_STEMS = ("openapi", "swagger", "api", "spec")
_SPEC_SUFFIXES = (".yaml", ".yml", ".json")
_SPEC_FOLDERS = (".", "spec", "specs", "api", "openapi", "docs")
# A table header line: [name] or [[name]], the name's spaces and quotes dropped.
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]\[]+?)\s*\]\]?\s*(?:#.*)?$")

MAKEFILE_LINES = "generate:\n\tapiforge generate\n"
PRE_COMMIT_SNIPPET = """\
  - repo: local
    hooks:
      - id: apiforge-check
        name: apiforge generate --check
        entry: apiforge generate --check --all
        language: system
        pass_filenames: false
        always_run: true
"""


def find_specs(folder: Path) -> list[Path]:
    """Files in ``folder`` (or a usual sub-folder) named like an OpenAPI document."""
    found = []
    for sub in _SPEC_FOLDERS:
        for stem in _SPEC_STEMS:
            for suffix in _SPEC_SUFFIXES:
                path = folder / sub / f"{stem}{suffix}"
                if path.is_file():
                    found.append(path)
    return found


def _relative(path: Path, base: Path) -> str:
    """``path`` as pyproject.toml should name it: relative to its folder, with ``/``."""
    return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()


def _toml_string(text: str) -> str:
    """A TOML basic string of ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c >= " " else f"\\u{ord(c):04x}" for c in escaped) + '"'


def block(pyproject: Path, spec: Path, output: Path, package: str) -> str:
    """The ``[tool.apiforge]`` table for these settings, paths relative to ``pyproject``."""
    base = pyproject.parent
    return (
        "[tool.apiforge]\n"
        f"spec = {_toml_string(_relative(spec, base))}\n"
        f"output = {_toml_string(_relative(output, base))}\n"
        f"package = {_toml_string(package)}\n"
    )


def _parse(text: str, where: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: {exc}; fix it before apiforge edits it") from None


def _without_ours(data: dict[str, Any]) -> dict[str, Any]:
    """The parsed document without ``tool.apiforge`` (nor ``tool`` when that empties it)."""
    rest = dict(data)
    tool = {k: v for k, v in rest.pop("tool", {}).items() if k != "apiforge"}
    return {**rest, "tool": tool} if tool else rest


def _cut_ours(text: str) -> str:
    """``text`` without the ``[tool.apiforge]`` tables (their headers and lines)."""
    kept: list[str] = []
    ours = False
    for line in text.splitlines(keepends=True):
        header = _HEADER.match(line)
        if header:
            name = re.sub(r"[\s\"']", "", header.group(1))
            ours = name == "tool.apiforge" or name.startswith("tool.apiforge.")
        if not ours:
            kept.append(line)
    return "".join(kept)


def configure(pyproject: Path, table: str, *, force: bool) -> bool:
    """Write ``table`` into ``pyproject`` (created if missing): appended after what is
    there, or replacing an existing ``[tool.apiforge]`` when ``force``. True when one was
    replaced. Raises ``ConfigError`` and writes nothing when that cannot be done safely."""
    text = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
    data = _parse(text, pyproject)
    replaced = "apiforge" in data.get("tool", {})
    if replaced and not force:
        raise ConfigError(f"{pyproject} already has [tool.apiforge]; pass --force to replace it")
    kept = _cut_ours(text) if replaced else text
    if kept and not kept.endswith("\n"):
        kept += "\n"
    new = kept + ("\n" if kept.strip() else "") + table
    try:
        after = tomllib.loads(new)
    except tomllib.TOMLDecodeError:
        after = {}
    if _without_ours(after) != _without_ours(data) or "apiforge" not in after.get("tool", {}):
        raise ConfigError(
            f"{pyproject}: its [tool.apiforge] is written in a form apiforge does not edit "
            "(an inline table or dotted keys); change it by hand"
        )
    _write_atomic(pyproject, new)
    return replaced


def _write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, keeping its permissions."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
