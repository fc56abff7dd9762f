"""A run's long-lived data kept out of the garbage collector's full scans.

A big spec's document and model are a few million objects that live until the run ends
and hold no reference cycles; each full collection still walked them all (GitHub's
description: four of them, 0.2-0.7 s in all). ``kept`` moves what exists when asked into
the collector's permanent generation (``gc.freeze``) and gives it back when the run ends,
so garbage made later is still collected, and nothing of the caller's stays frozen.

The command runs with the collector off (``cli.run``); ``collecting`` turns it on where
garbage with cycles is made in bulk (black's syntax trees). It also ends without tearing
the heap down (``os._exit``), and has the run's data outlive the functions that made it
(``outlive``): freeing GitHub's document and model as the stages returned took 0.04 s
of a regeneration after one schema changed, for nothing the process would do after.
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


_outliving: list[object] | None = None  # a list while the process ends unfreed


def outlive_all() -> None:
    """From now on, ``outlive`` keeps what it is given until the process ends: only for
    a process that ends without freeing its heap (``cli.run``)."""
    global _outliving
    _outliving = []


def outlive(*values: object) -> None:
    """Keep ``values`` alive until the process ends, when ``outlive_all`` was called
    (freeing them is then work for nothing); otherwise nothing."""
    if _outliving is not None:
        _outliving.extend(values)
