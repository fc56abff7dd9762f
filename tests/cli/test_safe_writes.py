"""What ``apiforge generate`` does to the package directory when things go wrong.

- Atomic replace: a run killed at any point leaves the previous package byte for byte, or
  (once it finished) the new one; never a mixture. The next run cleans what the killed one
  left beside the package and succeeds.
- Ownership: a directory apiforge did not make, or a stray file in one it did, is refused
  without ``--force`` and left untouched.
- Lock: two runs on one output at the same moment both succeed, one after the other.
- A failed generation leaves the previous package exactly as it was.

Runs are slowed down with ``APIFORGE_TEST_PAUSE_WRITE`` (seconds ``write.py`` sleeps after
each file it writes into its staging directory), so a test can kill one mid-write; kills
are timed by what is on disk (how many files are staged), never by the clock.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.paths import REPO_ROOT

PACKAGE = "pets"
PAUSE = "0.2"
Cli = Callable[..., subprocess.CompletedProcess[str]]
Tree = dict[str, bytes]

OLD_SPEC = """\
openapi: 3.0.3
info:
  title: Pets
  version: "1"
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
components:
  schemas:
    Pet:
      type: object
      properties:
        name: {type: string}
"""
# Another version of the API: every module of the package differs from the old one's.
NEW_SPEC = (
    OLD_SPEC.replace('version: "1"', 'version: "2"')
    .replace("title: Pets", "title: Pets\n  description: Version two.")
    .replace(
        "        name: {type: string}\n",
        "        name: {type: string}\n        kind:\n          type: string\n"
        "          enum: [cat, dog]\n",
    )
    .replace(
        "components:\n",
        "  /pets:\n    get:\n      operationId: listPets\n      responses:\n"
        '        "200":\n          description: OK\n          content:\n'
        "            application/json:\n              schema:\n"
        "                type: array\n"
        '                items: {$ref: "#/components/schemas/Pet"}\n'
        "components:\n",
    )
)
INVALID_SPEC = OLD_SPEC.replace("in: path", "in: nowhere")
# Valid for the validator, refused by the build stage: fails later in the pipeline.
UNSUPPORTED_SPEC = OLD_SPEC.replace(
    "        - {name: id, in: path, required: true, schema: {type: string}}\n",
    "        - {name: id, in: path, required: true, schema: {type: string}}\n"
    "        - {name: my session, in: cookie, schema: {type: string}}\n",
)


def read_tree(root: Path) -> Tree:
    """Every file under ``root`` by relative path (caches excluded)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def stat_tree(root: Path) -> dict[str, tuple[int, int, int]]:
    """(inode, mode, mtime_ns) of ``root`` and every entry beneath it."""
    return {
        p.relative_to(root).as_posix() or ".": (
            p.lstat().st_ino,
            p.lstat().st_mode,
            p.lstat().st_mtime_ns,
        )
        for p in [root, *sorted(root.rglob("*"))]
    }


def leftovers(output: Path) -> list[str]:
    """Anything in ``output`` besides the package: staging or old trees of a killed run."""
    return sorted(p.name for p in output.iterdir() if p.name != PACKAGE)


@pytest.fixture(scope="module", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """apiforge's cache (formatted blocks, the record of each output's last run) in a
    directory of this module's own, for every run here."""
    folder = tmp_path_factory.mktemp("apiforge-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APIFORGE_CACHE_DIR", str(folder))
        yield folder


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(
        {"PYTHONPATH": str(REPO_ROOT / "generator"), "PYTHONDONTWRITEBYTECODE": "1", **extra}
    )
    return env


def start(spec: Path, output: Path, *extra: str, pause: str = PAUSE) -> subprocess.Popen[str]:
    """``apiforge generate`` in the background, pausing after each staged file."""
    command = [sys.executable, "-P", "-m", "apiforge", "generate", str(spec)]
    command += ["--output", str(output), "--package", PACKAGE, *extra]
    return subprocess.Popen(
        command,
        cwd=spec.parent,
        env=environment(APIFORGE_TEST_PAUSE_WRITE=pause),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen[str], what: str) -> None:
    """Poll until ``condition`` holds; fail if the process ends first or after 60 s."""
    deadline = time.monotonic() + 60
    while not condition():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the run ended (exit {proc.returncode}) before {what}:\n{out}{err}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


def staged_files(output: Path) -> int:
    """Files in the staging directories beside the package."""
    return sum(
        1 for d in output.glob(f".{PACKAGE}.apiforge-new-*") for p in d.rglob("*") if p.is_file()
    )


@dataclass(frozen=True)
class Trees:
    """The two generations a run goes between, made once by plain runs."""

    old_output: Path  # holds PACKAGE generated from OLD_SPEC
    old: Tree
    new: Tree


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory, cli: Cli) -> Trees:
    work = tmp_path_factory.mktemp("trees")
    for name, text in (("old.yaml", OLD_SPEC), ("new.yaml", NEW_SPEC)):
        (work / name).write_text(text, encoding="utf-8")
        out = work / f"{name[:3]}-out"
        result = cli("generate", name, "--output", out, "--package", PACKAGE, cwd=work)
        assert result.returncode == 0, result.stderr
    old, new = read_tree(work / "old-out" / PACKAGE), read_tree(work / "new-out" / PACKAGE)
    differing = [p for p in old if p.endswith(".py") and old[p] != new.get(p)]
    assert len(differing) >= 5, f"the variants should differ in most modules: {differing}"
    return Trees(work / "old-out", old, new)


@pytest.fixture
def specs(tmp_path: Path) -> dict[str, Path]:
    found = {}
    for name, text in (
        ("new", NEW_SPEC),
        ("old", OLD_SPEC),
        ("invalid", INVALID_SPEC),
        ("unsupported", UNSUPPORTED_SPEC),
    ):
        found[name] = tmp_path / f"{name}.yaml"
        found[name].write_text(text, encoding="utf-8")
    return found


@pytest.fixture
def output(trees: Trees, tmp_path: Path) -> Path:
    """A fresh output directory holding the old generation."""
    out = tmp_path / "out"
    shutil.copytree(trees.old_output, out, copy_function=shutil.copy2)
    assert read_tree(out / PACKAGE) == trees.old
    return out


# --- atomic replace under SIGKILL -------------------------------------------------------------

# When to kill: after this many files are in the staging directory. 0 is as soon as the
# staging directory exists; "all" once the last file is staged (the run is then in its
# pause, just before the swap).
KILL_POINTS = [0, 1, 5, "all"]


@pytest.mark.parametrize("staged", KILL_POINTS, ids=[f"after-{k}-staged" for k in KILL_POINTS])
def test_killed_mid_write_leaves_the_old_package(
    staged: int | str, output: Path, trees: Trees, specs: dict[str, Path], cli: Cli
) -> None:
    count = len(trees.new) if staged == "all" else int(staged)
    proc = start(specs["new"], output)
    try:
        wait_until(
            lambda: (
                any(output.glob(f".{PACKAGE}.apiforge-new-*")) and staged_files(output) >= count
            ),
            proc,
            f"{count} files were staged",
        )
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert read_tree(output / PACKAGE) == trees.old, "a killed run changed the package"
    # The next normal run cleans up after the killed one and writes the new package.
    result = cli(
        "generate", specs["new"], "--output", output, "--package", PACKAGE, cwd=output.parent
    )
    assert result.returncode == 0, result.stderr
    assert read_tree(output / PACKAGE) == trees.new
    assert leftovers(output) == []


def test_killed_before_writing_leaves_the_old_package(
    output: Path, trees: Trees, specs: dict[str, Path], cli: Cli
) -> None:
    """Killed about half a second in: loading, validating or formatting, nothing staged."""
    proc = start(specs["new"], output)
    try:
        time.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.communicate()
    assert read_tree(output / PACKAGE) == trees.old
    result = cli(
        "generate", specs["new"], "--output", output, "--package", PACKAGE, cwd=output.parent
    )
    assert result.returncode == 0, result.stderr
    assert read_tree(output / PACKAGE) == trees.new
    assert leftovers(output) == []


def test_run_left_to_finish_leaves_the_new_package(
    output: Path, trees: Trees, specs: dict[str, Path]
) -> None:
    proc = start(specs["new"], output)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert read_tree(output / PACKAGE) == trees.new
    assert leftovers(output) == []


def test_leftovers_of_killed_runs_are_cleaned_by_the_next_run(
    output: Path, trees: Trees, specs: dict[str, Path], cli: Cli
) -> None:
    """Runs killed mid-write leave staging directories; the next run cleans them even
    when it finds the package up to date and has nothing to write."""
    args = ("--output", output, "--package", PACKAGE)
    settled = cli("generate", specs["old"], *args, cwd=output.parent)  # the everyday no-op
    assert settled.returncode == 0 and ": 0 written" in settled.stdout, settled.stderr
    for _ in range(2):
        proc = start(specs["new"], output)
        try:
            wait_until(lambda: staged_files(output) >= 2, proc, "2 files were staged")
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            proc.communicate()
        assert read_tree(output / PACKAGE) == trees.old
    assert len([n for n in leftovers(output) if n.startswith(f".{PACKAGE}.apiforge-new-")]) >= 1
    result = cli("generate", specs["old"], *args, cwd=output.parent)
    assert result.returncode == 0, result.stderr
    assert read_tree(output / PACKAGE) == trees.old
    assert leftovers(output) == [], "an up-to-date run must still remove staging leftovers"
    # A run with something to write succeeds beside them as well.
    assert cli("generate", specs["new"], *args, cwd=output.parent).returncode == 0
    assert read_tree(output / PACKAGE) == trees.new and leftovers(output) == []


# --- ownership --------------------------------------------------------------------------------


def test_foreign_directory_is_refused_without_force_and_replaced_with_it(
    tmp_path: Path, trees: Trees, specs: dict[str, Path], cli: Cli
) -> None:
    output = tmp_path / "out"
    mine = output / PACKAGE
    (mine / "sub").mkdir(parents=True)
    (mine / "__init__.py").write_text("# my own code\n", encoding="utf-8")
    (mine / "sub" / "notes.txt").write_text("keep me\n", encoding="utf-8")
    before, stats = read_tree(mine), stat_tree(mine)
    result = cli("generate", specs["new"], "--output", output, "--package", PACKAGE, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "apiforge-manifest.json" in result.stderr and "--force" in result.stderr, result.stderr
    assert str(mine) in result.stderr
    assert read_tree(mine) == before and stat_tree(mine) == stats
    assert leftovers(output) == []

    forced = cli(
        "generate", specs["new"], "--output", output, "--package", PACKAGE, "--force", cwd=tmp_path
    )
    assert forced.returncode == 0, forced.stderr
    assert read_tree(mine) == trees.new
    assert leftovers(output) == []


def test_empty_foreign_directory_is_used(
    tmp_path: Path, trees: Trees, specs: dict[str, Path], cli: Cli
) -> None:
    (tmp_path / "out" / PACKAGE).mkdir(parents=True)
    result = cli("generate", specs["new"], "--output", "out", "--package", PACKAGE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert read_tree(tmp_path / "out" / PACKAGE) == trees.new


@pytest.mark.parametrize("stray", ["extra.py", "sub/deeper/data.json"])
def test_stray_file_in_owned_package_is_refused_without_force(
    stray: str, output: Path, trees: Trees, specs: dict[str, Path], cli: Cli
) -> None:
    path = output / PACKAGE / stray
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# hand-written\n", encoding="utf-8")
    before, stats = read_tree(output / PACKAGE), stat_tree(output / PACKAGE)
    result = cli(
        "generate", specs["new"], "--output", output, "--package", PACKAGE, cwd=output.parent
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert stray in result.stderr and "--force" in result.stderr, result.stderr
    assert read_tree(output / PACKAGE) == before and stat_tree(output / PACKAGE) == stats
    assert leftovers(output) == []

    forced = cli(
        "generate",
        specs["new"],
        "--output",
        output,
        "--package",
        PACKAGE,
        "--force",
        cwd=output.parent,
    )
    assert forced.returncode == 0, forced.stderr
    assert read_tree(output / PACKAGE) == trees.new


# --- the lock ---------------------------------------------------------------------------------


@pytest.mark.parametrize("starting_from", ["old-package", "nothing"])
def test_two_runs_at_once_both_succeed_and_leave_one_clean_package(
    starting_from: str, output: Path, trees: Trees, specs: dict[str, Path]
) -> None:
    if starting_from == "nothing":
        (output / PACKAGE).rename(output.parent / "moved-away")
    first, second = start(specs["new"], output), start(specs["new"], output)
    results = [p.communicate(timeout=120) for p in (first, second)]
    assert first.returncode == second.returncode == 0, results
    assert read_tree(output / PACKAGE) == trees.new
    assert leftovers(output) == []
    summaries = sorted(out.strip().rsplit(": ", 1)[-1] for out, _ in results)
    written = [int(s.split(" written")[0]) for s in summaries]
    # One run wrote the package; the other, let in after it, found it up to date.
    assert sorted(written)[0] == 0 and sorted(written)[1] > 0, summaries


# --- failures leave the previous package ------------------------------------------------------


@pytest.mark.parametrize("spec", ["invalid", "unsupported"])
def test_failed_generation_leaves_the_previous_package_exactly(
    spec: str, output: Path, trees: Trees, specs: dict[str, Path], cli: Cli
) -> None:
    before = stat_tree(output)
    result = cli(
        "generate", specs[spec], "--output", output, "--package", PACKAGE, cwd=output.parent
    )
    assert result.returncode == 2, result.stderr
    assert f"{spec}.yaml:" in result.stderr and "nothing was written" in result.stderr
    assert read_tree(output / PACKAGE) == trees.old
    assert stat_tree(output) == before
