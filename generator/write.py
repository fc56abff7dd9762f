"""Stage 5: put the package on disk atomically, or compare it with what is there.

A new tree is written beside the old one and swapped in by renames, so an interrupted
run leaves either the old package or the new one, never a mixture.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from pathlib import Path

_IGNORED_DIRS = {"__pycache__"}


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


def stale(files: dict[str, bytes], target: Path) -> list[str]:
    """Relative paths that differ, are missing, or should not be there."""
    current = existing(target)
    return sorted(p for p in set(files) | set(current) if files.get(p) != current.get(p))


def diff(files: dict[str, bytes], target: Path, label: str) -> str:
    """A unified diff from what is on disk to what would be written."""
    current = existing(target)
    chunks: list[str] = []
    for path in stale(files, target):
        old = current.get(path, b"").decode("utf-8", "replace").splitlines(keepends=True)
        new = files.get(path, b"").decode("utf-8", "replace").splitlines(keepends=True)
        name = f"{label}/{path}"
        before = f"a/{name}" if path in current else "/dev/null"
        after = f"b/{name}" if path in files else "/dev/null"
        lines = list(difflib.unified_diff(old, new, before, after))
        # An empty file that appears or disappears has no lines to diff: name it anyway.
        chunks.extend(lines or [f"--- {before}\n", f"+++ {after}\n"])
    return "".join(c if c.endswith("\n") else c + "\n" for c in chunks)


def _recover(target: Path) -> None:
    """Finish a swap that an earlier run was interrupted in, restoring the old tree."""
    if target.exists():
        return
    leftovers = sorted(target.parent.glob(f".{target.name}.apiforge-old-*"))
    if leftovers:
        leftovers[-1].rename(target)


def write(files: dict[str, bytes], target: Path) -> list[str]:
    """Replace ``target`` with exactly ``files``; return the paths that changed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target)
    changed = stale(files, target)
    if not changed:
        return []
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.apiforge-new-", dir=target.parent))
    try:
        for rel, content in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        os.chmod(staging, 0o755)
        if target.exists():
            backup = Path(
                tempfile.mkdtemp(prefix=f".{target.name}.apiforge-old-", dir=target.parent)
            )
            backup.rmdir()
            target.rename(backup)
            staging.rename(target)
            shutil.rmtree(backup)
        else:
            staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return changed
