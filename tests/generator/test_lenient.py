"""load/lenient.py and load/ecma.py: which mistakes are read leniently, and how; and the
build's renaming of duplicate operationIds. The cases end to end are data, in
``tests/lenient/`` (``test_lenient_specs.py``)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml
from apiforge import Config, build, generate, load
from apiforge.diagnostics import Severity
from apiforge.load import document, ecma, lenient, validate
from support.paths import UPSTREAM_SPEC

# -- ECMA-262 patterns -------------------------------------------------------------------------

# (pattern, why Python's re refuses it or '', whether it is well-formed ECMA-262 all the same)
PATTERNS = [
    (r"^[a-z]+$", "", False),
    (r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$", r"bad escape \p at position 3", True),
    (r"\P{Script=Greek}+", r"bad escape \P at position 0", True),
    (r"^[\u{1F600}-\u{1F64F}]$", r"incomplete escape \u at position 2", True),
    (r"(?<year>\d{4})-\k<year>", "unknown extension ?<y at position 1", True),
    (r"\k<later>(?<later>a)", r"bad escape \k at position 0", True),
    (r"^[^]*$", "unterminated character set at position 1", True),
    (r"a[]b", "unterminated character set at position 1", True),
    (r"(?<=a+)b", "look-behind requires fixed-width pattern", True),
    (r"\cJ", r"bad escape \c at position 0", True),
    # Java and PCRE escapes: ECMA-262 outside u mode reads an unknown letter escape as the
    # letter (Annex B), so these are regular expressions there.
    (r"\e", r"bad escape \e at position 0", True),
    (r"\A\S[\p{Print}]*\z", r"bad escape \p at position 5", True),
    (r"[^\p\{C\}]*\+", r"bad escape \p at position 2", True),
    # PCRE's hex escape with braces (AWS Location's referer pattern): \x, then {60}
    (r"^([$\-._+!*\x{60}(),;/?:@=&\w])+$", r"incomplete escape \x at position 11", True),
    (r"\x4", r"incomplete escape \x4 at position 0", True),
    (r"\u00e", r"incomplete escape \u00e at position 0", True),
    # A dash beside a class escape in a set is a literal dash in ECMA-262 (AWS's e-mail
    # and JSON-path patterns); re refuses the range.
    (r"^[\w-.+]+@[\w-.+]+$", r"bad character range \w-. at position 2", True),
    (r"[\w- ]", r"bad character range \w-  at position 1", True),
    (r"[.-\d]", r"bad character range .-\d at position 1", True),
    # Broken in ECMA-262 too: left to the validator, whose complaint is an error.
    (r"[a-", "unterminated character set at position 0", False),
    (r"(unclosed", "missing ), unterminated subpattern at position 0", False),
    (r"\p{L", r"bad escape \p at position 0", False),
    (r"\p{}", r"bad escape \p at position 0", False),
    (r"\u{110000}", r"incomplete escape \u at position 0", False),
    (r"\k<1a>", r"bad escape \k at position 0", False),
    (r"\p{L}(", r"bad escape \p at position 0", False),  # ECMA syntax, and broken besides
]


@pytest.mark.parametrize(("pattern", "reason", "only_ecma"), PATTERNS)
def test_patterns_python_cannot_compile(pattern: str, reason: str, only_ecma: bool) -> None:
    assert ecma.compile_error(pattern) == reason
    assert ecma.only_ecma(pattern) is only_ecma


def test_compiling_a_pattern_raises_no_warning() -> None:
    # "possible nested set" is a FutureWarning, and warnings are errors in this suite.
    assert ecma.compile_error("[[a]") == ""


# -- where schemas are --------------------------------------------------------------------------

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "T", "version": "1"},
    "paths": {
        "/a": {
            "parameters": [{"name": "p", "in": "query", "schema": {"type": "string"}}],
            "get": {
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}
                },
                "responses": {
                    "200": {
                        "description": "OK",
                        "headers": {"X-Rate": {"schema": {"type": "integer"}}},
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"type": "string"}},
                                "example": {"schema": {"type": "x"}},
                            }
                        },
                    }
                },
                "x-code-samples": [{"schema": {"type": "x"}}],
            },
        }
    },
    "components": {
        "schemas": {
            "A": {
                "type": "object",
                "properties": {
                    "schema": {"type": "string"},
                    "default": {"allOf": [{"type": "object"}], "default": {"type": "x"}},
                    "pattern": {"additionalProperties": {"oneOf": [{"type": "string"}]}},
                },
                "x-extra": {"type": "x"},
            }
        },
        "parameters": {"schema": {"name": "schema", "in": "query", "schema": {"type": "number"}}},
    },
}


def test_every_schema_is_found_once_and_nothing_else() -> None:
    found = [(n.pointer, n.simple) for n in lenient.schema_nodes(OPENAPI)]
    assert found == [
        ("/paths/~1a/parameters/0/schema", False),
        ("/paths/~1a/get/requestBody/content/application~1json/schema", False),
        ("/paths/~1a/get/responses/200/headers/X-Rate/schema", False),
        ("/paths/~1a/get/responses/200/content/application~1json/schema", False),
        ("/paths/~1a/get/responses/200/content/application~1json/schema/items", False),
        ("/components/schemas/A", False),
        ("/components/schemas/A/properties/schema", False),
        ("/components/schemas/A/properties/default", False),
        ("/components/schemas/A/properties/default/allOf/0", False),
        ("/components/schemas/A/properties/pattern", False),
        ("/components/schemas/A/properties/pattern/additionalProperties", False),
        ("/components/schemas/A/properties/pattern/additionalProperties/oneOf/0", False),
        ("/components/parameters/schema/schema", False),
    ]


SWAGGER: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "T", "version": "1"},
    "paths": {
        "/a": {
            "get": {
                "parameters": [
                    {"name": "q", "in": "query", "type": "array", "items": {"type": "string"}},
                    {"name": "b", "in": "body", "schema": {"$ref": "#/definitions/A"}},
                ],
                "responses": {
                    "200": {
                        "description": "OK",
                        "headers": {"X-Rate": {"type": "integer"}},
                        "schema": {"type": "string"},
                    }
                },
            }
        }
    },
    "parameters": {"limit": {"name": "limit", "in": "query", "type": "integer"}},
    "definitions": {"A": {"type": "object", "properties": {"b": {"type": "string"}}}},
}


def test_swagger_parameters_and_headers_are_simple_schemas() -> None:
    found = [(n.pointer, n.simple) for n in lenient.schema_nodes(SWAGGER)]
    assert found == [
        ("/paths/~1a/get/parameters/0", True),
        ("/paths/~1a/get/parameters/0/items", True),
        ("/paths/~1a/get/parameters/1/schema", False),
        ("/paths/~1a/get/responses/200/headers/X-Rate", True),
        ("/paths/~1a/get/responses/200/schema", False),
        ("/parameters/limit", True),
        ("/definitions/A", False),
        ("/definitions/A/properties/b", False),
    ]


# -- what is read, and how ----------------------------------------------------------------------


def spec_of(tmp_path: Path, document: dict[str, Any], name: str = "api.json") -> load.LoadedSpec:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return load.read(path, display=name)


def with_schema(schema: dict[str, Any], version: str = "3.0.3") -> dict[str, Any]:
    document = copy.deepcopy(OPENAPI)
    document["openapi"] = version
    document["components"]["schemas"]["B"] = schema
    return document


@pytest.mark.parametrize(
    ("schema", "version", "reason"),
    [
        ({"type": "object", "default": None}, "3.0.3", "None for not nullable"),
        ({"type": "object", "nullable": True, "default": None}, "3.0.3", ""),
        ({"type": ["object", "null"], "default": None}, "3.1.0", ""),
        ({"type": "string", "default": []}, "3.1.0", "[] is not of type 'string'"),
        ({"type": "boolean", "default": "false"}, "3.0.3", "'false' is not of type 'boolean'"),
        ({"type": "boolean", "default": False}, "3.0.3", ""),
        ({"type": "integer", "example": "20 - x"}, "3.0.3", "'20 - x' is not of type 'integer'"),
        # Through a reference, from the document's root.
        ({"$ref": "#/components/schemas/C", "default": "green"}, "3.0.3", "is not one of"),
        ({"$ref": "#/components/schemas/C", "default": "red"}, "3.0.3", ""),
    ],
)
def test_values_that_break_their_schema(
    tmp_path: Path, schema: dict[str, Any], version: str, reason: str
) -> None:
    document = with_schema(schema, version)
    document["components"]["schemas"]["C"] = {"type": "string", "enum": ["red", "blue"]}
    reading = lenient.read(spec_of(tmp_path, document))
    key = "default" if "default" in schema else "example"
    kept = reading.kept["components"]["schemas"]["B"]
    if not reason:
        assert reading.warnings == []
        assert kept == schema
        return
    (warning,) = reading.warnings
    assert warning.severity is Severity.WARNING
    assert warning.location.pointer == f"/components/schemas/B/{key}"
    assert reason in warning.message and warning.message.endswith("; dropped")
    assert key not in kept and key not in reading.shown["components"]["schemas"]["B"]


def test_swagger_x_nullable_allows_a_null_default(tmp_path: Path) -> None:
    document = copy.deepcopy(SWAGGER)
    definitions = document["definitions"]
    definitions["A"]["properties"]["b"] = {"type": "string", "x-nullable": True, "default": None}
    definitions["N"] = {"$ref": "#/definitions/A", "default": None}  # A is not nullable
    reading = lenient.read(spec_of(tmp_path, document))
    assert [w.location.pointer for w in reading.warnings] == ["/definitions/N/default"]


def test_a_schema_that_cannot_be_checked_keeps_its_value(tmp_path: Path) -> None:
    document = copy.deepcopy(SWAGGER)
    form = {"name": "f", "in": "formData", "type": "file", "default": "x"}
    document["paths"]["/a"]["get"]["parameters"] = [form]
    assert lenient.read(spec_of(tmp_path, document)).warnings == []


def test_the_document_read_is_not_changed(tmp_path: Path) -> None:
    document = with_schema({"type": "string", "default": 1, "pattern": r"\p{L}"})
    spec = spec_of(tmp_path, document)
    before = copy.deepcopy(spec.document)
    reading = lenient.read(spec)
    assert spec.document == before
    assert reading.kept["components"]["schemas"]["B"] == {"type": "string", "pattern": r"\p{L}"}
    assert reading.shown["components"]["schemas"]["B"] == {"type": "string"}


def test_nothing_to_read_leniently_copies_nothing(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, OPENAPI)
    reading = lenient.read(spec)
    assert reading.shown is spec.document and reading.kept is spec.document
    assert reading.warnings == [] and reading.moved == {}


def test_swagger_alternatives_are_shown_to_the_validator_as_definitions(tmp_path: Path) -> None:
    document = copy.deepcopy(SWAGGER)
    inner = {"anyOf": [{"type": "integer"}, {"type": "string", "default": 1}]}
    document["definitions"]["A"]["properties"]["b"] = {"oneOf": [{"type": "string"}, inner]}
    reading = lenient.read(spec_of(tmp_path, document))
    b = "/definitions/A/properties/b"
    assert [(w.location.pointer, w.message.split(" ")[0]) for w in reading.warnings] == [
        (f"{b}/oneOf", "'oneOf'"),
        (f"{b}/oneOf/1/anyOf", "'anyOf'"),
        (f"{b}/oneOf/1/anyOf/1/default", "default"),
    ]
    # Built as written (less the bad default); the validator sees plain 2.0 schemas.
    kept = reading.kept["definitions"]["A"]["properties"]["b"]
    assert kept["oneOf"][1]["anyOf"][1] == {"type": "string"}
    shown = reading.shown["definitions"]
    assert shown["A"]["properties"]["b"] == {}
    assert shown[f"x-apiforge{b}/oneOf/1"] == {}
    assert shown[f"x-apiforge{b}/oneOf/1/anyOf/1"] == {"type": "string"}
    assert reading.moved[f"/definitions/x-apiforge{b.replace('/', '~1')}~1oneOf~10"] == (
        f"{b}/oneOf/0"
    )


def test_openapi3_keywords_are_not_warned_about_in_openapi3(tmp_path: Path) -> None:
    schema = {"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True}
    assert lenient.read(spec_of(tmp_path, with_schema(schema))).warnings == []


def test_validate_returns_the_warnings_and_check_the_spec_to_build(tmp_path: Path) -> None:
    spec = spec_of(tmp_path, with_schema({"type": "boolean", "default": "no"}))
    checked, found = validate.check(spec)
    assert [(d.severity, d.location.pointer) for d in found] == [
        (Severity.WARNING, "/components/schemas/B/default")
    ]
    assert validate.validate(spec) == found
    assert "default" not in checked.document["components"]["schemas"]["B"]
    assert checked.positions is spec.positions


# -- duplicate operationIds -------------------------------------------------------------------


def test_duplicate_operation_ids_get_the_next_free_suffix(tmp_path: Path) -> None:
    ok = {"responses": {"204": {"description": "none"}}}
    paths = {
        "/a": {"get": {"operationId": "list", **ok}, "put": {"operationId": "list", **ok}},
        "/b": {"get": {"operationId": "list_2", **ok}, "post": {"operationId": "list", **ok}},
    }
    document = {"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": paths}
    spec, found = load.ready(spec_of(tmp_path, document))
    assert found == []  # the validator's complaint is the build's to answer
    api, warnings = build.build(spec)
    assert [(op.operation_id, op.name) for op in api.operations] == [
        ("list", "list_"),
        ("list_3", "list_3"),
        ("list_2", "list_2"),
        ("list_4", "list_4"),
    ]
    assert [(w.location.pointer, w.message) for w in warnings] == [
        (
            "/paths/~1a/put/operationId",
            "duplicate operationId 'list', first used by GET /a; this one becomes 'list_3'",
        ),
        (
            "/paths/~1b/post/operationId",
            "duplicate operationId 'list', first used by GET /a; this one becomes 'list_4'",
        ),
    ]


# -- patterns are never checked by the client -------------------------------------------------


def test_the_client_checks_no_pattern(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"code": {"type": "string", "pattern": "^QX[0-9]+$"}}}
    document = with_schema(schema)
    document["components"]["schemas"]["B"]["properties"]["tag"] = {
        "type": "string",
        "pattern": r"^\p{Lu}QY$",
    }
    (tmp_path / "api.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    report = generate(Config(spec=tmp_path / "api.yaml", output=tmp_path / "out", package="p"))
    assert report.exit_code == 0
    sources = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").rglob("*.py"))
    assert "code: str | None = None" in sources
    assert "QX" not in sources and "QY" not in sources


class _Found(NamedTuple):
    pointer: str
    value: dict[str, Any]
    simple: bool


# schema_nodes as it was first written (nested generators), the reference for the loop.
def _nodes_recursively(document: dict[str, Any]) -> Iterator[_Found]:
    """Every schema of the document, in document order, where it is written ($refs are
    not followed, so each is found once)."""
    yield from _outside_r(document, "", "swagger" in document, named=False)


def _outside_r(value: Any, pointer: str, swagger: bool, named: bool) -> Iterator[_Found]:
    """Schemas under a value that is not itself a schema."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _outside_r(item, f"{pointer}/{index}", swagger, named=False)
        return
    if not isinstance(value, dict):
        return
    if swagger and not named and value.get("in") in lenient._SIMPLE_IN and "type" in value:
        yield from _schema_r(value, pointer, simple=True)
        return
    for key, item in value.items():
        child = f"{pointer}/{document.escape(str(key))}"
        if named:
            yield from _outside_r(item, child, swagger, named=False)
        elif key in lenient._DATA or str(key).startswith("x-"):
            continue
        elif key == "schema":
            yield from _schema_r(item, child, simple=False)
        elif (key, pointer) in (("definitions", ""), ("schemas", "/components")):
            for name, schema in item.items() if isinstance(item, dict) else ():
                yield from _schema_r(schema, f"{child}/{document.escape(str(name))}", simple=False)
        elif key == "headers" and swagger and isinstance(item, dict):
            for name, header in item.items():
                yield from _schema_r(header, f"{child}/{document.escape(str(name))}", simple=True)
        else:
            yield from _outside_r(item, child, swagger, named=key in lenient._NAMED)


def _schema_r(value: Any, pointer: str, simple: bool) -> Iterator[_Found]:
    """A schema and its subschemas."""
    if not isinstance(value, dict):
        return
    yield _Found(pointer, value, simple)
    for key, item in value.items():
        child = f"{pointer}/{document.escape(str(key))}"
        if key in lenient._ONE and isinstance(item, list):  # draft 4's tuple form of items
            for index, part in enumerate(item):
                yield from _schema_r(part, f"{child}/{index}", simple)
        elif key in lenient._ONE or (key in lenient._MAPS and not isinstance(item, dict)):
            yield from _schema_r(item, child, simple)
        elif key in lenient._LISTS and isinstance(item, list):
            for index, part in enumerate(item):
                yield from _schema_r(part, f"{child}/{index}", simple)
        elif key in lenient._MAPS:
            for name, part in item.items():
                yield from _schema_r(part, f"{child}/{document.escape(str(name))}", simple)


def test_schema_nodes_are_found_in_document_order_as_by_recursion() -> None:
    from realworld import directory

    paths = [directory.API / p.name for p in directory.sample() if not p.heavy]
    paths += [UPSTREAM_SPEC]
    for path in paths:
        spec = json.loads(path.read_text(encoding="utf-8"))
        walked = [(n.pointer, id(n.value), n.simple) for n in lenient.schema_nodes(spec)]
        expected = [(n.pointer, id(n.value), n.simple) for n in _nodes_recursively(spec)]
        assert walked == expected, path
