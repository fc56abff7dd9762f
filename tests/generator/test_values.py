"""Defaults and examples told matching or not without the validator (load/plain.py), and
the validator agreeing with every value so told."""

from __future__ import annotations

import json
from typing import Any

import pytest
from apiforge.load import lenient, plain, values

_DOC = {
    "openapi": "3.0.3",
    "components": {
        "schemas": {
            "Tag": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "id": {"type": "integer"}},
                "additionalProperties": False,
            },
            "Loop": {"$ref": "#/components/schemas/Loop"},
        }
    },
}
_TAG = {"$ref": "#/components/schemas/Tag"}


@pytest.mark.parametrize(
    ("schema", "value", "plainly"),
    [
        ({"type": "string", "description": "d", "x-any": 1}, "a", True),
        ({"type": "integer", "readOnly": True}, 3, True),
        ({"type": "number"}, 2, True),
        ({"type": "integer"}, True, False),  # a bool is no integer to JSON Schema
        ({"type": "integer"}, 1.0, False),  # the validator decides (3.1 takes 1.0)
        ({"type": "string", "format": "uuid"}, "a", False),
        ({"type": "string", "maxLength": 1}, "ab", False),
        ({"type": ["string", "null"]}, "a", False),  # a list of types is 3.1's
        ({"type": "string", "enum": ["b"]}, "a", False),
        ({"$ref": "#/x", "type": "string"}, "a", False),  # leads nowhere
        ({"type": "string", "format": "uuid"}, "00000000-0000-0000-0000-00000000000a", True),
        ({"type": "string", "format": "date-time"}, "2026-12-01T20:45:00.5+01:00", True),
        ({"type": "string", "format": "date-time"}, "2026-02-30T20:45:00Z", False),
        ({"type": "string", "format": "date"}, "2024-02-29", True),
        ({"type": "string", "format": "date"}, "2026-02-29", False),
        ({"type": "string", "format": "repo.nwo"}, "a/b", True),  # checked nowhere
        ({"type": "string", "format": ["uri"]}, "a", False),  # no format
        ({"type": "integer", "format": "int32", "minimum": 0, "maximum": 256}, 50, True),
        ({"type": "integer", "format": "int32"}, 2**31, False),
        ({"type": "integer", "minimum": 0, "exclusiveMinimum": True}, 0, False),
        ({"type": "integer", "maximum": 9}, 10, False),
        ({"type": "string", "enum": ["a", "b"]}, "b", True),
        ({"type": "integer", "enum": [True, 1.0]}, 1, False),  # JSON Schema's equality
        ({"type": "string", "minLength": 2, "maxLength": 3}, "abc", True),
        ({"name": "take", "in": "query", "type": "boolean", "required": False}, True, True),
        ({"type": "string", "pattern": "^[a-z][a-z0-9-]*(?:[.][a-z]+)?$"}, "my-repo2.x", True),
        ({"type": "string", "pattern": "^[a-z]+$"}, "Repo", False),
        ({"type": "string", "pattern": "^\\p{L}+$"}, "a", False),  # ECMA-262 only
        ({"type": "string", "pattern": "^a$"}, "a\n", False),  # $ reads a newline apart
        ({"type": "string", "pattern": "^\\w+$"}, "é", False),  # \w reads é apart
        ({"type": "string", "pattern": "^(a+)+$"}, "aaaa", False),  # a nested repeat
        ({"type": "string", "pattern": "a{2}"}, "aa", True),
        ({"type": "string", "pattern": "a{"}, "a{", False),  # a brace ECMA-262 refuses
        ({"type": "array", "items": {"type": "string"}, "maxItems": 2}, ["a", "b"], True),
        ({"type": "array", "items": {"type": "string"}}, ["a", 1], False),
        ({"type": "array", "uniqueItems": True}, ["a", "a"], False),
        ({"type": "array", "uniqueItems": True}, ["a", "b"], True),
        ({"type": "array", "items": [{"type": "string"}]}, ["a"], False),  # draft 4's tuples
        ({"type": "object", "properties": {"a": {"type": "string"}}}, {"a": "x", "b": 1}, True),
        ({"type": "object", "properties": {"a": {"type": "string"}}}, {"a": 1}, False),
        ({"type": "object", "required": ["a"]}, {"b": 1}, False),  # unless readOnly: asked
        ({"type": "object", "additionalProperties": {"type": "integer"}}, {"a": 1}, True),
        ({"type": "object", "patternProperties": {"^a": {}}}, {"a": 1}, False),
        ({"type": "object", "maxProperties": 1}, {"a": 1, "b": 2}, False),
        ({"type": "string", "nullable": True}, None, True),
        ({"type": "string"}, None, False),
        ({"anyOf": [{"type": "integer"}, {"type": "string"}]}, "a", True),
        ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, "a", True),
        ({"oneOf": [{"type": "string", "enum": ["a"]}, {"type": "string"}]}, "a", False),
        ({"oneOf": [{"type": "string"}, {"maxLength": 9}]}, "a", False),  # not certainly out
        ({"oneOf": [{"type": "string"}], "discriminator": {"propertyName": "a"}}, "a", False),
        ({"allOf": [{"type": "string"}, {"minLength": 1}]}, "a", True),
        ({"type": "string", "const": "a"}, "a", False),  # a keyword not read here
    ],
)
def test_what_is_plainly_of_its_schema(schema: dict[str, Any], value: Any, plainly: bool) -> None:
    assert plain.Plain({}).matches(schema, value) is plainly


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        ("https://api.github.com/repos?page=2#x", True),
        ("file:///github/workspace/", True),
        ("git:git.example.com/octocat/Hello-World", True),
        ("mailto:a@b.example", True),
        ("http://user:pw@[::1]:80/", False),  # a URI, but past what is read here
        ("https://exa mple.com", False),
        ("/relative/path", False),
        ("hello-world.github.io", False),
        ("https://example.com/%zz", False),
        ("", False),
    ],
)
def test_what_is_plainly_a_uri(text: str, uri: bool) -> None:
    assert plain._TEXT_PASSING["uri"](text) is uri


def test_a_uri_format_no_package_checks_passes_any_text() -> None:
    import importlib.util

    checked = any(importlib.util.find_spec(p) for p in ("rfc3987", "rfc3986_validator"))
    assert plain.Plain({}).matches({"type": "string", "format": "uri"}, "not a uri") is not checked


@pytest.mark.parametrize(
    ("schema", "value", "plainly"),
    [
        (_TAG, {"name": "a", "id": 1}, True),
        (_TAG, {"name": "a", "extra": 1}, False),  # additionalProperties: false
        (_TAG, {"id": 1}, False),  # name is required
        ({"type": "array", "items": _TAG}, [{"name": "a"}, {"name": "b"}], True),
        ({"$ref": "#/components/schemas/Loop"}, 1, False),  # a loop of $refs
        ({"$ref": "#/components/schemas/Nothing"}, 1, False),
        ({"$ref": "other.yaml#/Tag"}, {"name": "a"}, False),
    ],
)
def test_refs_are_followed_in_the_document(schema: Any, value: Any, plainly: bool) -> None:
    assert plain.Plain(_DOC).matches(schema, value) is plainly


@pytest.mark.parametrize(
    "text", ["2007-10-29T02:42:39Z\n", "2007-10-29t02:42:39z", "2007-02-30T02:42:39Z"]
)
def test_a_date_time_a_checker_may_take_is_never_told_failing(text: str) -> None:
    judge = values.Judge(_V30)
    schema = {"type": "string", "format": "date-time"}
    assert judge.certain(schema, text) is None  # left to the validator
    assert judge.mismatch(schema, text) == judge.by_validator(schema, text)


def test_null_is_read_in_each_dialect() -> None:
    swagger = plain.Plain({"swagger": "2.0"})
    assert swagger.matches({"type": "string", "x-nullable": True}, None)
    v31 = plain.Plain({"openapi": "3.1.0"})
    assert v31.matches({"type": ["string", "null"]}, None)
    assert v31.matches({"type": ["string", "null"]}, "a")
    assert not v31.matches({"type": "string", "nullable": True}, None)  # not 3.1's keyword


@pytest.mark.parametrize(
    ("schema", "value", "told"),
    [
        ({"type": "string"}, ["example.com"], "['example.com'] is not of type 'string'"),
        (
            {"type": "string", "format": "uri", "maxLength": 3},
            20.04,
            "20.04 is not of type 'string'",
        ),
        ({"type": "array", "items": {"type": "string"}}, "a,b", "'a,b' is not of type 'array'"),
        ({"type": "string", "enum": ["a"]}, 1, ""),  # enum fails too: the validator weighs
        ({"type": "integer", "minimum": 3}, 1.5, "1.5 is not of type 'integer'"),  # the first
        ({"type": "string", "$ref": "#/x"}, 1, ""),
        ({"type": "string"}, None, "None for not nullable"),  # the first of two reasons
        ({"type": "string", "enum": ["a"]}, None, ""),  # two reasons and a third
        ({"type": "integer"}, 1.0, ""),  # an integer to some dialects: asked
        ({"type": "string"}, "a", ""),
    ],
)
def test_a_value_of_another_type_is_told_in_the_validators_words(
    schema: dict[str, Any], value: Any, told: str
) -> None:
    assert (values.Judge({}).certain(schema, value) or "") == told


_V30 = {
    "openapi": "3.0.3",
    "components": {"schemas": {"Tag": _DOC["components"]["schemas"]["Tag"]}},
}
_V31 = {"openapi": "3.1.0", "components": _V30["components"]}
_STATS = {"type": "object", "properties": {"w": {"type": "integer"}, "a": {"type": "integer"}}}


@pytest.mark.parametrize(
    ("document", "schema", "value"),
    [
        (_V30, {"type": "string"}, 5),
        (_V31, {"type": ["string", "integer"]}, []),
        (_V30, {"type": "string", "enum": ["subversion", "git"]}, '"git"'),
        (_V30, {"type": "string", "minLength": 1}, ""),
        (_V30, {"type": "string", "minLength": 71, "pattern": "^sha256:"}, "sha256:0e"),
        (_V30, {"type": "string", "maxLength": 0}, "a"),
        (_V30, {"type": "string", "maxLength": 2}, "abc"),
        (_V30, {"type": "array", "minItems": 1, "items": {"type": "string"}}, []),
        (_V30, {"type": "array", "maxItems": 1}, [1, 2]),
        (_V30, {"type": "object", "minProperties": 1}, {}),
        (_V30, {"type": "object", "minProperties": 2}, {"a": 1}),
        (_V30, {"type": "object", "maxProperties": 0}, {"a": 1}),
        (_V30, {"type": "object", "maxProperties": 1}, {"a": 1, "b": 2}),
        (_V30, {"type": "integer", "minimum": 3}, 2),
        (_V30, {"type": "integer", "minimum": 3, "exclusiveMinimum": True}, 3),
        (_V30, {"type": "number", "maximum": 3, "exclusiveMaximum": True}, 3),
        (_V30, {"type": "number", "maximum": 3}, 3.5),
        (_V31, {"type": "integer", "exclusiveMinimum": 3}, 3),
        (_V31, {"type": "integer", "exclusiveMaximum": 3}, 4),
        (_V31, {"type": "integer", "minimum": 3}, 2),
        (_V30, {"type": "string", "pattern": "^[a-z]+$"}, "A1"),
        (_V30, {"type": "object", "required": ["a", "b"]}, {"b": 1}),
        (_V30, {"$ref": "#/components/schemas/Tag"}, {"name": "a", "extra": 1}),
        (_V30, {"$ref": "#/components/schemas/Tag"}, {"name": 1}),
        (_V31, {"$ref": "#/components/schemas/Tag"}, {"id": 1}),
        (_V30, {"type": "array", "items": _STATS}, [{"w": "1367712000", "a": 6898}]),
        (_V30, {"allOf": [{"type": "string"}, {"maxLength": 2}]}, "abc"),
        (_V30, {"type": "string", "format": "date-time"}, '"2007-10-29T02:42:39.000-07:00"'),
        (_V31, {"type": "string", "format": "date-time"}, "29 October 2007"),
        (_V30, {"type": "string", "format": "date"}, "yesterday"),
        (_V30, {"type": "string", "format": "email"}, "nobody"),
        (_V30, {"type": "integer", "format": "int32"}, 2**40),
        (_V30, {"type": "string", "format": "date", "xml": {"name": "a"}}, None),
        (_V31, {"type": "string"}, None),
        (_V30, {"type": "integer"}, 22.12),
        (_V30, {"type": "integer", "minimum": 3}, 1.5),
        (_V30, {"minimum": 3, "type": "integer"}, 1.5),
        (_V30, {"type": "string", "minLength": 71, "pattern": "^sha256:[a-f0-9]{64}$"}, "sha:0e"),
        (_V30, {"type": "string", "pattern": "^sha256:[a-f0-9]{64}$", "minLength": 71}, "sha:0e"),
        (_V30, {"type": "object", "required": ["a", "b"], "maxProperties": 0}, {"c": 1}),
    ],
)
def test_a_value_failing_for_one_reason_is_told_in_the_validators_words(
    document: dict[str, Any], schema: dict[str, Any], value: Any
) -> None:
    judge = values.Judge(document)
    found = judge.plain.errors(schema, value)
    said = judge.by_validator(schema, value)
    assert said  # each fails...
    assert found is None or found == [said]  # ... and what is told is what the validator says
    certain = {"int32"} & {schema.get("format")}  # the very ends of int32 are left to it
    assert found is not None or certain


def test_the_validator_agrees_with_every_value_told_in_the_sample() -> None:
    """Each default and example of the sample that is told matching or not without the
    validator, judged by the validator: the same verdict, in the same words."""
    from realworld import directory

    told: list[tuple[values.Judge, dict[str, Any], Any, str]] = []
    for path in [directory.API / p.name for p in directory.sample() if not p.heavy]:
        document = json.loads(path.read_text(encoding="utf-8"))
        judge = values.Judge(document)
        for node in lenient.schema_nodes(document):
            for key in ("default", "example"):
                if key in node.value:
                    verdict = judge.certain(node.value, node.value[key])
                    if verdict is not None:
                        told.append((judge, node.value, node.value[key], verdict))
    assert sum(1 for *_, v in told if not v) >= 1000 and sum(1 for *_, v in told if v) >= 10
    assert [j.by_validator(s, value) for j, s, value, _ in told] == [v for *_, v in told]
