"""The repository needs nothing beside it: its test data is inside, and no test, benchmark
or script reaches for a path outside the checkout.

Two checks, each with a control that proves it can fail: a static scan of every file that
runs (tests, benchmarks, the Makefile, CI), and the audit hook of ``support/sandbox.py``
that watches every file the test process opens (installed for the whole run by conftest).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from support import sandbox
from support.paths import REPO_ROOT, UPSTREAM

# Files that run: their text must not point outside the checkout.
SCANNED = ("tests", "benchmarks", ".ci", "Makefile", "pyproject.toml", "package.json")
SKIPPED_DIRS = {"__pycache__", "specs", "fragments", "hostile", "multifile", "upstream"}  # data
SIBLING = re.compile(r"\.\./shared|\bshared/(?:specs|seed)\b|[\"']shared[\"']")
# The checkout's root under the names the tests and benchmarks give it, then one level up.
ROOT_PARENT = re.compile(r"\b(?:ROOT|REPO|REPO_ROOT|repo_root)\.parent\b")
FILE_PARENTS = re.compile(r"__file__\)?(?:\.resolve\(\))?((?:\.parent\b)+|\.parents\[(\d+)\])")
SHELL_UP = re.compile(r"\.\./")
# A line that names a place outside without reading it (to check output for machine paths).
NOT_A_READ = "# not a read"


def escapes(relative: Path, text: str) -> list[str]:
    """The lines of ``text`` (the file at ``relative`` in the checkout) that lead out of it."""
    found = []
    depth = len(relative.parts)  # Path(__file__) has this many parts below the root
    shell = relative.suffix not in (".py", ".toml", ".json")
    for number, line in enumerate(text.splitlines(), 1):
        why = ""
        if line.rstrip().endswith(NOT_A_READ):
            continue
        if SIBLING.search(line) or ROOT_PARENT.search(line):
            why = "names the folder beside the checkout"
        for match in FILE_PARENTS.finditer(line):
            ups = int(match.group(2)) + 1 if match.group(2) else match.group(1).count(".parent")
            if ups > depth:
                why = f"climbs {ups} levels from a file {depth} deep"
        if shell and SHELL_UP.search(line.replace('"$(dirname "$0")/.."', "")):
            why = "climbs with ../"
        if why:
            found.append(f"{relative}:{number}: {why}: {line.strip()}")
    return found


def scanned_files() -> list[Path]:
    files: list[Path] = []
    for name in SCANNED:
        path = REPO_ROOT / name
        if path.is_file():
            files.append(path)
            continue
        for child in sorted(path.rglob("*")):
            parts = set(child.relative_to(path).parts)
            if child.is_file() and not parts & SKIPPED_DIRS and child.suffix != ".pyc":
                if child == Path(__file__):  # its examples of ways out are data
                    continue
                files.append(child)
    return files


def test_no_file_that_runs_reaches_outside_the_checkout() -> None:
    files = scanned_files()
    assert len(files) > 30, "the scan found too few files to mean anything"
    found = [
        line
        for path in files
        for line in escapes(path.relative_to(REPO_ROOT), path.read_text(encoding="utf-8"))
    ]
    assert not found, "paths outside the checkout:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("relative", "text"),
    [
        ("tests/sdk/test_x.py", 'SPEC = Path(__file__).parents[2] / "shared/specs/a.json"'),
        ("tests/sdk/test_x.py", "DATA = Path(__file__).resolve().parent.parent.parent.parent"),
        ("benchmarks/generation.py", 'UPSTREAM = harness.ROOT.parent / "other" / "a.json"'),
        ("Makefile", "\tcp ../shared/specs/a.json spec/"),
        (".ci/run", 'cd "$(dirname "$0")/../.."'),
    ],
)
def test_the_scan_catches_each_way_out(relative: str, text: str) -> None:
    assert escapes(Path(relative), text), text


def test_the_scan_lets_paths_inside_pass() -> None:
    inside = 'ROOT = Path(__file__).resolve().parent.parent\ncd "$(dirname "$0")/.."\n'
    assert escapes(Path("benchmarks/harness.py"), inside) == []
    assert escapes(Path(".ci/run"), 'cd "$(dirname "$0")/.."') == []


def test_the_read_watch_catches_a_read_beside_the_checkout(tmp_path: Path) -> None:
    root, beside = tmp_path / "checkout", tmp_path / "shared"
    root.mkdir()
    beside.mkdir()
    (root / "inside.txt").write_text("in")
    (beside / "outside.txt").write_text("out")
    reads = sandbox.watch(root)
    try:
        (root / "inside.txt").read_text()
        assert reads.seen == []
        (beside / "outside.txt").read_text()
        sorted(beside.iterdir())
    finally:
        reads.active = False
    assert reads.seen == [f"open {beside / 'outside.txt'}", f"os.listdir {beside}"]


def test_upstream_data_is_the_published_bytes() -> None:
    """The copies are byte-exact: their hashes are the ones tests/upstream/README.md states."""
    readme = (UPSTREAM / "README.md").read_text(encoding="utf-8")
    stated = dict(re.findall(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", readme, re.M))
    assert set(stated) == {"customvision-training-v3.3.json", "examples/GetImagePerformances.json"}
    for name, digest in stated.items():
        assert hashlib.sha256((UPSTREAM / name).read_bytes()).hexdigest() == digest, name
