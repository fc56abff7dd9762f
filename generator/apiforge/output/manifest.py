"""The manifest a generated package carries: who made it, from which spec, and every
file's SHA-256. It lets ``generate`` know which files it owns, and a vendored copy be
checked for hand edits long after generation."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, NamedTuple

NAME = "apiforge-manifest.json"
_IGNORED_DIRS = {"__pycache__"}


class Manifest(NamedTuple):
    """What a manifest file records."""

    generator_version: str
    package: str
    client: str
    spec_name: str
    spec_sha256: str
    files: dict[str, str]
    spec_files: dict[str, str]  # every file of the spec read, relative to its folder


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def render(
    files: dict[str, bytes],
    *,
    version: str,
    package: str,
    client: str,
    spec: str,
    spec_sha: str,
    spec_files: dict[str, str],
) -> bytes:
    """The manifest of ``files``, as deterministic JSON (sorted, no timestamps).

    ``spec_files`` (path relative to the spec's folder → SHA-256) lists every file the spec
    was read from, the spec itself too, so that a change in any of them shows."""
    data = {
        "generator": "apiforge",
        "generator_version": version,
        "package": package,
        "client": client,
        "spec": spec,
        "spec_sha256": spec_sha,
        "spec_files": dict(sorted(spec_files.items())),
        "files": {path: sha256(content) for path, content in sorted(files.items())},
    }
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def read(directory: Path) -> Manifest | None:
    """The manifest in ``directory``, or None when there is none or it is not one of ours."""
    try:
        return parse((directory / NAME).read_bytes())
    except OSError:
        return None


def parse(text: bytes) -> Manifest | None:
    """The manifest ``text`` holds, or None when it is not one of ours."""
    try:
        data: Any = json.loads(text.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("generator") != "apiforge":
        return None
    files = data.get("files")
    if not isinstance(files, dict):
        return None
    return Manifest(
        generator_version=str(data.get("generator_version", "")),
        package=str(data.get("package", "")),
        client=str(data.get("client", "")),
        spec_name=str(data.get("spec", "")),
        spec_sha256=str(data.get("spec_sha256", "")),
        files={str(k): str(v) for k, v in files.items()},
        spec_files=_strings(data.get("spec_files")),
    )


def _strings(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def existing(target: Path) -> dict[str, bytes]:
    """The files under ``target`` by relative path, caches excluded."""
    found: dict[str, bytes] = {}
    if not target.is_dir():
        return found
    for root, dirs, files in os.walk(target):
        dirs[:] = sorted(d for d in dirs if d not in _IGNORED_DIRS)
        for name in files:
            path = Path(root, name)
            found[path.relative_to(target).as_posix()] = path.read_bytes()
    return found
