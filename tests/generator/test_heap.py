"""A run's long-lived data is frozen out of the collector's scans only while the run lasts
(``apiforge/heap.py``)."""

from __future__ import annotations

import gc
from pathlib import Path

from apiforge import Config, heap, render_files
from support.paths import UPSTREAM_SPEC


def test_what_a_run_froze_is_given_back_when_it_ends(tmp_path: Path) -> None:
    seen: list[int] = []
    original = gc.freeze

    def freeze() -> None:
        original()
        seen.append(gc.get_freeze_count())

    gc.freeze = freeze  # type: ignore[assignment]
    try:
        render_files(Config(spec=UPSTREAM_SPEC, output=tmp_path / "out", package="cv"))
    finally:
        gc.freeze = original  # type: ignore[assignment]
    assert len(seen) == 2 and seen[0] > 1000  # the document, then the model
    assert gc.get_freeze_count() == 0


def test_objects_a_caller_froze_stay_frozen() -> None:
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with heap.kept() as keep:
            keep()
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()


def test_garbage_made_during_a_run_is_still_collected() -> None:
    class Cycle:
        pass

    with heap.kept() as keep:
        keep()
        made = Cycle()
        made.self = made  # type: ignore[attr-defined]
        del made
        assert gc.collect() >= 1
