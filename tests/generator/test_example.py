"""render/example.py: the package README's usage example, on hand-made IR.

A placeholder per TypeRef kind and per Primitive, numbers within the spec's bounds,
required arrays with items, models built with their required fields (nested, cyclic,
too deep), the operation chosen, the server URL's values, and the layout black keeps at
the 88-column boundary. Every committed package's example is checked to be black-stable;
``tests/sdk/test_readme_examples.py`` runs them.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from pathlib import Path

import black
import msgspec
import pytest
from apiforge import ir
from apiforge.names import ClassName, ConstantName, PythonIdentifier
from apiforge.render import example, layout
from apiforge.render.imports import Import
from apiforge.render.layout import Brackets, call, display, lay_out, string
from black.mode import Mode, TargetVersion
from hypothesis import given, settings
from hypothesis import strategies as st
from support import corpus, samples
from support.paths import GOLDEN, GOLDEN_PACKAGE, SPEC

MODE = Mode(target_versions={TargetVersion.PY311}, line_length=88)  # as output/format.py
NIL = '"00000000-0000-0000-0000-000000000000"'
STR = ir.PrimitiveType(ir.Primitive.STR)
INT = ir.PrimitiveType(ir.Primitive.INT)
UUID = ir.PrimitiveType(ir.Primitive.UUID)


def black_stable(code: str) -> bool:
    return black.format_str(code, mode=MODE) == code


# -- hand-made IR ------------------------------------------------------------------------


def fld(
    name: str,
    t: ir.TypeRef,
    *,
    required: bool = True,
    nullable: bool = False,
    default: ir.Scalar | None = None,
    wire: str | None = None,
) -> ir.Field:
    return ir.Field(wire or name, PythonIdentifier(name), t, required, nullable, False, "", default)


def model(name: str, *fields: ir.Field, base: str | None = None) -> ir.Model:
    return ir.Model(ClassName(name), "", fields, f"#/{name}", ClassName(base) if base else None)


def ref(name: str) -> ir.ModelRef:
    return ir.ModelRef(ClassName(name))


def param(
    name: str,
    t: ir.TypeRef,
    *,
    location: ir.ParamLocation = ir.ParamLocation.QUERY,
    required: bool = True,
    default: ir.Scalar | None = None,
    limits: ir.Constraints | None = None,
) -> ir.Parameter:
    return ir.Parameter(
        name, PythonIdentifier(name), location, t, required, "", default,
        limits or ir.Constraints(), explode=True,
    )  # fmt: skip


def operation(
    name: str,
    method: str = "GET",
    parameters: tuple[ir.Parameter, ...] = (),
    body: ir.TypeRef | None = None,
    result: ir.TypeRef | None = STR,
) -> ir.Operation:
    ok = ir.Response("200", "", ("application/json",) if result else (), result)
    request = None
    if body is not None:
        kind = ir.BodyKind.JSON
        request = ir.RequestBody(kind, "application/json", PythonIdentifier("body"), body, True, "")
    return ir.Operation(
        name, PythonIdentifier(name), method, f"/{name}", "", "", parameters, (ok,), (),
        f"#/{name}", body=request,
    )  # fmt: skip


def api(
    operations: tuple[ir.Operation, ...] = (),
    models: tuple[ir.Model, ...] = (),
    *,
    url: str = "{endpoint}",
    variables: tuple[ir.ServerVariable, ...] | None = None,
    auth: tuple[ir.SecurityScheme, ...] = (),
    enums: tuple[ir.Enum, ...] = (),
    unions: tuple[ir.Union, ...] = (),
    client_params: tuple[ir.Parameter, ...] = (),
) -> ir.Api:
    if variables is None:
        variables = tuple(variable(w) for w in re.findall(r"\{(\w+)\}", url))
    return ir.Api(
        "Demo", "1.0", "", ClassName("DemoClient"), ir.Server(url, variables), auth,
        models, enums, operations, unions, client_params,
    )  # fmt: skip


def variable(wire: str, default: str | None = None, encode: bool = False) -> ir.ServerVariable:
    return ir.ServerVariable(wire, PythonIdentifier(wire.lower()), "", default, encode)


MODE_ENUM = ir.Enum(
    ClassName("Mode"),
    "",
    (ir.EnumMember(ConstantName("FAST"), "fast"), ir.EnumMember(ConstantName("SLOW"), "slow")),
    "#/Mode",
)
PET = ir.Union(
    ClassName("Pet"),
    "",
    "petType",
    (ir.Variant("cat", ClassName("Cat")), ir.Variant("dog", ClassName("Dog"))),
    "#/Pet",
)
CAT = model("Cat", fld("pet_type", STR, wire="petType"), fld("name", STR))
DOG = model("Dog", fld("pet_type", STR, wire="petType"))


def value(
    t: ir.TypeRef,
    *,
    argument: bool = True,
    limits: ir.Constraints | None = None,
    demo: ir.Api | None = None,
) -> tuple[str | None, set[Import]]:
    """The placeholder of ``t`` on one line, and what it imports."""
    values = example.Values(demo or api(), "pkg")
    found = values.value(t, "name", argument=argument, limits=limits)
    return (None if found is None else layout.flat(found)), values.needed


# -- each kind ---------------------------------------------------------------------------

PRIMITIVES = {
    ir.Primitive.STR: ('"<name>"', '"<name>"', set()),
    ir.Primitive.ANY: ('"<name>"', '"<name>"', set()),
    ir.Primitive.INT: ("1", "1", set()),
    ir.Primitive.FLOAT: ("1.0", "1.0", set()),
    ir.Primitive.BOOL: ("True", "True", set()),
    ir.Primitive.UUID: (NIL, f"uuid.UUID({NIL})", {Import("uuid")}),
    ir.Primitive.DATETIME: (
        "datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)",
        "datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)",
        {Import("datetime")},
    ),
    ir.Primitive.DATE: (
        "datetime.date(2024, 1, 1)",
        "datetime.date(2024, 1, 1)",
        {Import("datetime")},
    ),
    ir.Primitive.BYTES: ('b"<name>"', 'b"<name>"', set()),
}


def test_every_primitive_has_a_placeholder() -> None:
    assert set(PRIMITIVES) == set(ir.Primitive)


@pytest.mark.parametrize("kind", list(PRIMITIVES), ids=[k.value for k in PRIMITIVES])
def test_primitive_placeholders(kind: ir.Primitive) -> None:
    as_argument, as_field, needed = PRIMITIVES[kind]
    t = ir.PrimitiveType(kind)
    assert value(t) == (as_argument, needed if as_argument != NIL else set())
    assert value(t, argument=False) == (as_field, needed)


@pytest.mark.parametrize(
    ("integer", "minimum", "maximum", "expected"),
    [
        (True, None, None, "1"),
        (True, 5, 10, "5"),
        (True, None, -3, "-3"),
        (True, 0.5, None, "1"),
        (True, 1.5, None, "2"),
        (True, None, 0.5, "0"),
        (True, -10, 10, "1"),
        (False, None, 0.25, "0.25"),
        (False, 10.5, None, "10.5"),
        (False, -2, 0, "0.0"),
        (False, 1e16, None, "1e16"),  # black's spelling, not repr's 1e+16
    ],
)
def test_numbers_respect_the_bounds(
    integer: bool, minimum: float | None, maximum: float | None, expected: str
) -> None:
    t = INT if integer else ir.PrimitiveType(ir.Primitive.FLOAT)
    shown, _ = value(t, limits=ir.Constraints(minimum=minimum, maximum=maximum))
    assert shown == expected
    number = ast.literal_eval(expected)
    assert (minimum is None or number >= minimum) and (maximum is None or number <= maximum)
    assert isinstance(number, int) == integer


@pytest.mark.parametrize("bound", [math.inf, -math.inf, math.nan])
def test_bounds_that_are_not_finite_are_no_bounds(bound: float) -> None:
    for integer in (True, False):
        t = INT if integer else ir.PrimitiveType(ir.Primitive.FLOAT)
        limits = ir.Constraints(minimum=bound, maximum=bound)
        assert value(t, limits=limits)[0] == ("1" if integer else "1.0")


def test_required_arrays_have_as_many_items_as_they_need() -> None:
    array = ir.ArrayType(STR)
    assert value(array) == ('["<name>"]', set())
    assert value(array, limits=ir.Constraints(min_items=3))[0] == '["<name>", "<name>", "<name>"]'
    assert value(ir.ArrayType(UUID))[0] == f"[{NIL}]"  # an argument takes UUID strings
    # An item that cannot be built: a required argument cannot be sent, a field is empty.
    loop = api(models=(model("Loop", fld("next", ref("Loop"))),))
    assert value(ir.ArrayType(ref("Loop")), demo=loop)[0] is None
    assert value(ir.ArrayType(ref("Loop")), argument=False, demo=loop)[0] == "[]"


def test_maps_literals_scalar_unions_enums_and_unions() -> None:
    assert value(ir.MapType(INT)) == ("{}", set())
    assert value(ir.LiteralType("it's"))[0] == '"it\'s"'
    assert value(ir.LiteralType(2))[0] == "2"
    assert value(ir.LiteralType(True))[0] == "True"
    # A scalar union is annotated as it is, even for an argument: a UUID is a uuid.UUID.
    assert value(ir.ScalarUnion((UUID, INT))) == (f"uuid.UUID({NIL})", {Import("uuid")})
    enums = api(enums=(MODE_ENUM,))
    assert value(ir.EnumRef(ClassName("Mode")), demo=enums) == (
        "Mode.FAST",
        {Import("pkg", "Mode")},
    )
    assert value(ir.EnumRef(ClassName("Gone")), demo=enums)[0] is None
    pets = api(models=(CAT, DOG), unions=(PET,))
    shown, needed = value(ir.UnionRef(ClassName("Pet")), demo=pets)
    assert shown == 'Cat(pet_type="cat", name="<name>")'  # the variant's own tag
    assert needed == {Import("pkg", "Cat")}


def test_models_get_their_required_fields_their_bases_first() -> None:
    person = model("Person", fld("name", STR), fld("email", STR, required=False))
    employee = model(
        "Employee",
        fld("employee_id", INT, wire="employeeId"),
        fld("level", INT, default=3),  # declared with its default: left out
        fld("when", ir.PrimitiveType(ir.Primitive.DATE)),
        fld("boss", ref("Person")),
        base="Person",
    )
    shown, needed = value(ref("Employee"), demo=api(models=(person, employee)))
    assert shown == (
        'Employee(name="<name>", employee_id=1, when=datetime.date(2024, 1, 1), '
        'boss=Person(name="<name>"))'
    )
    assert needed == {Import("pkg", "Employee"), Import("pkg", "Person"), Import("datetime")}


def test_cycles_and_depth() -> None:
    nullable = model("Node", fld("name", STR), fld("parent", ref("Node"), nullable=True))
    assert value(ref("Node"), demo=api(models=(nullable,)))[0] == 'Node(name="<name>", parent=None)'
    cyclic = model("Loop", fld("next", ref("Loop")))
    assert value(ref("Loop"), demo=api(models=(cyclic,)))[0] is None
    assert value(ref("Missing"))[0] is None

    def chain(length: int) -> ir.Api:
        links = [model(f"M{i}", fld("next", ref(f"M{i + 1}"))) for i in range(length - 1)]
        return api(models=(*links, model(f"M{length - 1}", fld("leaf", STR))))

    deepest = chain(example.MAX_MODEL_DEPTH)
    assert value(ref("M0"), demo=deepest)[0] == 'M0(next=M1(next=M2(next=M3(leaf="<leaf>"))))'
    assert value(ref("M0"), demo=chain(example.MAX_MODEL_DEPTH + 1))[0] is None


# -- the operation -----------------------------------------------------------------------


def chosen(demo: ir.Api) -> str | None:
    choice = example.choose(demo, "pkg")
    return choice.operation.name if choice else None


def test_the_operation_chosen() -> None:
    simple = (param("id", STR, location=ir.ParamLocation.PATH),)
    flat_body = model("Flat", fld("name", STR))
    nested = model("Nested", fld("inner", ref("Flat")))
    models = (flat_body, nested)
    post = operation("create", "POST", simple)
    get = operation("fetch", "GET", simple)
    assert chosen(api((post, get))) == "fetch"  # GET first
    # A flat model is simple enough; a nested one is not, even for a GET.
    assert chosen(api((operation("fetch", body=ref("Nested")), post), models)) == "create"
    assert chosen(api((operation("make", "POST", body=ref("Flat")), get), models)) == "fetch"
    # An answer to print beats none; the first in the document among equals.
    assert chosen(api((operation("ping", result=None), get))) == "fetch"
    assert chosen(api((operation("a", "POST"), operation("b", "POST")))) == "a"
    # An operation whose argument cannot be built is never chosen.
    loop = model("Loop", fld("next", ref("Loop")))
    assert chosen(api((operation("loop", body=ref("Loop")), post), (loop,))) == "create"
    assert chosen(api((operation("loop", body=ref("Loop")),), (loop,))) is None
    assert chosen(api()) is None


def test_the_search_that_stops_at_the_best_rank_chooses_as_the_full_one() -> None:
    # ``choose`` stops at the first operation with the best rank there is; the minimum
    # over every operation (the first among equals) must be the same one.
    compared = 0
    for case in corpus.cases():
        demo = samples.api_of(case.spellings[0])
        built = (example.arguments(demo, op, "pkg") for op in demo.operations)
        every = [c for c in built if c is not None]
        expected = min(every, key=lambda c: c.rank) if every else None
        assert example.choose(demo, "pkg") == expected, case.name
        compared += expected is not None
    assert compared >= 40


def test_optional_arguments_and_those_with_defaults_are_left_out() -> None:
    op = operation(
        "search",
        parameters=(
            param("q", STR),
            param("page", INT, required=False),
            param("version", STR, default="2024"),  # required, sent with its default
            param("limit", INT, limits=ir.Constraints(minimum=10, maximum=20)),
        ),
    )
    code = example.example(api((op,)), "pkg").code
    assert 'result = client.search(q="<q>", limit=10)\n    print(result)\n' in code


def test_an_operation_without_a_result_is_called_and_nothing_printed() -> None:
    code = example.example(api((operation("ping", result=None),)), "pkg").code
    assert code.endswith(") as client:\n    client.ping()\n")


def test_without_operations_the_client_is_constructed_and_closed() -> None:
    code = example.example(api(), "pkg").code
    assert code == (
        "from pkg import DemoClient\n\n"
        'with DemoClient(endpoint="https://<endpoint>") as client:\n'
        "    print(client)\n"
    )
    assert black_stable(code)


# -- the client --------------------------------------------------------------------------


ENDPOINT = "{endpoint}"
ACCOUNT = (variable("endpoint"), variable("account", encode=True))


@pytest.mark.parametrize(
    ("url", "variables", "expected"),
    [
        (ENDPOINT, None, 'endpoint="https://<endpoint>"'),
        ("{endpoint}/api", (variable("endpoint", "https://x.example"),), '"https://x.example"'),
        # A default the constructor would refuse (no scheme) is not shown.
        ("{endpoint}/api", (variable("endpoint", "x.example"),), '"https://<endpoint>"'),
        ("{scheme}://{region}.example.com", None, 'scheme="https", region="<region>"'),
        ("https://{region}.example.com", (variable("region", "westus"),), 'region="westus"'),
        ("{endpoint}/{account}", ACCOUNT, 'account="<account>"'),
        ("https://api.example.com/v1", (), "DemoClient() as"),
        ("http://api.example.com/v1", (), "DemoClient(allow_insecure_http=True)"),
        ("http://127.0.0.1:8080", (), "DemoClient() as"),
        (ENDPOINT, (variable("endpoint", "http://localhost"),), '"http://localhost") as'),
        (ENDPOINT, (variable("endpoint", "http://x.example"),), "allow_insecure_http=True"),
    ],
)
def test_server_values(
    url: str, variables: tuple[ir.ServerVariable, ...] | None, expected: str
) -> None:
    code = example.example(api(url=url, variables=variables), "pkg").code
    assert expected in code
    assert black_stable(code)


def key(wire: str = "X-Key", *, required: bool = True) -> ir.ApiKeyScheme:
    return ir.ApiKeyScheme(
        key="key", name=PythonIdentifier(wire.lower().replace("-", "_")), required=required,
        location=ir.KeyLocation.HEADER, wire_name=wire,
    )  # fmt: skip


def test_api_keys_and_required_client_parameters_are_passed() -> None:
    optional = key("X-Other", required=False)
    params = (
        param("tenant", STR),
        param("region", STR, required=False),
        param("api_version", STR, default="1"),
        param("shard", INT, limits=ir.Constraints(minimum=3)),
    )
    code = example.example(api(auth=(key(), optional), client_params=params), "pkg").code
    opening = code.split("\n\n", 1)[1].split(" as client:")[0]
    assert opening == (
        "with DemoClient(\n"
        '    endpoint="https://<endpoint>",\n'
        '    x_key="<x_key>",\n'
        '    tenant="<tenant>",\n'
        "    shard=3,\n"
        ")"
    )


def _scheme(kind: str, name: str) -> ir.SecurityScheme:
    """A required scheme of each kind the README passes a placeholder for."""
    ident = PythonIdentifier(name)
    match kind:
        case "bearer":
            return ir.HttpScheme(key=name, name=ident, scheme="Bearer", required=True)
        case "basic":
            return ir.BasicScheme(key=name, name=ident, required=True)
        case "client_credentials":
            url = "https://auth.example.com/token"
            flows = ("clientCredentials",)
            return ir.OAuth2Scheme(key=name, name=ident, flows=flows, token_url=url, required=True)
        case "implicit":
            return ir.OAuth2Scheme(key=name, name=ident, flows=("implicit",), required=True)
        case _:
            url = "https://auth.example.com/.well-known/openid-configuration"
            return ir.OpenIdConnectScheme(key=name, name=ident, url=url, required=True)


@pytest.mark.parametrize(
    ("kind", "shown"),
    [
        ("bearer", 'token="<token>"'),
        ("basic", 'token=("<username>", "<password>")'),
        (
            "client_credentials",
            'token=OAuth2ClientCredentials(client_id="<client_id>",'
            ' client_secret="<client_secret>")',
        ),
        ("implicit", 'token="<token>"'),
        ("oidc", 'token="<token>"'),
    ],
)
def test_required_credentials_get_a_placeholder_of_their_kind(kind: str, shown: str) -> None:
    code = example.example(api(auth=(_scheme(kind, "token"),)), "pkg").code
    assert shown in " ".join(code.split()).replace("( ", "(").replace(", )", ")"), code
    assert black_stable(code)
    if kind == "client_credentials":
        assert "from pkg import DemoClient, OAuth2ClientCredentials" in code


def test_a_plain_http_token_endpoint_needs_allow_insecure_http() -> None:
    scheme = _scheme("client_credentials", "token")
    plain = msgspec.structs.replace(scheme, token_url="http://auth.example.com/token")
    assert "allow_insecure_http" not in example.example(api(auth=(scheme,)), "pkg").code
    assert "allow_insecure_http=True" in example.example(api(auth=(plain,)), "pkg").code


# -- layout ------------------------------------------------------------------------------


def long_call(columns: int) -> list[str]:
    """``result = client.op(name="xxx")`` inside a block, ``columns`` wide on one line."""
    fixed = len('    result = client.op(name="")')
    return lay_out(
        "result = ", call("client.op", (), [("name", string("x" * (columns - fixed)))]), "", 1
    )


def test_one_line_up_to_88_columns_then_one_argument_per_line() -> None:
    (line,) = long_call(88)
    assert len("    " + line) == 88
    assert long_call(89) == ["result = client.op(", f'    name="{"x" * 58}",', ")"]
    for lines in (long_call(88), long_call(89)):
        assert black_stable("with C() as client:\n" + "".join(f"    {x}\n" for x in lines))


def test_nested_calls_split_only_where_they_do_not_fit() -> None:
    inner = call("Line", (), [("sku", string("s" * 50)), ("qty", "1")])
    outer = call(
        "client.op", (), [("order", call("Order", (), [("lines", display("[", [inner], "]"))]))]
    )
    lines = lay_out("result = ", outer, "", 1)
    assert lines == [
        "result = client.op(",
        "    order=Order(",
        "        lines=[",
        f'            Line(sku="{"s" * 50}", qty=1),',
        "        ],",
        "    ),",
        ")",
    ]


def test_long_imports_get_parentheses() -> None:
    names = {Import("pkg", f"Model{i:02}WithALongName") for i in range(6)}
    lines = example.import_lines({*names, Import("datetime"), Import("uuid")})
    assert lines[:4] == ["import datetime", "import uuid", "", "from pkg import ("]
    assert lines[4:] == [f"    Model{i:02}WithALongName," for i in range(6)] + [")"]
    assert black_stable("\n".join(lines) + "\n")
    assert example.import_lines({Import("pkg", "B"), Import("pkg", "A")}) == [
        "from pkg import A, B"
    ]


ATOMS = st.one_of(
    st.sampled_from(["1", "True", "None", "-3", "1e16", '"<x>"', 'b"<y>"', "Mode.FAST"]),
    st.text("abc '\"\\é中", max_size=50).map(string),
)
# Identifiers, never keywords: a keyword argument named ``if`` is no Python at all.
NAMES = st.from_regex(r"[a-z][a-z_]{0,20}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n)
)
EXPRESSIONS = st.recursive(
    ATOMS,
    lambda inner: st.one_of(
        st.builds(
            lambda f, kw: call(f, (), kw),
            st.sampled_from(["Order", "client.place_order", "datetime.date", "M"]),
            st.lists(st.tuples(NAMES, inner), max_size=5),
        ),
        st.builds(lambda items: display("[", items, "]"), st.lists(inner, max_size=3)),
    ),
    max_leaves=24,
)


@settings(max_examples=150, deadline=None)
@given(EXPRESSIONS, st.sampled_from(["result = ", ""]))
def test_layout_is_what_black_keeps(expr: Brackets | str, head: str) -> None:
    client = call("DemoClient", (), [("endpoint", expr)] if isinstance(expr, str) else [])
    opening = lay_out("with ", client, " as client:")
    body = lay_out(head, expr if isinstance(expr, Brackets) else call("f", [expr]), "", 1)
    code = "\n".join([*opening, *(f"    {line}" for line in body)]) + "\n"
    assert black_stable(code), code


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_strings_are_quoted_as_black_quotes_them(text: str) -> None:
    source = string(text)
    assert ast.literal_eval(source) == text
    assert black_stable(f"x = {source}\n")


@pytest.mark.parametrize("text", ["it's", 'say "hi"', "both ' and \"", "\\", "\\'", '"""', "\n"])
def test_strings_with_quotes(text: str) -> None:
    assert ast.literal_eval(string(text)) == text
    assert black_stable(f"x = {string(text)}\n")


# -- every package -----------------------------------------------------------------------

READMES = {c.name: c.expected / "README.md" for c in corpus.cases()}
READMES[GOLDEN_PACKAGE] = GOLDEN / "README.md"


def block(readme: Path) -> str:
    (code,) = re.findall(r"^```python\n(.*?)^```$", readme.read_text(encoding="utf-8"), re.M | re.S)
    return str(code)


@pytest.mark.parametrize("name", sorted(READMES))
def test_every_package_example_is_black_stable(name: str) -> None:
    code = block(READMES[name])
    assert black_stable(code), code
    assert all(len(line) <= 88 for line in code.splitlines())


def test_the_template_lays_out_what_example_makes() -> None:
    made = example.example(samples.api_of(SPEC), GOLDEN_PACKAGE).code
    assert block(GOLDEN / "README.md") == made
