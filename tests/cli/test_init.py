"""``apiforge init``: ``[tool.apiforge]`` written into pyproject.toml so that
``apiforge generate`` alone regenerates the client, the user's other content untouched.

Everything runs the real command in a subprocess, in a temporary folder.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import yaml
from support.cli import Cli

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Medcorder Nearby Doctor API", "version": "1.0.0"},
    "servers": [{"url": "https://api.medcorder.example/v1"}],
    "paths": {
        "/doctors": {
            "get": {"operationId": "listDoctors", "responses": {"200": {"description": "OK"}}}
        }
    },
}
PACKAGE = "medcorder_nearby_doctor_api"
EXISTING = """\
# The user's own project file: every byte of this must survive.
[project]
name = "clinic-app"   # trailing comment
version = "0.3.0"
dependencies = ["httpx>=0.28", 'msgspec>=0.19']

[tool.ruff]
line-length = 100
"""


def write_spec(folder: Path, name: str = "doctors.json") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(SPEC), encoding="utf-8")
    return path


def table(folder: Path) -> dict[str, object]:
    data = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    found: dict[str, object] = data["tool"]["apiforge"]
    return found


def test_init_creates_pyproject_and_generate_alone_then_regenerates(
    cli: Cli, tmp_path: Path
) -> None:
    write_spec(tmp_path)

    result = cli("init", "doctors.json", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert table(tmp_path) == {
        "spec": "doctors.json",
        "output": "generated",
        "package": PACKAGE,
    }
    first = cli("generate", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    written = len(list((tmp_path / "generated" / PACKAGE).iterdir()))
    assert f"generated/{PACKAGE}: {written} written" in first.stdout
    again = cli("generate", cwd=tmp_path)
    assert f"generated/{PACKAGE}: 0 written" in again.stdout
    check = cli("generate", "--check", cwd=tmp_path)
    assert check.returncode == 0 and "is up to date" in check.stdout


def test_init_prints_the_makefile_lines_and_the_pre_commit_hook(cli: Cli, tmp_path: Path) -> None:
    write_spec(tmp_path)

    out = cli("init", "doctors.json", cwd=tmp_path).stdout

    assert "\ngenerate:\n\tapiforge generate\n" in out
    snippet = out.split("under `repos:`:\n", 1)[1]
    hooks = yaml.safe_load(snippet)
    assert hooks[0]["repo"] == "local"
    (hook,) = hooks[0]["hooks"]
    assert hook["entry"] == "apiforge generate --check --all"
    assert (hook["language"], hook["pass_filenames"]) == ("system", False)
    # The hook's command works in the project just set up.
    cli("generate", cwd=tmp_path)
    assert cli(*hook["entry"].split()[1:], cwd=tmp_path).returncode == 0


def test_init_keeps_every_byte_of_an_existing_pyproject(cli: Cli, tmp_path: Path) -> None:
    write_spec(tmp_path)
    (tmp_path / "pyproject.toml").write_text(EXISTING, encoding="utf-8")

    result = cli(
        "init", "doctors.json", "--output", "src/vendor", "--package", "doctors", cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith(EXISTING)
    data = tomllib.loads(text)
    assert data["project"]["name"] == "clinic-app" and data["tool"]["ruff"]["line-length"] == 100
    assert table(tmp_path) == {"spec": "doctors.json", "output": "src/vendor", "package": "doctors"}


@pytest.mark.parametrize(
    "ours",
    [
        '[tool.apiforge]\nspec = "old.yaml"\npackage = "old"\n',
        '[[tool.apiforge.targets]]\nname = "a"\nspec = "a.yaml"\n\n'
        '[[tool.apiforge.targets]]\nname = "b"\nspec = "b.yaml"\n',
    ],
    ids=["table", "targets"],
)
def test_an_existing_table_is_replaced_only_with_force(cli: Cli, tmp_path: Path, ours: str) -> None:
    write_spec(tmp_path)
    before = EXISTING + "\n" + ours + "\n[tool.black]\nline-length = 88\n"
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(before, encoding="utf-8")

    refused = cli("init", "doctors.json", cwd=tmp_path)

    assert refused.returncode == 2
    assert "already has [tool.apiforge]; pass --force to replace it" in refused.stderr
    assert pyproject.read_text(encoding="utf-8") == before

    forced = cli("init", "doctors.json", "--force", cwd=tmp_path)

    assert forced.returncode == 0, forced.stderr
    assert "replaced [tool.apiforge]" in forced.stdout
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    assert data["tool"]["apiforge"] == {
        "spec": "doctors.json",
        "output": "generated",
        "package": PACKAGE,
    }
    assert data["tool"]["black"] == {"line-length": 88}  # the table after ours survives
    assert data["project"]["version"] == "0.3.0"
    assert pyproject.read_text(encoding="utf-8").startswith(EXISTING)


@pytest.mark.parametrize(
    "ours",
    ['[tool]\napiforge = {spec = "old.yaml"}\n', 'tool.apiforge.spec = "old.yaml"\n'],
    ids=["inline-table", "dotted-keys"],
)
def test_a_table_apiforge_cannot_edit_is_left_alone(cli: Cli, tmp_path: Path, ours: str) -> None:
    write_spec(tmp_path)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(ours, encoding="utf-8")

    result = cli("init", "doctors.json", "--force", cwd=tmp_path)

    assert result.returncode == 2
    assert "change it by hand" in result.stderr
    assert pyproject.read_text(encoding="utf-8") == ours


def test_a_broken_pyproject_is_not_touched(cli: Cli, tmp_path: Path) -> None:
    write_spec(tmp_path)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[project\nname = 1\n", encoding="utf-8")

    result = cli("init", "doctors.json", cwd=tmp_path)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(pyproject) in result.stderr and "fix it before apiforge edits it" in result.stderr
    assert pyproject.read_text(encoding="utf-8") == "[project\nname = 1\n"


def test_without_a_spec_init_takes_the_one_found(cli: Cli, tmp_path: Path) -> None:
    write_spec(tmp_path / "spec", "openapi.json")

    result = cli("init", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert table(tmp_path)["spec"] == "spec/openapi.json"


@pytest.mark.parametrize("found", [[], ["openapi.yaml", "api/swagger.json"]], ids=["none", "two"])
def test_without_a_spec_init_asks_for_one_unless_exactly_one_is_found(
    cli: Cli, tmp_path: Path, found: list[str]
) -> None:
    for name in found:
        write_spec(tmp_path, name)

    result = cli("init", cwd=tmp_path)

    assert result.returncode == 2
    assert "name the spec: `apiforge init path/to/openapi.yaml`" in result.stderr
    for name in found:
        assert name in result.stderr
    assert not (tmp_path / "pyproject.toml").exists()


def test_init_refuses_a_spec_it_cannot_read_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("openapi: 3.0.3\ninfo: [unclosed\n", encoding="utf-8")

    result = cli("init", "broken.yaml", cwd=tmp_path)

    assert result.returncode == 2
    assert "broken.yaml:2:7: error: '[' is never closed" in result.stderr
    assert not (tmp_path / "pyproject.toml").exists()


def test_init_refuses_an_invalid_package_name(cli: Cli, tmp_path: Path) -> None:
    write_spec(tmp_path)
    result = cli("init", "doctors.json", "--package", "my-client", cwd=tmp_path)
    assert result.returncode == 2
    assert "--package: error: package name 'my-client'" in result.stderr
    assert not (tmp_path / "pyproject.toml").exists()


def test_paths_are_written_relative_to_the_pyproject(cli: Cli, tmp_path: Path) -> None:
    write_spec(tmp_path / "contracts" / "v1", "doctors.yaml")
    result = cli(
        "init", str(tmp_path / "contracts" / "v1" / "doctors.yaml"), "--output", "src", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert table(tmp_path)["spec"] == "contracts/v1/doctors.yaml"
    assert table(tmp_path)["output"] == "src"
