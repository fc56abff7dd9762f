"""The command exits without freeing its heap (``cli.run``): what it prints still reaches
a pipe whole, and its exit code is ``main``'s."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from apiforge import cli
from support.cli import clean_env
from support.paths import UPSTREAM_SPEC


def _command(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env(APIFORGE_CACHE_DIR=str(cwd / "cache"))
    argv = [sys.executable, "-P", "-m", "apiforge", *args]
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_a_long_diff_reaches_the_pipe_whole_with_main_s_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "api.json"
    shutil.copy(UPSTREAM_SPEC, spec)
    assert _command(["generate", str(spec), "--output", "out", "-q"], tmp_path).returncode == 0
    # Another title renames every class that carries it: a diff of many files.
    text = spec.read_text(encoding="utf-8").replace('"Custom Vision Training Client"', '"Renamed"')
    spec.write_text(text, encoding="utf-8")
    args = ["generate", str(spec), "--output", "out", "--check", "--package", "customvision"]
    shown = _command(args, tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("APIFORGE_CACHE_DIR", str(tmp_path / "cache"))
    code = cli.main(args)
    printed = capsys.readouterr()
    assert shown.returncode == code == 1
    assert len(shown.stdout) > 10_000 and shown.stdout == printed.out


def test_an_error_exits_2(tmp_path: Path) -> None:
    result = _command(["generate", str(tmp_path / "missing.yaml")], tmp_path)
    assert result.returncode == 2 and "error" in result.stderr
