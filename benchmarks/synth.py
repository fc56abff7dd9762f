"""A synthetic OpenAPI 3.0 document of N operations and N schemas, seeded and deterministic.

``python -m benchmarks.synth OUT.json [--operations N] [--schemas N] [--seed S]`` writes it.
The shapes are the ones real services use and every generator in the benchmark supports:
objects with required and optional scalar fields (strings with limits, int32/int64 with
ranges, doubles, booleans, date-times, UUIDs, nullable strings), arrays, references to
other objects and to string enums; operations that list (skip/take query), create (JSON
body, 201), read (UUID path parameter) and delete (204), each with a ``default`` error
response, behind an API key in a header. No reference cycles, so that every peer accepts it.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any, Final

JsonObject = dict[str, Any]

SEED: Final = 1000
OPERATIONS: Final = 1000
SCHEMAS: Final = 1000
_WORDS: Final = (
    "account",
    "asset",
    "batch",
    "bucket",
    "camera",
    "channel",
    "device",
    "domain",
    "export",
    "feature",
    "gateway",
    "image",
    "invoice",
    "job",
    "label",
    "model",
    "node",
    "order",
    "policy",
    "project",
    "queue",
    "region",
    "report",
    "sensor",
    "tag",
    "task",
    "tenant",
    "upload",
    "user",
    "volume",
    "widget",
    "zone",
)
_SCALARS: Final = ("string", "int32", "int64", "double", "boolean", "date-time", "uuid", "nullable")
_OPS_PER_RESOURCE: Final = 4


def _ref(name: str) -> JsonObject:
    return {"$ref": f"#/components/schemas/{name}"}


def _name(i: int, rng: random.Random) -> str:
    return f"{rng.choice(_WORDS).title()}{rng.choice(_WORDS).title()}{i:04d}"


def _scalar(kind: str, rng: random.Random) -> JsonObject:
    match kind:
        case "string":
            return {"type": "string", "maxLength": rng.choice((64, 256, 1024))}
        case "int32":
            return {"type": "integer", "format": "int32", "minimum": 0, "maximum": 10_000}
        case "int64":
            return {"type": "integer", "format": "int64"}
        case "double":
            return {"type": "number", "format": "double"}
        case "boolean":
            return {"type": "boolean"}
        case "date-time":
            return {"type": "string", "format": "date-time"}
        case "uuid":
            return {"type": "string", "format": "uuid"}
        case _:
            return {"type": "string", "nullable": True}


def _enum(rng: random.Random) -> JsonObject:
    count = rng.randint(3, 6)
    values = sorted(rng.sample(_WORDS, count))
    return {
        "type": "string",
        "description": "One of a fixed set.",
        "enum": [v.title() for v in values],
    }


def _object(index: int, objects: list[str], enums: list[str], rng: random.Random) -> JsonObject:
    properties: JsonObject = {"id": {"type": "string", "format": "uuid", "readOnly": True}}
    for k in range(rng.randint(3, 11)):
        name = f"{rng.choice(_WORDS)}{rng.choice(_WORDS).title()}{k}"
        roll = rng.random()
        if roll < 0.12 and objects:
            prop: JsonObject = _ref(rng.choice(objects))
        elif roll < 0.2 and objects:
            prop = {"type": "array", "items": _ref(rng.choice(objects)), "maxItems": 100}
        elif roll < 0.28 and enums:
            prop = _ref(rng.choice(enums))
        elif roll < 0.34:
            prop = {"type": "array", "items": {"type": "string"}}
        else:
            prop = _scalar(rng.choice(_SCALARS), rng)
        if rng.random() < 0.3:
            prop = (
                {**prop, "description": f"The {name} of this item."} if "$ref" not in prop else prop
            )
        properties[name] = prop
    required = sorted(rng.sample(sorted(properties), rng.randint(0, len(properties) // 2)))
    schema: JsonObject = {
        "type": "object",
        "description": f"Synthetic model number {index}.",
        "properties": properties,
    }
    if required:
        schema["required"] = required
    return schema


def make_spec(operations: int = OPERATIONS, schemas: int = SCHEMAS, seed: int = SEED) -> JsonObject:
    """The document; ``operations`` must be a multiple of 4, ``schemas`` at least 10."""
    if operations % _OPS_PER_RESOURCE or schemas < 10:
        raise ValueError("operations must be a multiple of 4 and schemas at least 10")
    rng = random.Random(seed)
    components: JsonObject = {
        "Error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    }
    objects: list[str] = []
    enums: list[str] = []
    for i in range(1, schemas):
        name = _name(i, rng)
        if rng.random() < 0.08:
            components[name] = _enum(rng)
            enums.append(name)
        else:
            components[name] = _object(i, objects, enums, rng)
            objects.append(name)
    paths: JsonObject = {}
    error = {"description": "Error", "content": {"application/json": {"schema": _ref("Error")}}}
    for r in range(operations // _OPS_PER_RESOURCE):
        model = rng.choice(objects)
        base = f"/{rng.choice(_WORDS)}s{r:03d}"
        tag = base.strip("/").rstrip("0123456789")
        ident = {
            "name": "itemId",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "format": "uuid"},
        }
        body = {"required": True, "content": {"application/json": {"schema": _ref(model)}}}
        one = {"description": "OK", "content": {"application/json": {"schema": _ref(model)}}}
        many = {
            "description": "OK",
            "content": {"application/json": {"schema": {"type": "array", "items": _ref(model)}}},
        }
        paging = [
            {
                "name": "skip",
                "in": "query",
                "schema": {"type": "integer", "minimum": 0, "default": 0},
            },
            {
                "name": "take",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 256, "default": 50},
            },
        ]
        paths[base] = {
            "get": {
                "operationId": f"list{model}s{r}",
                "tags": [tag],
                "summary": f"List {model} items.",
                "parameters": paging,
                "responses": {"200": many, "default": error},
            },
            "post": {
                "operationId": f"create{model}{r}",
                "tags": [tag],
                "requestBody": body,
                "responses": {"201": one, "default": error},
            },
        }
        paths[f"{base}/{{itemId}}"] = {
            "get": {
                "operationId": f"get{model}{r}",
                "tags": [tag],
                "parameters": [ident],
                "responses": {"200": one, "default": error},
            },
            "delete": {
                "operationId": f"delete{model}{r}",
                "tags": [tag],
                "parameters": [ident],
                "responses": {"204": {"description": "Deleted"}, "default": error},
            },
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Synthetic Service", "version": "1.0"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}},
        },
    }


def write(
    path: Path, operations: int = OPERATIONS, schemas: int = SCHEMAS, seed: int = SEED
) -> Path:
    """Write the document as indented JSON (byte-identical for the same arguments)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(make_spec(operations, schemas, seed), indent=1) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--operations", type=int, default=OPERATIONS)
    parser.add_argument("--schemas", type=int, default=SCHEMAS)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    write(args.out, args.operations, args.schemas, args.seed)


if __name__ == "__main__":
    main()
