"""build/untagged.py: which unions msgspec decodes alone, the facts that tell the others'
alternatives apart, the table their decoder reads, and the warnings where they overlap;
with the schema builder's handling of schemas that reach themselves."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from apiforge import build, ir, load
from apiforge.build import untagged
from apiforge.diagnostics import Diagnostic
from apiforge.names import ClassName, PythonIdentifier
from apiforge.render import emit, methods
from support.paths import SPECS

STR = ir.PrimitiveType(ir.Primitive.STR)
INT = ir.PrimitiveType(ir.Primitive.INT)
FLOAT = ir.PrimitiveType(ir.Primitive.FLOAT)
BOOL = ir.PrimitiveType(ir.Primitive.BOOL)
ANY = ir.PrimitiveType(ir.Primitive.ANY)
UUID = ir.PrimitiveType(ir.Primitive.UUID, "uuid")
DATE = ir.PrimitiveType(ir.Primitive.DATE, "date")
CAT = ir.ModelRef(ClassName("Cat"))
DOG = ir.ModelRef(ClassName("Dog"))
PET = ir.UnionRef(ClassName("Pet"))
SHAPE = ir.UntaggedRef(ClassName("Shape"))
COLOR = ir.EnumRef(ClassName("Color"))
LEVEL = ir.EnumRef(ClassName("Level"), integer=True)
OBJECT = ir.JsonKind.OBJECT


def literal(value: str | int | float | bool) -> ir.LiteralType:
    return ir.LiteralType(value)


def build_yaml(tmp_path: Path, text: str) -> tuple[ir.Api, list[Diagnostic]]:
    """The IR of an OpenAPI 3.1 document whose ``components/schemas`` are ``text``."""
    head = 'openapi: 3.1.0\ninfo: {title: T, version: "1"}\npaths: {}\ncomponents:\n  schemas:\n'
    spec = tmp_path / "spec.yaml"
    spec.write_text(head + textwrap.indent(textwrap.dedent(text), "    "), encoding="utf-8")
    return build.build(load.read(spec, display="spec.yaml"))


def table(api: ir.Api, name: str) -> ir.UntaggedUnion:
    (found,) = [u for u in api.untagged if u.name == name]
    return found


# -- what msgspec decodes by itself -----------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        (STR, INT),
        (STR, INT, FLOAT, BOOL),
        (literal("a"), literal("b")),
        (literal("a"), STR),  # literals join a plain str
        (literal(1), INT),
        (literal(True), BOOL),
        (CAT, ir.ArrayType(DOG), STR),  # one of each kind
        (ir.MapType(INT), STR),
        (ANY, STR),
        (ir.ScalarUnion((STR, INT)), FLOAT),
        (ir.PrimitiveType(ir.Primitive.FLOAT, "float"), ir.PrimitiveType(ir.Primitive.FLOAT)),
    ],
)
def test_unions_msgspec_decodes_alone_stay_annotations(options: tuple[ir.TypeRef, ...]) -> None:
    assert untagged.native(options)


@pytest.mark.parametrize(
    "options",
    [
        (CAT, DOG),  # two untagged Structs
        (CAT, ir.MapType(STR)),  # a Struct and a dict
        (ir.ArrayType(CAT), ir.ArrayType(DOG)),
        (STR, UUID),  # two str-like types
        (DATE, ir.PrimitiveType(ir.Primitive.DATETIME)),
        (COLOR, STR),  # an enum beside another str-like type
        (COLOR, literal("x")),
        (LEVEL, INT),
        (PET, STR),  # a union marker among others
        (SHAPE, INT),
        (ANY, CAT),  # Any would swallow the model
        (COLOR, STR, ANY),  # msgspec refuses two str-like types beside Any too (gsmtasks.com)
        (ir.ScalarUnion((STR, INT)), UUID),
    ],
)
def test_unions_msgspec_cannot_decode_are_untagged(options: tuple[ir.TypeRef, ...]) -> None:
    assert not untagged.native(options)


@pytest.mark.parametrize(
    ("t", "kind"),
    [
        (STR, ir.JsonKind.STRING),
        (UUID, ir.JsonKind.STRING),
        (ir.PrimitiveType(ir.Primitive.BYTES, "byte"), ir.JsonKind.STRING),
        (INT, ir.JsonKind.INTEGER),
        (FLOAT, ir.JsonKind.NUMBER),
        (BOOL, ir.JsonKind.BOOLEAN),
        (ANY, ir.JsonKind.ANY),
        (literal(True), ir.JsonKind.BOOLEAN),
        (literal(2), ir.JsonKind.INTEGER),
        (literal(2.5), ir.JsonKind.NUMBER),
        (literal("x"), ir.JsonKind.STRING),
        (COLOR, ir.JsonKind.STRING),
        (LEVEL, ir.JsonKind.INTEGER),
        (ir.ArrayType(CAT), ir.JsonKind.ARRAY),
        (ir.MapType(CAT), OBJECT),
        (CAT, OBJECT),
        (PET, OBJECT),
    ],
)
def test_json_kind_of_each_type(t: ir.TypeRef, kind: ir.JsonKind) -> None:
    assert untagged.kind_of(t) is kind


# -- facts ------------------------------------------------------------------------------------


def test_object_facts_are_required_const_declared_and_closed(tmp_path: Path) -> None:
    api, warnings = build_yaml(
        tmp_path,
        """
        Shape:
          oneOf: [{$ref: "#/components/schemas/Circle"}, {$ref: "#/components/schemas/Box"}]
        Base:
          type: object
          required: [id]
          properties: {id: {type: string}}
        Circle:
          allOf:
            - $ref: "#/components/schemas/Base"
            - type: object
              required: [kind]
              properties:
                kind: {const: circle}
                radius: {type: number}
        Box:
          type: object
          additionalProperties: false
          required: [kind]
          properties:
            kind: {enum: [box]}
            side: {type: number}
        """,
    )
    assert warnings == []
    circle, box = table(api, "Shape").alternatives
    # The base's fields count: an object of Circle carries them too.
    assert (circle.required, circle.keys) == (("id", "kind"), ("id", "kind", "radius"))
    assert (circle.consts, circle.closed) == ((("kind", "circle"),), False)
    # A single-value enum fixes the value as a const does; closed: no other keys.
    assert (box.required, box.consts, box.keys, box.closed) == (
        ("kind",),
        (("kind", "box"),),
        ("kind", "side"),
        True,
    )


def test_facts_are_kept_only_where_another_alternative_shares_the_kind(tmp_path: Path) -> None:
    api, warnings = build_yaml(
        tmp_path,
        """
        Value:
          oneOf:
            - {$ref: "#/components/schemas/Cat"}
            - {type: array, items: {$ref: "#/components/schemas/Cat"}}
            - {type: string, enum: [a, b]}
            - {type: string, format: uuid}
        Cat:
          type: object
          required: [name]
          properties: {name: {type: string}}
        """,
    )
    assert warnings == []
    cat, cats, letters, uuid = table(api, "Value").alternatives
    # The only object and the only array need nothing but their kind.
    assert cat == ir.Alternative(CAT, OBJECT)
    assert cats == ir.Alternative(ir.ArrayType(CAT), ir.JsonKind.ARRAY)
    # Two strings: the enum lists its values, so only they go to it.
    assert letters.values == ("a", "b") and uuid.values == ()


def test_anything_goes_keeps_every_fact(tmp_path: Path) -> None:
    api, _ = build_yaml(
        tmp_path,
        """
        Loose:
          anyOf:
            - {$ref: "#/components/schemas/Cat"}
            - {}
        Cat:
          type: object
          required: [name]
          properties: {name: {type: string}}
        """,
    )
    cat, anything = table(api, "Loose").alternatives
    assert cat.required == ("name",)  # else an object without a name fails instead of Any
    assert anything == ir.Alternative(ANY, ir.JsonKind.ANY)


def test_nested_untagged_unions_are_spelt_out_and_tagged_ones_are_not(tmp_path: Path) -> None:
    api, warnings = build_yaml(
        tmp_path,
        """
        Outer:
          oneOf:
            - {$ref: "#/components/schemas/Inner"}
            - {$ref: "#/components/schemas/Pet"}
            - {type: string}
        Inner:
          oneOf:
            - {$ref: "#/components/schemas/Leaf"}
            - {$ref: "#/components/schemas/Twig"}
            - {type: integer}
        Pet:
          oneOf: [{$ref: "#/components/schemas/Cat"}, {$ref: "#/components/schemas/Dog"}]
          discriminator: {propertyName: petType}
        Leaf: {type: object, required: [leaf], properties: {leaf: {type: string}}}
        Twig: {type: object, required: [twig], properties: {twig: {type: string}}}
        Cat: {type: object, required: [petType], properties: {petType: {type: string}}}
        Dog:
          type: object
          required: [petType]
          properties: {petType: {type: string}, barks: {type: boolean}}
        """,
    )
    assert warnings == []
    outer = table(api, "Outer")
    assert outer.options == (ir.UntaggedRef(ClassName("Inner")), PET, STR)
    assert [a.type for a in outer.alternatives] == [
        ir.ModelRef(ClassName("Leaf")),
        ir.ModelRef(ClassName("Twig")),
        INT,
        PET,
        STR,
    ]
    pet = outer.alternatives[3]
    # A tagged union needs its tag, and may carry what any of its variants declares.
    assert (pet.required, pet.keys) == (("petType",), ("petType", "barks"))
    assert emit.untagged_alias(outer) == '"Inner" | Pet | str'


def test_repeated_alternatives_are_one(tmp_path: Path) -> None:
    api, _ = build_yaml(
        tmp_path,
        """
        Twice:
          oneOf:
            - {$ref: "#/components/schemas/Cat"}
            - {$ref: "#/components/schemas/Cat"}
            - {$ref: "#/components/schemas/Dog"}
        Once:
          oneOf: [{$ref: "#/components/schemas/Cat"}, {$ref: "#/components/schemas/Cat"}]
        Holder:
          type: object
          properties: {once: {$ref: "#/components/schemas/Once"}}
        Cat: {type: object, required: [a], properties: {a: {type: string}}}
        Dog: {type: object, required: [b], properties: {b: {type: string}}}
        """,
    )
    assert table(api, "Twice").options == (CAT, DOG)
    (holder,) = [m for m in api.models if m.name == "Holder"]
    assert emit.annotation(holder.fields[0].type) == "Cat"  # msgspec decodes it alone


# -- overlaps ---------------------------------------------------------------------------------


def test_overlapping_objects_warn_where_the_union_is(tmp_path: Path) -> None:
    _, warnings = build_yaml(
        tmp_path,
        """
        Label:
          anyOf:
            - $ref: "#/components/schemas/Color"
            - $ref: "#/components/schemas/Priority"
        Color:
          type: object
          required: [name]
          properties: {name: {type: string}, color: {type: string}}
        Priority:
          type: object
          required: [name]
          properties: {name: {type: string}, priority: {type: integer}}
        """,
    )
    (warning,) = warnings
    assert warning.format() == (
        "spec.yaml:9:9: warning: 'anyOf' alternatives Color and Priority cannot always be"
        " told apart: an object with only name fits both and decodes as Color, the first"
        " listed; to tell them apart, require a property only one of them declares"
        " (Color: color; Priority: priority) or give name a different const in each"
        " (at #/components/schemas/Label/anyOf)"
    )


@pytest.mark.parametrize(
    ("circle", "square", "witness"),
    [
        ("{r: {type: number}}", "{s: {type: number}}", "an object with no properties fits"),
        (
            "{id: {type: string}, r: {type: number}}",
            "{id: {type: string}}",
            "an object with no other properties than id fits",
        ),
        # consts on properties neither requires: an object without them fits both
        (
            "{kind: {const: c}, r: {type: number}}",
            "{kind: {const: s}}",
            "no other properties than kind fits both",
        ),
    ],
)
def test_what_fits_both_is_named(tmp_path: Path, circle: str, square: str, witness: str) -> None:
    _, warnings = build_yaml(
        tmp_path,
        f"""
        Shape:
          oneOf: [{{$ref: "#/components/schemas/C"}}, {{$ref: "#/components/schemas/S"}}]
        C: {{type: object, properties: {circle}}}
        S: {{type: object, properties: {square}}}
        """,
    )
    (warning,) = warnings
    assert witness in warning.message
    assert warning.location.pointer == "/components/schemas/Shape/oneOf"


@pytest.mark.parametrize(
    ("c", "s"),
    [
        # a required property the other does not declare, each way
        ("{required: [r], properties: {r: {}}}", "{required: [s], properties: {s: {}}}"),
        # one required property, undeclared by the other, is enough: the other's objects
        # lack it and its own declare more of their keys
        ("{required: [r], properties: {r: {}, x: {}}}", "{properties: {x: {}}}"),
        # a const on a property one of them requires
        (
            "{required: [k], properties: {k: {const: c}}}",
            "{properties: {k: {const: s}}}",
        ),
        # a single-value enum does the same
        (
            "{required: [k], properties: {k: {enum: [c]}}}",
            "{required: [k], properties: {k: {enum: [s]}}}",
        ),
    ],
)
def test_alternatives_told_apart_give_no_warning(tmp_path: Path, c: str, s: str) -> None:
    _, warnings = build_yaml(
        tmp_path,
        f"""
        Shape:
          oneOf: [{{$ref: "#/components/schemas/C"}}, {{$ref: "#/components/schemas/S"}}]
        C: {{type: object, {c[1:-1]}}}
        S: {{type: object, {s[1:-1]}}}
        """,
    )
    assert [w.message for w in warnings] == []


def test_scalar_overlaps_warn(tmp_path: Path) -> None:
    _, warnings = build_yaml(
        tmp_path,
        """
        Shadowed:
          oneOf: [{type: string}, {type: string, format: uuid}]
        Shared:
          oneOf: [{enum: [a, b, c]}, {enum: [c, b, d]}]
        Fine:
          oneOf: [{type: string, format: uuid}, {type: string}, {enum: [x]}]
        Lists:
          oneOf:
            - {type: array, items: {type: string}}
            - {type: array, items: {type: integer}}
            - {type: object, properties: {a: {type: string}}}
            - {type: object, additionalProperties: {type: integer}}
        """,
    )
    messages = {w.location.pointer.split("/")[3]: w.message for w in warnings}
    assert messages.pop("Shadowed").endswith(
        "every string fits string, listed first, so string (uuid) is never chosen;"
        " list string (uuid) first"
    )
    assert messages.pop("Shared").endswith(
        'the values "b", "c" fit both and decode as SharedOption0, the first listed'
    )
    # Arrays of different item kinds are told apart; the object and the map are not.
    assert messages.pop("Lists").startswith(
        "'oneOf' alternatives ListsOption2 and map of integer cannot always be told apart"
    )
    assert messages == {}


def test_arrays_whose_items_may_fit_both_warn(tmp_path: Path) -> None:
    _, warnings = build_yaml(
        tmp_path,
        """
        Rows:
          oneOf:
            - {type: array, items: {type: string, format: date}}
            - {type: array, items: {type: string}}
        """,
    )
    (warning,) = warnings
    assert warning.message.endswith(
        "an array whose items fit both decodes as array of string (date), the first listed"
    )


# -- recursion --------------------------------------------------------------------------------


def test_json_value_holds_itself(tmp_path: Path) -> None:
    api, warnings = build_yaml(
        tmp_path,
        """
        JsonValue:
          oneOf:
            - {type: string}
            - {type: number}
            - {type: boolean}
            - {type: array, items: {$ref: '#/components/schemas/JsonValue'}}
            - {type: object, additionalProperties: {$ref: '#/components/schemas/JsonValue'}}
        """,
    )
    assert warnings == []
    me = ir.UntaggedRef(ClassName("JsonValue"))
    union = table(api, "JsonValue")
    assert union.options == (STR, FLOAT, BOOL, ir.ArrayType(me), ir.MapType(me))
    assert [a.kind.value for a in union.alternatives] == [
        "string",
        "number",
        "boolean",
        "array",
        "object",
    ]
    assert emit.untagged_alias(union) == (
        'str | float | bool | list["JsonValue"] | dict[str, "JsonValue"]'
    )


def test_arrays_maps_and_aliases_of_themselves_are_named(tmp_path: Path) -> None:
    api, _ = build_yaml(
        tmp_path,
        """
        Nesting: {type: array, items: {$ref: '#/components/schemas/Nesting'}}
        Tree: {type: object, additionalProperties: {$ref: '#/components/schemas/Tree'}}
        Alias: {allOf: [{$ref: '#/components/schemas/Listing'}]}
        Listing: {type: array, items: {$ref: '#/components/schemas/Alias'}}
        """,
    )
    nesting, tree, alias = api.untagged
    assert nesting.options == (ir.ArrayType(ir.UntaggedRef(ClassName("Nesting"))),)
    assert tree.options == (ir.MapType(ir.UntaggedRef(ClassName("Tree"))),)
    assert alias.name == "Alias" and alias.options == (ir.ArrayType(ir.UntaggedRef(alias.name)),)
    assert [a.kind for a in nesting.alternatives] == [ir.JsonKind.ARRAY]


def test_a_union_natively_decodable_but_holding_itself_is_named(tmp_path: Path) -> None:
    api, _ = build_yaml(
        tmp_path,
        """
        Expr:
          oneOf:
            - {type: number}
            - type: object
              properties:
                args: {type: array, items: {$ref: '#/components/schemas/Expr'}}
        """,
    )
    (expr,) = api.untagged
    (model,) = api.models
    assert expr.options == (FLOAT, ir.ModelRef(model.name))
    assert model.fields[0].type == ir.ArrayType(ir.UntaggedRef(ClassName("Expr")))


def test_a_union_listing_itself_leaves_itself_out(tmp_path: Path) -> None:
    api, _ = build_yaml(
        tmp_path,
        """
        Z:
          anyOf: [{$ref: '#/components/schemas/Z'}, {type: string}, {type: integer}]
        """,
    )
    (z,) = api.untagged
    assert z.options == (STR, INT)  # mypy refuses an alias that is a member of itself


def test_all_of_child_its_base_refers_to_is_one_model(tmp_path: Path) -> None:
    api, _ = build_yaml(
        tmp_path,
        """
        Child:
          allOf:
            - $ref: '#/components/schemas/Base'
            - {type: object, properties: {size: {type: integer}}}
        Base:
          type: object
          properties:
            children: {type: array, items: {$ref: '#/components/schemas/Child'}}
        """,
    )
    assert [(m.name, m.base) for m in api.models] == [("Base", None), ("Child", "Base")]
    assert api.untagged == ()


def test_an_inheritance_cycle_does_not_recurse_forever(tmp_path: Path) -> None:
    api, _ = build_yaml(
        tmp_path,
        """
        A:
          allOf:
            - $ref: '#/components/schemas/B'
            - {type: object, properties: {a: {type: string}}}
        B:
          allOf:
            - $ref: '#/components/schemas/A'
            - {type: object, properties: {b: {type: string}}}
        """,
    )
    assert sorted(m.name for m in api.models) == ["A", "B"]


# -- what the templates print -----------------------------------------------------------------


def test_table_rows_carry_only_the_facts_they_have() -> None:
    row = ir.Alternative(
        CAT,
        OBJECT,
        required=("name",),
        consts=(("kind", "cat"), ("lives", 9)),
        keys=("name", "kind", "lives"),
        closed=True,
    )
    # Spec text only as quote.literal writes it (black turns the quotes double later).
    assert emit.alternative(row) == (
        "_unions.Alternative('object', Cat, required=('name',), consts={'kind': 'cat',"
        " 'lives': 9}, keys=('name', 'kind', 'lives'), closed=True)"
    )
    assert emit.alternative(ir.Alternative(COLOR, ir.JsonKind.STRING, values=("a'b",))) == (
        "_unions.Alternative('string', Color, values=(\"a'b\",))"
    )
    assert emit.alternative(ir.Alternative(ir.ArrayType(SHAPE), ir.JsonKind.ARRAY)) == (
        "_unions.Alternative('array', list[Shape])"
    )


def test_untagged_decoders_are_annotated_not_cast() -> None:
    response = ir.Response("200", "", ("application/json",), SHAPE)
    name = PythonIdentifier("get_shape")
    op = ir.Operation("getShape", name, "GET", "/s", "", "", (), (response,), (), "/p")
    hook = ", dec_hook=_unions.decode"
    assert methods.decoder_declarations(op, hook) == [
        "_GET_SHAPE_0: msgspec.json.Decoder[Shape] = msgspec.json.Decoder(Shape, dec_hook="
        "_unions.decode)"
    ]
    assert not methods.uses_cast(op)


def test_every_union_construct_builds_without_refusal() -> None:
    for folder in sorted(SPECS.glob("union-*")):
        for spec in sorted(folder.glob("openapi-*.yaml")):
            api, _ = build.build(load.read(spec, display=spec.name))
            assert api.untagged, spec
