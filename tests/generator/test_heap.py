"""A run's long-lived data is frozen out of the collector's scans only while the run lasts
(``apiforge/heap.py``); the command runs with the collector off, but for black."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest
from apiforge import Config, heap, ir, render_files
from apiforge.load import LoadedSpec
from apiforge.output import format, ruffed
from support.cli import clean_env
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


def test_the_command_runs_with_the_collector_off(tmp_path: Path) -> None:
    script = (
        "import gc\n"
        "from apiforge import cli\n"
        "from apiforge import heap\n"
        "def main(argv=None):\n"
        "    print('collector on:', gc.isenabled(), 'outliving:', heap._outliving)\n"
        "    return 0\n"
        "cli.main = main\n"
        "cli.run()\n"
    )
    env = clean_env(APIFORGE_CACHE_DIR=str(tmp_path / "cache"))
    shown = subprocess.run(
        [sys.executable, "-P", "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0 and shown.stdout == "collector on: False outliving: []\n"


def test_only_a_process_that_ends_unfreed_keeps_the_run_s_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Config(spec=UPSTREAM_SPEC, output=tmp_path / "out", package="cv")
    monkeypatch.setattr(heap, "_outliving", None)
    render_files(config)
    assert heap._outliving is None  # a library call frees what it made
    heap.outlive_all()
    render_files(config)
    kept = heap._outliving or []
    assert any(isinstance(v, LoadedSpec) for v in kept) and any(isinstance(v, ir.Api) for v in kept)


def test_black_formats_with_the_collector_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ruffed.BLACK_ONLY_ENV, "1")  # black formats the block, not ruff
    seen: list[bool] = []
    black = format._black

    def watched(source: str) -> str:
        seen.append(gc.isenabled())
        return black(source)

    monkeypatch.setattr(format, "_black", watched)
    gc.disable()
    try:
        assert format._format_all(["x = ( 1 )\n"], black_workers=False) == ["x = 1\n"]
        assert not gc.isenabled()  # as it was
    finally:
        gc.enable()
    assert seen == [True]


def test_collecting_leaves_an_enabled_collector_on() -> None:
    with heap.collecting():
        assert gc.isenabled()
    assert gc.isenabled()
