"""On a terminal, a run longer than ``APIFORGE_PROGRESS_AFTER`` seconds (1 by default)
shows the stage it is in: plain lines on stderr, nothing when stderr is no terminal or
with ``-q``. The real command runs in a subprocess, stderr on a pseudo-terminal.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.cli import clean_env, run_on_terminal
from support.paths import REPO_ROOT as REPO

SPEC = REPO / "spec" / "customvision-training.yaml"
STAGES = [
    "apiforge: reading the spec...",
    "apiforge: validating...",
    "apiforge: building the model...",
    "apiforge: rendering and formatting...",
]


def stage_lines(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if line.strip().endswith("...")]


def generate_args(tmp_path: Path, *extra: str) -> list[str]:
    return ["generate", str(SPEC), "--output", str(tmp_path / "out"), "--package", "p", *extra]


@pytest.mark.parametrize(("mode", "last"), [("generate", "writing"), ("check", "comparing")])
def test_a_slow_run_on_a_terminal_shows_each_stage(tmp_path: Path, mode: str, last: str) -> None:
    env = clean_env(APIFORGE_PROGRESS_AFTER="0")  # every run counts as slow
    if mode == "check":
        code, _, _ = run_on_terminal(generate_args(tmp_path), tmp_path, env)
        assert code == 0
        (tmp_path / "out" / "p" / "_models.py").write_text("# stale\n")
    args = generate_args(tmp_path, *(["--check"] if mode == "check" else []))
    code, _, stderr = run_on_terminal(args, tmp_path, env)
    assert code == (1 if mode == "check" else 0), stderr
    assert stage_lines(stderr) == [*STAGES, f"apiforge: {last}..."]


def test_a_fast_run_shows_nothing(tmp_path: Path) -> None:
    env = clean_env(APIFORGE_PROGRESS_AFTER="60")
    code, _, stderr = run_on_terminal(generate_args(tmp_path), tmp_path, env)
    assert (code, stage_lines(stderr)) == (0, [])


def test_quiet_or_no_terminal_shows_nothing(tmp_path: Path) -> None:
    env = clean_env(APIFORGE_PROGRESS_AFTER="0")
    code, _, stderr = run_on_terminal(generate_args(tmp_path, "-q"), tmp_path, env)
    assert (code, stage_lines(stderr)) == (0, [])
    piped = subprocess.run(
        [sys.executable, "-P", "-m", "apiforge", *generate_args(tmp_path, "--force")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (piped.returncode, stage_lines(piped.stderr)) == (0, []), piped.stderr
