"""Python source fragments built from IR nodes: annotations, defaults, encoders, checks.

Templates call these instead of assembling code from strings themselves. Text from the
spec (wire names, defaults, media types) enters these fragments only as ``quote.literal``;
identifiers come from ``names``.
"""

from __future__ import annotations

from typing import Literal, assert_never

from .. import ir, urlpath
from .quote import literal


def _primitive_annotation(kind: ir.Primitive) -> str:
    """The annotation of a scalar; ``imports.for_type`` imports what it names."""
    match kind:
        case ir.Primitive.STR:
            return "str"
        case ir.Primitive.INT:
            return "int"
        case ir.Primitive.FLOAT:
            return "float"
        case ir.Primitive.BOOL:
            return "bool"
        case ir.Primitive.UUID:
            return "uuid.UUID"
        case ir.Primitive.DATETIME:
            return "datetime.datetime"
        case ir.Primitive.DATE:
            return "datetime.date"
        case ir.Primitive.BYTES:
            return "bytes"
        case ir.Primitive.ANY:
            return "Any"
        case _:
            assert_never(kind)


def annotation(t: ir.TypeRef, *, quote_untagged: bool = False) -> str:
    """The annotation of a decoded value of type ``t``; ``quote_untagged`` writes the
    names of untagged unions as strings (their aliases may name later ones, or
    themselves)."""
    match t:
        case ir.PrimitiveType():
            return _primitive_annotation(t.kind)
        case ir.ArrayType():
            item = annotation(t.item, quote_untagged=quote_untagged)
            return f"list[{item}{' | None' if t.item_nullable else ''}]"
        case ir.MapType():
            value = annotation(t.value, quote_untagged=quote_untagged)
            return f"dict[str, {value}{' | None' if t.value_nullable else ''}]"
        case ir.TupleType():
            items = ", ".join(annotation(i, quote_untagged=quote_untagged) for i in t.items)
            return f"tuple[{items or '()'}]"
        case ir.LiteralType():
            return f"Literal[{literal(t.value)}]"
        case ir.ScalarUnion():
            options = (annotation(o, quote_untagged=quote_untagged) for o in t.options)
            return " | ".join(dict.fromkeys(options))
        case ir.UntaggedRef():
            return f'"{t.name}"' if quote_untagged else t.name
        case ir.ModelRef() | ir.EnumRef() | ir.UnionRef():
            return t.name
        case _:
            assert_never(t)


def untagged_alias(u: ir.UntaggedUnion) -> str:
    """The right-hand side of an untagged union's type alias: the union of its options."""
    return " | ".join(dict.fromkeys(annotation(o, quote_untagged=True) for o in u.options))


def _strings(values: tuple[ir.Scalar, ...]) -> str:
    """A tuple of literals, written as Python does (one item takes a comma)."""
    items = ", ".join(literal(v) for v in values)
    return f"({items},)" if len(values) == 1 else f"({items})"


def alternative(a: ir.Alternative) -> str:
    """One row of an untagged union's table: ``_unions.Alternative(kind, type, facts)``."""
    args = [literal(a.kind.value), annotation(a.type)]
    if a.required:
        args.append(f"required={_strings(a.required)}")
    if a.consts:
        consts = ", ".join(f"{literal(wire)}: {literal(value)}" for wire, value in a.consts)
        args.append(f"consts={{{consts}}}")
    if a.keys:
        args.append(f"keys={_strings(a.keys)}")
    if a.closed:
        args.append("closed=True")
    if a.values:
        args.append(f"values={_strings(a.values)}")
    return f"_unions.Alternative({', '.join(args)})"


def unset(f: ir.Field, sent: bool) -> bool:
    """Whether a field of a model sent in request bodies tells "not set" (``UNSET``, left
    out of the body) from ``None`` (sent as ``null``): an optional, writable field whose
    schema allows null and gives no default."""
    return sent and f.nullable and not (f.required or f.read_only) and f.default is None


def field_annotation(f: ir.Field, sent: bool = False) -> str:
    """A model field's annotation: optional unless required and not nullable."""
    base = annotation(f.type)
    defaulted = f.default is not None and keeps_default(f.type)
    optional = f.nullable or (not f.required and not defaulted)
    if unset(f, sent):
        return f"{base} | msgspec.UnsetType | None"
    return f"{base} | None" if optional else base


def default_value(t: ir.TypeRef, value: ir.Scalar) -> str:
    """A spec default as a Python expression of the field's type."""
    match t:
        case ir.EnumRef():
            return f"{t.name}({literal(value)})"
        case ir.PrimitiveType(kind=ir.Primitive.FLOAT) if isinstance(value, int):
            return literal(float(value))
        case (
            ir.PrimitiveType()
            | ir.ArrayType()
            | ir.TupleType()
            | ir.MapType()
            | ir.LiteralType()
            | ir.ScalarUnion()
            | ir.ModelRef()
            | ir.UnionRef()
            | ir.UntaggedRef()
        ):
            return literal(value)
        case _:
            assert_never(t)


def keeps_default(t: ir.TypeRef) -> bool:
    """Whether a field or argument of type ``t`` declares the spec's default, not None."""
    match t:
        case ir.PrimitiveType():
            return t.literal_default
        case ir.EnumRef() | ir.LiteralType():
            return True
        case (
            ir.ArrayType()
            | ir.TupleType()
            | ir.MapType()
            | ir.ScalarUnion()
            | ir.ModelRef()
            | ir.UnionRef()
            | ir.UntaggedRef()
        ):
            return False
        case _:
            assert_never(t)


def field_default(f: ir.Field, sent: bool = False) -> str:
    """The right-hand side of a field declaration, or '' for a required field."""
    if f.default is not None and keeps_default(f.type):
        value = default_value(f.type, f.default)
    elif unset(f, sent):
        value = "msgspec.UNSET"
    elif f.required:
        value = ""
    else:
        value = "None"
    if f.wire_name == f.name:
        return value
    if not value:
        return f"msgspec.field(name={literal(f.wire_name)})"
    return f"msgspec.field(default={value}, name={literal(f.wire_name)})"


def input_annotation(t: ir.TypeRef) -> str:
    """What a method argument of type ``t`` accepts: strings too, for ids and enums."""
    match t:
        case ir.PrimitiveType(kind=ir.Primitive.UUID):
            return "uuid.UUID | str"
        case ir.PrimitiveType(kind=ir.Primitive.BYTES):
            return "bytes | BinaryIO"
        case ir.EnumRef():
            return f"{t.name} | {'int' if t.integer else 'str'}"
        case ir.ArrayType():
            return f"Sequence[{input_annotation(t.item)}{' | None' if t.item_nullable else ''}]"
        case ir.MapType():
            value = input_annotation(t.value)
            return f"Mapping[str, {value}{' | None' if t.value_nullable else ''}]"
        case (
            ir.PrimitiveType()
            | ir.TupleType()
            | ir.LiteralType()
            | ir.ScalarUnion()
            | ir.ModelRef()
            | ir.UnionRef()
            | ir.UntaggedRef()
        ):
            return annotation(t)
        case _:
            assert_never(t)


def param_signature(p: ir.Parameter) -> str:
    """``name: type = default`` for a method signature."""
    hint = input_annotation(p.type)
    if p.default is not None:
        return f"{p.name}: {hint} = {literal(p.default)}"
    if p.required:
        return f"{p.name}: {hint}"
    return f"{p.name}: {hint} | None = None"


def always_sent(p: ir.Parameter) -> bool:
    """Required parameters and those with a default can never be None."""
    return p.required or p.default is not None


Shape = Literal["scalar", "structured", "either"]


def shape(t: ir.TypeRef) -> Shape:
    """Whether values of ``t`` are JSON objects or arrays, scalars, or either (known only
    at run time): text fields and query values are written differently for each."""
    match t:
        case ir.ArrayType() | ir.TupleType() | ir.MapType() | ir.ModelRef() | ir.UnionRef():
            return "structured"
        case ir.PrimitiveType(kind=ir.Primitive.ANY) | ir.UntaggedRef():
            return "either"
        case ir.PrimitiveType() | ir.LiteralType() | ir.EnumRef():
            return "scalar"
        case ir.ScalarUnion(options=options):
            return "scalar" if all(shape(o) == "scalar" for o in options) else "either"
        case _:
            assert_never(t)


def item_text(t: ir.TypeRef, name: str) -> str:
    """The wire text of ``item``, a list's item of type ``t``: its encoding when it is a
    scalar, else JSON or text as the value turns out (``value_text``)."""
    return encode(t, "item", name) if shape(t) == "scalar" else "_runtime.value_text(item)"


def encode(t: ir.TypeRef, expr: str, name: str) -> str:
    """An expression turning argument value ``expr`` into its wire text."""
    match t:
        case ir.PrimitiveType(kind=ir.Primitive.UUID):
            return f"_runtime.uuid_text({literal(name)}, {expr})"
        case ir.EnumRef():
            return f"_runtime.text({t.name}({expr}))"
        case (
            ir.PrimitiveType()
            | ir.ArrayType()
            | ir.TupleType()
            | ir.MapType()
            | ir.LiteralType()
            | ir.ScalarUnion()
            | ir.ModelRef()
            | ir.UnionRef()
            | ir.UntaggedRef()
        ):
            return f"_runtime.text({expr})"
        case _:
            assert_never(t)


def path_expression(op: ir.Operation) -> str:
    """The request path as a concatenation of literals and percent-encoded arguments."""
    by_wire = {p.wire_name: p for p in op.parameters if p.location is ir.ParamLocation.PATH}
    parts: list[str] = []
    rest = urlpath.partition(op.path, "#")[0]  # a fragment is never sent (build warns of it)
    while "{" in rest and "}" in rest.split("{", 1)[1]:
        head, tail = rest.split("{", 1)
        wire, rest = tail.split("}", 1)
        if head:
            parts.append(literal(head))
        p = by_wire[wire]
        # x-ms-skip-url-encoding: the value is a path fragment the caller already encoded.
        parts.append(encode(p.type, p.name, p.name) if p.skip_encoding else _path_value(p))
    if rest:
        parts.append(literal(rest))
    return " + ".join(parts) or literal("")


def _path_value(p: ir.Parameter) -> str:
    """A path parameter's percent-encoded text. An array is OpenAPI's simple style,
    ``a,b``: each item encoded by itself, so the commas stay separators."""
    t = p.type
    if isinstance(t, ir.ArrayType) and shape(t.item) == "scalar":
        item = f"_runtime.path_segment({item_text(t.item, p.name)})"
        return f'",".join({item} for item in {p.name})'
    if isinstance(t, ir.ArrayType):  # of objects: as in a query, one JSON text
        return f"_runtime.path_segment(_runtime.json_text({p.name}))"
    if isinstance(t, ir.ModelRef | ir.MapType):
        return f"_runtime.path_object({p.name}, {p.explode}, {literal(p.name)})"
    if isinstance(t, ir.PrimitiveType) and t.kind is ir.Primitive.UUID:
        return f"_runtime.path_segment({encode(t, p.name, p.name)})"  # never empty
    return f"_runtime.path_segment({encode(t, p.name, p.name)}, {literal(p.name)})"


def check_calls(p: ir.Parameter) -> list[str]:
    """Statements validating ``p`` against its spec limits before anything is sent."""
    c = p.constraints
    calls = []
    if c.minimum is not None or c.maximum is not None:
        check = (
            f"_runtime.check_range({literal(p.name)}, {p.name}, "
            f"{literal(c.minimum)}, {literal(c.maximum)})"
        )
        # An optional number left out is None: nothing to check, nothing is sent.
        calls += [check] if always_sent(p) else [f"if {p.name} is not None:", f"    {check}"]
    # A required array is sent as name=a,b: with no items there is nothing to send.
    min_items = (
        max(c.min_items or 0, 1) if p.required and isinstance(p.type, ir.ArrayType) else c.min_items
    )
    if c.max_items is not None or min_items:
        calls.append(
            f"_runtime.check_items({literal(p.name)}, {p.name}, "
            f"{literal(min_items)}, {literal(c.max_items)})"
        )
    return calls


def send_statements(p: ir.Parameter) -> list[str]:
    """Statements adding query or header parameter ``p`` to the request being built.

    The builder's locals start with an underscore, which no parameter name does.
    """
    t = p.type
    if p.json:  # the whole value as JSON text, whatever its type
        body = [_add(p, f"msgspec.json.encode(_runtime.to_wire({p.name})).decode()")]
        guard = "" if always_sent(p) else f"if {p.name} is not None:"
        return [guard, *("    " + line for line in body)] if guard else body
    match t:
        case ir.ArrayType():
            body = _send_array(p, t)
            # An empty optional list filters nothing, exactly like leaving the argument out;
            # a required one must have items (check_calls refuses an empty one).
            guard = "" if p.required else f"if {p.name}:"
        case ir.TupleType():  # its items, joined like a list's
            separator = literal(ir.SEPARATORS.get(p.style, ","))
            body = [_add(p, f"{separator}.join(_runtime.text(item) for item in {p.name})")]
            guard = "" if always_sent(p) else f"if {p.name} is not None:"
        case ir.MapType() | ir.ModelRef():
            body = _send_object(p)
            guard = "" if always_sent(p) else f"if {p.name} is not None:"
        case ir.UnionRef() | ir.UntaggedRef() | ir.ScalarUnion() if p.style == "deepObject":
            # Which kind arrives is known only then (Stripe: created[gt]=1 or created=1).
            body = [f"_query.extend(_runtime.deep_value({literal(p.wire_name)}, {p.name}))"]
            guard = "" if always_sent(p) else f"if {p.name} is not None:"
        case ir.UnionRef() | ir.UntaggedRef() | ir.ScalarUnion() if shape(t) != "scalar":
            body = _send_union(p)
            guard = "" if always_sent(p) else f"if {p.name} is not None:"
        case (
            ir.PrimitiveType()
            | ir.LiteralType()
            | ir.ScalarUnion()
            | ir.EnumRef()
            | ir.UnionRef()
            | ir.UntaggedRef()
        ):
            body = [_add(p, encode(t, p.name, p.name))]
            guard = "" if always_sent(p) else f"if {p.name} is not None:"
        case _:
            assert_never(t)
    if not guard:
        return body
    return [guard, *("    " + line for line in body)]


def _send_array(p: ir.Parameter, t: ir.ArrayType) -> list[str]:
    """An array parameter: one pair per item when exploded, else one joined value; an
    array of objects (which OpenAPI leaves undefined) as one JSON text, as Box reads it."""
    if shape(t.item) == "structured" and p.style == "deepObject":  # name[0][key]=value
        return [f"_query.extend(_runtime.deep_items({literal(p.wire_name)}, {p.name}))"]
    if shape(t.item) == "structured":
        return [_add(p, f"_runtime.json_text({p.name})")]
    item = item_text(t.item, p.name)
    if p.style == "deepObject":  # Stripe's spelling of a list: name[]=a&name[]=b
        return [f"_query.extend(({literal(p.wire_name + '[]')}, {item}) for item in {p.name})"]
    if p.explode and p.location is ir.ParamLocation.QUERY:
        return [f"_query.extend(({literal(p.wire_name)}, {item}) for item in {p.name})"]
    separator = literal(ir.SEPARATORS.get(p.style, ","))
    return [_add(p, f"{separator}.join({item} for item in {p.name})")]


def _send_union(p: ir.Parameter) -> list[str]:
    """A union that may hold a list or an object (here.com's ``eventSource``: one value or
    a list of them): the style's spelling of whichever kind the call gives."""
    if p.location is ir.ParamLocation.QUERY:
        separator = literal(ir.SEPARATORS.get(p.style, ","))
        pairs = f"{literal(p.wire_name)}, {p.name}, {p.explode}, {separator}"
        return [f"_query.extend(_runtime.form_pairs({pairs}))"]
    return [_add(p, f"_runtime.simple_text({p.name})")]


def _send_object(p: ir.Parameter) -> list[str]:
    """An object parameter: deepObject pairs, one pair per key when exploded, or one value."""
    if p.style == "deepObject":
        return [f"_query.extend(_runtime.deep_object({literal(p.wire_name)}, {p.name}))"]
    if p.explode and p.location is ir.ParamLocation.QUERY:
        return [f"_query.extend(_runtime.object_pairs({p.name}))"]
    return [_add(p, f"_runtime.object_text({p.name})")]


def _add(p: ir.Parameter, expr: str) -> str:
    """One statement storing ``expr`` under the parameter's wire name."""
    match p.location:
        case ir.ParamLocation.HEADER:
            return f"_headers[{literal(p.wire_name)}] = {expr}"
        case ir.ParamLocation.QUERY:
            return f"_query.append(({literal(p.wire_name)}, {expr}))"
        case ir.ParamLocation.COOKIE:
            # Percent-encoded, as OpenAPI's form style asks: a valid cookie-octet (RFC 6265).
            return f"_cookies.append(({literal(p.wire_name)}, _runtime.path_segment({expr})))"
        case ir.ParamLocation.PATH:
            # Path parameters are part of the URL (path_expression), never sent separately.
            raise ValueError(f"path parameter {p.wire_name!r} is not a query or header value")
        case _:
            assert_never(p.location)


def enum_base(e: ir.Enum) -> str:
    """The base class of a generated enum: open ones keep unknown values."""
    if e.open:
        return "ApiIntEnum" if e.is_int else "ApiEnum"
    return "enum.IntEnum" if e.is_int else "enum.StrEnum"
