"""The spec corpus: one small spec per construct and version, and the package it must give.

``tests/specs/<case>/spec.yaml`` shows one construct in one version (``v20-`` Swagger 2.0,
``v30-`` OpenAPI 3.0, ``v31-`` OpenAPI 3.1); ``expected/client/`` beside it is the package
the generator makes of it. Each case is regenerated into a temporary directory and compared
byte for byte; the expected packages, all together, must pass ``mypy --strict``, the
repository's ``ruff check`` and import cleanly. After a deliberate change to the generator
or the templates, regenerate them with ``.venv/bin/python tests/specs/update.py`` and
review the diff.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import yaml
from support.corpus import (
    PACKAGE,
    SPECS,
    UPDATE_COMMAND,
    VERSIONS,
    cases,
    module_name,
    package_dir,
    regenerate,
)

Tree = dict[str, bytes]
CASES = cases()
MIN_CASES_PER_VERSION = 20


def _env() -> dict[str, str]:
    """The environment for tool subprocesses: no inherited PYTHON* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_corpus_covers_every_version() -> None:
    by_version = {
        prefix: [c for c in CASES if c.name.startswith(prefix + "-")] for prefix in VERSIONS
    }
    assert sum(len(found) for found in by_version.values()) == len(CASES), [c.name for c in CASES]
    for prefix, found in by_version.items():
        assert len(found) >= MIN_CASES_PER_VERSION, (prefix, [c.name for c in found])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_is_in_the_version_its_name_says(case: Path) -> None:
    document = yaml.safe_load((case / "spec.yaml").read_text(encoding="utf-8"))
    prefix = case.name.split("-", 1)[0]
    if VERSIONS[prefix] == "swagger":
        assert document.get("swagger") == "2.0"
    else:
        assert str(document.get("openapi", "")).startswith(VERSIONS[prefix])


def test_every_directory_is_a_case_with_its_expected_package() -> None:
    strays = [
        p.name
        for p in SPECS.iterdir()
        if p.is_dir() and p.name != "__pycache__" and not (p / "spec.yaml").is_file()
    ]
    assert strays == []
    missing = [c.name for c in CASES if not (package_dir(c) / "__init__.py").is_file()]
    assert missing == [], f"no expected package: run `{UPDATE_COMMAND}`"
    extra = [
        c.name
        for c in CASES
        if sorted(p.name for p in (c / "expected").iterdir() if p.name != "__pycache__")
        != [PACKAGE]
    ]
    assert extra == [], "expected/ must hold the one package"


@pytest.fixture(scope="module")
def regenerated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, list[str]]]:
    """Each selected case generated afresh: its package directory and its errors.

    black makes generation CPU-bound (about 0.3 s a case), and cases are independent, so
    they are generated in a process pool using every core, once for the whole module.
    """
    wanted = {
        item.callspec.params["case"].name
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_expected_package_is_what_the_generator_makes"
    }
    chosen = [c for c in CASES if c.name in wanted]
    root = tmp_path_factory.mktemp("regenerated")
    workers = max(1, min(len(chosen), os.cpu_count() or 1))
    context = multiprocessing.get_context("spawn")  # no fork of a process running threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {c.name: pool.submit(regenerate, str(c), str(root / c.name)) for c in chosen}
        return {name: (root / name / PACKAGE, f.result()) for name, f in futures.items()}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_expected_package_is_what_the_generator_makes(
    case: Path,
    regenerated: dict[str, tuple[Path, list[str]]],
    tree: Callable[[Path], Tree],
    diff_trees: Callable[..., str],
) -> None:
    fresh_dir, errors = regenerated[case.name]
    assert errors == [], "\n".join(errors)
    fresh = tree(fresh_dir)
    expected_dir = package_dir(case)
    expected = tree(expected_dir) if expected_dir.is_dir() else {}
    rel = expected_dir.relative_to(SPECS.parent.parent)
    diff = diff_trees(expected, fresh, (str(rel), "regenerated"))
    if diff:
        pytest.fail(
            f"{rel} is out of date; if the change is intended, run\n\n"
            f"    {UPDATE_COMMAND}            # every case\n"
            f"    {UPDATE_COMMAND} {case.name}  # this case only\n\n"
            f"and review `git diff tests/specs/`.\n\n{diff}",
            pytrace=False,
        )
    assert fresh == expected


@pytest.fixture(scope="module")
def renamed_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every expected package copied under its own top-level name, side by side.

    All of them are called ``client``; one mypy run over all needs distinct module names.
    The copies are byte-identical to ``expected/``, and nothing in a package names itself
    (imports are relative), so checking the copies checks the expected packages.
    """
    root = tmp_path_factory.mktemp("corpus")
    for case in CASES:
        shutil.copytree(
            package_dir(case),
            root / module_name(case),
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    return root


def test_expected_packages_pass_mypy_strict(renamed_packages: Path, repo_root: Path) -> None:
    names = sorted(p.name for p in renamed_packages.iterdir())
    assert len(names) == len(CASES)
    command = [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11"]
    command += ["--cache-dir", str(renamed_packages.parent / "mypy-cache")]
    command += ["--no-error-summary", "--hide-error-context", *names]
    result = subprocess.run(
        command,
        cwd=renamed_packages,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_expected_packages_pass_ruff(repo_root: Path) -> None:
    # The repository's configuration (pyproject.toml): line length 100, its rule set.
    # tests/specs is excluded from the repository-wide run, so the packages are named here.
    paths = [str(package_dir(c).relative_to(repo_root)) for c in CASES]
    ruff = Path(sys.executable).with_name("ruff")
    command = [str(ruff if ruff.exists() else "ruff"), "check", "--no-cache", *paths]
    result = subprocess.run(
        command, cwd=repo_root, env=_env(), capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


IMPORT_SCRIPT = """
import sys
from support import corpus

for case in sys.argv[1:]:
    module = corpus.load(case)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert not missing, (case, missing)
    client = [name for name in module.__all__ if name.endswith("Client")]
    assert len(client) == 2, (case, client)  # the client and its async twin
    print(case, module.__name__, len(module.__all__))
"""


def test_expected_packages_import(repo_root: Path) -> None:
    # A fresh interpreter with warnings as errors: nothing from this test run leaks in.
    command = [sys.executable, "-W", "error", "-c", IMPORT_SCRIPT, *(c.name for c in CASES)]
    env = _env() | {"PYTHONPATH": str(repo_root / "tests")}
    result = subprocess.run(
        command, cwd=repo_root, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    loaded = [line.split()[0] for line in result.stdout.splitlines()]
    assert loaded == [c.name for c in CASES]
