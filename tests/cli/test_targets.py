"""Targets in pyproject.toml (``[tool.apiforge]`` and ``[[tool.apiforge.targets]]``):
paths relative to pyproject.toml, ``--all`` and ``--target``, flags over a target, and
bad configuration refused with exit code 2.

The command runs in a subprocess (``python -P -m apiforge``); nothing is mocked.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.cli import LICENCE, Cli, no_traceback, summaries


@pytest.fixture
def project(tmp_path: Path, spec_path: Path, licence_templates: Path) -> Path:
    """A project with a spec, a template override and a subdirectory to run from."""
    root = tmp_path / "project"
    (root / "spec").mkdir(parents=True)
    shutil.copy(spec_path, root / "spec" / "api.yaml")
    shutil.copytree(licence_templates, root / "tpl")
    (root / "sub").mkdir()
    return root


TWO_TARGETS = """\
[project]
name = "consumer"

[[tool.apiforge.targets]]
name = "a"
spec = "spec/api.yaml"
output = "out_a"
package = "pkg_a"

[[tool.apiforge.targets]]
name = "b"
spec = "spec/api.yaml"
output = "out_b"
package = "pkg_b"
templates = "tpl"
"""


def has_licence(package: Path) -> bool:
    return LICENCE in (package / "_models.py").read_text().splitlines()


def test_all_targets_are_generated_relative_to_pyproject(cli: Cli, project: Path) -> None:
    (project / "pyproject.toml").write_text(TWO_TARGETS)

    result = cli("generate", "--all", cwd=project / "sub")

    assert result.returncode == 0, result.stderr
    assert not has_licence(project / "out_a" / "pkg_a")
    assert has_licence(project / "out_b" / "pkg_b")
    assert list((project / "sub").iterdir()) == [], "paths must be relative to pyproject.toml"
    targets = sorted(Path(m["target"]).relative_to(project) for m in summaries(result.stdout))
    assert targets == [Path("out_a/pkg_a"), Path("out_b/pkg_b")]


def test_one_target_by_name(cli: Cli, project: Path) -> None:
    (project / "pyproject.toml").write_text(TWO_TARGETS)

    result = cli("generate", "--target", "b", cwd=project)

    assert result.returncode == 0, result.stderr
    assert has_licence(project / "out_b" / "pkg_b")
    assert not (project / "out_a").exists()


def test_flags_override_the_named_target(cli: Cli, project: Path) -> None:
    (project / "pyproject.toml").write_text(TWO_TARGETS)

    renamed = cli("generate", "--target", "a", "--package", "pkg_flag", cwd=project)
    assert renamed.returncode == 0, renamed.stderr
    assert sorted(p.name for p in (project / "out_a").iterdir()) == ["pkg_flag"]
    assert not (project / "out_b").exists()

    # A flag's path is relative to the working directory; b keeps its templates.
    moved = cli("generate", "--target", "b", "--output", "here", cwd=project / "sub")
    assert moved.returncode == 0, moved.stderr
    assert has_licence(project / "sub" / "here" / "pkg_b")
    assert not (project / "out_b").exists()


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        (TWO_TARGETS.replace('package = "pkg_b"', 'pakage = "pkg_b"'), "pakage"),
        (TWO_TARGETS.replace('name = "b"', 'name = "a"'), "name"),
        (TWO_TARGETS.replace('[project]\nname = "consumer"', "[tool.apiforge]\nspek = 1"), "spek"),
        (
            '[tool.apiforge]\nspec = "spec/api.yaml"\noutput = "out"\npackage = "p"\n'
            'colour = "red"\n',
            "colour",
        ),
        (TWO_TARGETS.replace("[[tool.apiforge.targets]]", "[tool.apiforge.targets.x]", 1), ""),
        ("[tool.apiforge\n", "pyproject.toml"),
        (
            '[tool.apiforge]\nspec = "spec/api.yaml"\noutput = "out"\ngroup_by = "tags"\n',
            "group_by must be one of ['none', 'tag'], got 'tags'",
        ),
    ],
    ids=[
        "unknown-key-in-target",
        "duplicate-names",
        "table-and-targets",
        "unknown-key-single",
        "targets-not-array",
        "bad-toml",
        "group-by-unknown",
    ],
)
def test_bad_configuration_exits_2(cli: Cli, project: Path, toml: str, needle: str) -> None:
    (project / "pyproject.toml").write_text(toml)

    result = cli("generate", "--all", cwd=project)

    assert result.returncode == 2, result.stdout + result.stderr
    no_traceback(result)
    assert "error" in result.stderr and needle in result.stderr, result.stderr
    assert sorted(p.name for p in project.iterdir()) == ["pyproject.toml", "spec", "sub", "tpl"]


def test_unknown_target_name_exits_2(cli: Cli, project: Path) -> None:
    (project / "pyproject.toml").write_text(TWO_TARGETS)

    result = cli("generate", "--target", "c", cwd=project)

    assert result.returncode == 2, result.stdout + result.stderr
    no_traceback(result)
    assert "'c'" in result.stderr and "'a'" in result.stderr and "'b'" in result.stderr


def test_single_target_table_still_works(cli: Cli, project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.apiforge]\nspec = "spec/api.yaml"\noutput = "gen"\npackage = "solo"\n'
        'templates = "tpl"\n'
    )

    result = cli("generate", cwd=project / "sub")

    assert result.returncode == 0, result.stderr
    assert has_licence(project / "gen" / "solo")
    (line,) = summaries(result.stdout)
    assert Path(line["target"]) == project / "gen" / "solo"


def test_group_by_tag_from_the_table_and_the_flag(cli: Cli, project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.apiforge]\nspec = "spec/api.yaml"\noutput = "gen"\npackage = "solo"\n'
        'group_by = "tag"\n'
    )
    grouped = cli("generate", cwd=project)
    assert grouped.returncode == 0, grouped.stderr
    source = (project / "gen" / "solo" / "_client.py").read_text("utf-8")
    flat = cli("generate", "--group-by", "none", "--output", "flat", cwd=project)
    assert flat.returncode == 0, flat.stderr
    assert source != (project / "flat" / "solo" / "_client.py").read_text("utf-8")
    again = cli("generate", "--check", cwd=project)  # the setting is part of the inputs
    assert again.returncode == 0, again.stdout + again.stderr


PAGED = '[tool.apiforge]\nspec = "spec/api.yaml"\noutput = "gen"\npackage = "paged"\n\n'


def test_pagination_declared_in_pyproject_wins(cli: Cli, project: Path) -> None:
    # For a spec its users cannot edit: the same keys as x-apiforge-pagination, by
    # operationId; here over the spec's own declaration of that operation.
    (project / "pyproject.toml").write_text(
        PAGED + "[tool.apiforge.pagination.GetImagePerformances]\n"
        'offset = "skip"\nlimit = "take"\nname = "walk_images"\n'
    )
    result = cli("generate", cwd=project)
    assert result.returncode == 0, result.stderr
    source = (project / "gen" / "paged" / "_client.py").read_text("utf-8")
    assert "def walk_images(" in source and "def iter_image_performances(" not in source


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ('[tool.apiforge.pagination.NoSuchOperation]\npage = "page"\n', "'NoSuchOperation'"),
        (
            '[tool.apiforge.pagination.GetImagePerformances]\npage = "nope"\n',
            "[tool.apiforge.pagination] GetImagePerformances: page must name a query parameter",
        ),
        ("pagination = 3\n", "pagination must be a table of tables"),
    ],
    ids=["unknown-operation", "unknown-parameter", "not-a-table"],
)
def test_bad_pagination_in_pyproject_exits_2(
    cli: Cli, project: Path, table: str, needle: str
) -> None:
    (project / "pyproject.toml").write_text(PAGED + table)
    result = cli("generate", cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    no_traceback(result)
    assert needle in result.stderr, result.stderr
    assert not (project / "gen").exists()
