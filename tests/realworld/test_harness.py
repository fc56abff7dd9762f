"""The contract harness's own judgement: the value maker, and the rules that call a
refusal Prism's rather than the client's. Each rule is shown holding, and not holding where
the request is at fault, so it cannot hide a client bug."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import httpx

from realworld import contract, patterns, values

PRISM = "422 Invalid request: Your request is not valid"


def request(query: str) -> httpx.Request:
    return httpx.Request("GET", f"http://127.0.0.1/x?{query}")


def test_a_pattern_sample_reaches_a_long_minimum_length() -> None:
    sha = patterns.sample("^[0-9a-fA-F]+$", 40, 40)
    assert sha is not None and len(sha) == 40 and re.search("^[0-9a-fA-F]+$", sha)
    assert patterns.sample("^[a-z]{2,3}$", 5, 6) is None  # no string fits: none made


def test_an_azure_base_with_a_discriminator_is_made_as_one_of_its_kinds() -> None:
    document: dict[str, Any] = {
        "components": {
            "schemas": {
                "Rule": {
                    "type": "object",
                    "discriminator": {"propertyName": "type"},
                    "required": ["type"],
                    "properties": {"type": {"type": "string"}, "name": {"type": "string"}},
                },
                "Mute": {
                    "allOf": [{"$ref": "#/components/schemas/Rule"}],
                    "x-ms-discriminator-value": "Suppression",
                    "required": ["config"],
                    "properties": {"config": {"type": "string"}},
                },
            }
        }
    }
    maker = values.Maker(document, "seed", valid=lambda _v, _s: True)
    made = maker.value({"$ref": "#/components/schemas/Rule"}, full=False)
    assert made == {"type": "Suppression", "config": "apiforge"}


def test_exploded_object_properties_are_prisms_only_when_sent_or_the_object_is_absent() -> None:
    schemas = {
        ("query", "loggingconfig"): {
            "type": "object",
            "required": ["LogRoleArn"],
            "properties": {"LogRoleArn": {"type": "string"}},
        }
    }
    refusal = (
        f"{PRISM}; query.loggingconfig: Request query parameter loggingconfig must have"
        " required property 'LogRoleArn'"
    )
    sent, absent = request("LogRoleArn=a"), request("Other=1")
    assert contract._exploded_properties_sent(sent, refusal, schemas, {})
    assert contract._exploded_properties_sent(absent, refusal, schemas, {})
    other = {("query", "loggingconfig"): {"properties": {"LogRoleArn": {}, "Group": {}}}}
    # The object is sent (Group) but its required property is not: the request's fault.
    assert not contract._exploded_properties_sent(request("Group=g"), refusal, other, {})


def test_a_one_item_nullable_array_is_prisms_only_with_one_item() -> None:
    refusal = f"{PRISM}; query.ids: Request query parameter ids must be array,null"
    assert contract._one_item_nullable_arrays(request("ids=1"), refusal)
    assert not contract._one_item_nullable_arrays(request("ids=1&ids=2"), refusal)
    assert not contract._one_item_nullable_arrays(request("other=1"), refusal)


def test_a_path_parameter_the_operation_lacks_means_prism_routed_elsewhere() -> None:
    harness = contract.Session.__new__(contract.Session)
    op = SimpleNamespace(parameters=[SimpleNamespace(wire_name="entityType", location=_PATH)])
    elsewhere = f"{PRISM}; path: Request path must have required property 'name'"
    own = f"{PRISM}; path: Request path must have required property 'entityType'"
    assert harness._routed_elsewhere(op, elsewhere)
    assert not harness._routed_elsewhere(op, own)


def test_exploded_properties_named_like_other_parameters_are_no_valid_request() -> None:
    def param(name: str, explode: bool = True) -> SimpleNamespace:
        return SimpleNamespace(
            name=name, wire_name=name, location=_QUERY, explode=explode, style="form"
        )

    op = SimpleNamespace(parameters=[param("type"), param("movements")])
    schemas = {("query", "movements"): {"properties": {"type": {}, "amount": {}}}}
    found = contract._colliding_objects(op, schemas, {"type": "a", "movements": {}}, {})
    assert found == ["movements (its properties type are parameters too)"]
    assert contract._colliding_objects(op, schemas, {"movements": {}}, {}) == []


_PATH = SimpleNamespace(value="path")
_QUERY = SimpleNamespace(value="query")


def test_prisms_copy_names_path_templates_without_colons() -> None:
    document: dict[str, Any] = {
        "paths": {
            "/insights/{insight_id:}/query": {
                "get": {"parameters": [{"name": "insight_id:", "in": "path"}]},
            },
            "/plain/{id}": {"get": {}},
        }
    }
    assert contract._without_colon_names(document)
    assert list(document["paths"]) == ["/plain/{id}", "/insights/{insight_id}/query"]
    get = document["paths"]["/insights/{insight_id}/query"]["get"]
    assert get["parameters"] == [{"name": "insight_id", "in": "path"}]
    assert not contract._without_colon_names(document)  # nothing left to rename
