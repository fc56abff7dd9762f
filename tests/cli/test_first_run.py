"""A new user's first run: ``apiforge generate SPEC`` in an empty folder, with no
configuration, names the package after the spec and says how to import it; with no spec
at all it says what it looked for and what to run.

Everything runs the real command in a subprocess, in a temporary folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.cli import Cli, clean_env, run_on_terminal

TITLE = "Medcorder Nearby Doctor API"
DOCTORS = {
    "openapi": "3.0.3",
    "info": {"title": TITLE, "version": "1.0.0"},
    "servers": [{"url": "https://api.medcorder.example/v1"}],
    "paths": {
        "/doctors": {
            "get": {
                "operationId": "listDoctors",
                "parameters": [
                    {"name": "near", "in": "query", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "OK"}},
            }
        }
    },
}
PACKAGE = "medcorder_nearby_doctor_api"
CLIENT = "MedcorderNearbyDoctorApiClient"


def write_spec(folder: Path, title: str | None = TITLE, name: str = "doctors.json") -> Path:
    document = json.loads(json.dumps(DOCTORS))
    if title is None:
        del document["info"]["title"]
    else:
        document["info"]["title"] = title
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_the_package_is_named_after_the_spec(cli: Cli, tmp_path: Path) -> None:
    spec = write_spec(tmp_path)

    result = cli("generate", spec.name, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    package = tmp_path / "generated" / PACKAGE
    assert sorted(p.name for p in (tmp_path / "generated").iterdir()) == [PACKAGE]
    assert f"apiforge: {package}: " in result.stdout  # the summary names the path written
    init = (package / "__init__.py").read_text(encoding="utf-8")
    assert f'"{CLIENT}"' in init and f'"Async{CLIENT}"' in init
    manifest = json.loads((package / "apiforge-manifest.json").read_text(encoding="utf-8"))
    assert (manifest["package"], manifest["client"]) == (PACKAGE, CLIENT)
    assert "customvision" not in result.stdout + result.stderr
    # The same command again is a no-op that still knows the name.
    again = cli("generate", spec.name, cwd=tmp_path)
    assert f"apiforge: {package}: 0 written" in again.stdout, again.stderr


@pytest.mark.parametrize(
    ("title", "package"),
    [
        ("日本語", "doctors_nearby"),  # no usable word: the file name
        ("", "doctors_nearby"),
        (None, "doctors_nearby"),  # no title at all (the spec is then invalid: see below)
        ("Email", "email_client"),  # would shadow the standard library
        ("3D Print Farm", "doctors_nearby"),  # would start with a digit
    ],
)
def test_the_file_name_names_the_package_when_the_title_cannot(
    cli: Cli, tmp_path: Path, title: str | None, package: str
) -> None:
    spec = write_spec(tmp_path, title, name="doctors-nearby.json")

    result = cli("generate", spec.name, cwd=tmp_path)

    if title is None:  # info.title is required: a located error, nothing written
        assert result.returncode == 2
        assert re.search(r"doctors-nearby\.json:\d+:\d+: error: .*title", result.stderr)
        assert not (tmp_path / "generated").exists()
        return
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "generated" / package / "__init__.py").is_file()


def test_flags_still_name_the_package_and_folder(cli: Cli, tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    result = cli("generate", spec.name, "--output", "src", "--package", "docs_client", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "src" / "docs_client" / "__init__.py").is_file()
    assert not (tmp_path / "generated").exists()


def test_an_empty_package_name_is_refused(cli: Cli, tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    result = cli("generate", spec.name, "--package", "", cwd=tmp_path)
    assert result.returncode == 2
    assert "--package: error: package name '' is not a valid Python identifier" in result.stderr
    assert list(tmp_path.iterdir()) == [spec]


def test_no_spec_and_no_configuration_says_what_to_do(cli: Cli, tmp_path: Path) -> None:
    result = cli("generate", cwd=tmp_path)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "apiforge: error: no spec to generate from: none was named and no pyproject.toml in "
    )
    assert str(tmp_path) in result.stderr
    assert "`apiforge generate path/to/openapi.yaml`" in result.stderr
    assert "`apiforge init path/to/openapi.yaml`" in result.stderr
    assert "customvision" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_no_spec_names_the_one_found_here(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "spec").mkdir()
    write_spec(tmp_path / "spec", name="openapi.json")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n', encoding="utf-8")

    result = cli("generate", cwd=tmp_path)

    assert result.returncode == 2
    assert f"{tmp_path / 'pyproject.toml'} has no spec in [tool.apiforge]" in result.stderr
    assert "`apiforge generate spec/openapi.json`" in result.stderr
    assert "`apiforge init spec/openapi.json`" in result.stderr


def test_on_a_terminal_one_line_shows_the_import(tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    env = clean_env()

    code, stdout, _ = run_on_terminal(["generate", spec.name], tmp_path, env, terminal="stdout")

    assert code == 0
    lines = stdout.replace("\r\n", "\n").strip().splitlines()
    assert len(lines) == 2, stdout
    assert lines[0].startswith(f"apiforge: {tmp_path / 'generated' / PACKAGE}: ")
    assert lines[1] == f"from {PACKAGE} import {CLIENT}  # with generated/ on sys.path"


def test_the_import_line_is_plain_when_the_package_is_here(tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    args = ["generate", spec.name, "--output", "."]
    code, stdout, _ = run_on_terminal(args, tmp_path, clean_env(), terminal="stdout")
    assert code == 0
    assert (
        stdout.replace("\r\n", "\n").strip().splitlines()[-1] == f"from {PACKAGE} import {CLIENT}"
    )


def test_no_import_line_when_quiet_or_off_a_terminal(cli: Cli, tmp_path: Path) -> None:
    spec = write_spec(tmp_path)
    code, stdout, stderr = run_on_terminal(
        ["generate", spec.name, "-q"], tmp_path, clean_env(), terminal="stdout"
    )
    assert (code, stdout, stderr) == (0, "", "")
    piped = cli("generate", spec.name, cwd=tmp_path)
    assert piped.returncode == 0
    assert len(piped.stdout.strip().splitlines()) == 1
    assert "from medcorder_nearby_doctor_api import" not in piped.stdout


@pytest.mark.parametrize("command", [["--help"], ["generate", "--help"], ["init", "--help"]])
def test_help_speaks_of_the_users_spec_not_ours(
    cli: Cli, tmp_path: Path, command: list[str]
) -> None:
    result = cli(*command, cwd=tmp_path)
    assert result.returncode == 0
    assert "customvision" not in result.stdout.lower()
    assert "custom vision" not in result.stdout.lower()
    assert "openapi.yaml" in result.stdout
