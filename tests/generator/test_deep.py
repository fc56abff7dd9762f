"""Deep and cyclic shapes through every stage: each either generates or is refused with a
located error, and nothing ends in a traceback.

Real specs nest 34 levels at most; these go far past that, inline (textual nesting, in
JSON and in YAML's flow and block styles) and through chains of ``$ref``s, which every
stage follows recursively: the loader, the validator, the Swagger 2.0 rewrite, the build,
the templates and black.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.cli import Cli

Schema = dict[str, Any]
LOCATED = re.compile(r"^\S+:\d+:\d+: error: ", re.M)


def openapi(schema: Schema, components: dict[str, Schema] | None = None) -> dict[str, Any]:
    content = {"application/json": {"schema": schema}}
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "Deep", "version": "1"},
        "paths": {
            "/a": {
                "post": {
                    "operationId": "a",
                    "responses": {"200": {"description": "OK", "content": content}},
                }
            }
        },
    }
    if components:
        document["components"] = {"schemas": components}
    return document


def swagger(schema: Schema, definitions: dict[str, Schema]) -> dict[str, Any]:
    return {
        "swagger": "2.0",
        "info": {"title": "Deep", "version": "1"},
        "paths": {
            "/a": {
                "get": {
                    "operationId": "a",
                    "responses": {"200": {"description": "OK", "schema": schema}},
                }
            }
        },
        "definitions": definitions,
    }


def nested(depth: int, kind: str) -> Schema:
    schema: Schema = {"type": "string"}
    for _ in range(depth):
        schema = (
            {"type": "array", "items": schema}
            if kind == "array"
            else {"type": "object", "properties": {"x": schema}}
        )
    return schema


def chain(length: int, kind: str, prefix: str = "#/components/schemas/") -> dict[str, Schema]:
    """S0 → S1 → … → S<length>, each one level of ``kind`` around the next."""

    def link(i: int) -> Schema:
        ref = {"$ref": f"{prefix}S{i + 1}"}
        if kind == "array":
            return {"type": "array", "items": ref}
        return {"type": "object", "properties": {"next": ref, "name": {"type": "string"}}}

    schemas = {f"S{i}": link(i) for i in range(length)}
    schemas[f"S{length}"] = {"type": "string"}
    return schemas


def cyclic() -> dict[str, Schema]:
    """Every way a schema can reach itself that is not a union."""
    ref = "#/components/schemas/"
    return {
        "Node": {
            "type": "object",
            "properties": {
                "parent": {"$ref": ref + "Node"},
                "children": {"type": "array", "items": {"$ref": ref + "Node"}},
                "byName": {"type": "object", "additionalProperties": {"$ref": ref + "Node"}},
                "other": {"$ref": ref + "Other"},
            },
        },
        "Other": {"type": "object", "properties": {"back": {"$ref": ref + "Node"}}},
        "Derived": {
            "allOf": [
                {"$ref": ref + "Node"},
                {"type": "object", "properties": {"me": {"$ref": ref + "Derived"}}},
            ]
        },
        "Grid": {"type": "array", "items": {"type": "array", "items": {"$ref": ref + "Node"}}},
    }


def json_objects(depth: int) -> str:
    """``openapi(nested(depth, "object"))`` as text, built without json.dumps's recursion."""
    head = json.dumps(openapi({"type": "string"}))
    inner = '{"type": "object", "properties": {"x": ' * depth + '{"type": "string"}' + "}}" * depth
    return head.replace('{"type": "string"}', inner)


def yaml_flow(depth: int) -> str:
    return (
        "openapi: 3.0.3\ninfo: {title: Deep, version: '1'}\npaths: {}\n"
        "components:\n  schemas:\n    Deep: "
        + "{type: array, items: " * depth
        + "{type: string}"
        + "}" * depth
        + "\n"
    )


def yaml_block(depth: int) -> str:
    lines = [
        "openapi: 3.0.3",
        "info: {title: Deep, version: '1'}",
        "paths: {}",
        "components:",
        "  schemas:",
        "    Deep:",
    ]
    indent = 6
    for _ in range(depth):
        lines += [
            " " * indent + "type: object",
            " " * indent + "properties:",
            " " * (indent + 2) + "x:",
        ]
        indent += 4
    lines.append(" " * indent + "type: string")
    return "\n".join(lines) + "\n"


Case = tuple[str, Callable[[], str], str]  # file name, its text, "ok" or the error's words
CASES: dict[str, Case] = {
    "inline-arrays-within-the-limit": (
        "a.json",
        lambda: json.dumps(openapi(nested(40, "array"))),
        "ok",
    ),
    "inline-objects-within-the-limit": (
        "o.json",
        lambda: json.dumps(openapi(nested(30, "object"))),
        "ok",
    ),
    "inline-past-the-limit": (
        "p.json",
        lambda: json.dumps(openapi(nested(150, "array"))),
        "nested more than 128 levels deep",
    ),
    "inline-past-json's-recursion": (
        "r.json",
        lambda: json_objects(1500),
        "nested more than 128 levels deep",
    ),
    "yaml-flow-past-the-limit": (
        "f.yaml",
        lambda: yaml_flow(200),
        "nested more than 128 levels deep",
    ),
    "yaml-flow-past-libyaml": ("l.yaml", lambda: yaml_flow(1200), "exceeded maximum nesting depth"),
    "yaml-block-past-the-limit": (
        "b.yaml",
        lambda: yaml_block(70),
        "nested more than 128 levels deep",
    ),
    "a-type-past-what-python-parses": (
        "t.json",
        lambda: json.dumps(openapi(nested(70, "array"))),
        "a type nested 70 levels deep",
    ),
    "a-chain-of-2000-models": (
        "c.json",
        lambda: json.dumps(openapi({"$ref": "#/components/schemas/S0"}, chain(2000, "object"))),
        "ok",
    ),
    "a-chain-of-2000-arrays": (
        "d.json",
        lambda: json.dumps(openapi({"$ref": "#/components/schemas/S0"}, chain(2000, "array"))),
        "a type nested 2000 levels deep",
    ),
    "swagger-2.0-chain-of-1000-models": (
        "s.json",
        lambda: json.dumps(
            swagger({"$ref": "#/definitions/S0"}, chain(1000, "object", "#/definitions/"))
        ),
        "ok",
    ),
    "cycles-through-refs-arrays-maps-and-allof": (
        "y.json",
        lambda: json.dumps(openapi({"$ref": "#/components/schemas/Grid"}, cyclic())),
        "ok",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_deep_and_cyclic_shapes_generate_or_are_refused_at_their_place(
    cli: Cli, tmp_path: Path, case: Case
) -> None:
    name, text, outcome = case
    (tmp_path / name).write_text(text(), encoding="utf-8")

    result = cli("generate", name, "--output", "out", "--package", "deep", cwd=tmp_path)

    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "RecursionError" not in result.stderr
    if outcome == "ok":
        assert result.returncode == 0, result.stderr[-3000:]
        compiled = subprocess.run(
            [
                "python3",
                "-c",
                "import compileall, sys; sys.exit(not compileall.compile_dir('out', quiet=1))",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    else:
        assert result.returncode == 2
        assert LOCATED.search(result.stderr), result.stderr[:2000]
        assert outcome in result.stderr, result.stderr[:2000]
        assert not (tmp_path / "out").exists()
