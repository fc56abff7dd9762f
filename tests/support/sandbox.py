"""Catch a test reading beside the checkout (a sibling folder, another clone): what passes
here must pass in a clone on any machine, where nothing is beside it.

Python's audit hooks see every ``open``, ``os.listdir`` and ``os.scandir`` of the test
process. A path counts as outside when it is under the checkout's parent folder but not in
the checkout, and not somewhere every Python run reads (the interpreter, site-packages,
the temporary folder, the user's cache). Subprocesses are not seen here; the static scan in
``cli/test_self_contained.py`` covers the files they run.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

_EVENTS = frozenset({"open", "os.listdir", "os.scandir"})


def _prefix(path: Path | str) -> str:
    return os.path.join(os.path.abspath(path), "")


class ReadWatch:
    """Records reads under ``root``'s parent that are neither in ``root`` nor allowed."""

    def __init__(self, root: Path, allowed: Iterable[Path | str] = ()) -> None:
        self.root = _prefix(root)
        self.parent = _prefix(Path(root).parent)
        self.allowed = tuple({_prefix(p) for p in (root, *allowed)})
        self.seen: list[str] = []
        self.active = True

    def check(self, event: str, args: tuple[object, ...]) -> None:
        """The audit hook's work: note ``args[0]`` when it is a path outside."""
        if not self.active or event not in _EVENTS or not args:
            return
        target = args[0]
        if not isinstance(target, str | bytes | os.PathLike):
            return  # a file descriptor
        path = os.path.abspath(os.fsdecode(target))
        if not _prefix(path).startswith(self.parent):
            return
        if any(_prefix(path).startswith(a) for a in self.allowed):
            return
        self.seen.append(f"{event} {path}")


def everyday_reads() -> list[str]:
    """Places every test run may read, wherever the checkout is: the interpreter and its
    libraries, the temporary folder, the user's cache (apiforge's, hypothesis's)."""
    home_cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    places = [sys.prefix, sys.base_prefix, sys.exec_prefix, tempfile.gettempdir(), home_cache]
    places += [p for p in sys.path if p and os.path.isabs(p)]
    if os.environ.get("APIFORGE_CACHE_DIR"):
        places.append(os.environ["APIFORGE_CACHE_DIR"])
    return places


_WATCHES: list[ReadWatch] = []


def _hook(event: str, args: tuple[object, ...]) -> None:
    for watch in _WATCHES:
        watch.check(event, args)


def watch(root: Path, allowed: Iterable[Path | str] = ()) -> ReadWatch:
    """A new watch, active until ``.active`` is set False (audit hooks stay for good)."""
    if not _WATCHES:
        sys.addaudithook(_hook)
    found = ReadWatch(root, allowed)
    _WATCHES.append(found)
    return found
