"""The committed client is exactly what the generator makes, on any machine, every time."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import apiforge
import pytest
from apiforge import Config

Tree = dict[str, bytes]
PACKAGE = "customvision_training"
STALE = "generated/ is out of date: run `make generate` and commit the result"
HASH_SEEDS = ("0", "12345")


def test_committed_client_matches_generator(
    tmp_path: Path,
    spec_path: Path,
    golden_tree: Tree,
    tree: Callable[[Path], Tree],
    diff_trees: Callable[..., str],
) -> None:
    report = apiforge.generate(Config(spec=spec_path, output=tmp_path, package=PACKAGE))

    assert not report.errors, "\n".join(d.format() for d in report.errors)
    fresh = tree(tmp_path / PACKAGE)
    assert sorted(report.written) == sorted(fresh), "the report must list every file written"
    diff = diff_trees(golden_tree, fresh, ("committed", "regenerated"))
    if diff:
        pytest.fail(f"{STALE}\n\n{diff}", pytrace=False)
    assert fresh == golden_tree  # belt and braces: the diff helper must not hide a difference


@pytest.fixture(scope="module")
def seeded_runs(
    tmp_path_factory: pytest.TempPathFactory, repo_root: Path, spec_path: Path
) -> dict[str, Path]:
    """The CLI run concurrently under different hash seeds, each into its own directory."""
    outputs: dict[str, Path] = {}
    running: dict[str, subprocess.Popen[str]] = {}
    for seed in HASH_SEEDS:
        work = tmp_path_factory.mktemp(f"seed{seed}")
        outputs[seed] = work / "out"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env.update(
            PYTHONPATH=str(repo_root / "generator"),
            PYTHONHASHSEED=seed,
            PYTHONDONTWRITEBYTECODE="1",
        )
        command = [sys.executable, "-P", "-m", "apiforge", "generate", str(spec_path)]
        command += ["--output", str(outputs[seed]), "--package", PACKAGE]
        running[seed] = subprocess.Popen(
            command, cwd=work, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    for seed, process in running.items():
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, f"PYTHONHASHSEED={seed}: exit {process.returncode}\n{err}"
        assert "Traceback" not in out + err
    return {seed: path / PACKAGE for seed, path in outputs.items()}


def test_output_does_not_depend_on_hash_seed(
    seeded_runs: dict[str, Path],
    golden_tree: Tree,
    tree: Callable[[Path], Tree],
    diff_trees: Callable[..., str],
) -> None:
    first, second = (tree(seeded_runs[seed]) for seed in HASH_SEEDS)

    assert sorted(first) == sorted(golden_tree), "unexpected set of generated files"
    diff = diff_trees(first, second, tuple(f"PYTHONHASHSEED={seed}" for seed in HASH_SEEDS))
    assert not diff, f"output differs between PYTHONHASHSEED={HASH_SEEDS}:\n{diff}"
    assert first == second


def test_output_names_no_path_of_this_machine(
    seeded_runs: dict[str, Path],
    golden_tree: Tree,
    repo_root: Path,
    spec_path: Path,
    tree: Callable[[Path], Tree],
) -> None:
    forbidden = {
        str(repo_root),
        str(repo_root.parent) + os.sep,  # /work/  # not a read
        str(spec_path.parent),
        tempfile.gettempdir() + os.sep,
        str(Path.home()) + os.sep,
        *(str(path) for path in seeded_runs.values()),
        *(str(path.parent.parent) for path in seeded_runs.values()),  # the tmp dirs
    }
    forbidden = {needle for needle in forbidden if len(needle.strip(os.sep)) > 1}  # never "/"
    trees = {f"PYTHONHASHSEED={seed}": tree(path) for seed, path in seeded_runs.items()}
    trees["generated/"] = golden_tree
    leaks = [
        f"{label}: {rel} contains {needle!r}"
        for label, files in trees.items()
        for rel, content in files.items()
        for needle in sorted(forbidden)
        if needle.encode() in content
    ]
    assert not leaks, "\n".join(leaks)
