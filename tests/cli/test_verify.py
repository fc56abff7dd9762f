"""``apiforge verify``: the vendored package checked against its manifest and its spec,
drift reported file by file, and anything that is not a generated package refused.

The command runs in a subprocess (``python -P -m apiforge``); nothing is mocked.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import (
    MANIFEST,
    VENDOR_PACKAGE,
    Cli,
    Vendored,
    copy_package,
    no_traceback,
    run_verify,
)


def test_verify_accepts_the_committed_package(
    cli: Cli, vendored: Vendored, spec_path: Path
) -> None:
    result = run_verify(cli, vendored.package, "--spec", spec_path, cwd=vendored.repo)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    files = json.loads((vendored.package / MANIFEST).read_text())["files"]
    assert f"({len(files)} files)" in result.stdout


def _edit(package: Path) -> str:
    path = package / "_client.py"
    path.write_bytes(path.read_bytes().replace(b"    def ", b"    def  ", 1))
    return "_client.py"


def _delete(package: Path) -> str:
    (package / "_enums.py").unlink()
    return "_enums.py"


def _add(package: Path) -> str:
    (package / "helpers").mkdir()
    (package / "helpers" / "extra.py").write_text("X = 1\n")
    return "helpers/extra.py"


def _edit_readme(package: Path) -> str:
    with (package / "README.md").open("a") as fh:
        fh.write("\nA note of ours.\n")
    return "README.md"


@pytest.mark.parametrize(
    ("change", "kind"),
    [(_edit, "edited"), (_edit_readme, "edited"), (_delete, "missing"), (_add, "extra")],
    ids=["hand-edit", "edited-readme", "deleted-file", "added-file"],
)
def test_verify_catches_drift(
    cli: Cli,
    vendored: Vendored,
    tmp_path: Path,
    change: Callable[[Path], str],
    kind: str,
) -> None:
    package = copy_package(vendored.package, tmp_path / VENDOR_PACKAGE)
    assert run_verify(cli, package, cwd=tmp_path).returncode == 0
    rel = change(package)

    result = run_verify(cli, package, cwd=tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    no_traceback(result)
    lines = result.stderr.splitlines()
    assert f"{package / rel}: {kind}" in lines, result.stderr
    named = [line for line in lines if line.endswith((": edited", ": missing", ": extra"))]
    assert named == [f"{package / rel}: {kind}"], "only the changed file is reported"


def test_verify_catches_a_changed_spec(
    cli: Cli, vendored: Vendored, tmp_path: Path, spec_path: Path
) -> None:
    package = copy_package(vendored.package, tmp_path / VENDOR_PACKAGE)
    spec = tmp_path / "spec.yaml"
    shutil.copy(spec_path, spec)
    assert run_verify(cli, package, "--spec", spec, cwd=tmp_path).returncode == 0
    text = spec.read_text(encoding="utf-8")
    assert text.count("description: The project id.") == 1
    spec.write_text(text.replace("description: The project id.", "description: The id."))

    result = run_verify(cli, package, "--spec", spec, cwd=tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    no_traceback(result)
    old = json.loads((package / MANIFEST).read_text())["spec_sha256"]
    new = hashlib.sha256(spec.read_bytes()).hexdigest()
    changed = [line for line in result.stderr.splitlines() if "changed since generation" in line]
    assert len(changed) == 1, result.stderr
    assert changed[0].startswith(f"{spec}: changed since generation")
    assert old[:12] in changed[0] and new[:12] in changed[0]
    assert not re.search(r": (edited|missing|extra)$", result.stderr, re.M)


def _no_manifest(tmp_path: Path) -> Path:
    target = tmp_path / "plain"
    target.mkdir()
    (target / "__init__.py").write_text("")
    return target


def _empty_dir(tmp_path: Path) -> Path:
    target = tmp_path / "empty"
    target.mkdir()
    return target


def _foreign_manifest(tmp_path: Path) -> Path:
    target = _no_manifest(tmp_path)
    (target / MANIFEST).write_text('{"generator": "someone-else", "files": {}}\n')
    return target


def _broken_manifest(tmp_path: Path) -> Path:
    target = _no_manifest(tmp_path)
    (target / MANIFEST).write_text('{"generator": "apiforge", "files": ')
    return target


def _a_file(tmp_path: Path) -> Path:
    target = tmp_path / "module.py"
    target.write_text("X = 1\n")
    return target


def _nothing(tmp_path: Path) -> Path:
    return tmp_path / "does-not-exist"


@pytest.mark.parametrize(
    "make",
    [_no_manifest, _empty_dir, _foreign_manifest, _broken_manifest, _a_file, _nothing],
    ids=["no-manifest", "empty-dir", "foreign-manifest", "broken-manifest", "file", "missing"],
)
def test_verify_refuses_what_is_not_a_generated_package(
    cli: Cli, tmp_path: Path, make: Callable[[Path], Path]
) -> None:
    target = make(tmp_path)

    result = run_verify(cli, target, cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    no_traceback(result)
    assert result.stderr.startswith(f"{target}: error: "), result.stderr
