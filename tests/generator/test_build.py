"""build: OpenAPI fragments to IR, table-driven from ``tests/fragments``.

Each ``fragments/NAME.yaml`` is a complete OpenAPI document showing one construct; its
``NAME.expected.yaml`` lists what ``build()`` must make of it (format: fragments/README.md).
Adding a case is adding two files.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import yaml
from apiforge import build, ir, load
from apiforge.diagnostics import Diagnostic, GenerationError, Severity
from apiforge.load import validate
from apiforge.render import emit
from support.paths import FRAGMENTS, REPO_ROOT

EXPECTED_SUFFIX = ".expected.yaml"
CASES = sorted(p for p in FRAGMENTS.glob("*.yaml") if not p.name.endswith(EXPECTED_SUFFIX))

TOP_KEYS = {
    "client", "models", "bases", "enums", "closed_enums", "unions", "untagged", "security",
    "operations",
    "warnings", "errors",
}  # fmt: skip
FIELD_KEYS = {"name", "type", "required", "nullable", "read_only", "description"}
PARAM_KEYS = {
    "name", "location", "type", "required", "explode", "default", "description",
    "minimum", "maximum", "min_items", "max_items", "style", "client", "skip_encoding", "json",
}  # fmt: skip
OPERATION_KEYS = {"method", "path", "auth", "parameters", "responses", "body"}
BODY_KEYS = {"kind", "media_type", "name", "type", "required", "description", "fields"}
FORM_FIELD_KEYS = {"name", "type", "required", "description", "is_file"}
DIAGNOSTIC_KEYS = {"pointer", "line", "message"}
SCHEME_KEYS = {
    "kind", "name", "required", "location", "wire_name", "scheme", "bearer_format", "flows",
    "token_url", "url",
}  # fmt: skip


def expected_path(fragment: Path) -> Path:
    return fragment.with_name(fragment.name.removesuffix(".yaml") + EXPECTED_SUFFIX)


def type_text(t: ir.TypeRef | None) -> str | None:
    """The notation the expectation files use for types."""
    if t is None:
        return None
    if isinstance(t, ir.PrimitiveType):
        return t.kind.value
    if isinstance(t, ir.ArrayType):
        return f"list[{type_text(t.item)}{' | None' if t.item_nullable else ''}]"
    if isinstance(t, ir.TupleType):
        return f"tuple[{', '.join(str(type_text(i)) for i in t.items)}]"
    if isinstance(t, ir.MapType):
        return f"dict[str, {type_text(t.value)}{' | None' if t.value_nullable else ''}]"
    if isinstance(t, ir.LiteralType):
        return f"literal {t.value!r}"
    if isinstance(t, ir.ScalarUnion):
        return " | ".join(str(type_text(o)) for o in t.options)
    if isinstance(t, ir.ModelRef):
        return f"model {t.name}"
    if isinstance(t, ir.UnionRef):
        return f"union {t.name}"
    if isinstance(t, ir.UntaggedRef):
        return f"untagged {t.name}"
    return f"enum {t.name}"


def field_facts(f: ir.Field) -> dict[str, Any]:
    return {
        "name": f.name,
        "type": type_text(f.type),
        "required": f.required,
        "nullable": f.nullable,
        "read_only": f.read_only,
        "description": f.description,
    }


def param_facts(p: ir.Parameter) -> dict[str, Any]:
    c = p.constraints
    return {
        "name": p.name,
        "location": p.location.value,
        "type": type_text(p.type),
        "required": p.required,
        "explode": p.explode,
        "default": p.default,
        "description": p.description,
        "minimum": c.minimum,
        "maximum": c.maximum,
        "min_items": c.min_items,
        "max_items": c.max_items,
        "style": p.style,
        "client": p.client,
        "skip_encoding": p.skip_encoding,
        "json": p.json,
    }


def scheme_facts(s: ir.SecurityScheme) -> dict[str, Any]:
    """A security scheme's facts; ``kind`` is its OpenAPI type (``basic`` for http basic)."""
    kinds = {
        ir.ApiKeyScheme: "apiKey", ir.HttpScheme: "http", ir.BasicScheme: "basic",
        ir.OAuth2Scheme: "oauth2", ir.OpenIdConnectScheme: "openIdConnect",
        ir.MutualTlsScheme: "mutualTLS",
    }  # fmt: skip
    facts: dict[str, Any] = {"kind": kinds[type(s)], "name": s.name, "required": s.required}
    if isinstance(s, ir.ApiKeyScheme):
        facts.update(location=s.location.value, wire_name=s.wire_name)
    if isinstance(s, ir.HttpScheme):
        facts.update(scheme=s.scheme, bearer_format=s.bearer_format)
    if isinstance(s, ir.OAuth2Scheme):
        facts.update(flows=list(s.flows), token_url=s.token_url)
    if isinstance(s, ir.OpenIdConnectScheme):
        facts["url"] = s.url
    return facts


def body_facts(b: ir.RequestBody) -> dict[str, Any]:
    return {
        "kind": b.kind.value,
        "media_type": b.media_type,
        "name": b.name,
        "type": type_text(b.type),
        "required": b.required,
        "description": b.description,
    }


def form_field_facts(f: ir.FormField) -> dict[str, Any]:
    return {
        "name": f.name,
        "type": type_text(f.type),
        "required": f.required,
        "description": f.description,
        "is_file": f.is_file,
    }


def check_body(op: ir.Operation, wanted: dict[str, Any] | None) -> None:
    """The request body: ``null`` for none, else the named attributes and form fields."""
    if wanted is None:
        assert op.body is None, op.name
        return
    assert op.body is not None, f"{op.name} has no request body"
    facts = {k: v for k, v in wanted.items() if k != "fields"}
    subset(body_facts(op.body), facts, BODY_KEYS - {"fields"}, f"{op.name} body")
    if "fields" in wanted:
        by_wire = {f.wire_name: f for f in op.body.fields}
        assert list(by_wire) == list(wanted["fields"]), f"{op.name} body fields"
        for wire, field_wanted in wanted["fields"].items():
            where = f"{op.name} body field {wire}"
            subset(form_field_facts(by_wire[wire]), field_wanted, FORM_FIELD_KEYS, where)


def subset(actual: dict[str, Any], wanted: dict[str, Any], allowed: set[str], where: str) -> None:
    """Every attribute the expectation names has the expected value."""
    unknown = set(wanted) - allowed
    assert not unknown, f"{where}: unknown expectation keys {sorted(unknown)}"
    got = {key: actual[key] for key in wanted}
    assert got == wanted, where


def check_diagnostics(found: list[Diagnostic], wanted: list[dict[str, Any]], kind: str) -> None:
    """Exactly the expected diagnostics, in any order, each at its pointer and line."""
    for item in wanted:
        unknown = set(item) - DIAGNOSTIC_KEYS
        assert not unknown, f"{kind}: unknown expectation keys {sorted(unknown)}"
    shown = [d.format() for d in found]
    assert len(found) == len(wanted), shown
    remaining = list(found)
    for item in wanted:
        match = next(
            (
                d
                for d in remaining
                if d.location.pointer == item["pointer"]
                and d.location.line == item["line"]
                and item.get("message", "") in d.message
            ),
            None,
        )
        assert match is not None, f"no {kind} like {item} among {shown}"
        remaining.remove(match)


def build_fragment(fragment: Path) -> tuple[ir.Api, list[Diagnostic]]:
    spec = load.read(fragment, display=fragment.name)
    return build.build(spec)


@pytest.fixture(params=CASES, ids=[p.stem for p in CASES])
def fragment(request: pytest.FixtureRequest) -> Path:
    path: Path = request.param
    return path


def test_there_are_fragments() -> None:
    assert len(CASES) >= 10


def test_every_expectation_has_its_fragment() -> None:
    orphans = [
        p.name
        for p in FRAGMENTS.glob(f"*{EXPECTED_SUFFIX}")
        if not p.with_name(p.name.removesuffix(EXPECTED_SUFFIX) + ".yaml").exists()
    ]
    assert orphans == []


def test_fragment_is_a_valid_openapi_document(fragment: Path) -> None:
    # Unsupported is not invalid: every fragment passes the validator, so build() is what
    # must refuse the unsupported ones.
    spec = load.read(fragment, display=fragment.name)
    assert [d.format() for d in validate.validate(spec)] == []
    assert spec.document["openapi"] == "3.0.3"


def test_fragment_builds_as_expected(fragment: Path) -> None:
    path = expected_path(fragment)
    assert path.exists(), f"{fragment.name} has no {path.name}"
    expected: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    assert not set(expected) - TOP_KEYS, f"unknown keys in {path.name}"

    if "errors" in expected:
        with pytest.raises(GenerationError) as caught:
            build_fragment(fragment)
        errors = [d for d in caught.value.diagnostics if d.severity is Severity.ERROR]
        check_diagnostics(errors, expected["errors"], "error")
        return

    api, warnings = build_fragment(fragment)
    assert all(w.severity is Severity.WARNING for w in warnings)
    check_diagnostics(warnings, expected.get("warnings", []), "warning")

    if "client" in expected:
        assert api.client_name == expected["client"]

    if "models" in expected:
        models = {m.name: m for m in api.models}
        assert list(models) == list(expected["models"])
        for model_name, fields in expected["models"].items():
            by_wire = {f.wire_name: f for f in models[model_name].fields}
            assert list(by_wire) == list(fields), model_name
            for wire, wanted in fields.items():
                subset(field_facts(by_wire[wire]), wanted, FIELD_KEYS, f"{model_name}.{wire}")

    if "bases" in expected:
        assert {m.name: m.base for m in api.models if m.base} == expected["bases"]

    if "closed_enums" in expected:
        assert [e.name for e in api.enums if not e.open] == expected["closed_enums"]

    if "unions" in expected:
        unions = {
            u.name: {
                "discriminator": u.discriminator,
                "variants": {v.tag: v.model for v in u.variants},
            }
            for u in api.unions
        }
        assert unions == expected["unions"]
        assert list(unions) == list(expected["unions"])
        for name, union in unions.items():
            assert list(union["variants"]) == list(expected["unions"][name]["variants"]), name

    if "untagged" in expected:
        untagged = {u.name: [type_text(o) for o in u.options] for u in api.untagged}
        assert untagged == expected["untagged"]
        assert list(untagged) == list(expected["untagged"])

    if "enums" in expected:
        enums = {e.name: e for e in api.enums}
        assert list(enums) == list(expected["enums"])
        for enum_name, members in expected["enums"].items():
            assert {m.name: m.value for m in enums[enum_name].members} == members
            assert [m.name for m in enums[enum_name].members] == list(members)

    if "security" in expected:
        schemes = {s.key: s for s in api.auth}
        assert list(schemes) == list(expected["security"])
        for key, wanted in expected["security"].items():
            subset(scheme_facts(schemes[key]), wanted, SCHEME_KEYS, f"scheme {key}")

    if "operations" in expected:
        operations = {op.name: op for op in api.operations}
        assert list(operations) == list(expected["operations"])
        for op_name, wanted in expected["operations"].items():
            op = operations[op_name]
            assert not set(wanted) - OPERATION_KEYS, op_name
            if "method" in wanted:
                assert op.method == wanted["method"]
            if "path" in wanted:
                assert op.path == wanted["path"]
            if "auth" in wanted:
                alternatives = [{k: list(scopes) for k, scopes in r} for r in op.security]
                assert alternatives == wanted["auth"], op_name
            if "body" in wanted:
                check_body(op, wanted["body"])
            if "responses" in wanted:
                got = {r.status: type_text(r.type) for r in op.responses}
                assert got == wanted["responses"], op_name
            if "parameters" in wanted:
                by_wire = {p.wire_name: p for p in op.parameters}
                assert list(by_wire) == list(wanted["parameters"]), op_name
                for wire, facts in wanted["parameters"].items():
                    subset(param_facts(by_wire[wire]), facts, PARAM_KEYS, f"{op_name}({wire})")


def test_fragment_builds_the_same_twice(fragment: Path) -> None:
    def outcome() -> object:
        try:
            return build_fragment(fragment)
        except GenerationError as exc:
            return exc.diagnostics

    assert outcome() == outcome()


def test_every_built_name_is_an_identifier(fragment: Path) -> None:
    try:
        api, _ = build_fragment(fragment)
    except GenerationError:
        return
    found = [api.client_name]
    found += [m.name for m in api.models] + [f.name for m in api.models for f in m.fields]
    found += [e.name for e in api.enums] + [m.name for e in api.enums for m in e.members]
    found += [op.name for op in api.operations]
    found += [p.name for op in api.operations for p in op.parameters]
    found += [s.name for s in api.auth]
    assert all(name.isidentifier() for name in found), found
    classes = [api.client_name, *(m.name for m in api.models), *(e.name for e in api.enums)]
    assert len(set(classes)) == len(classes)


# -- cases that need more than names: the IR must work with the code emitted from it ----------


def test_parameters_do_not_clash_with_the_request_builders_locals() -> None:
    # The request builder collects into locals named ``query`` and ``headers``; a parameter
    # with one of those Python names is overwritten before it is sent
    # (``query: list[...] = []`` then ``query.append(("query", _runtime.text(query)))``).
    api, _ = build_fragment(FRAGMENTS / "param_names_like_builder_locals.yaml")
    (op,) = api.operations
    for p in op.parameters:
        statements = emit.send_statements(p)
        tree = ast.parse("\n".join(statements))
        containers = {
            node.value.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute | ast.Subscript) and isinstance(node.value, ast.Name)
        }
        assert p.name not in containers, (p.name, statements)


def test_operation_without_id_is_built_with_a_warning_not_an_error() -> None:
    api, warnings = build_fragment(FRAGMENTS / "no_operation_id.yaml")
    assert [w.severity for w in warnings] == [Severity.WARNING]
    assert warnings[0].format().startswith("no_operation_id.yaml:9:")
    assert api.operations[0].operation_id == "delete /projects/{projectId}"


def test_a_scheme_relative_server_url_is_https() -> None:
    api, _ = build_fragment(FRAGMENTS / "server_scheme_relative.yaml")
    assert (api.server.url, api.server.variables) == ("https://api.example.com/v1", ())


def _base_attributes() -> set[str]:
    """The ``self._<name>`` attributes the clients' base classes set, read off their source."""
    tree = ast.parse((REPO_ROOT / "templates" / "runtime" / "_base.py").read_text("utf-8"))
    return {
        node.attr[1:]
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
        and node.attr.startswith("_")
    }


def test_client_parameters_do_not_take_the_base_clients_attributes() -> None:
    # A client-level parameter is kept as ``self._<name>``; one called ``http`` would
    # replace the connection pool the base class keeps in ``self._http``.
    attributes = _base_attributes()
    assert {"http", "auth", "user_agent", "owns_http", "send"} <= attributes
    api, _ = build_fragment(FRAGMENTS / "client_params_like_base_attributes.yaml")
    names = {p.wire_name: p.name for p in api.client_params}
    assert names == {
        "http": "http_2",
        "auth": "auth_2",
        "userAgent": "user_agent_2",
        "ownsHttp": "owns_http_2",
        "tenant": "tenant",
    }
    assert not attributes & set(names.values())


def test_the_reserved_list_names_every_base_attribute() -> None:
    from apiforge.build import api as build_api

    assert _base_attributes() <= set(build_api.BASE_ATTRIBUTES)


def test_the_wire_names_msgspec_refuses_are_quotes_backslashes_and_controls() -> None:
    from apiforge.build import schemas

    for code in range(0x3000):
        char = chr(code)
        refused = char in '"\\' or code < 0x20
        assert bool(schemas._UNMAPPABLE.search(f"a{char}b")) == refused, hex(code)
