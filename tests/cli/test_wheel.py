"""The templates ship inside the wheel: an installed apiforge needs no checkout, and its
command runs from there. (tests/cli/test_packaging.py checks the sdist and the metadata.)"""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from apiforge.render.files import RUNTIME_MODULES
from support.pythonpath import no_site_path

Tree = dict[str, bytes]
Cli = Callable[..., subprocess.CompletedProcess[str]]
PACKAGE = "cv"
# In templates/runtime/ for mypy and ruff to check that folder in the checkout; generation
# never reads them (only RUNTIME_MODULES are copied), so the wheel leaves them out.
CHECK_ONLY = {"runtime/__init__.py", "runtime/_models.pyi", "runtime/ruff.toml"}


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    env.update(PYTHONDONTWRITEBYTECODE="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    command += ["--no-index", "--quiet", "--wheel-dir", str(dist), str(repo_root)]
    result = subprocess.run(
        command,
        cwd=dist,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"pip wheel failed:\n{result.stdout}\n{result.stderr}"
    wheels = sorted(dist.glob("apiforge-*.whl"))
    assert len(wheels) == 1, f"expected one apiforge wheel, found {os.listdir(dist)}"
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel unpacked: what pip would put in site-packages."""
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty working directory with no checkout in sight."""
    return tmp_path_factory.mktemp("elsewhere")


@pytest.fixture(scope="module")
def wheel_generation(
    installed: Path,
    outside: Path,
    spec_path: Path,
    cli: Cli,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    output = tmp_path_factory.mktemp("wheel-output")
    result = cli(
        "generate",
        spec_path,
        "--output",
        output,
        "--package",
        PACKAGE,
        cwd=outside,
        pythonpath=installed,
    )
    assert result.returncode == 0, f"generation from the wheel failed:\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return output / PACKAGE


def test_wheel_ships_every_template_and_module(wheel: Path, repo_root: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = archive.read(entry_points).decode()

    source = repo_root / "templates"
    templates = {
        p.relative_to(source).as_posix()
        for p in source.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert templates, "the checkout has no templates"
    assert templates >= CHECK_ONLY, f"CHECK_ONLY names files not in templates/: {CHECK_ONLY}"
    prefix = "apiforge/templates/"
    shipped = {n.removeprefix(prefix) for n in names if n.startswith(prefix)}
    assert shipped == templates - CHECK_ONLY
    runtime = {n.removeprefix("runtime/") for n in shipped if n.startswith("runtime/")}
    assert runtime == set(RUNTIME_MODULES), "the wheel's runtime/ is not RUNTIME_MODULES"
    assert "apiforge/py.typed" in names, "no PEP 561 marker: mypy would not read apiforge"
    code = repo_root / "generator"
    modules = {p.relative_to(code).as_posix() for p in (code / "apiforge").rglob("*.py")}
    assert modules <= names, f"modules missing from the wheel: {sorted(modules - names)}"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    # The import name is apiforge only: nothing else at the top of site-packages.
    tops = {n.split("/", 1)[0] for n in names if ".dist-info/" not in n}
    assert tops == {"apiforge"}, tops
    assert "apiforge = apiforge.cli:run" in scripts


def test_unpacked_wheel_is_what_gets_imported(
    installed: Path, outside: Path, repo_root: Path
) -> None:
    probe = (
        "import json, sys, apiforge, apiforge.render.files as r; "
        "print(json.dumps([apiforge.__file__, str(r.templates_dir()), sys.path]))"
    )
    env = _clean_env()
    env["PYTHONPATH"] = no_site_path(installed)
    result = subprocess.run(
        [sys.executable, "-P", "-S", "-c", probe],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    module_file, templates_dir, path = json.loads(result.stdout)

    assert Path(module_file).is_relative_to(installed), module_file
    assert Path(templates_dir) == installed / "apiforge" / "templates"
    assert str(repo_root) not in path
    assert "" not in path and str(outside) not in path


def test_wheel_generates_the_committed_client(
    wheel_generation: Path,
    golden_tree: Tree,
    tree: Callable[[Path], Tree],
    renamed: Callable[[Mapping[str, bytes], str], Tree],
    diff_trees: Callable[..., str],
) -> None:
    generated = renamed(tree(wheel_generation), PACKAGE)

    diff = diff_trees(golden_tree, generated, ("generated", "from-wheel"))
    assert not diff, f"the installed wheel generates something else than generated/:\n{diff}"


def test_wheel_generates_what_the_checkout_generates(
    wheel_generation: Path,
    rendered: Callable[[str], Tree],
    tree: Callable[[Path], Tree],
    diff_trees: Callable[..., str],
) -> None:
    diff = diff_trees(rendered(PACKAGE), tree(wheel_generation), ("checkout", "wheel"))
    assert not diff, f"the wheel and the checkout generate different code:\n{diff}"


def _console_script(wheel: Path) -> str:
    """What pip writes as bin/apiforge for the wheel's console_scripts entry point."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt"))
        entry_points = configparser.ConfigParser()
        entry_points.read_string(archive.read(name).decode())
    module, _, function = entry_points["console_scripts"]["apiforge"].partition(":")
    return (
        f"import sys\nfrom {module} import {function}\n"
        f"sys.argv[0] = 'apiforge'\nsys.exit({function}())\n"
    )


def _run_installed(wheel: Path, installed: Path, outside: Path, *args: str) -> str:
    env = _clean_env()
    env["PYTHONPATH"] = no_site_path(installed)
    script = _console_script(wheel)
    result = subprocess.run(
        [sys.executable, "-P", "-S", "-c", script, *args],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"apiforge {' '.join(args)} failed:\n{result.stderr}"
    assert not result.stderr, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    ("args", "usage", "names"),
    [
        (("--help",), "usage: apiforge ", ("generate", "verify", "--version")),
        (("generate", "--help"), "usage: apiforge generate ", ("--output", "--package", "--check")),
        (("verify", "--help"), "usage: apiforge verify ", ("--spec",)),
    ],
)
def test_installed_command_helps(
    args: tuple[str, ...],
    usage: str,
    names: tuple[str, ...],
    wheel: Path,
    installed: Path,
    outside: Path,
) -> None:
    out = _run_installed(wheel, installed, outside, *args)
    assert out.startswith(usage), out
    missing = [n for n in names if n not in out]
    assert not missing, f"apiforge {' '.join(args)} does not mention {missing}:\n{out}"


def test_installed_command_version_is_the_wheels(
    wheel: Path, installed: Path, outside: Path
) -> None:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        version = next(
            line.removeprefix("Version: ")
            for line in archive.read(name).decode().splitlines()
            if line.startswith("Version: ")
        )
    assert _run_installed(wheel, installed, outside, "--version") == f"apiforge {version}\n"
