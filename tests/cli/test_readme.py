"""The README's examples stay true: they parse, and what they import exists."""

from __future__ import annotations

import ast
import importlib
import re

import pytest
from support.paths import REPO_ROOT

README = REPO_ROOT / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_example_parses_and_its_imports_exist(block: str) -> None:
    tree = ast.parse(block)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_example_keywords_exist_on_the_client(block: str) -> None:
    from customvision_training import AsyncCustomVisionTrainingClient, CustomVisionTrainingClient

    methods = {
        name: getattr(CustomVisionTrainingClient, name)
        for name in dir(CustomVisionTrainingClient)
        if not name.startswith("__")
    }
    methods["CustomVisionTrainingClient"] = CustomVisionTrainingClient.__init__
    assert set(dir(AsyncCustomVisionTrainingClient)) >= {"iter_image_performances", "aclose"}
    for node in ast.walk(ast.parse(block)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in methods:
            continue
        params = methods[name].__code__.co_varnames
        for keyword in node.keywords:
            assert keyword.arg in params, f"{name}() has no argument {keyword.arg!r}"
