"""load: reading a spec file with positions, and validating it with located diagnostics."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml
from apiforge import load
from apiforge.diagnostics import Diagnostic, GenerationError, Location, Severity
from apiforge.load import document, validate, yamlplaces

POSITIONS_YAML = """\
openapi: 3.0.3
info:
  title: Positions
  version: 2024-01-01
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - name: id
          in: path
          required: true
          schema: {type: string}
      responses:
        200:
          description: OK
x-released: 2024-01-01T10:00:00Z
"""

VALID = """\
openapi: 3.0.3
info:
  title: Tiny
  version: "1"
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - name: q
          in: query
          schema:
            type: string
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Item"
components:
  schemas:
    Item:
      type: object
      properties:
        id:
          type: string
"""


def write(tmp_path: Path, text: str | bytes, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def read_error(path: Path) -> Diagnostic:
    """The single diagnostic ``read`` fails with."""
    with pytest.raises(GenerationError) as caught:
        load.read(path, display="spec")
    assert len(caught.value.diagnostics) == 1
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.severity is Severity.ERROR
    assert diagnostic.location.file == "spec"
    return diagnostic


def problems(tmp_path: Path, text: str) -> list[Diagnostic]:
    return validate.validate(load.read(write(tmp_path, text), display="spec.yaml"))


# -- read ------------------------------------------------------------------------------


def test_positions_are_one_based_line_and_column(tmp_path: Path) -> None:
    spec = load.read(write(tmp_path, POSITIONS_YAML))
    item = "/paths/~1items~1{id}"
    assert spec.positions[""] == (1, 1)
    assert spec.positions["/openapi"] == (1, 10)
    assert spec.positions["/info"] == (3, 3)
    assert spec.positions["/info/title"] == (3, 10)
    assert spec.positions[f"{item}/get/operationId"] == (8, 20)
    assert spec.positions[f"{item}/get/parameters/0"] == (10, 11)
    assert spec.positions[f"{item}/get/parameters/0/in"] == (11, 15)
    assert spec.positions[f"{item}/get/parameters/0/schema/type"] == (13, 26)
    assert spec.positions[f"{item}/get/responses/200/description"] == (16, 24)


def test_every_position_names_a_value_of_the_document(tmp_path: Path) -> None:
    spec = load.read(write(tmp_path, POSITIONS_YAML))
    for pointer in spec.positions:
        load.resolve_pointer(spec.document, "#" + pointer)  # raises KeyError if not


def test_timestamps_stay_strings(tmp_path: Path) -> None:
    spec = load.read(write(tmp_path, POSITIONS_YAML))
    assert spec.document["info"]["version"] == "2024-01-01"
    assert spec.document["x-released"] == "2024-01-01T10:00:00Z"


def test_integer_keys_become_strings(tmp_path: Path) -> None:
    spec = load.read(write(tmp_path, POSITIONS_YAML))
    responses = spec.document["paths"]["/items/{id}"]["get"]["responses"]
    assert list(responses) == ["200"]


def test_keys_keep_their_spelling(tmp_path: Path) -> None:
    # YAML 1.1 reads the keys `on`, `no` and `null` as True, False and None; str() of those
    # is "True", "False", "None", so a property named `on` got the wire name "True", and the
    # positions (which use the source text) no longer matched the document's keys.
    text = "properties:\n  on: 1\n  no: 2\n  null: 3\n  200: 4\n"
    spec = load.read(write(tmp_path, text))
    assert list(spec.document["properties"]) == ["on", "no", "null", "200"]
    for key in spec.document["properties"]:
        assert f"/properties/{key}" in spec.positions


def test_pointer_segments_are_escaped(tmp_path: Path) -> None:
    spec = load.read(write(tmp_path, "paths:\n  /a~b/c:\n    x: 1\n"))
    assert spec.positions["/paths/~1a~0b~1c/x"] == (3, 8)


def test_locate_falls_back_to_the_nearest_ancestor(tmp_path: Path) -> None:
    spec = load.read(write(tmp_path, POSITIONS_YAML), display="api.yaml")
    where = spec.locate("/info/title/not/there")
    assert where == Location("api.yaml", 3, 10, "/info/title/not/there")
    assert spec.locate("/nothing") == Location("api.yaml", 1, 1, "/nothing")


def test_sha256_and_display(tmp_path: Path) -> None:
    import hashlib

    path = write(tmp_path, POSITIONS_YAML)
    spec = load.read(path)
    assert spec.display == str(path)
    assert spec.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert load.read(path, display="shown.yaml").display == "shown.yaml"


def test_json_spec_is_read_with_positions(tmp_path: Path) -> None:
    text = '{\n  "openapi": "3.0.3",\n  "info": {"title": "T", "version": "1"}\n}\n'
    spec = load.read(write(tmp_path, text, "spec.json"))
    assert spec.document == json.loads(text)
    assert spec.positions["/info/version"] == (3, 37)


def test_json_with_escaped_astral_characters(tmp_path: Path) -> None:
    # json.dumps(ensure_ascii=True) writes 😀 as the surrogate pair \ud83d\ude00: valid JSON
    # that the YAML parser refused with "found invalid Unicode character escape code".
    document = {"openapi": "3.0.3", "info": {"title": "Emoji 😀", "version": "1"}, "paths": {}}
    spec = load.read(write(tmp_path, json.dumps(document), "spec.json"))
    assert spec.document == document


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    text = "openapi: 3.0.3\ninfo:\n  title: T\n  version: 1\n version: 2\n"
    diagnostic = read_error(write(tmp_path, text))
    assert diagnostic.location.line == 5
    assert diagnostic.location.column == 2
    assert diagnostic.message == "YAML syntax error: did not find expected key"
    assert diagnostic.hint == "in the block mapping that starts at line 1, column 1"


# Brackets and quotes left open: PyYAML gives up at the end of the file or on a later line;
# the error must name the opening character, where it stands.
UNCLOSED_YAML = {
    "flow sequence": (
        "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      operationId: a\n"
        "      tags: [a]\n      responses: [unclosed\n",
        "spec:7:18: error: '[' is never closed",
    ),
    "flow sequence, more after": (
        "openapi: 3.0.3\ntags: [a, b\npaths: {}\n",
        "spec:2:7: error: '[' is never closed",
    ),
    "flow sequence, nothing in it": (
        "openapi: 3.0.3\ntags: [\n",
        "spec:2:7: error: '[' is never closed",
    ),
    "flow mapping": (
        "openapi: 3.0.3\ninfo: {title: T, version: '1'\npaths: {}\n",
        "spec:2:7: error: '{' is never closed",
    ),
    "outer flow mapping": (
        "paths:\n  /a:\n    get: {operationId: a, responses: {'200': {description: OK}}\n"
        "  /b:\n    get: {}\n",
        "spec:3:10: error: '{' is never closed",
    ),
    "inner sequence in a closed mapping": (
        "openapi: 3.0.3\nx: {a: [1, 2}, b: 3}\n",
        "spec:2:8: error: '[' is never closed\n"
        "  hint: found '}' at line 2, column 13 where ']' was expected",
    ),
    "inner mapping in a closed sequence, over lines": (
        "openapi: 3.0.3\nx: [\n  {a: 1,\n  b: 2\n]\n",
        "spec:3:3: error: '{' is never closed\n"
        "  hint: found ']' at line 5, column 1 where '}' was expected",
    ),
    "closer with no opener": (
        "openapi: 3.0.3\ntags: [a]]\n",
        "spec:2:10: error: ']' has no matching '['",
    ),
    "single-quoted": (
        "openapi: 3.0.3\ninfo:\n  title: 'Pets\n",
        'spec:3:10: error: "\'" is never closed',
    ),
    "double-quoted": (
        'openapi: 3.0.3\ninfo:\n  title: "Pets\n  version: 1\n',
        "spec:3:10: error: '\"' is never closed",
    ),
    "double-quoted key": ('openapi: 3.0.3\n"info: 1\n', "spec:2:1: error: '\"' is never closed"),
    "quoted, then a document marker": (
        'openapi: 3.0.3\ninfo: "T\n---\n',
        "spec:2:7: error: '\"' is never closed",
    ),
    "quoted in a flow sequence": (
        'openapi: 3.0.3\ntags: [a, "b]\n',
        "spec:2:11: error: '\"' is never closed",
    ),
    # The string runs on to the next quote, meant to open a later string, and the error
    # PyYAML reports is on that later line.
    "double-quoted, closed by a later quote": (
        'openapi: 3.0.3\ninfo:\n  title: "Pets\n  version: "1"\npaths: {}\n',
        "spec:3:10: error: '\"' is not closed on its line\n"
        "  hint: it runs on to the '\"' at line 4, column 12",
    ),
    "single-quoted, closed by a later quote": (
        "openapi: 3.0.3\ninfo:\n  title: 'Pets\n  version: '1'\npaths: {}\n",
        'spec:3:10: error: "\'" is not closed on its line\n'
        '  hint: it runs on to the "\'" at line 4, column 12',
    ),
    # Where the mistake is on the line PyYAML names, it keeps that line, and says what it
    # was reading when it gave up.
    "missing comma": (
        'openapi: 3.0.3\ntags: [\n  "a"\n  "b"\n]\n',
        "spec:4:3: error: YAML syntax error: did not find expected ',' or ']'\n"
        "  hint: in the flow sequence that starts at line 2, column 7",
    ),
    # A key with no ':' is reported on its own line, not on the line after it.
    "key without colon": (
        "openapi: 3.0.3\ninfo\npaths: {}\n",
        "spec:2:1: error: YAML syntax error: could not find expected ':'",
    ),
    "multiple documents": (
        "openapi: 3.0.3\n---\npaths: {}\n",
        "spec:2:1: error: YAML syntax error: "
        "expected a single document in the stream, but found another document",
    ),
}


@pytest.mark.parametrize("case", list(UNCLOSED_YAML))
@pytest.mark.parametrize("loader", ["libyaml", "python"])
def test_yaml_error_names_what_was_left_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, loader: str
) -> None:
    if loader == "python":  # the same places without libyaml, whose messages differ
        monkeypatch.setattr(yamlplaces, "_BaseLoader", yaml.SafeLoader)
        monkeypatch.setattr(yamlplaces, "_Loader", yaml.SafeLoader)  # enough to parse
    text, expected = UNCLOSED_YAML[case]
    formatted = read_error(write(tmp_path, text)).format()
    if loader == "python" and "YAML syntax error" in expected:
        expected = expected.split(": YAML syntax error: ")[0]  # PyYAML words these its own way
        assert formatted.startswith(expected + ": YAML syntax error: "), formatted
    else:
        assert formatted == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x: {a: é😀, b: [1\n", "spec:1:15: error: '[' is never closed"),  # characters, not bytes
        ("\ufeffinfo: 'Café\n", 'spec:1:7: error: "\'" is never closed'),  # a BOM is no column
        ("a: 1\u2028info: 'Café\n", 'spec:2:7: error: "\'" is never closed'),  # a YAML line break
    ],
)
def test_yaml_unclosed_columns_count_as_yaml_does(tmp_path: Path, text: str, expected: str) -> None:
    assert read_error(write(tmp_path, text)).format() == expected


def test_yaml_python_tags_are_refused(tmp_path: Path) -> None:
    text = "openapi: 3.0.3\nx: !!python/object/apply:os.system [echo]\n"
    diagnostic = read_error(write(tmp_path, text))
    assert diagnostic.location.line == 2
    assert "YAML syntax error" in diagnostic.message


def test_several_documents_are_refused(tmp_path: Path) -> None:
    diagnostic = read_error(write(tmp_path, "a: 1\n---\nb: 2\n"))
    assert diagnostic.location.line == 2


def test_json_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    diagnostic = read_error(write(tmp_path, '{"openapi": "3.0.3",\n  "info": }\n', "spec.json"))
    assert (diagnostic.location.line, diagnostic.location.column) == (2, 11)
    assert diagnostic.format() == "spec:2:11: error: JSON syntax error: Expecting value"


UNCLOSED_JSON = {
    "array": (
        '{\n  "openapi": "3.0.3",\n  "tags": ["a", "b"\n',
        "spec:3:11: error: '[' is never closed",
    ),
    "empty array": ('{\n  "tags": [\n', "spec:2:11: error: '[' is never closed"),
    "object": ('{\n  "info": {"title": "T"\n', "spec:2:11: error: '{' is never closed"),
    "outer object": ('{\n  "info": {"title": "T"}\n', "spec:1:1: error: '{' is never closed"),
    "inner array in a closed object": (
        '{\n  "tags": ["a", "b"\n}\n',
        "spec:2:11: error: '[' is never closed\n"
        "  hint: found '}' at line 3, column 1 where ']' was expected",
    ),
    "inner object in a closed array, one line": (
        '{"x": [1, {"a": 2], "y": 3}\n',
        "spec:1:11: error: '{' is never closed\n"
        "  hint: found ']' at line 1, column 18 where '}' was expected",
    ),
    "closer with no opener": (
        '{"openapi": "3.0.3"}}\n',
        "spec:1:21: error: '}' has no matching '{'",
    ),
    "string at the end": ('{"openapi": "3.0.3', "spec:1:13: error: '\"' is never closed"),
    "string at the end of a line": (
        '{\n  "openapi": "3.0.3,\n  "info": {}\n}\n',
        "spec:2:14: error: '\"' is not closed on its line\n  hint: a JSON string cannot span lines",
    ),
    "string with escapes": (
        '{\n  "openapi": "3.\\"0\\\\\n}\n',
        "spec:2:14: error: '\"' is not closed on its line\n  hint: a JSON string cannot span lines",
    ),
    # Brackets inside strings are text; the '[' is closed, so the json module's place stands.
    "missing comma": (
        '{\n  "tags": [\n    "[a"\n    "{b"\n  ]\n}\n',
        "spec:4:5: error: JSON syntax error: Expecting ',' delimiter",
    ),
}


@pytest.mark.parametrize("case", list(UNCLOSED_JSON))
def test_json_error_names_what_was_left_open(tmp_path: Path, case: str) -> None:
    text, expected = UNCLOSED_JSON[case]
    assert read_error(write(tmp_path, text, "spec.json")).format() == expected


def test_json_grammar_is_checked_even_where_yaml_would_accept(tmp_path: Path) -> None:
    diagnostic = read_error(write(tmp_path, "{'openapi': '3.0.3'}\n", "spec.json"))
    assert diagnostic.message.startswith("JSON syntax error")
    assert diagnostic.location.line == 1


def test_invalid_utf8(tmp_path: Path) -> None:
    diagnostic = read_error(write(tmp_path, b"openapi: 3.0.3\ninfo: \xff\n"))
    assert diagnostic.message == "spec is not UTF-8: byte 0xff at offset 21"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    diagnostic = read_error(write(tmp_path, text))
    assert diagnostic.message == "spec is empty"
    assert diagnostic.format() == "spec:1:1: error: spec is empty"


def test_missing_file(tmp_path: Path) -> None:
    diagnostic = read_error(tmp_path / "absent.yaml")
    assert diagnostic.message == "cannot read spec: No such file or directory"
    assert diagnostic.location == Location("spec")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    assert read_error(tmp_path).message.startswith("cannot read spec: ")


@pytest.mark.parametrize(
    ("text", "kind"),
    [("- a\n- b\n", "a list"), ("just text\n", "a str"), ("42\n", "a int")],
)
def test_non_mapping_document(tmp_path: Path, text: str, kind: str) -> None:
    diagnostic = read_error(write(tmp_path, text))
    assert diagnostic.message == f"spec is {kind}, not a mapping"
    assert (diagnostic.location.line, diagnostic.location.column) == (1, 1)


# -- validate --------------------------------------------------------------------------


def test_valid_document_has_no_problems(tmp_path: Path) -> None:
    assert problems(tmp_path, VALID) == []


def test_valid_31_document_has_no_problems(tmp_path: Path) -> None:
    assert problems(tmp_path, VALID.replace("openapi: 3.0.3", "openapi: 3.1.0")) == []


def test_missing_openapi_field(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, VALID.replace("openapi: 3.0.3", "asyncapi: 2.6.0"))
    assert problem.message == "not an OpenAPI document: no 'openapi' or 'swagger' field"
    assert problem.hint
    assert (problem.location.line, problem.location.pointer) == (1, "")


@pytest.mark.parametrize("version", ['"2.5.0"', '"3.2.0"', "3.0"])
def test_unsupported_version(tmp_path: Path, version: str) -> None:
    (problem,) = problems(tmp_path, VALID.replace("3.0.3", version))
    assert problem.message.startswith("unsupported OpenAPI version ")
    assert problem.location.pointer == "/openapi"
    assert (problem.location.line, problem.location.column) == (1, 10)


def test_unresolved_ref_is_located_at_the_ref(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, VALID.replace("schemas/Item", "schemas/Missing"))
    assert problem.message == "unresolved reference '#/components/schemas/Missing'"
    pointer = "/paths/~1items/get/responses/200/content/application~1json/schema/$ref"
    assert problem.location.pointer == pointer
    assert (problem.location.line, problem.location.column) == (20, 23)
    assert problem.format() == (
        f"spec.yaml:20:23: error: unresolved reference '#/components/schemas/Missing' "
        f"(at #{pointer})"
    )


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("other.yaml#/components/schemas/Item", "no such file: other.yaml"),
        ("x.json", "no such file: x.json"),
        ("https://example.com/spec.yaml#/x", "never touches the network"),
        ("//example.com/spec.yaml#/x", "never touches the network"),
        ("file:///etc/passwd", "never touches the network"),
        ("urn:example:x", "never touches the network"),
        ("../outside.yaml#/x", "outside the spec's folder"),
        ("other.yaml#Item", "must be a JSON pointer"),
    ],
)
def test_refs_that_cannot_be_followed_are_refused(tmp_path: Path, ref: str, says: str) -> None:
    (problem,) = problems(tmp_path, VALID.replace("#/components/schemas/Item", ref))
    assert ref in problem.message and says in problem.message, problem.message
    assert problem.location.line == 20


def test_every_bad_ref_is_reported(tmp_path: Path) -> None:
    text = VALID + "        a:\n          $ref: '#/nowhere'\n        b:\n          $ref: 'x.yaml'\n"
    found = problems(tmp_path, text)
    assert [(p.location.line, p.location.pointer) for p in found] == [
        (29, "/components/schemas/Item/properties/a/$ref"),
        (31, "/components/schemas/Item/properties/b/$ref"),
    ]


def test_validator_failure_is_located_at_the_parameter(tmp_path: Path) -> None:
    found = problems(tmp_path, VALID.replace("in: query", "in: quer"))
    assert found
    pointers = {p.location.pointer for p in found}
    assert pointers <= {"/paths/~1items/get/parameters/0", "/paths/~1items/get/parameters/0/in"}
    for problem in found:
        assert problem.severity is Severity.ERROR
        assert problem.location.file == "spec.yaml"
        assert problem.location.line in (10, 11)


def test_validator_message_names_the_mistake(tmp_path: Path) -> None:
    # `in: quer` was reported as "'$ref' is a required property": the Reference branch of
    # the Parameter-or-Reference oneOf, which says nothing about the typo.
    found = problems(tmp_path, VALID.replace("in: query", "in: quer"))
    assert any("quer" in p.message for p in found), [p.message for p in found]


def test_validator_failure_in_a_schema(tmp_path: Path) -> None:
    found = problems(tmp_path, VALID.replace("type: object", "type: objekt"))
    assert found
    assert all(p.location.line >= 24 for p in found), [p.format() for p in found]
    assert any(p.location.pointer.startswith("/components/schemas/Item") for p in found)


def test_missing_required_field_is_reported_at_the_root(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, VALID.replace('info:\n  title: Tiny\n  version: "1"\n', ""))
    assert "'info' is a required property" in problem.message
    assert problem.location.line == 1


# -- Diagnostic.format -----------------------------------------------------------------


def test_format_with_position_and_pointer() -> None:
    where = Location("api.yaml", 12, 7, "/paths/~1tags/get")
    diagnostic = Diagnostic(Severity.ERROR, where, "bad thing")
    assert diagnostic.format() == "api.yaml:12:7: error: bad thing (at #/paths/~1tags/get)"


def test_format_without_position_or_pointer() -> None:
    assert Diagnostic(Severity.ERROR, Location("api.yaml"), "gone").format() == (
        "api.yaml: error: gone"
    )


def test_format_unknown_column_is_one() -> None:
    diagnostic = Diagnostic(Severity.WARNING, Location("a.yaml", 3), "hmm")
    assert diagnostic.format() == "a.yaml:3:1: warning: hmm"


def test_format_with_hint() -> None:
    diagnostic = Diagnostic(Severity.ERROR, Location("a.yaml", 1, 1, "/x"), "no", "try this")
    assert diagnostic.format() == "a.yaml:1:1: error: no (at #/x)\n  hint: try this"


def test_generation_error_message_lists_every_diagnostic() -> None:
    first = Diagnostic(Severity.ERROR, Location("a", 1, 2), "one")
    second = Diagnostic(Severity.ERROR, Location("a", 3, 4), "two")
    error = GenerationError([first, second])
    assert str(error) == "a:1:2: error: one\na:3:4: error: two"
    assert error.diagnostics == [first, second]


def test_names_in_named_maps_are_not_keywords(tmp_path: Path) -> None:
    # A property called "$ref" is a property, not a reference (found by the hypothesis test).
    spec_text = VALID + (
        "    Odd:\n      type: object\n      properties:\n"
        "        $ref: {type: string}\n        x-odd: {type: integer}\n"
    )
    assert problems(tmp_path, spec_text) == []


# -- where the validator's keyword checks complain, deep in the file ------------------------------


def _deep_document(version: str, mistake: dict[str, Any]) -> dict[str, Any]:
    """A document in ``version`` whose response refers to ``Deep``, written after forty
    other schemas, with ``mistake`` as the schema of its property ``bad``."""
    swagger = version == "2.0"
    ref = "#/definitions/Deep" if swagger else "#/components/schemas/Deep"
    ok: dict[str, Any] = {"description": "OK"}
    if swagger:
        ok["schema"] = {"$ref": ref}
    else:
        ok["content"] = {"application/json": {"schema": {"$ref": ref}}}
    schemas: dict[str, Any] = {
        f"Filler{i}": {"type": "object", "properties": {"id": {"type": "string"}}}
        for i in range(40)
    }
    schemas["Deep"] = {"type": "object", "properties": {"bad": mistake}}
    document: dict[str, Any] = {"swagger" if swagger else "openapi": version}
    document["info"] = {"title": "Deep", "version": "1"}
    document["paths"] = {"/a": {"get": {"operationId": "getA", "responses": {"200": ok}}}}
    if swagger:
        document["definitions"] = schemas
    else:
        document["components"] = {"schemas": schemas}
    return document


def _written(
    tmp_path: Path, document: dict[str, Any], form: str, key: str
) -> tuple[Path, int, int]:
    """``document`` written as YAML or JSON, and the line and column of the value of the
    last ``key`` in it."""
    if form == "json":
        text = json.dumps(document, indent=2) + "\n"
    else:
        text = yaml.safe_dump(document, sort_keys=False, default_flow_style=False)
    lines = text.splitlines()
    spelled = f'"{key}": ' if form == "json" else f"{key}: "
    number = max(i for i, line in enumerate(lines) if line.strip().startswith(spelled))
    column = lines[number].index(spelled) + len(spelled) + 1
    return write(tmp_path, text, f"spec.{form}"), number + 1, column


VERSIONS = ["2.0", "3.0.3", "3.1.0"]
SCHEMAS_AT = {"2.0": "/definitions", "3.0.3": "/components/schemas", "3.1.0": "/components/schemas"}


@pytest.mark.parametrize("form", ["yaml", "json"])
@pytest.mark.parametrize("version", VERSIONS)
def test_a_keyword_check_complaint_is_located_where_the_value_is(
    tmp_path: Path, version: str, form: str
) -> None:
    # The validator checks each schema against its dialect, through the response's $ref,
    # and said where relative to the schema: "spec:1:1: ... (at #/properties/bad/pattern)".
    mistake = {"type": "string", "pattern": "(unclosed"}
    path, line, column = _written(tmp_path, _deep_document(version, mistake), form, "pattern")
    assert line > 100
    (problem,) = validate.validate(load.read(path, display="spec"))
    assert problem.severity is Severity.ERROR
    assert problem.message == "'(unclosed' is not a 'regex'"
    pointer = f"{SCHEMAS_AT[version]}/Deep/properties/bad/pattern"
    assert problem.location == Location("spec", line, column, pointer)


@pytest.mark.parametrize("form", ["yaml", "json"])
@pytest.mark.parametrize("version", VERSIONS)
def test_a_default_that_breaks_its_schema_is_a_warning_where_it_is(
    tmp_path: Path, version: str, form: str
) -> None:
    # Was "spec:1:1: error: None is not of type 'object'", without a pointer (3.0, 3.1).
    mistake = {"type": "object", "properties": {"n": {"type": "integer"}}, "default": None}
    path, line, column = _written(tmp_path, _deep_document(version, mistake), form, "default")
    assert line > 100
    (problem,) = validate.validate(load.read(path, display="spec"))
    assert problem.severity is Severity.WARNING
    assert problem.message.startswith("default does not match its schema (None ")
    pointer = f"{SCHEMAS_AT[version]}/Deep/properties/bad/default"
    assert problem.location == Location("spec", line, column, pointer)


def test_a_complaint_reached_through_refs_is_where_the_value_is_written(tmp_path: Path) -> None:
    # The 3.1 keyword check walks /paths/.../schema → A → B; the mistake is written in B.
    document = _deep_document("3.1.0", {"$ref": "#/components/schemas/B"})
    document["components"]["schemas"]["B"] = {"type": "object", "properties": {"c": {"type": 1}}}
    path, line, column = _written(tmp_path, document, "yaml", "type")
    (problem,) = validate.validate(load.read(path, display="spec"))
    pointer = "/components/schemas/B/properties/c/type"
    assert problem.location == Location("spec", line, column, pointer)
    assert problem.message.startswith("1 is not one of [")


def test_a_key_the_schema_does_not_allow_is_located_at_the_key(tmp_path: Path) -> None:
    # 'nullable' that is not a boolean stays an error in Swagger 2.0 (docs/openapi-support.md)
    document = _deep_document("2.0", {"type": "string", "nullable": "yes"})
    path, line, column = _written(tmp_path, document, "yaml", "nullable")
    (problem,) = validate.validate(load.read(path, display="spec"))
    assert problem.message == "'nullable' does not match any of the regexes: '^x-'"
    pointer = "/definitions/Deep/properties/bad/nullable"
    assert problem.location == Location("spec", line, column, pointer)


def test_an_unknown_key_read_leniently_is_warned_about_at_the_key(tmp_path: Path) -> None:
    document = _deep_document("2.0", {"type": "string", "const": "x"})
    path, line, column = _written(tmp_path, document, "yaml", "const")
    (problem,) = validate.validate(load.read(path, display="spec"))
    assert problem.severity is Severity.WARNING
    assert problem.message.startswith("'const' is JSON Schema that Swagger 2.0 does not define")
    pointer = "/definitions/Deep/properties/bad/const"
    assert problem.location == Location("spec", line, column, pointer)


def test_an_unresolved_path_parameter_is_located_at_its_operation(tmp_path: Path) -> None:
    text = VALID.replace("/items:", "/items/{id}:")
    (problem,) = problems(tmp_path, text)
    assert "Path parameter 'id'" in problem.message
    assert (problem.location.line, problem.location.pointer) == (8, "/paths/~1items~1{id}/get")


def _refs_recursively(value: Any, pointer: str, named: bool = False) -> list[tuple[str, Any]]:
    """``objects.ref_places`` as it was first written: recursion, one call per value,
    every pointer spelled out."""
    from apiforge.load import objects

    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        ref = None if named else value.get("$ref")
        if ref is not None:
            found.append((pointer, ref))
        for key, item in value.items():
            if named or objects.followed(key):
                inner = not named and key in objects.NAMED
                found += _refs_recursively(item, f"{pointer}/{document.escape(key)}", inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _refs_recursively(item, f"{pointer}/{index}")
    return found


def _spelled(found: Iterable[tuple[Any, Any]]) -> list[tuple[str, Any]]:
    from apiforge.load import objects

    return [(objects.spelled("", where), ref) for where, ref in found]


def test_refs_are_found_in_document_order_as_by_recursion() -> None:
    from apiforge.load import objects
    from realworld import directory

    compared = 0
    for path in [directory.API / p.name for p in directory.sample() if not p.heavy]:
        spec = json.loads(path.read_text(encoding="utf-8"))
        expected = _refs_recursively(spec, "")
        assert _spelled(objects.ref_places(spec)) == expected, path
        compared += bool(expected)
    assert compared >= 30
    odd = {"a": [{"$ref": "#/x"}, 1, [{"$ref": 2}]], "x-no": {"$ref": "#/y"}, "$ref": "#/z"}
    assert _spelled(objects.ref_places(odd)) == _refs_recursively(odd, "")


def _measured_recursively(value: Any, depth: int = 0) -> tuple[int, int]:
    """What ``document._measured`` answers, by plain recursion: values held, deepest
    container (the root 0)."""
    if not isinstance(value, dict | list):
        return 1, 0
    count, deepest = 1, depth
    for item in value.values() if isinstance(value, dict) else value:
        inner, at = _measured_recursively(item, depth + 1)
        count, deepest = count + inner, max(deepest, at)
    return count, deepest


def test_values_are_counted_and_depth_measured_as_by_recursion() -> None:
    from realworld import directory

    odd: list[Any] = [
        None,
        "text",
        [],
        {},
        [[]],
        [[[[]]]],
        {"a": [1, {"b": None}], "c": {"d": {"e": [[], {}]}}},
        [1, [2, [3, [4]]], {"k": [True, False]}],
    ]
    for value in odd:
        assert document._measured(value) == _measured_recursively(value), value
    for path in [directory.API / p.name for p in directory.sample() if not p.heavy][:40]:
        spec = json.loads(path.read_text(encoding="utf-8"))
        assert document._measured(spec) == _measured_recursively(spec), path
