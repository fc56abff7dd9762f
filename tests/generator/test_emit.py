"""emit: the code fragments templates print, built from hand-made IR nodes."""

from __future__ import annotations

import ast
import urllib.parse
import uuid
from typing import Any

import pytest
from apiforge import ir
from apiforge.names import ClassName, PythonIdentifier
from apiforge.render import emit


def param(
    wire: str,
    type_: ir.TypeRef,
    *,
    location: ir.ParamLocation = ir.ParamLocation.QUERY,
    required: bool = False,
    default: str | int | float | bool | None = None,
    explode: bool = True,
    constraints: ir.Constraints | None = None,
    name: str | None = None,
) -> ir.Parameter:
    return ir.Parameter(
        wire_name=wire,
        name=PythonIdentifier(name or wire),
        location=location,
        type=type_,
        required=required,
        description="",
        default=default,
        constraints=constraints or ir.Constraints(),
        explode=explode,
    )


def operation(path: str, *params: ir.Parameter) -> ir.Operation:
    return ir.Operation(
        operation_id="op",
        name=PythonIdentifier("op"),
        method="GET",
        path=path,
        summary="",
        description="",
        parameters=params,
        responses=(),
        security=(),
        pointer="/paths/x/get",
    )


STR = ir.PrimitiveType(ir.Primitive.STR)
INT = ir.PrimitiveType(ir.Primitive.INT)
FLOAT = ir.PrimitiveType(ir.Primitive.FLOAT)
UUID = ir.PrimitiveType(ir.Primitive.UUID, "uuid")
ORDER_BY = ir.EnumRef(ClassName("OrderBy"))
PATH = ir.ParamLocation.PATH
HEADER = ir.ParamLocation.HEADER


class FakeRuntime:
    """Just enough of the generated ``_runtime`` to run emitted statements."""

    @staticmethod
    def text(value: object) -> str:
        if isinstance(value, OrderBy):
            return value.value
        return str(value).lower() if isinstance(value, bool) else str(value)

    @staticmethod
    def uuid_text(name: str, value: object) -> str:
        return str(uuid.UUID(str(value)))

    @staticmethod
    def path_segment(text: str, name: str = "") -> str:
        return urllib.parse.quote(text, safe="")

    @staticmethod
    def check_range(name: str, value: float, low: float | None, high: float | None) -> None:
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"{name} out of range")


class OrderBy:
    """Stands in for a generated enum, which ``_runtime.text`` turns into its value."""

    def __init__(self, value: str) -> None:
        self.value = value


def run(statements: list[str], **arguments: Any) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Execute emitted statements the way the request builder does; return query and headers."""
    namespace: dict[str, Any] = {
        "_runtime": FakeRuntime,
        "OrderBy": OrderBy,
        "_query": [],
        "_headers": {},
        **arguments,
    }
    exec(compile("\n".join(statements), "<emitted>", "exec"), namespace)
    return namespace["_query"], namespace["_headers"]


# -- path_expression -------------------------------------------------------------------


def test_path_without_parameters_is_one_literal() -> None:
    assert emit.path_expression(operation("/tags")) == "'/tags'"


def test_empty_path() -> None:
    assert emit.path_expression(operation("")) == "''"


def test_path_with_uuid_and_string_parameters() -> None:
    op = operation(
        "/projects/{projectId}/tags/{tag-name}",
        param("projectId", UUID, location=PATH, required=True, name="project_id"),
        param("tag-name", STR, location=PATH, required=True, name="tag_name"),
    )
    assert emit.path_expression(op) == (
        "'/projects/'"
        " + _runtime.path_segment(_runtime.uuid_text('project_id', project_id))"
        " + '/tags/'"
        " + _runtime.path_segment(_runtime.text(tag_name), 'tag_name')"
    )


def test_path_expression_values() -> None:
    op = operation(
        "/a/{id}/{order}/b's",
        param("id", STR, location=PATH, required=True),
        param("order", ORDER_BY, location=PATH, required=True, name="order"),
    )
    namespace = {"_runtime": FakeRuntime, "OrderBy": OrderBy, "id": "x/y z", "order": "Newest"}
    assert eval(emit.path_expression(op), namespace) == "/a/x%2Fy%20z/Newest/b's"


def test_path_starting_and_ending_with_a_parameter() -> None:
    op = operation("{name}", param("name", STR, location=PATH, required=True))
    assert emit.path_expression(op) == "_runtime.path_segment(_runtime.text(name), 'name')"


# -- send_statements -------------------------------------------------------------------


def test_required_query_parameter_is_always_sent() -> None:
    p = param("take", INT, required=True)
    assert emit.send_statements(p) == ["_query.append(('take', _runtime.text(take)))"]


def test_optional_query_parameter_is_guarded() -> None:
    p = param("skip", INT)
    assert emit.send_statements(p) == [
        "if skip is not None:",
        "    _query.append(('skip', _runtime.text(skip)))",
    ]
    assert run(emit.send_statements(p), skip=None) == ([], {})
    assert run(emit.send_statements(p), skip=0) == ([("skip", "0")], {})


def test_parameter_with_default_is_not_guarded() -> None:
    p = param("take", INT, default=50)
    assert emit.send_statements(p) == ["_query.append(('take', _runtime.text(take)))"]


def test_enum_query_parameter_sends_the_member_value() -> None:
    p = param("orderBy", ORDER_BY, name="order_by")
    assert emit.send_statements(p) == [
        "if order_by is not None:",
        "    _query.append(('orderBy', _runtime.text(OrderBy(order_by))))",
    ]
    assert run(emit.send_statements(p), order_by="Newest") == ([("orderBy", "Newest")], {})


def test_exploded_array_repeats_the_key() -> None:
    p = param("tagIds", ir.ArrayType(STR), name="tag_ids")
    assert emit.send_statements(p) == [
        "if tag_ids:",
        "    _query.extend(('tagIds', _runtime.text(item)) for item in tag_ids)",
    ]
    assert run(emit.send_statements(p), tag_ids=["a", "b"]) == (
        [("tagIds", "a"), ("tagIds", "b")],
        {},
    )
    assert run(emit.send_statements(p), tag_ids=[]) == ([], {})


def test_array_with_explode_false_is_comma_joined() -> None:
    p = param("tagIds", ir.ArrayType(UUID), explode=False, name="tag_ids")
    statements = emit.send_statements(p)
    assert statements == [
        "if tag_ids:",
        "    _query.append(('tagIds', ','.join(_runtime.uuid_text('tag_ids', item)"
        " for item in tag_ids)))",
    ]
    ids = [uuid.UUID(int=1), uuid.UUID(int=2)]
    query, _ = run(statements, tag_ids=ids)
    assert query == [("tagIds", f"{ids[0]},{ids[1]}")]


def test_header_parameter() -> None:
    p = param("Training-Key", STR, location=HEADER, required=True, name="training_key")
    assert emit.send_statements(p) == ["_headers['Training-Key'] = _runtime.text(training_key)"]
    assert run(emit.send_statements(p), training_key="k") == ([], {"Training-Key": "k"})


def test_header_array_is_comma_joined_even_when_exploded() -> None:
    p = param("X-Ids", ir.ArrayType(INT), location=HEADER, name="x_ids")
    assert run(emit.send_statements(p), x_ids=[1, 2]) == ([], {"X-Ids": "1,2"})


def test_a_union_that_may_be_a_list_is_written_by_the_kind_given() -> None:
    either = ir.ScalarUnion((STR, ir.ArrayType(STR)))
    header = param("X-Tags", either, location=HEADER, name="x_tags")
    assert emit.send_statements(header) == [
        "if x_tags is not None:",
        "    _headers['X-Tags'] = _runtime.simple_text(x_tags)",
    ]
    query = param("tags", either, explode=False)
    assert emit.send_statements(query)[1] == (
        "    _query.extend(_runtime.form_pairs('tags', tags, False, ','))"
    )
    scalars = param("n", ir.ScalarUnion((STR, INT)))
    assert emit.send_statements(scalars)[1] == "    _query.append(('n', _runtime.text(n)))"


def test_hostile_wire_names_are_escaped() -> None:
    p = param("a'b\"c\n", STR, required=True, name="abc")
    statements = emit.send_statements(p)
    ast.parse("\n".join(statements))
    assert run(statements, abc="v") == ([("a'b\"c\n", "v")], {})


# -- check_calls -----------------------------------------------------------------------


def test_no_constraints_no_checks() -> None:
    assert emit.check_calls(param("q", STR)) == []


def test_range_check() -> None:
    p = param("take", INT, required=True, constraints=ir.Constraints(minimum=0, maximum=256))
    assert emit.check_calls(p) == ["_runtime.check_range('take', take, 0, 256)"]


def test_range_check_with_one_bound() -> None:
    p = param("ratio", FLOAT, required=True, constraints=ir.Constraints(maximum=0.5))
    assert emit.check_calls(p) == ["_runtime.check_range('ratio', ratio, None, 0.5)"]


def test_range_check_of_an_optional_number_skips_none() -> None:
    # Left out, an optional bounded number is None: comparing it would raise TypeError
    # before anything is sent.
    p = param("take", INT, constraints=ir.Constraints(minimum=0, maximum=256))
    calls = emit.check_calls(p)
    assert calls == ["if take is not None:", "    _runtime.check_range('take', take, 0, 256)"]
    namespace: dict[str, Any] = {"_runtime": FakeRuntime, "take": None}
    exec(compile("\n".join(calls), "<emitted>", "exec"), namespace)  # no TypeError
    namespace["take"] = 999
    with pytest.raises(ValueError, match="take"):
        exec(compile("\n".join(calls), "<emitted>", "exec"), namespace)


def test_items_check() -> None:
    p = param(
        "tagIds",
        ir.ArrayType(UUID),
        constraints=ir.Constraints(min_items=1, max_items=20),
        name="tag_ids",
    )
    assert emit.check_calls(p) == ["_runtime.check_items('tag_ids', tag_ids, 1, 20)"]


def test_min_items_zero_alone_checks_nothing() -> None:
    p = param("ids", ir.ArrayType(STR), constraints=ir.Constraints(min_items=0))
    assert emit.check_calls(p) == []


def test_both_checks_parse() -> None:
    p = param(
        "n",
        ir.ArrayType(INT),
        constraints=ir.Constraints(minimum=1, maximum=9, min_items=0, max_items=3),
    )
    calls = emit.check_calls(p)
    assert len(calls) == 3  # the range check guarded (n is optional), the items check
    tree = ast.parse("\n".join(calls))
    assert [type(node) for node in tree.body] == [ast.If, ast.Expr]


# -- annotations (used by every template) ----------------------------------------------


@pytest.mark.parametrize(
    ("type_", "plain", "argument"),
    [
        (STR, "str", "str"),
        (UUID, "uuid.UUID", "uuid.UUID | str"),
        (ORDER_BY, "OrderBy", "OrderBy | str"),
        (ir.ArrayType(UUID), "list[uuid.UUID]", "Sequence[uuid.UUID | str]"),
        (ir.ModelRef(ClassName("Tag")), "Tag", "Tag"),
        (ir.PrimitiveType(ir.Primitive.ANY), "Any", "Any"),
    ],
)
def test_annotations(type_: ir.TypeRef, plain: str, argument: str) -> None:
    assert emit.annotation(type_) == plain
    assert emit.input_annotation(type_) == argument


def test_param_signatures() -> None:
    assert emit.param_signature(param("id", UUID, required=True)) == "id: uuid.UUID | str"
    assert emit.param_signature(param("take", INT, default=50)) == "take: int = 50"
    assert emit.param_signature(param("q", STR)) == "q: str | None = None"
    assert emit.param_signature(param("q", STR, default="it's")) == 'q: str = "it\'s"'


def test_required_array_must_have_items_and_is_always_sent() -> None:
    # csv cannot carry an empty list: a required one with none is refused before sending.
    ids = param(
        "regionIds",
        ir.ArrayType(ir.PrimitiveType(ir.Primitive.STR)),
        required=True,
        explode=False,
        constraints=ir.Constraints(min_items=0, max_items=64),
        name="region_ids",
    )
    assert emit.check_calls(ids) == ["_runtime.check_items('region_ids', region_ids, 1, 64)"]
    statements = emit.send_statements(ids)
    assert not statements[0].startswith("if "), statements
    query, _ = run(statements, region_ids=["a", "b"])
    assert query == [("regionIds", "a,b")]
