"""What ``pip install .`` and ``pipx run --spec . apiforge`` rely on, built without network.

pipx builds the project in a fresh virtualenv with hatchling from PyPI. Here the same
PEP 517 hooks run against the hatchling of the dev dependencies (no build isolation): the
sdist, a wheel built from that unpacked sdist, and a wheel built from the checkout. Then:
both wheels are the same, the metadata says what pyproject.toml says (and what a user
trusts: licence, classifiers, the README as description), the console script is declared,
mypy sees apiforge's types through ``py.typed``, and neither archive carries the checkout's
tests, docs or tools. Each check is a function run on the real archives and on broken
samples, so that it is known to fail when it should.
"""

from __future__ import annotations

import configparser
import email.parser
import email.policy
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from support.paths import REPO_ROOT

PROJECT: dict[str, Any] = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
DIST = f"{PROJECT['name']}-{PROJECT['version']}"
DIST_INFO = f"{DIST}.dist-info"
# What a user is promised on PyPI; pyproject.toml may say more, never less.
REQUIRED_CLASSIFIERS = {
    "Environment :: Console",
    "Intended Audience :: Developers",
    "Programming Language :: Python :: 3",
    "Programming Language :: Python :: 3 :: Only",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Programming Language :: Python :: 3.13",
    "Topic :: Software Development :: Code Generators",
    "Typing :: Typed",
}
# The sdist holds what building the wheel needs and no more (tests need the whole checkout).
SDIST_TOP = {"pyproject.toml", "README.md", "LICENSE", "PKG-INFO", ".gitignore"}
SDIST_TREES = ("generator/apiforge", "templates")
# Never in an archive: the checkout's other products, tools and caches.
FORBIDDEN = {
    "tests",
    "benchmarks",
    "docs",
    "generated",
    "spec",
    "node_modules",
    ".venv",
    ".git",
    ".ci",
    "__pycache__",
}


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_", "MYPY"))}
    env.update(PYTHONDONTWRITEBYTECODE="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


def _run(command: list[str | os.PathLike[str]], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _hook(name: str, source: Path, dest: Path) -> Path:
    """One PEP 517 hook of the build backend, run in ``source`` as a frontend would."""
    code = "import sys, hatchling.build as b; print(getattr(b, sys.argv[1])(sys.argv[2]))"
    result = _run([sys.executable, "-c", code, name, dest], cwd=source)
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
    return dest / result.stdout.strip().splitlines()[-1]


def _members(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _metadata(data: bytes) -> Message:
    return email.parser.BytesParser(policy=email.policy.compat32).parsebytes(data)


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    return _hook("build_sdist", repo_root, tmp_path_factory.mktemp("sdist"))


@pytest.fixture(scope="module")
def sdist_names(sdist: Path) -> list[str]:
    with tarfile.open(sdist) as archive:
        return [m.name for m in archive.getmembers() if m.isfile()]


@pytest.fixture(scope="module")
def checkout_wheel(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    return _hook("build_wheel", repo_root, tmp_path_factory.mktemp("checkout-wheel"))


@pytest.fixture(scope="module")
def sdist_wheel(sdist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel pip builds from the unpacked sdist (as pip does for an sdist from PyPI),
    checking that the installed hatchling satisfies [build-system] requires."""
    unpacked = tmp_path_factory.mktemp("unpacked")
    with tarfile.open(sdist) as archive:
        archive.extractall(unpacked, filter="data")
    dist = tmp_path_factory.mktemp("sdist-wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    command += ["--check-build-dependencies", "--no-index", "--quiet", "--wheel-dir", dist]
    result = _run([*command, unpacked / DIST], cwd=dist)
    assert result.returncode == 0, f"pip wheel from the sdist failed:\n{result.stderr}"
    (wheel,) = dist.glob("*.whl")
    return wheel


# --- checks: each returns what is wrong, so that broken samples can show it fails --------


def metadata_problems(meta: Message, readme: str) -> list[str]:
    """What the core metadata (METADATA or PKG-INFO) gets wrong against pyproject.toml."""
    problems = []
    expected = {
        "Name": PROJECT["name"],
        "Version": PROJECT["version"],
        "Summary": PROJECT["description"],
        "License-Expression": "MIT",
        "Requires-Python": PROJECT["requires-python"],
        "Description-Content-Type": "text/markdown",
    }
    for field, value in expected.items():
        if meta.get(field) != value:
            problems.append(f"{field} is {meta.get(field)!r}, not {value!r}")
    if "LICENSE" not in (meta.get_all("License-File") or []):
        problems.append("License-File does not name LICENSE")
    keywords = set((meta.get("Keywords") or "").split(",")) - {""}
    if not keywords or keywords != set(PROJECT.get("keywords", [])):
        problems.append(f"Keywords are {sorted(keywords)}, not pyproject's")
    classifiers = meta.get_all("Classifier") or []
    if sorted(classifiers) != sorted(PROJECT.get("classifiers", [])):
        problems.append("the classifiers are not pyproject's")
    problems += [
        f"classifier {c!r} is missing" for c in sorted(REQUIRED_CLASSIFIERS - {*classifiers})
    ]
    for prefix in ("Development Status :: ", "Operating System :: "):
        if not any(c.startswith(prefix) for c in classifiers):
            problems.append(f"no {prefix.strip(': ')!r} classifier")
    # PEP 639: with License-Expression, the License :: classifiers are deprecated.
    problems += [f"{c!r} beside License-Expression" for c in classifiers if c.startswith("License")]
    supported = SpecifierSet(meta.get("Requires-Python") or "")
    for c in classifiers:
        version = re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", c)
        if version and version[1] not in supported:
            problems.append(f"{c!r} is outside Requires-Python {supported}")
    requires = {Requirement(r) for r in meta.get_all("Requires-Dist") or []}
    runtime = {str(r) for r in requires if r.marker is None}
    if runtime != {str(Requirement(d)) for d in PROJECT["dependencies"]}:
        problems.append(f"Requires-Dist {sorted(runtime)} are not pyproject's dependencies")
    description = meta.get_payload()
    if not isinstance(description, str) or description.strip() != readme.strip():
        problems.append("the description is not README.md")
    return problems


def wheel_problems(names: set[str]) -> list[str]:
    """What a wheel holds that it must not, or lacks."""
    problems = []
    tops = {n.split("/", 1)[0] for n in names}
    if tops != {"apiforge", DIST_INFO}:
        problems.append(f"top-level entries {sorted(tops)}, not apiforge/ and {DIST_INFO}/")
    problems += [f"{n} should not ship" for n in sorted(names) if FORBIDDEN & {*n.split("/")}]
    problems += [f"{n} is bytecode" for n in sorted(names) if n.endswith(".pyc")]
    wanted = ("apiforge/py.typed", "apiforge/cli.py", f"{DIST_INFO}/licenses/LICENSE")
    problems += [f"{n} is missing" for n in wanted if n not in names]
    return problems


def sdist_problems(names: list[str], checkout: set[str]) -> list[str]:
    """What an sdist holds that it must not, or lacks of what building needs (``checkout``:
    the files of generator/apiforge and templates)."""
    problems = []
    outside = [n for n in names if not n.startswith(f"{DIST}/")]
    problems += [f"{n} is outside {DIST}/" for n in outside]
    inside = {n.removeprefix(f"{DIST}/") for n in names if n not in outside}
    tops = {n.split("/", 1)[0] for n in inside}
    allowed = SDIST_TOP | {t.split("/", 1)[0] for t in SDIST_TREES}
    problems += [f"{t} should not be in the sdist" for t in sorted(tops - allowed)]
    problems += [f"{n} is missing" for n in sorted((SDIST_TOP | checkout) - inside)]
    problems += [f"{n} should not ship" for n in sorted(inside) if FORBIDDEN & {*n.split("/")}]
    return problems


def checkout_files(root: Path) -> set[str]:
    """The files of the trees the sdist must carry, as in the checkout."""
    return {
        p.relative_to(root).as_posix()
        for tree in SDIST_TREES
        for p in (root / tree).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


# --- the real archives -----------------------------------------------------------------


def test_the_wheel_built_from_the_sdist_is_the_checkout_wheel(
    checkout_wheel: Path, sdist_wheel: Path
) -> None:
    ours, theirs = _members(checkout_wheel), _members(sdist_wheel)
    assert sorted(theirs) == sorted(ours)
    differ = sorted(n for n in ours if ours[n] != theirs[n])
    assert not differ, f"the two wheels differ in {differ}"


@pytest.mark.parametrize("which", ["checkout", "sdist"])
def test_wheel_metadata(which: str, checkout_wheel: Path, sdist_wheel: Path) -> None:
    members = _members(checkout_wheel if which == "checkout" else sdist_wheel)
    meta = _metadata(members[f"{DIST_INFO}/METADATA"])
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert metadata_problems(meta, readme) == []


def test_sdist_metadata(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        member = archive.extractfile(f"{DIST}/PKG-INFO")
        assert member is not None
        meta = _metadata(member.read())
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert metadata_problems(meta, readme) == []


@pytest.mark.parametrize("which", ["checkout", "sdist"])
def test_wheel_holds_apiforge_only(which: str, checkout_wheel: Path, sdist_wheel: Path) -> None:
    members = _members(checkout_wheel if which == "checkout" else sdist_wheel)
    assert wheel_problems(set(members)) == []
    assert members["apiforge/py.typed"] == b"", "py.typed is empty: the package is fully typed"
    licence = (REPO_ROOT / "LICENSE").read_bytes()
    assert members[f"{DIST_INFO}/licenses/LICENSE"] == licence


def test_the_licence_is_mit() -> None:
    text = (REPO_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 the apiforge authors" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


def test_the_console_script_is_declared(checkout_wheel: Path) -> None:
    entry_points = configparser.ConfigParser()
    entry_points.read_string(_members(checkout_wheel)[f"{DIST_INFO}/entry_points.txt"].decode())
    assert dict(entry_points["console_scripts"]) == {"apiforge": "apiforge.cli:run"}


def test_sdist_holds_what_building_needs_and_no_more(sdist_names: list[str]) -> None:
    checkout = checkout_files(REPO_ROOT)
    assert "generator/apiforge/py.typed" in checkout
    assert sdist_problems(sdist_names, checkout) == []


def test_editable_install_points_at_the_checkout(
    repo_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``pip install -e .`` (the Makefile's): generator/ on sys.path, no copied files."""
    members = _members(_hook("build_editable", repo_root, tmp_path_factory.mktemp("editable")))
    assert members.pop("_apiforge.pth").decode().strip() == str(repo_root / "generator")
    assert {n.split("/", 1)[0] for n in members} == {DIST_INFO}


def _mypy(site: Path, user: Path) -> str:
    """mypy --strict on ``user`` for an interpreter whose site-packages is ``site``."""
    venv = site.parent
    _run([sys.executable, "-m", "venv", "--without-pip", venv / "venv"], cwd=venv)
    python = venv / "venv" / "bin" / "python"
    purelib = _run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], venv
    )
    target = Path(purelib.stdout.strip())
    target.rmdir()  # empty in a fresh venv: the unpacked wheel takes its place
    site.rename(target)
    command = [sys.executable, "-m", "mypy", "--strict", "--config-file=", "--no-incremental"]
    command += ["--python-executable", python, "--cache-dir", venv / "cache", user]
    return _run(command, cwd=user.parent).stdout


def test_mypy_sees_the_types_of_the_installed_package(checkout_wheel: Path, tmp_path: Path) -> None:
    """PEP 561: installed with py.typed, apiforge's annotations reach the user's mypy;
    without it (the control), mypy refuses to read the package."""
    user = tmp_path / "user" / "user.py"
    user.parent.mkdir()
    user.write_text("import apiforge\n\nversion: int = apiforge.__version__\n")
    results = {}
    for marker in (True, False):
        site = tmp_path / f"typed-{marker}" / "site"
        with zipfile.ZipFile(checkout_wheel) as archive:
            archive.extractall(site)
        if not marker:
            (site / "apiforge" / "py.typed").unlink()
        results[marker] = _mypy(site, user)

    wrong = 'Incompatible types in assignment (expression has type "str", variable has type "int")'
    assert f"user.py:3: error: {wrong}" in results[True], results[True]
    assert "Found 1 error" in results[True], results[True]
    assert "missing library stubs or py.typed marker" in results[False], results[False]


# --- controls: each check passes the real thing above and catches each broken sample ----

README = "# apiforge\n\nTurns an OpenAPI document into a typed Python client.\n"


def _sound_metadata() -> str:
    lines = [
        "Metadata-Version: 2.4",
        f"Name: {PROJECT['name']}",
        f"Version: {PROJECT['version']}",
        f"Summary: {PROJECT['description']}",
        "License-Expression: MIT",
        "License-File: LICENSE",
        f"Keywords: {','.join(PROJECT['keywords'])}",
        *(f"Classifier: {c}" for c in PROJECT["classifiers"]),
        f"Requires-Python: {PROJECT['requires-python']}",
        *(f"Requires-Dist: {d}" for d in PROJECT["dependencies"]),
        "Requires-Dist: pytest; extra == 'dev'",
        "Description-Content-Type: text/markdown",
    ]
    return "\n".join(lines) + "\n\n" + README


def test_sound_metadata_passes() -> None:
    assert metadata_problems(_metadata(_sound_metadata().encode()), README) == []


BROKEN_METADATA = {
    "no licence": ("License-Expression: MIT\n", "", "License-Expression is None"),
    "no licence file": ("License-File: LICENSE\n", "", "License-File"),
    "a licence classifier": (
        "Classifier: Typing :: Typed\n",
        "Classifier: Typing :: Typed\nClassifier: License :: OSI Approved :: MIT License\n",
        "beside License-Expression",
    ),
    "not typed": ("Classifier: Typing :: Typed\n", "", "'Typing :: Typed' is missing"),
    "no python floor": ("Requires-Python: >=3.11\n", "", "Requires-Python is None"),
    "a version below the floor": (
        "Classifier: Programming Language :: Python :: 3.11\n",
        "Classifier: Programming Language :: Python :: 3.10\n",
        "outside Requires-Python",
    ),
    "a placeholder summary": (f"Summary: {PROJECT['description']}", "Summary: UNKNOWN", "Summary"),
    "plain-text description": ("text/markdown", "text/plain", "Description-Content-Type"),
    "another description": (README, "# apiforge\n", "not README.md"),
    "a dependency lost": (f"Requires-Dist: {PROJECT['dependencies'][0]}\n", "", "Requires-Dist"),
    "no keywords": (f"Keywords: {','.join(PROJECT['keywords'])}\n", "", "Keywords"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_METADATA))
def test_broken_metadata_is_caught(case: str) -> None:
    old, new, reason = BROKEN_METADATA[case]
    sound = _sound_metadata()
    assert old in sound, f"the sample has no {old!r} to break"
    problems = metadata_problems(_metadata(sound.replace(old, new, 1).encode()), README)
    assert any(reason in p for p in problems), problems


SOUND_WHEEL = {
    "apiforge/__init__.py",
    "apiforge/cli.py",
    "apiforge/py.typed",
    "apiforge/templates/_client.py.jinja",
    f"{DIST_INFO}/METADATA",
    f"{DIST_INFO}/licenses/LICENSE",
}


def test_sound_wheel_passes() -> None:
    assert wheel_problems(SOUND_WHEEL) == []


@pytest.mark.parametrize(
    ("extra", "missing", "reason"),
    [
        ("tests/test_cli.py", "", "top-level entries"),
        ("apiforge/tests/test_cli.py", "", "should not ship"),
        ("apiforge/docs/cli.md", "", "should not ship"),
        ("apiforge/benchmarks/run.py", "", "should not ship"),
        ("apiforge/__pycache__/cli.cpython-311.pyc", "", "should not ship"),
        ("", "apiforge/py.typed", "py.typed is missing"),
        ("", f"{DIST_INFO}/licenses/LICENSE", "LICENSE is missing"),
    ],
)
def test_broken_wheel_is_caught(extra: str, missing: str, reason: str) -> None:
    names = (SOUND_WHEEL | {extra} if extra else SOUND_WHEEL) - {missing}
    problems = wheel_problems(names)
    assert any(reason in p for p in problems), problems


SOUND_CHECKOUT = {"generator/apiforge/__init__.py", "templates/_client.py.jinja"}
SOUND_SDIST = [f"{DIST}/{n}" for n in sorted(SDIST_TOP | SOUND_CHECKOUT)]


def test_sound_sdist_passes() -> None:
    assert sdist_problems(SOUND_SDIST, SOUND_CHECKOUT) == []


@pytest.mark.parametrize(
    ("extra", "missing", "reason"),
    [
        (f"{DIST}/.venv/bin/python", "", ".venv should not be in the sdist"),
        (f"{DIST}/node_modules/x/index.js", "", "node_modules should not be in the sdist"),
        (f"{DIST}/generated/cv/_client.py", "", "generated should not be in the sdist"),
        (f"{DIST}/tests/test_cli.py", "", "tests should not be in the sdist"),
        (f"{DIST}/generator/apiforge/__pycache__/x.pyc", "", "should not ship"),
        ("other-0.1/setup.py", "", "is outside"),
        ("", f"{DIST}/LICENSE", "LICENSE is missing"),
        ("", f"{DIST}/pyproject.toml", "pyproject.toml is missing"),
        ("", f"{DIST}/templates/_client.py.jinja", "_client.py.jinja is missing"),
    ],
)
def test_broken_sdist_is_caught(extra: str, missing: str, reason: str) -> None:
    names = [n for n in SOUND_SDIST if n != missing] + ([extra] if extra else [])
    problems = sdist_problems(names, SOUND_CHECKOUT)
    assert any(reason in p for p in problems), problems
