"""The vendoring workflow: the generated package committed into another git repository
and used from there, with nothing of this checkout in sight.

Everything runs the real command in a subprocess (``python -P -m apiforge``) and the
generated client against a real HTTP server; nothing is mocked. The consumer repository
is conftest's ``vendored`` fixture.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from support.cli import (
    ITERATION,
    KEY,
    MANIFEST,
    PROJECT,
    VENDOR_PACKAGE,
    Cli,
    Vendored,
    clean_env,
    git,
    run_verify,
    summaries,
)
from support.http_server import Reply, ScriptedServer
from support.paths import REPO_ROOT as REPO
from support.pythonpath import no_site_path

GOLDEN_NAME = "customvision_training"
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
