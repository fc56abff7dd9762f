"""A run's long-lived data kept out of the garbage collector's full scans.

A big spec's document and model are a few million objects that live until the run ends
and hold no reference cycles; each full collection still walked them all (GitHub's
description: four of them, 0.2-0.7 s in all). ``kept`` moves what exists when asked into
the collector's permanent generation (``gc.freeze``) and gives it back when the run ends,
so garbage made later is still collected, and nothing of the caller's stays frozen.

The command runs with the collector off (``cli.run``); ``collecting`` turns it on where
garbage with cycles is made in bulk (black's syntax trees).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def kept() -> Iterator[Callable[[], None]]:
    """A function that freezes every object alive when it is called, until the block
    ends. It does nothing when something else froze objects already (their owner decides
    when they are unfrozen)."""
    if gc.get_freeze_count():
        yield lambda: None
        return
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


@contextmanager
def collecting() -> Iterator[None]:
    """The cyclic garbage collector on for the block, and as it was after it."""
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was:
            gc.disable()
