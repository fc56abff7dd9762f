"""Fixtures shared by every suite: the checkout's paths and trees, the command in a
subprocess, and the HTTP servers the generated clients talk to.

The suites: ``generator/`` (each pipeline stage, the construct corpus, the snapshot,
hostile input), ``sdk/`` (the generated clients on the wire, against a server in the
test process and Prism), ``cli/`` (the command, vendoring, safe writes, the wheel, docs).
Helpers that are not fixtures live in ``support/``.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Literal

import pytest
from hypothesis import settings
from support import sandbox
from support.cli import Cli, Vendored, vendor_client, write_licence_templates
from support.http_server import ScriptedServer, ServerView
from support.paths import GOLDEN, GOLDEN_PACKAGE, REPO_ROOT, SOURCE, SPEC
from support.pythonpath import no_site_path

# In-process tests import the checkout's ``apiforge``, whatever directory pytest runs from.
if str(SOURCE) not in sys.path:
    sys.path.insert(0, str(SOURCE))

Tree = dict[str, bytes]


def read_tree(root: Path) -> Tree:
    """Every file under ``root`` by POSIX relative path, ``__pycache__`` excluded."""
    assert root.is_dir(), f"{root} is not a directory"
    found: Tree = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts or not path.is_file():
            continue
        found[rel.as_posix()] = path.read_bytes()
    return found


def tree_diff(
    expected: Mapping[str, bytes],
    actual: Mapping[str, bytes],
    labels: tuple[str, str] = ("expected", "actual"),
) -> str:
    """A unified diff from ``expected`` to ``actual``; empty when they are identical."""
    chunks: list[str] = []
    for rel in sorted(set(expected) | set(actual)):
        old, new = expected.get(rel), actual.get(rel)
        if old == new:
            continue
        if old is None or new is None:
            chunks.append(f"only in {labels[0 if new is None else 1]}: {rel}\n")
        a = (old or b"").decode("utf-8", "replace").splitlines(keepends=True)
        b = (new or b"").decode("utf-8", "replace").splitlines(keepends=True)
        lines = list(difflib.unified_diff(a, b, f"{labels[0]}/{rel}", f"{labels[1]}/{rel}"))
        if not lines:  # same text, different bytes (line endings, encoding)
            lines = [f"{rel}: bytes differ ({len(old or b'')} vs {len(new or b'')} bytes)\n"]
        chunks.extend(line if line.endswith("\n") else line + "\n" for line in lines)
    return "".join(chunks)


# CI (CI=true) replays the same hypothesis examples on every run, so a submission lands or
# fails on its own merits; on a developer's machine each run explores new examples.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

MANIFEST = "apiforge-manifest.json"


def as_golden_package(files: Mapping[str, bytes], package: str) -> Tree:
    """``files`` generated with ``--package package`` as they would be for the golden name.

    The package name appears in the generated code once, the User-Agent in ``_operations.py``;
    and in the package's README.md (title and usage example) and manifest.
    """
    needle, golden = f'"{package}/'.encode(), f'"{GOLDEN_PACKAGE}/'.encode()
    renamed = dict(files)
    runtime = renamed.get("_operations.py", b"")
    count = sum(content.count(needle) for content in files.values())
    assert runtime.count(needle) == count == 1, (
        f"expected the package name {package!r} exactly once, in _operations.py's User-Agent; "
        f"found it {runtime.count(needle)} time(s) there and {count} in all"
    )
    renamed["_operations.py"] = runtime.replace(needle, golden)
    if "README.md" in renamed:  # its title and usage example name the package
        readme = renamed["README.md"]
        for pattern in ("# {}\n", "from {} import"):
            mine, theirs = pattern.format(package).encode(), pattern.format(GOLDEN_PACKAGE).encode()
            assert readme.count(mine) == 1, f"README.md should have {mine!r} once"
            readme = readme.replace(mine, theirs)
        renamed["README.md"] = readme
    if MANIFEST in renamed:  # it names the package and hashes the files renamed above
        data = json.loads(renamed[MANIFEST])
        data["package"] = GOLDEN_PACKAGE
        for name in ("_operations.py", "README.md"):
            if name in renamed:
                data["files"][name] = hashlib.sha256(renamed[name]).hexdigest()
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        renamed[MANIFEST] = text.encode()
    return renamed


def run_cli(
    *args: str | os.PathLike[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    pythonpath: Path = SOURCE,
    flags: Sequence[str] = ("-P", "-S"),
) -> subprocess.CompletedProcess[str]:
    """``python -m apiforge ARGS`` in a fresh interpreter importing ``apiforge`` from
    ``pythonpath`` only (``-P``: neither the cwd nor the script directory is prepended;
    ``-S``: no .pth files, see SITE_PACKAGES)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    environment.update({"PYTHONPATH": no_site_path(pythonpath), "PYTHONDONTWRITEBYTECODE": "1"})
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, *flags, "-m", "apiforge", *map(str, args)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# Fixtures, so that test modules never import conftest.


@pytest.fixture(scope="session", autouse=True)
def _reads_stay_in_the_checkout() -> Iterator[None]:
    """Fails the run when a test read a file in a folder beside the checkout: a clone
    on another machine has nothing there."""
    reads = sandbox.watch(REPO_ROOT, sandbox.everyday_reads())
    yield
    reads.active = False
    outside = sorted(set(reads.seen))
    assert not outside, "tests read outside the checkout:\n" + "\n".join(outside[:20])


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout: pyproject.toml, generator/apiforge/, templates/, spec/, generated/."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def spec_path() -> Path:
    """The repository's spec, the one generated/ is made from."""
    assert SPEC.is_file(), SPEC
    return SPEC


@pytest.fixture(scope="session")
def golden_tree() -> Tree:
    """The committed generated package."""
    tree = read_tree(GOLDEN)
    assert "__init__.py" in tree, f"{GOLDEN} holds no package"
    return tree


@pytest.fixture(scope="session")
def rendered(spec_path: Path) -> Callable[[str], Tree]:
    """``rendered(package)``: what the checkout's generator makes from the spec, in memory."""
    from apiforge import Config, render_files

    @functools.cache
    def render(package: str) -> Tree:
        rendered = render_files(Config(spec=spec_path, output=Path("unused"), package=package))
        return rendered.files

    return render


@pytest.fixture(scope="session")
def tree() -> Callable[[Path], Tree]:
    """``read_tree(path) -> {relative path: bytes}``."""
    return read_tree


@pytest.fixture(scope="session")
def diff_trees() -> Callable[..., str]:
    """``tree_diff(expected, actual, labels=(a, b)) -> unified diff``, empty when identical."""
    return tree_diff


@pytest.fixture(scope="session")
def renamed() -> Callable[[Mapping[str, bytes], str], Tree]:
    """``as_golden_package(tree, package)``: undo ``--package`` for comparison with golden."""
    return as_golden_package


@pytest.fixture(scope="session")
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_cli(*args, cwd=..., env=..., pythonpath=...)``: the command in a subprocess."""
    return run_cli


# The generated clients on the wire.

Mode = Literal["sync", "async"]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables; a CI proxy must not sit between client and server."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> Mode:
    """Which generated client drives the test."""
    value: Mode = request.param
    return value


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    """A running ScriptedServer of this test's own; teardown fails on anything the server
    could not answer."""
    with ScriptedServer() as srv:
        yield srv
    assert srv.errors == []


@pytest.fixture(scope="module")
def _module_server() -> Iterator[list[ScriptedServer]]:
    servers = [ScriptedServer().start()]
    yield servers
    servers[0].stop()


@pytest.fixture
def server_view(_module_server: list[ScriptedServer]) -> Iterator[ServerView]:
    """This test's share of a server kept running for the whole module (starting one per
    test costs more than the tests themselves); teardown fails on anything it could not
    answer or any scripted reply left unasked."""
    view = ServerView(_module_server[0])
    yield view
    errors, pending = view.errors, view.server.pending_replies
    view.server.handler = None
    if pending:  # queued replies must not leak into the next test
        view.server.stop()
        _module_server[0] = ScriptedServer().start()
    assert errors == []
    assert pending == 0, f"{pending} scripted replies were never asked for"


# The vendoring scenario of cli/: a consumer repository with the client vendored into it.


@pytest.fixture(scope="session")
def vendored(tmp_path_factory: pytest.TempPathFactory, spec_path: Path, cli: Cli) -> Vendored:
    """A consumer git repository with the client generated into src/vendor and committed,
    made once for the run (tests copy it or undo what they change)."""
    return vendor_client(tmp_path_factory.mktemp("consumer"), spec_path, cli)


@pytest.fixture(scope="session")
def licence_templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template directory overriding only _models.py.jinja, adding a licence line."""
    return write_licence_templates(tmp_path_factory.mktemp("licence_templates"))
