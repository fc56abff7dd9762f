"""Writes ``shop.yaml`` beside this file: 151 operations in 15 tags (and one untagged),
the spec that shows grouping by tag at the size where it matters. Run it again after
changing it; the output is deterministic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

RESOURCES = [
    ("products", "product"),
    ("orders", "order"),
    ("customers", "customer"),
    ("carts", "cart"),
    ("payments", "payment"),
    ("refunds", "refund"),
    ("shipments", "shipment"),
    ("warehouses", "warehouse"),
    ("suppliers", "supplier"),
    ("coupons", "coupon"),
    ("reviews", "review"),
    ("invoices", "invoice"),
    ("webhooks", "webhook"),
    ("users", "user"),
    ("reports", "report"),
]
ACTIONS = ["archive", "restore", "export", "duplicate", "lock"]


def _camel(*words: str) -> str:
    return words[0] + "".join(w.capitalize() for w in words[1:])


def _ok(ref: str | None, description: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if ref:
        answer["content"] = {"application/json": {"schema": {"$ref": ref}}}
    return {"200": answer}


def spec() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/health": {
            "get": {"operationId": "getHealth", "responses": _ok(None, "The service is up.")}
        }
    }
    schemas: dict[str, Any] = {}
    for plural, single in RESOURCES:
        model = single.capitalize()
        ref = f"#/components/schemas/{model}"
        schemas[model] = {
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
        }
        one = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
        body = {"content": {"application/json": {"schema": {"$ref": ref}}}, "required": True}
        array = {"type": "array", "items": {"$ref": ref}}
        tag = [plural.capitalize()]
        paths[f"/{plural}"] = {
            "get": {
                "operationId": _camel("list", plural),
                "tags": tag,
                "parameters": [
                    {"name": "page", "in": "query", "schema": {"type": "integer"}},
                    {
                        "name": "per_page",
                        "in": "query",
                        "schema": {"type": "integer", "maximum": 100},
                    },
                ],
                "x-apiforge-pagination": {"page": "page", "size": "per_page"},
                "responses": {
                    "200": {
                        "description": f"A page of {plural}.",
                        "content": {"application/json": {"schema": array}},
                    }
                },
            },
            "post": {
                "operationId": _camel("create", single),
                "tags": tag,
                "requestBody": body,
                "responses": _ok(ref, f"The new {single}."),
            },
        }
        paths[f"/{plural}/{{id}}"] = {
            "get": {
                "operationId": _camel("get", single),
                "tags": tag,
                "parameters": [one],
                "responses": _ok(ref, f"The {single}."),
            },
            "put": {
                "operationId": _camel("update", single),
                "tags": tag,
                "parameters": [one],
                "requestBody": body,
                "responses": _ok(ref, f"The {single}, updated."),
            },
            "delete": {
                "operationId": _camel("delete", single),
                "tags": tag,
                "parameters": [one],
                "responses": _ok(None, "Deleted."),
            },
        }
        for action in ACTIONS:
            paths[f"/{plural}/{{id}}/{action}"] = {
                "post": {
                    "operationId": _camel(action, single),
                    "tags": tag,
                    "parameters": [one],
                    "responses": _ok(ref, f"The {single}, after {action}."),
                }
            }
    tags = [{"name": p.capitalize(), "description": f"Everything about {p}."} for p, _ in RESOURCES]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Shop", "version": "1.0"},
        "servers": [{"url": "https://shop.example.com/v1"}],
        "tags": tags,
        "paths": paths,
        "components": {"schemas": schemas},
    }


if __name__ == "__main__":
    out = Path(__file__).with_name("shop.yaml")
    header = "# Written by make_spec.py: 151 operations in 15 tags, and one untagged.\n"
    out.write_text(header + yaml.safe_dump(spec(), sort_keys=False, width=100), "utf-8")
