"""The construct corpus: every spelling of a construct generates its one expected package.

``tests/specs/<construct>/`` holds the construct in Swagger 2.0, OpenAPI 3.0 and 3.1 where
it can be written in them (``swagger-2.0.yaml``, ``openapi-3.0.yaml``, ``openapi-3.1.yaml``)
and ``expected/``, the package they must all give (see ``support/corpus.py`` for what it
leaves out). Every spelling is generated afresh and compared byte for byte; the runtime
modules of every package are compared with ``templates/runtime/`` once; the packages, all
together, must pass ``mypy --strict``, the repository's ``ruff check`` and import cleanly.
After a deliberate change to the generator or the templates, rewrite the expected packages
with ``.venv/bin/python tests/specs/update.py`` and review the diff.
"""

from __future__ import annotations

import importlib.util
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
from support import corpus
from support.corpus import PACKAGE, SPELLINGS, UPDATE_COMMAND, Case

Tree = dict[str, bytes]
CASES = corpus.cases()
SPELLED = [(c, s) for c in CASES for s in c.spellings]
MIN_CONSTRUCTS_PER_VERSION = 20
Generated = dict[Path, tuple[Path, list[str]]]


def _env() -> dict[str, str]:
    """The environment for tool subprocesses: no inherited PYTHON* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_corpus_covers_every_version() -> None:
    for spelling in SPELLINGS:
        found = [c.name for c in CASES if (c.path / spelling).is_file()]
        assert len(found) >= MIN_CONSTRUCTS_PER_VERSION, (spelling, found)


@pytest.mark.parametrize(("case", "spec"), SPELLED, ids=[f"{c.name}/{s.name}" for c, s in SPELLED])
def test_spelling_is_in_the_version_its_name_says(case: Case, spec: Path) -> None:
    text = spec.read_text(encoding="utf-8")
    assert text.startswith("# "), f"{spec}: the first line says what the construct shows"
    document = yaml.safe_load(text)
    version = SPELLINGS[spec.name]
    declared = str(document.get("swagger") or document.get("openapi", ""))
    assert declared == version if version == "2.0" else declared.startswith(version), declared


def test_every_folder_is_a_construct_with_its_expected_package() -> None:
    strays = [
        p.name
        for p in corpus.SPECS.iterdir()
        if p.is_dir() and p.name != "__pycache__" and not Case(p).spellings
    ]
    assert strays == []
    missing = [c.name for c in CASES if not (c.expected / "__init__.py").is_file()]
    assert missing == [], f"no expected package: run `{UPDATE_COMMAND}`"
    extra = [
        f"{c.name}/{p.name}"
        for c in CASES
        for p in c.path.iterdir()
        if p.name not in {*SPELLINGS, "expected", "__pycache__"}
    ]
    assert extra == [], "a construct folder holds its spellings and expected/ only"
    shared = [
        f"{c.name}/{name}"
        for c in CASES
        for name in corpus.SHARED_FILES
        if (c.expected / name).exists()
    ]
    assert shared == [], "files every package shares are checked once, not per construct"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """Every spelling generated afresh: its package directory and its errors.

    black makes generation CPU-bound, and spellings are independent, so they are
    generated in a process pool using every core, once for the whole module.
    """
    root = tmp_path_factory.mktemp("generated")
    workers = max(1, min(len(SPELLED), os.cpu_count() or 1))
    context = multiprocessing.get_context("spawn")  # no fork of a process running threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {
            spec: pool.submit(corpus.generate, str(spec), str(root / c.name / spec.stem))
            for c, spec in SPELLED
        }
        return {
            spec: (root / c.name / spec.stem / PACKAGE, futures[spec].result())
            for c, spec in SPELLED
        }


@pytest.mark.parametrize(("case", "spec"), SPELLED, ids=[f"{c.name}/{s.name}" for c, s in SPELLED])
def test_spelling_generates_the_expected_package(
    case: Case, spec: Path, generated: Generated, diff_trees: Callable[..., str]
) -> None:
    package, errors = generated[spec]
    assert errors == [], "\n".join(errors)
    fresh = corpus.as_expected(corpus.read_tree(package), spec)
    expected = corpus.read_tree(case.expected) if case.expected.is_dir() else {}
    rel = case.expected.relative_to(corpus.REPO_ROOT)
    diff = diff_trees(expected, fresh, (str(rel), spec.name))
    if diff:
        pytest.fail(
            f"{spec.name} does not generate {rel}; if the change is intended, run\n\n"
            f"    {UPDATE_COMMAND}            # every construct\n"
            f"    {UPDATE_COMMAND} {case.name}  # this construct only\n\n"
            f"and review `git diff tests/specs/`.\n\n{diff}",
            pytrace=False,
        )


def test_runtime_modules_are_the_templates_under_the_header(generated: Generated) -> None:
    """The files left out of the expected packages, checked once for every package."""
    checked = 0
    for spec, (package, errors) in generated.items():
        assert errors == [], "\n".join(errors)
        tree = corpus.read_tree(package)
        header = tree["_models.py"].split(b'"""', 1)[0]  # the comment lines every module opens with
        assert header.startswith(b"# Generated by apiforge "), header
        for name in corpus.RUNTIME_MODULES:
            if name not in tree:
                assert name == "_unions.py" and b"_unions" not in tree["_models.py"], spec
                continue
            assert tree[name] == header + (corpus.RUNTIME / name).read_bytes(), (spec, name)
            checked += 1
        assert tree["py.typed"] == b""
    assert checked >= 3 * len(generated)


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every construct's whole package (expected files plus runtime modules), side by side
    under its own top-level name: one mypy run over all needs distinct module names."""
    root = tmp_path_factory.mktemp("corpus")
    for case in CASES:
        corpus.assemble(case.name, into=root)
    return root


def test_packages_pass_mypy_strict(packages: Path) -> None:
    names = sorted(p.name for p in packages.iterdir())
    assert len(names) == len(CASES)
    command = [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11"]
    command += ["--cache-dir", str(packages.parent / "mypy-cache")]
    command += ["--no-error-summary", "--hide-error-context", *names]
    result = subprocess.run(
        command, cwd=packages, env=_env(), capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_packages_pass_ruff(packages: Path, repo_root: Path) -> None:
    # The repository's configuration (pyproject.toml): line length 100, its rule set.
    ruff = Path(sys.executable).with_name("ruff")
    command = [str(ruff if ruff.exists() else "ruff"), "check", "--no-cache"]
    command += ["--config", str(repo_root / "pyproject.toml"), str(packages)]
    result = subprocess.run(
        command, cwd=repo_root, env=_env(), capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


IMPORT_SCRIPT = """
import sys
from support import corpus

for name in sys.argv[1:]:
    module = corpus.load(name)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert not missing, (name, missing)
    client = [name for name in module.__all__ if name.endswith("Client")]
    assert len(client) == 2, (name, client)  # the client and its async twin
    print(name, module.__name__, len(module.__all__))
"""


def test_packages_import(repo_root: Path) -> None:
    # A fresh interpreter with warnings as errors: nothing from this test run leaks in.
    command = [sys.executable, "-W", "error", "-c", IMPORT_SCRIPT, *(c.name for c in CASES)]
    env = _env() | {"PYTHONPATH": str(repo_root / "tests")}
    result = subprocess.run(
        command, cwd=repo_root, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    loaded = [line.split()[0] for line in result.stdout.splitlines()]
    assert loaded == [c.name for c in CASES]


def test_update_script_refuses_spellings_that_disagree(tmp_path: Path, repo_root: Path) -> None:
    """The update script writes no expected package for spellings that give different ones."""
    case = tmp_path / "names"
    shutil.copytree(corpus.case("names").path, case, ignore=shutil.ignore_patterns("expected"))
    spelling = case / "openapi-3.1.yaml"
    text = spelling.read_text(encoding="utf-8")
    spelling.write_text(text.replace("title: Naming Zoo", "title: Other Zoo"), encoding="utf-8")
    loader = importlib.util.spec_from_file_location("update", repo_root / "tests/specs/update.py")
    assert loader is not None and loader.loader is not None
    update = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(update)

    tree, problems = update.expected_of(Case(case))

    assert tree is None
    assert problems == [
        "names: the spellings differ: openapi-3.0.yaml, swagger-2.0.yaml give one package;"
        " openapi-3.1.yaml another"
    ]
