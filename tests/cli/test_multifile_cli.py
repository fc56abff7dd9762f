"""A spec split across files, from the command line: ``generate --check`` and the no-op
path notice a change in any file the spec reads, a regeneration picks it up, ``verify
--spec`` names the file that changed, moving a file renames nothing, and ``--ref-root``
(or ``ref_root`` in ``[tool.apiforge]``) lets references leave the spec's folder.

The command runs in a subprocess (``python -P -m apiforge``) on copies of
``tests/multifile/cloud/``; nothing is mocked.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from support.cli import Cli, no_traceback, summaries
from support.multifile import MULTIFILE

PACKAGE = "cloud"
MANIFEST = "apiforge-manifest.json"


def read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory, cli: Cli) -> Path:
    """The cloud spec and its package, generated once: ``spec/`` and ``out/``."""
    work = tmp_path_factory.mktemp("multifile")
    shutil.copytree(MULTIFILE / "cloud", work / "spec")
    result = cli("generate", "spec/openapi.yaml", "--output", "out", "--package", PACKAGE, cwd=work)
    assert result.returncode == 0, result.stderr
    return work


@pytest.fixture
def work(baseline: Path, tmp_path: Path) -> Path:
    """A private copy of the baseline, mtimes kept."""
    shutil.copytree(baseline, tmp_path / "w", copy_function=shutil.copy2)
    return tmp_path / "w"


def generate(cli: Cli, work: Path, *extra: str) -> tuple[int, str]:
    args = ("generate", "spec/openapi.yaml", "--output", "out", "--package", PACKAGE, *extra)
    result = cli(*args, cwd=work)
    no_traceback(result)
    return result.returncode, result.stdout + result.stderr


# One file of each kind: the root, a schema, a JSON file, a whole path item, a file of
# nested fragments reached only through another file (every file's bytes count in the
# no-op key: tests/generator/test_multifile.py).
TOUCHED = [
    "openapi.yaml",
    "resources/droplets/models/droplet.yml",
    "resources/sizes/models/size.json",
    "resources/regions/regions_path.yml",
    "resources/shared/models/link_sets.yml",
]


@pytest.mark.parametrize("rel", TOUCHED)
def test_a_change_in_any_file_makes_the_output_stale(rel: str, work: Path, cli: Cli) -> None:
    assert generate(cli, work, "--check")[0] == 0
    path = work / "spec" / rel
    path.write_bytes(path.read_bytes() + b"\n\n")  # changes nothing but the file's bytes

    code, output = generate(cli, work, "--check")

    assert code == 1, output
    assert f'"{rel}": ' in output  # the manifest's line for the file, in the diff
    code, output = generate(cli, work)
    assert code == 0, output
    manifest = json.loads((work / "out" / PACKAGE / MANIFEST).read_text())
    assert manifest["spec_files"][rel] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert generate(cli, work, "--check")[0] == 0
    (summary,) = summaries(generate(cli, work)[1])
    assert summary["written"] == "0"  # and the next run is a no-op again


def test_a_change_deep_in_the_tree_reaches_the_package(work: Path, cli: Cli) -> None:
    pg = work / "spec/resources/databases/models/engines/pg.yml"
    pg.write_text(
        pg.read_text().replace("  extensions:\n", "  locale:\n    type: string\n  extensions:\n")
    )
    assert generate(cli, work, "--check")[0] == 1
    assert generate(cli, work)[0] == 0
    assert "locale: str | None = None" in (work / "out" / PACKAGE / "_models.py").read_text()


def test_verify_names_the_file_of_the_spec_that_changed(work: Path, cli: Cli) -> None:
    package = work / "out" / PACKAGE
    assert cli("verify", package, "--spec", "spec/openapi.yaml", cwd=work).returncode == 0
    changed = work / "spec/resources/shared/models/error.yml"
    changed.write_text(changed.read_text() + "# edited\n")
    (work / "spec/resources/vpcs/models/vpc.yml").unlink()

    result = cli("verify", package, "--spec", "spec/openapi.yaml", cwd=work)

    assert result.returncode == 1, result.stdout + result.stderr
    no_traceback(result)
    lines = [line for line in result.stderr.splitlines() if "changed since generation" in line]
    assert [line.split(":")[0] for line in lines] == [
        "spec/resources/shared/models/error.yml",
        "spec/resources/vpcs/models/vpc.yml",
    ]
    assert lines[1].endswith("→ missing)")


def test_moving_a_file_renames_nothing(work: Path, cli: Cli) -> None:
    before = read_tree(work / "out" / PACKAGE)
    spec = work / "spec" / "resources"
    # Two files move down a folder; the references to them, and theirs, follow.
    moves = {
        "shared/models/link_sets.yml": "shared/models/pages/link_sets.yml",
        "droplets/models/action.yml": "droplets/models/actions/action.yml",
    }
    for old, new in moves.items():
        (spec / new).parent.mkdir()
        (spec / old).rename(spec / new)
    edits = {
        "shared/models/page_links.yml": [("link_sets.yml#", "pages/link_sets.yml#")],
        "droplets/models/droplet.yml": [("$ref: action.yml", "$ref: actions/action.yml")],
        "droplets/models/actions/action.yml": [("../../regions/", "../../../regions/")],
    }
    for rel, replacements in edits.items():
        text = (spec / rel).read_text()
        for old, new in replacements:
            assert text.count(old) == 1, (rel, old)
            text = text.replace(old, new)
        (spec / rel).write_text(text)

    code, output = generate(cli, work)

    assert code == 0, output
    after = read_tree(work / "out" / PACKAGE)
    assert sorted(after) == sorted(before)
    changed = [name for name in before if before[name] != after[name]]
    assert changed == [MANIFEST]  # the same classes, named alike: only the file list moved
    listed = json.loads(after[MANIFEST])["spec_files"]
    assert "resources/droplets/models/actions/action.yml" in listed


SPLIT_ROOT = """\
openapi: 3.0.3
info: {title: Split, version: "1"}
paths:
  /a:
    get:
      operationId: getA
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema: {$ref: "../common/thing.yaml"}
"""


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A project whose spec refers to a file beside its folder."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "common").mkdir()
    (tmp_path / "specs" / "api.yaml").write_text(SPLIT_ROOT)
    (tmp_path / "common" / "thing.yaml").write_text(
        "type: object\nproperties: {a: {type: string}}\n"
    )
    return tmp_path


def test_references_leave_the_spec_folder_only_when_the_root_is_widened(
    outside: Path, cli: Cli
) -> None:
    args = ("generate", "specs/api.yaml", "--output", "out", "--package", "p")
    refused = cli(*args, cwd=outside)
    assert refused.returncode == 2
    assert (
        "specs/api.yaml:12:30: error: $ref '../common/thing.yaml' points outside" in refused.stderr
    )
    assert not (outside / "out").exists()

    widened = cli(*args, "--ref-root", ".", cwd=outside)

    assert widened.returncode == 0, widened.stderr
    listed = json.loads((outside / "out" / "p" / MANIFEST).read_text())["spec_files"]
    assert sorted(listed) == ["../common/thing.yaml", "api.yaml"]


def test_ref_root_in_pyproject(outside: Path, cli: Cli) -> None:
    (outside / "pyproject.toml").write_text(
        '[tool.apiforge]\nspec = "specs/api.yaml"\noutput = "out"\npackage = "p"\nref_root = "."\n'
    )
    (outside / "sub").mkdir()
    assert cli("generate", cwd=outside / "sub").returncode == 0  # relative to pyproject.toml
    assert cli("generate", "--check", cwd=outside).returncode == 0
    (outside / "common" / "thing.yaml").write_text(
        "type: object\nproperties: {b: {type: string}}\n"
    )
    assert cli("generate", "--check", cwd=outside).returncode == 1
