"""imports: collected ``Import`` values rendered as one isort-clean block."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from apiforge import ir
from apiforge.names import ClassName
from apiforge.render import imports
from apiforge.render.imports import Import

RUFF = Path(sys.executable).with_name("ruff")


def assert_ruff_isort_clean(lines: list[str], tmp_path: Path) -> None:
    """``ruff check --select I`` finds nothing to re-sort in a module starting with ``lines``."""
    module = tmp_path / "module.py"
    module.write_text('"""A module."""\n\n' + "\n".join(lines) + "\n\nVALUE = 1\n")
    result = subprocess.run(
        [str(RUFF), "check", "--select", "I", "--isolated", "--no-cache", "--diff", str(module)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    if result.returncode:
        pytest.fail(f"ruff would re-sort the imports:\n{result.stdout}", pytrace=False)


TYPICAL = [
    Import("__future__", "annotations"),
    Import("uuid"),
    Import("datetime"),
    Import("typing", "Any"),
    Import("typing", "Self"),
    Import("collections.abc", "Sequence"),
    Import("httpx"),
    Import("msgspec"),
    Import(".", "_runtime"),
    Import(".", "_operations"),
    Import("._models", "ImagePerformance"),
    Import("._models", "BoundingBox"),
    Import("._enums", "OrderBy"),
    Import("._models", "ImageTag"),
]


def test_sections_are_grouped_and_ordered() -> None:
    assert imports.render(TYPICAL) == [
        "from __future__ import annotations",
        "",
        "import datetime",
        "import uuid",
        "from collections.abc import Sequence",
        "from typing import Any, Self",
        "",
        "import httpx",
        "import msgspec",
        "",
        "from . import _operations, _runtime",
        "from ._enums import OrderBy",
        "from ._models import BoundingBox, ImagePerformance, ImageTag",
    ]


def test_duplicates_are_merged() -> None:
    lines = imports.render([Import("uuid"), Import("uuid"), Import("typing", "Any")] * 3)
    assert lines == ["import uuid", "from typing import Any"]


def test_plain_and_from_imports_of_one_module_both_stay() -> None:
    lines = imports.render([Import("datetime"), Import("datetime", "date")])
    assert lines == ["import datetime", "from datetime import date"]


def test_dotted_stdlib_and_third_party_modules() -> None:
    lines = imports.render(
        [Import("os.path"), Import("email.message", "Message"), Import("yaml.nodes", "Node")]
    )
    assert lines == [
        "import os.path",
        "from email.message import Message",
        "",
        "from yaml.nodes import Node",
    ]


def test_empty_sections_leave_no_blank_lines() -> None:
    assert imports.render([Import("msgspec")]) == ["import msgspec"]
    assert imports.render([Import("._models", "Tag")]) == ["from ._models import Tag"]
    assert imports.render([]) == []


def test_input_order_does_not_matter() -> None:
    assert imports.render(TYPICAL) == imports.render(list(reversed(TYPICAL)))


def test_typical_block_passes_ruff_isort(tmp_path: Path) -> None:
    assert_ruff_isort_clean(imports.render(TYPICAL), tmp_path)


@pytest.mark.parametrize(
    "class_names",
    [
        # Model and enum names come from the spec: any CapWords, acronyms and digits included.
        ["Tag", "tag_helper", "ImageTag"],
        ["URL", "Tag", "SKU"],
        ["ETag", "ETAG", "Etag"],
        ["ImageV2", "ImageV10", "Image"],
        ["Tag2", "Tag10", "Tag"],
    ],
)
def test_member_order_matches_ruff(class_names: list[str], tmp_path: Path) -> None:
    needed = [Import("__future__", "annotations"), Import("msgspec")]
    needed += [Import(imports.MODELS, name) for name in class_names]
    assert_ruff_isort_clean(imports.render(needed), tmp_path)


def test_for_type() -> None:
    uuid_t = ir.PrimitiveType(ir.Primitive.UUID)
    assert imports.for_type(uuid_t) == {Import("uuid")}
    assert imports.for_type(ir.PrimitiveType(ir.Primitive.DATETIME)) == {Import("datetime")}
    assert imports.for_type(ir.PrimitiveType(ir.Primitive.DATE)) == {Import("datetime")}
    assert imports.for_type(ir.PrimitiveType(ir.Primitive.ANY)) == {Import("typing", "Any")}
    assert imports.for_type(ir.PrimitiveType(ir.Primitive.STR)) == set()
    assert imports.for_type(ir.ModelRef(ClassName("Tag"))) == {Import("._models", "Tag")}
    assert imports.for_type(ir.EnumRef(ClassName("OrderBy"))) == {Import("._enums", "OrderBy")}
    assert imports.for_type(ir.ArrayType(uuid_t)) == {Import("uuid")}
    assert imports.for_type(ir.ArrayType(uuid_t), inputs=True) == {
        Import("uuid"),
        Import("collections.abc", "Sequence"),
    }


def test_local_to_drops_the_module_itself() -> None:
    found = {Import("._models", "Tag"), Import("._enums", "OrderBy"), Import("uuid")}
    assert imports.local_to("._models", found) == {Import("._enums", "OrderBy"), Import("uuid")}
