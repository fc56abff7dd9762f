"""Vendoring workflow and ecosystem fit: the generated package committed into another
repository and used from there, ``apiforge verify``, ``--templates`` overrides, targets in
pyproject.toml, the package's own README.md, CLI ergonomics and the pre-commit hooks.

Everything runs the real command in a subprocess (``python -P -m apiforge``) and the
generated client against a real HTTP server; nothing is mocked.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import pty
import re
import select
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from apiforge import cli as apiforge_cli
from support.http_server import Reply, ScriptedServer
from support.paths import REPO_ROOT as REPO
from support.pythonpath import no_site_path

Tree = dict[str, bytes]
Cli = Callable[..., subprocess.CompletedProcess[str]]

VENDOR_PACKAGE = "cv_client"
GOLDEN_NAME = "customvision_training"
MANIFEST = "apiforge-manifest.json"
LICENCE = "# SPDX-License-Identifier: MIT"
HEADER_CALL = "{{ m.header(meta) }}"
SUMMARY = re.compile(
    r"^apiforge: (?P<target>.+): (?P<written>\d+) written, (?P<unchanged>\d+) unchanged"
    r" in (?P<seconds>\d+\.\d+)s$"
)
ANSI = "\x1b["
PROJECT = "bc3f7dad-5544-468c-8573-3ef04d55463e"
ITERATION = "b7b9d99c-a2c6-4658-9900-a98d2ff5bc66"
KEY = "0123456789abcdef0123456789abcdef"
IMAGE_PATH = (
    f"/customvision/v3.3/training/projects/{PROJECT}/iterations/{ITERATION}/performance/images"
)
PAYLOAD = [
    {
        "id": "dfd2d346-3ed5-4e1e-857d-af4e32cec042",
        "created": "2018-01-31T20:18:26Z",
        "width": 600,
        "height": 1600,
        "imageUri": "https://images.example/1.jpg",
        "predictions": [
            {
                "tagId": "b5f7e6a2-a481-49a6-afec-a7cef1af3544",
                "tagName": "Straße 猫",
                "probability": 0.75,
                "tagType": "GeneralProduct",
                "boundingBox": {"left": 0.25, "top": 0.5, "width": 0.125, "height": 0.0625},
            }
        ],
    },
    {
        "id": "0f0e0d0c-0b0a-4908-8706-050403020100",
        "created": "2024-02-29T23:59:59.5+02:00",
        "width": 1,
        "height": 2,
        "imageUri": None,
        "predictions": [],
    },
]

# A small multi-operation spec, so the package README is checked on more than one row.
PETS_SPEC = """\
openapi: 3.0.3
info:
  title: Pet Shelter
  version: "2.1"
servers:
  - url: https://shelter.example.com/v2
paths:
  /pets:
    post:
      operationId: createPet
      summary: Admit a new pet.
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewPet"}
      responses:
        "201":
          description: Created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
    get:
      operationId: listPets
      summary: List the pets in the shelter.
      parameters:
        - {name: status, in: query, schema: {$ref: "#/components/schemas/PetStatus"}}
        - {name: sort, in: query, schema: {type: string, enum: [name, age]}}
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getPet
      description: |-
        Fetch one pet by its id.
        This second line is not part of the summary.
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
    delete:
      operationId: deletePet
      summary: Rehome a pet.
      responses:
        "204": {description: Gone}
components:
  schemas:
    PetStatus:
      type: string
      description: Where a pet stands.
      enum: [available, adopted, pending]
    Pet:
      type: object
      description: A pet in the shelter.
      required: [id, name]
      properties:
        id: {type: integer}
        name: {type: string}
        status: {$ref: "#/components/schemas/PetStatus"}
    NewPet:
      type: object
      required: [name]
      properties:
        name: {type: string}
        status: {$ref: "#/components/schemas/PetStatus"}
"""


# --- helpers -------------------------------------------------------------------------------


def clean_env(**extra: str) -> dict[str, str]:
    """The environment run_cli builds (no PYTHON* variables), without proxies or NO_COLOR."""
    dropped = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "NO_COLOR")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTHON") and k.upper() not in dropped
    }
    env.update({"PYTHONPATH": str(REPO / "generator"), "PYTHONDONTWRITEBYTECODE": "1"})
    env.update(extra)
    return env


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` ignoring the user's global and system configuration."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"git {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


def summaries(stdout: str) -> list[re.Match[str]]:
    """The one-line summaries in ``stdout``."""
    return [m for m in map(SUMMARY.match, stdout.splitlines()) if m]


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


def stat_tree(root: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime_ns) of ``root`` and everything under it: any rewrite changes them."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in [root, *sorted(root.rglob("*"))]
    }


def copy_package(source: Path, destination: Path) -> Path:
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def module_classes(source: bytes) -> dict[str, ast.ClassDef]:
    """Top-level classes of a module."""
    tree = ast.parse(source)
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def exported_from(init: bytes, module: str) -> list[str]:
    """Names ``__init__.py`` re-exports from ``.module``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(init)):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module == module:
            found += [alias.name for alias in node.names]
    return found


def snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def run_with_tty_stderr(
    args: Sequence[str | os.PathLike[str]], cwd: Path, env: Mapping[str, str]
) -> tuple[int, str, str]:
    """``python -P -m apiforge ARGS`` with stderr on a pseudo-terminal, stdout on a pipe."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "apiforge", *map(str, args)],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=slave,
        )
    finally:
        os.close(slave)
    assert proc.stdout is not None
    out_fd = proc.stdout.fileno()
    chunks: dict[int, list[bytes]] = {master: [], out_fd: []}
    open_fds = set(chunks)
    try:
        while open_fds:
            ready, _, _ = select.select(list(open_fds), [], [], 60)
            if not ready:
                proc.kill()
                raise AssertionError(f"apiforge {args} produced no output and did not exit")
            for fd in ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:  # EIO: the terminal's last writer is gone
                    data = b""
                if data:
                    chunks[fd].append(data)
                else:
                    open_fds.discard(fd)
        code = proc.wait(timeout=60)
    finally:
        proc.stdout.close()
        os.close(master)
    stdout = b"".join(chunks[out_fd]).decode()
    stderr = b"".join(chunks[master]).decode().replace("\r\n", "\n")
    return code, stdout, stderr


# --- the vendoring scenario ----------------------------------------------------------------


@dataclass(frozen=True)
class Vendored:
    """A consumer repository with the client generated into src/vendor and committed."""

    repo: Path
    result: subprocess.CompletedProcess[str]

    @property
    def package(self) -> Path:
        return self.repo / "src" / "vendor" / VENDOR_PACKAGE


CONSUMER_APP = (
    """\
import importlib.util
import json
import sys
import uuid
from pathlib import Path

import cv_client
from cv_client import CustomVisionTrainingClient, ImagePerformance

url, checkout = sys.argv[1], Path(sys.argv[2]).resolve()
with CustomVisionTrainingClient(url, "KEY") as client:
    images = client.get_image_performances("PROJECT", uuid.UUID("ITERATION"), take=2)

venv = Path(sys.executable).parent.parent.absolute()  # sys.prefix needs the site module
from_checkout = sorted(
    name
    for name, module in list(sys.modules.items())
    if getattr(module, "__file__", None)
    and Path(module.__file__).resolve().is_relative_to(checkout)
    and not Path(module.__file__).resolve().is_relative_to(venv)
)
decoded = []
for image in images:
    predictions = []
    for p in image.predictions or []:
        box = p.bounding_box
        predictions.append([
            type(p).__module__, type(p.tag_id).__name__, str(p.tag_id), p.tag_name,
            p.probability, type(p.tag_type).__name__, p.tag_type.value,
            [box.left, box.top, box.width, box.height],
        ])
    decoded.append({
        "class": f"{type(image).__module__}.{type(image).__name__}",
        "is_model": isinstance(image, ImagePerformance),
        "id": [type(image.id).__name__, str(image.id)],
        "created": [image.created.isoformat(), image.created.utcoffset() is not None],
        "size": [image.width, image.height],
        "image_uri": image.image_uri,
        "predictions": predictions,
    })
print(json.dumps({
    "package_file": str(Path(cv_client.__file__).resolve()),
    # (an editable install leaves the wheel's templates in site-packages/apiforge/,
    # a namespace directory without code: what must not be importable is the code)
    "generator_importable": importlib.util.find_spec("apiforge.cli") is not None,
    "golden_importable": importlib.util.find_spec("customvision_training") is not None,
    "from_checkout": from_checkout,
    "images": decoded,
}))
""".replace("KEY", KEY)
    .replace("PROJECT", PROJECT)
    .replace("ITERATION", ITERATION)
)


@pytest.fixture(scope="module")
def vendored(tmp_path_factory: pytest.TempPathFactory, spec_path: Path, cli: Cli) -> Vendored:
    repo = tmp_path_factory.mktemp("consumer")
    git(repo, "init", "-q")
    git(repo, "config", "user.name", "Vendoring Test")
    git(repo, "config", "user.email", "vendoring@example.invalid")
    git(repo, "config", "commit.gpgsign", "false")
    (repo / ".gitignore").write_text("__pycache__/\n")
    (repo / "app.py").write_text(CONSUMER_APP)
    # The consumer keeps its copy of the spec, for `apiforge verify --spec` (pre-commit).
    (repo / "spec").mkdir()
    shutil.copy(spec_path, repo / "spec" / spec_path.name)
    result = cli(
        "generate",
        spec_path,
        "--output",
        repo / "src" / "vendor",
        "--package",
        VENDOR_PACKAGE,
        cwd=repo,
    )
    assert result.returncode == 0, result.stderr
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Vendor the Custom Vision client")
    return Vendored(repo, result)


def test_vendored_package_is_committed_whole_and_alone(vendored: Vendored, tree: Callable) -> None:
    files = tree(vendored.package)
    assert {"__init__.py", "_client.py", "py.typed", "README.md", MANIFEST} <= set(files)
    # Nothing but the package was left in src/vendor (no staging dirs, no lock files) ...
    assert sorted(p.name for p in vendored.package.parent.iterdir()) == [VENDOR_PACKAGE]
    # ... and everything generated is tracked, with nothing left over.
    tracked = git(vendored.repo, "ls-files", "src/vendor").split()
    assert sorted(tracked) == sorted(f"src/vendor/{VENDOR_PACKAGE}/{p}" for p in files)
    assert git(vendored.repo, "status", "--porcelain", "--untracked-files=all") == ""
    summary = summaries(vendored.result.stdout)
    assert len(summary) == 1, vendored.result.stdout
    assert int(summary[0]["written"]) == len(files)


def test_vendored_package_refers_to_nothing_in_this_checkout(
    vendored: Vendored, tree: Callable, spec_path: Path
) -> None:
    files = tree(vendored.package)
    forbidden = {
        GOLDEN_NAME,
        str(REPO),
        str(REPO.resolve()),
        str(spec_path),
        str(vendored.repo),
        str(vendored.repo.resolve()),
    }
    for rel, content in files.items():
        text = content.decode("utf-8")
        for needle in forbidden:
            assert needle not in text, f"{rel} contains {needle!r}"


def test_vendored_package_imports_only_itself_relatively(
    vendored: Vendored, tree: Callable
) -> None:
    files = tree(vendored.package)
    modules = {rel.removesuffix(".py") for rel in files if rel.endswith(".py")}
    allowed = set(sys.stdlib_module_names) | {"httpx", "msgspec"}
    own = {VENDOR_PACKAGE, GOLDEN_NAME}
    relative = 0
    for rel, content in files.items():
        if not rel.endswith(".py"):
            continue
        for node in ast.walk(ast.parse(content, rel)):
            where = f"{rel}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name.partition(".")[0]
                    assert top not in own, f"{where}: absolute `import {alias.name}`"
                    assert top in allowed, f"{where}: imports {alias.name}, not a dependency"
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                top = (node.module or "").partition(".")[0]
                assert top not in own, f"{where}: absolute `from {node.module} import`"
                assert top in allowed, f"{where}: imports from {node.module}, not a dependency"
            elif isinstance(node, ast.ImportFrom):
                relative += 1
                assert node.level == 1, f"{where}: a relative import leaves the package"
                if node.module:
                    target = node.module.partition(".")[0]
                    assert target in modules, f"{where}: .{node.module} is not in the package"
                else:
                    for alias in node.names:
                        assert alias.name in modules, f"{where}: .{alias.name} is not a module"
    assert relative >= len(modules) - 1, "the package's modules should import each other"


def test_vendored_package_works_from_the_other_repository(cli: Cli, vendored: Vendored) -> None:
    env = {
        k: v for k, v in clean_env().items() if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")
    }
    env["PYTHONPATH"] = no_site_path(vendored.repo / "src" / "vendor")
    with ScriptedServer() as server:
        server.enqueue(Reply.json(PAYLOAD))
        result = subprocess.run(
            [sys.executable, "-S", "app.py", server.url, str(REPO)],
            cwd=vendored.repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert server.errors == []
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    assert Path(report["package_file"]) == (vendored.package / "__init__.py").resolve()
    assert report["generator_importable"] is False, "the consumer must not see the checkout"
    assert report["golden_importable"] is False
    assert report["from_checkout"] == []
    first, second = report["images"]
    assert first == {
        "class": f"{VENDOR_PACKAGE}._models.ImagePerformance",
        "is_model": True,
        "id": ["UUID", "dfd2d346-3ed5-4e1e-857d-af4e32cec042"],
        "created": ["2018-01-31T20:18:26+00:00", True],
        "size": [600, 1600],
        "image_uri": "https://images.example/1.jpg",
        "predictions": [
            [
                f"{VENDOR_PACKAGE}._models",
                "UUID",
                "b5f7e6a2-a481-49a6-afec-a7cef1af3544",
                "Straße 猫",
                0.75,
                "TagType",
                "GeneralProduct",
                [0.25, 0.5, 0.125, 0.0625],
            ]
        ],
    }
    assert second["created"] == ["2024-02-29T23:59:59.500000+02:00", True]
    assert second["image_uri"] is None and second["predictions"] == []

    (request,) = server.requests
    assert request.method == "GET"
    assert request.url_path == IMAGE_PATH
    assert ("take", "2") in request.query_params
    assert request.headers.get_all("Training-Key") == [KEY]
    agent = request.headers["User-Agent"]
    assert agent.startswith(f"{VENDOR_PACKAGE}/") and GOLDEN_NAME not in agent

    # Importing wrote bytecode caches into the vendored package: verify still passes.
    assert any(vendored.package.rglob("__pycache__/*.pyc"))
    check = run_verify(cli, vendored.package, cwd=vendored.repo)
    assert check.returncode == 0, check.stderr


# --- apiforge verify -----------------------------------------------------------------------


def run_verify(
    cli: Cli, directory: Path, *extra: str | Path, cwd: Path
) -> subprocess.CompletedProcess[str]:
    return cli("verify", directory, *extra, cwd=cwd)


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


# --- --templates overrides -----------------------------------------------------------------


@pytest.fixture(scope="module")
def licence_templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template directory overriding only _models.py.jinja, adding a licence line."""
    folder = tmp_path_factory.mktemp("licence_templates")
    source = (REPO / "templates" / "_models.py.jinja").read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    at = [i for i, line in enumerate(lines) if line.strip() == HEADER_CALL]
    assert len(at) == 1, f"_models.py.jinja should call {HEADER_CALL} once"
    lines.insert(at[0] + 1, LICENCE + "\n")
    (folder / "_models.py.jinja").write_text("".join(lines), encoding="utf-8")
    return folder


def generate_into(
    cli: Cli, spec: Path, output: Path, *extra: str | Path, package: str = VENDOR_PACKAGE
) -> subprocess.CompletedProcess[str]:
    return cli(
        "generate", spec, "--output", output, "--package", package, *extra, cwd=output.parent
    )


def test_template_override_changes_only_its_file(
    cli: Cli,
    vendored: Vendored,
    licence_templates: Path,
    spec_path: Path,
    tmp_path: Path,
    tree: Callable,
    diff_trees: Callable,
) -> None:
    plain = tree(vendored.package)
    first = generate_into(cli, spec_path, tmp_path / "one", "--templates", licence_templates)
    assert first.returncode == 0, first.stderr
    custom = tree(tmp_path / "one" / VENDOR_PACKAGE)

    models = custom["_models.py"].decode().splitlines()
    assert LICENCE in models, custom["_models.py"].decode()[:600]
    assert LICENCE not in plain["_models.py"].decode().splitlines()
    assert models.index(LICENCE) < next(i for i, ln in enumerate(models) if ln.startswith('"""'))
    # Every other file is what a normal generation makes; the manifest differs only in
    # the hash of _models.py.
    others = {k: v for k, v in custom.items() if k not in ("_models.py", MANIFEST)}
    expected = {k: v for k, v in plain.items() if k not in ("_models.py", MANIFEST)}
    assert diff_trees(expected, others) == ""
    assert set(custom) == set(plain)
    recorded, normal = json.loads(custom[MANIFEST]), json.loads(plain[MANIFEST])
    assert recorded["files"].pop("_models.py") == hashlib.sha256(custom["_models.py"]).hexdigest()
    normal["files"].pop("_models.py")
    assert recorded == normal

    # Deterministic: --check renders again and compares byte for byte.
    target = tmp_path / "one"
    stats = stat_tree(target)
    checked = generate_into(cli, spec_path, target, "--check", "--templates", licence_templates)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.splitlines() == [f"apiforge: {target / VENDOR_PACKAGE} is up to date"]
    unaware = generate_into(cli, spec_path, target, "--check")
    assert unaware.returncode == 1, unaware.stdout + unaware.stderr
    assert f"-{LICENCE}" in unaware.stdout.splitlines()
    assert stat_tree(target) == stats, "--check touched the output"


@pytest.mark.parametrize(
    ("broken_line", "what"),
    [("{% if %}", "TemplateSyntaxError"), ("{{ no_such_variable }}", "no_such_variable")],
    ids=["syntax-error", "undefined-variable"],
)
def test_broken_override_template_is_reported_and_writes_nothing(
    cli: Cli,
    vendored: Vendored,
    spec_path: Path,
    tmp_path: Path,
    tree: Callable,
    broken_line: str,
    what: str,
) -> None:
    override = tmp_path / "templates"
    override.mkdir()
    source = (REPO / "templates" / "_models.py.jinja").read_text(encoding="utf-8").splitlines()
    assert source[1] == HEADER_CALL, source[:3]
    source.insert(2, broken_line)  # line 3
    (override / "_models.py.jinja").write_text("\n".join(source) + "\n", encoding="utf-8")
    output = tmp_path / "out"
    copy_package(vendored.package, output / VENDOR_PACKAGE)
    before, stats = tree(output / VENDOR_PACKAGE), stat_tree(output)

    result = generate_into(cli, spec_path, output, "--templates", override)

    assert result.returncode == 2, result.stdout + result.stderr
    no_traceback(result)
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors, result.stderr
    template = override / "_models.py.jinja"
    located = re.compile(rf"^{re.escape(str(template))}:3:\d+: error: .*{re.escape(what)}")
    assert any(located.match(line) for line in errors), (
        f"expected an error located at {template}:3, got:\n{result.stderr}"
    )
    assert tree(output / VENDOR_PACKAGE) == before
    assert stat_tree(output) == stats, "the previous output was touched"


# --- targets in pyproject.toml -------------------------------------------------------------


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
    ],
    ids=[
        "unknown-key-in-target",
        "duplicate-names",
        "table-and-targets",
        "unknown-key-single",
        "targets-not-array",
        "bad-toml",
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


# --- the package's README.md ---------------------------------------------------------------


def readme_section(readme: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def check_readme(package: Path, package_name: str, spec: dict, tree: Callable) -> None:
    files = tree(package)
    readme = files["README.md"].decode("utf-8")
    init = files["__init__.py"]
    client_classes = module_classes(files["_client.py"])
    async_classes = module_classes(files["_async_client.py"])
    (client_name,) = [n for n in exported_from(init, "_client") if n in client_classes]
    client = client_classes[client_name]
    methods = {n.name: n for n in client.body if isinstance(n, ast.FunctionDef)}
    async_methods = {
        n.name
        for cls in async_classes.values()
        for n in cls.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    }

    # Operations: one row per operation of the spec, with its name, method, path, summary.
    rows = []
    for line in readme_section(readme, "Operations").splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            assert len(cells) == 4, line
            rows.append((cells[0].strip("`"), cells[1], cells[2].strip("`"), cells[3]))
    expected = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in {"get", "put", "post", "delete", "patch", "head", "options"}:
                summary = op.get("summary") or op["description"].splitlines()[0]
                expected.append((snake(op["operationId"]), method.upper(), path, summary))
    missing = [row for row in expected if row not in rows]
    assert not missing, f"README.md does not list {missing}; rows: {rows}"
    for name, http, path, _ in rows:
        assert name in methods and name in async_methods, f"{name} is not a client method"
        assert (http, path) in {(e[1], e[2]) for e in expected}, f"{name}: no such operation"

    # Models and enums: every one the package exports, in its own section.
    def listed(title: str) -> dict[str, str]:
        entries = re.findall(r"^- `(\w+)`(.*)$", readme_section(readme, title), re.M)
        return dict(entries)

    models = listed("Models")
    assert sorted(models) == sorted(exported_from(init, "_models"))
    enums = listed("Enums")
    exported_enums = exported_from(init, "_enums")
    assert sorted(enums) == sorted(exported_enums)
    enum_classes = module_classes(files["_enums.py"])
    for name in exported_enums:
        values = [
            ast.literal_eval(node.value)
            for node in enum_classes[name].body
            if isinstance(node, ast.Assign)
        ]
        assert values, name
        shown = re.findall(r"`([^`]*)`", enums[name])
        if len(values) <= 12:
            assert shown == [str(v) for v in values], (name, enums[name])
        else:
            assert shown == [str(v) for v in values[:12]], (name, enums[name])
            assert f"({len(values)} values)" in enums[name]

    # The usage example is Python, uses the package, and calls things that exist.
    blocks = re.findall(r"^```python\n(.*?)^```$", readme, re.M | re.S)
    assert len(blocks) == 1, readme
    example = ast.parse(blocks[0], "README.md usage example")
    imported = [
        (node.module, alias.name)
        for node in ast.walk(example)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]
    assert (package_name, client_name) in imported
    calls = [n for n in ast.walk(example) if isinstance(n, ast.Call)]
    constructor = [c for c in calls if isinstance(c.func, ast.Name) and c.func.id == client_name]
    operations = [c for c in calls if isinstance(c.func, ast.Attribute)]
    assert len(constructor) == 1 and operations, blocks[0]
    for call, function in [
        (constructor[0], methods["__init__"]),
        *((c, methods[c.func.attr]) for c in operations if c.func.attr in methods),
    ]:
        args = function.args
        names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs][1:]
        required = [a.arg for a in args.args[1:][: len(args.args) - 1 - len(args.defaults)]]
        required += [
            a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None
        ]
        given = [k.arg for k in call.keywords]
        assert set(given) <= set(names), (function.name, given, names)
        assert set(required) <= set(given), (function.name, required, given)
    assert all(c.func.attr in methods for c in operations), blocks[0]


def test_package_readme_describes_the_vendored_client(
    vendored: Vendored, spec_path: Path, tree: Callable
) -> None:
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    check_readme(vendored.package, VENDOR_PACKAGE, spec, tree)
    readme = (vendored.package / "README.md").read_text()
    assert readme.splitlines()[1] == f"# {VENDOR_PACKAGE}"


def test_package_readme_lists_every_operation_of_a_larger_api(
    cli: Cli, tmp_path: Path, tree: Callable
) -> None:
    spec = tmp_path / "pets.yaml"
    spec.write_text(PETS_SPEC)
    result = generate_into(cli, spec, tmp_path / "out", package="pets_client")
    assert result.returncode == 0, result.stderr

    check_readme(tmp_path / "out" / "pets_client", "pets_client", yaml.safe_load(PETS_SPEC), tree)
    readme = (tmp_path / "out" / "pets_client" / "README.md").read_text()
    assert "| `get_pet` | GET | `/pets/{petId}` | Fetch one pet by its id. |" in readme
    assert "second line" not in readme
    assert "- `PetStatus`: `available`, `adopted`, `pending`" in readme.splitlines()


# --- CLI ergonomics ------------------------------------------------------------------------


def test_version_is_the_project_version(cli: Cli, tmp_path: Path) -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]

    result = cli("--version", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"apiforge {version}"


@pytest.mark.parametrize(
    ("command", "mentions"),
    [
        ([], ["apiforge generate", "apiforge verify"]),
        (["generate"], ["apiforge generate"]),
        (["verify"], ["apiforge verify"]),
    ],
    ids=["top-level", "generate", "verify"],
)
def test_help_shows_examples_that_parse(
    cli: Cli, tmp_path: Path, command: list[str], mentions: list[str]
) -> None:
    result = cli(*command, "--help", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "examples:" in text, text
    examples = [
        re.split(r"\s{2,}", line.strip())[0]
        for line in text.split("examples:", 1)[1].splitlines()
        if line.strip().startswith("apiforge ")
    ]
    for word in mentions:
        assert any(e.startswith(word) for e in examples), (word, examples)
    for example in examples:
        words = shlex.split(example)
        assert words[0] == "apiforge"
        try:
            apiforge_cli._parser().parse_args(words[1:])
        except SystemExit as exc:  # pragma: no cover - the assertion explains
            raise AssertionError(f"the help's example does not parse: {example}") from exc


def test_quiet_prints_only_errors(
    cli: Cli, vendored: Vendored, spec_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    package = copy_package(vendored.package, out / VENDOR_PACKAGE)
    (package / "_client.py").write_text("# edited\n")
    wrote = generate_into(cli, spec_path, out, "-q")  # after the command
    assert wrote.returncode == 0, wrote.stderr
    assert (wrote.stdout, wrote.stderr) == ("", "")
    assert "# edited" not in (package / "_client.py").read_text(), "nothing was regenerated"
    checked = cli(
        "--quiet",
        "generate",
        "--check",
        spec_path,
        "--output",
        out,
        "--package",
        VENDOR_PACKAGE,
        cwd=tmp_path,
    )
    assert checked.returncode == 0 and (checked.stdout, checked.stderr) == ("", "")
    verified = cli("verify", package, "-q", cwd=tmp_path)
    assert verified.returncode == 0 and (verified.stdout, verified.stderr) == ("", "")

    failed = cli("-q", "generate", tmp_path / "missing.yaml", "--output", out, cwd=tmp_path)
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert re.search(r"^\S*missing\.yaml\S*: error: ", failed.stderr, re.M), failed.stderr
    (package / "_client.py").write_text("# edited\n")
    drifted = cli("verify", "--quiet", package, cwd=tmp_path)
    assert drifted.returncode == 1 and drifted.stdout == ""
    assert f"{package / '_client.py'}: edited" in drifted.stderr.splitlines()

    both = cli("-q", "-v", "generate", cwd=tmp_path)
    assert both.returncode == 2 and "not allowed with" in both.stderr


def test_verbose_names_files_and_summary_counts(
    cli: Cli, spec_path: Path, tmp_path: Path, tree: Callable
) -> None:
    def run(*flags: str) -> subprocess.CompletedProcess[str]:
        result = cli(
            *flags, "generate", spec_path, "--output", "out", "--package", "v", cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        return result

    def counts(result: subprocess.CompletedProcess[str]) -> tuple[int, int]:
        (line,) = summaries(result.stdout)
        assert Path(line["target"]) == Path("out") / "v"
        return int(line["written"]), int(line["unchanged"])

    def wrote(result: subprocess.CompletedProcess[str]) -> list[str]:
        return sorted(
            line.split("wrote ", 1)[1] for line in result.stdout.splitlines() if "wrote " in line
        )

    first = run("-v")
    files = sorted(tree(tmp_path / "out" / "v"))
    assert wrote(first) == files
    assert counts(first) == (len(files), 0)

    second = run()
    assert wrote(second) == []
    assert counts(second) == (0, len(files))

    (tmp_path / "out" / "v" / "_errors.py").write_text("# edited\n")
    third = run("--verbose")
    assert wrote(third) == ["_errors.py"]
    assert counts(third) == (1, len(files) - 1)


ERROR_RUNS = {
    "generate": lambda tmp: ["generate", tmp / "missing.yaml", "--output", tmp / "out"],
    "verify": lambda tmp: ["verify", tmp],
    "config": lambda tmp: ["generate", "--target", "nope"],
}


@pytest.mark.parametrize("kind", sorted(ERROR_RUNS))
def test_errors_are_coloured_only_on_a_terminal(tmp_path: Path, kind: str) -> None:
    args = ERROR_RUNS[kind](tmp_path)

    code, stdout, stderr = run_with_tty_stderr(args, tmp_path, clean_env())
    assert code == 2, stderr
    errors = [line for line in stderr.splitlines() if "error" in line]
    assert errors, stderr
    for line in errors:
        assert line.startswith(ANSI) and line.endswith("\x1b[0m"), repr(line)
    assert ANSI not in stdout

    code, _, plain = run_with_tty_stderr(args, tmp_path, clean_env(NO_COLOR="1"))
    assert code == 2
    assert ANSI not in plain and "error" in plain, repr(plain)
    assert plain.splitlines() == [re.sub(r"\x1b\[[0-9;]*m", "", ln) for ln in stderr.splitlines()]

    result = subprocess.run(
        [sys.executable, "-P", "-m", "apiforge", *map(str, args)],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "error" in result.stderr
    assert ANSI not in result.stderr + result.stdout, repr(result.stderr)


def test_empty_no_color_does_not_disable_colour(tmp_path: Path) -> None:
    # https://no-color.org: only a non-empty NO_COLOR turns colour off.
    args = ERROR_RUNS["generate"](tmp_path)
    code, _, stderr = run_with_tty_stderr(args, tmp_path, clean_env(NO_COLOR=""))
    assert code == 2 and ANSI in stderr, repr(stderr)


# --- pre-commit hooks ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hooks() -> dict[str, dict]:
    data = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, list), "a hooks file is a list of hooks"
    by_id = {hook["id"]: hook for hook in data}
    assert len(by_id) == len(data), "hook ids must be unique"
    return by_id


def test_hooks_are_well_formed(hooks: dict[str, dict]) -> None:
    assert set(hooks) == {"apiforge-check", "apiforge-verify"}
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    for hook_id, hook in hooks.items():
        for key in ("id", "name", "entry", "language"):
            assert isinstance(hook.get(key), str) and hook[key], (hook_id, key)
        assert hook["language"] == "python"  # pre-commit pip-installs this repository
        assert hook["pass_filenames"] is False
        command = shlex.split(hook["entry"])[0]
        assert command in scripts, f"{hook_id}: {command!r} is not a console script"


def hook_args(hook: dict) -> list[str]:
    words = shlex.split(hook["entry"])
    assert words[0] == "apiforge", hook["entry"]
    return words[1:] + list(hook.get("args", []))


def test_check_hook_passes_in_this_repository(cli: Cli, hooks: dict[str, dict]) -> None:
    result = cli(*hook_args(hooks["apiforge-check"]), cwd=REPO)

    assert result.returncode == 0, result.stdout + result.stderr


def test_verify_hook_passes_in_this_repository(cli: Cli, hooks: dict[str, dict]) -> None:
    result = cli(*hook_args(hooks["apiforge-verify"]), "generated/customvision_training", cwd=REPO)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""


def test_verify_hook_as_documented_in_a_consumer_repository(
    cli: Cli, hooks: dict[str, dict], vendored: Vendored
) -> None:
    # The hooks file's own comment shows the consumer's configuration; use exactly that.
    comment = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    documented = re.search(r"args: (\[.*\])", comment)
    assert documented, "the hooks file should document apiforge-verify's args"
    args = yaml.safe_load(documented.group(1))
    assert args[0] == f"src/vendor/{VENDOR_PACKAGE}"

    result = cli(*hook_args(hooks["apiforge-verify"]), *args, cwd=vendored.repo)
    assert result.returncode == 0, result.stdout + result.stderr

    spec = vendored.repo / args[args.index("--spec") + 1]
    spec.write_text(spec.read_text().replace("The project id.", "The id of the project."))
    try:
        stale = cli(*hook_args(hooks["apiforge-verify"]), *args, cwd=vendored.repo)
    finally:
        git(vendored.repo, "checkout", "--", str(spec.relative_to(vendored.repo)))
    assert stale.returncode == 1
    assert "changed since generation" in stale.stderr
