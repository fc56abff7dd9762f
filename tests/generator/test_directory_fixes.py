"""Constructs the whole-directory run's ``mypy --strict`` phase found generated wrong, each
built from a small spec: the IR and the emitted text that now type-check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from apiforge import build, ir, load
from apiforge.render import methods


def built(tmp_path: Path, paths: dict[str, Any], **more: Any) -> ir.Api:
    spec = {"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": paths, **more}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec), "utf-8")
    api, _ = build.build(load.read(path, display="spec.yaml"))
    return api


def get(parameters: list[Any]) -> dict[str, Any]:
    return {
        "/x": {
            "get": {
                "operationId": "x",
                "parameters": parameters,
                "responses": {"204": {"description": "ok"}},
            }
        }
    }


def test_a_single_float_value_is_a_float_not_a_literal(tmp_path: Path) -> None:
    # wmata.com: Literal[38.8978168] is no valid type.
    api = built(
        tmp_path,
        get([{"name": "lat", "in": "query", "schema": {"type": "number", "enum": [38.89]}}]),
    )
    (param,) = api.operations[0].parameters
    assert param.type == ir.PrimitiveType(ir.Primitive.FLOAT)


def test_a_date_time_default_is_left_to_the_service(tmp_path: Path) -> None:
    # openaq.local: a str default on a datetime | date argument.
    union = {
        "oneOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]
    }
    params = [
        {"name": "since", "in": "query", "schema": {**union, "default": "2025-10-15T13:51:07Z"}},
        {
            "name": "at",
            "in": "query",
            "schema": {"type": "string", "format": "date-time", "default": "2020-01-01T00:00:00Z"},
        },
        {"name": "n", "in": "query", "schema": {"type": "integer", "default": 3}},
    ]
    api = built(tmp_path, get(params))
    assert [p.default for p in api.operations[0].parameters] == [None, None, 3]


def test_an_optional_client_parameter_is_optional_in_the_builder(tmp_path: Path) -> None:
    # Azure's Accept-Language at the client: optional in the constructor, so in the builder.
    header = {
        "name": "Accept-Language",
        "in": "header",
        "schema": {"type": "string"},
        "x-ms-parameter-location": "client",
    }
    api = built(tmp_path, get([header]))
    (argument,) = [
        a for a in methods.builder_arguments(api.operations[0]) if a.name == "accept_language"
    ]
    assert argument.annotation == "str | None"


def test_an_all_of_that_declares_a_base_field_again_is_merged(tmp_path: Path) -> None:
    # sendgrid.com, flat.io: a subclass could not give an inherited field another type.
    schemas = {
        "Base": {
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"type": "string"}},
        },
        "Child": {
            "allOf": [
                {"$ref": "#/components/schemas/Base"},
                {
                    "properties": {
                        "kind": {"type": "string", "nullable": True},
                        "n": {"type": "integer"},
                    }
                },
            ]
        },
    }
    answer = {
        "200": {
            "description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Child"}}},
        }
    }
    paths = {"/c": {"get": {"operationId": "c", "responses": answer}}}
    api = built(tmp_path, paths, components={"schemas": schemas})
    child = next(m for m in api.models if m.name == "Child")
    assert child.base is None
    assert {f.wire_name: f.nullable for f in child.fields} == {"kind": True, "n": False}


def test_a_path_item_that_refers_to_another_has_its_operations(tmp_path: Path) -> None:
    # surevoip.co.uk: /support/ip-address is {$ref: '#/paths/~1ip-address'}.
    answer = {"200": {"description": "ok"}}
    paths = {
        "/ip-address": {"get": {"responses": answer}},
        "/support/ip-address": {"$ref": "#/paths/~1ip-address"},
    }
    api = built(tmp_path, paths)
    assert [(op.name, op.path) for op in api.operations] == [
        ("get_ip_address", "/ip-address"),
        ("get_support_ip_address", "/support/ip-address"),
    ]


def test_a_json_range_is_sent_as_json_and_a_star_inside_a_subtype_is_kept(
    tmp_path: Path,
) -> None:
    # configcat.com lists ASP.NET's application/*+json first; `*` is also a token character,
    # so application/a*b+json is a media type of its own, sent as written.
    def post(*media: str) -> dict[str, Any]:
        content = {m: {"schema": {"type": "object"}} for m in media}
        body = {"required": True, "content": content}
        return {"post": {"requestBody": body, "responses": {"204": {"description": "ok"}}}}

    paths = {
        "/a": post("application/*+json", "text/json", "application/json"),
        "/b": post("application/*+json"),
        "/c": post("application/a*b+json"),
        "/d": post("application/*3#4+json"),
    }
    api = built(tmp_path, paths)
    sent = [op.body.media_type for op in api.operations if op.body is not None]
    assert sent == [
        "application/json",
        "application/json",
        "application/a*b+json",
        "application/*3#4+json",
    ]
