"""Python source for the generated methods: arguments and signatures, request bodies,
and the branches that turn a response into a return value.

Like ``emit``, these build code in Python, where it can be unit-tested, so that the
templates only lay it out.
"""

from __future__ import annotations

from typing import assert_never

from msgspec import Struct
from msgspec.structs import replace

from .. import ir
from .emit import (
    annotation,
    default_value,
    encode,
    input_annotation,
    item_text,
    shape,
)
from .quote import literal


class Argument(Struct, frozen=True):
    """One argument of a generated method, as its signature and docstring show it."""

    name: str
    annotation: str
    default: str | None
    positional: bool
    description: str


def _argument(
    name: str, t: ir.TypeRef, required: bool, default: ir.Scalar | None, doc: str
) -> Argument:
    hint = input_annotation(t)
    if required and default is None:
        return Argument(name, hint, None, False, doc)
    if default is not None:  # also for a required one (Azure's api-version): it is sent
        # An enum argument also takes the plain value: no call in the default (ruff B008).
        value = literal(default) if isinstance(t, ir.EnumRef) else default_value(t, default)
        return Argument(name, hint, value, False, doc)
    return Argument(name, f"{hint} | None", "None", False, doc)


def arguments(op: ir.Operation) -> list[Argument]:
    """A method's arguments: path parameters (positional), the body, then the rest.

    Client-level parameters are not among them: the client passes its own values.
    """
    params = [p for p in op.parameters if not p.client]
    path = [
        Argument(p.name, input_annotation(p.type), None, True, p.description or p.wire_name)
        for p in params
        if p.location is ir.ParamLocation.PATH
    ]
    body: list[Argument] = []
    if op.body and op.body.fields:
        body = [
            _argument(f.name, f.type, f.required, None, f.description or f.wire_name)
            for f in op.body.fields
        ]
    elif op.body:
        b = op.body
        body = [_argument(b.name, b.type, b.required, None, b.description or "The request body.")]
        if b.required and b.nullable:  # a required argument that may be None: sent as null
            body = [replace(body[0], annotation=f"{body[0].annotation} | None")]
    rest = [
        _argument(p.name, p.type, p.required, p.default, p.description or p.wire_name)
        for p in params
        if p.location is not ir.ParamLocation.PATH
    ]
    return path + body + rest


def signature(args: list[Argument], keywords_follow: bool = False) -> list[str]:
    """Signature lines for ``args``, with ``*`` before the first keyword-only one.

    ``keywords_follow``: more keyword-only arguments come after these, so end with ``*``
    if none of ``args`` put it.
    """
    lines: list[str] = []
    for a in args:
        if not a.positional and "*" not in lines:
            lines.append("*")
        default = f" = {a.default}" if a.default is not None else ""
        lines.append(f"{a.name}: {a.annotation}{default}")
    if keywords_follow and "*" not in lines:
        lines.append("*")
    return lines


def builder_call(api: ir.Api, op: ir.Operation, values: dict[str, str] | None = None) -> list[str]:
    """The arguments a client passes to an operation's request builder.

    ``values`` replaces some arguments' values (the pager passes its own offset).
    """
    values = values or {}
    calls = [
        a.name if a.positional else f"{a.name}={values.get(a.name, a.name)}" for a in arguments(op)
    ]
    calls += [
        f"{p.name}=self._{api.client_param(p.wire_name).name}" for p in op.parameters if p.client
    ]
    return calls


def builder_arguments(op: ir.Operation) -> list[Argument]:
    """A request builder's arguments: the method's, plus client-level parameters."""
    # As optional as the constructor's argument (Azure's Accept-Language is not required).
    client = [
        Argument(
            p.name,
            input_annotation(p.type) + ("" if p.required else " | None"),
            None,
            False,
            p.description,
        )
        for p in op.parameters
        if p.client
    ]
    return arguments(op) + client


def body_local(body: ir.RequestBody) -> tuple[str, str, str]:
    """The builder's local holding the encoded body: (name, annotation, initial value);
    ``Request``'s keyword of the same name without the underscore takes it."""
    match body.kind:
        case ir.BodyKind.JSON | ir.BodyKind.BINARY:
            return ("_content", "bytes | None", "None")
        case ir.BodyKind.FORM:
            return ("_data", "dict[str, str | list[str]]", "{}")
        case ir.BodyKind.MULTIPART:
            return ("_files", "list[tuple[str, _runtime.FilePart]]", "[]")
        case _:
            assert_never(body.kind)


def body_statements(body: ir.RequestBody) -> list[str]:
    """Statements putting the request body into ``_content``, ``_data`` or ``_files``."""
    match body.kind:
        case ir.BodyKind.JSON:
            return _content_statements(body, "encode_json")
        case ir.BodyKind.BINARY:
            return _content_statements(body, "read_bytes")
        case ir.BodyKind.FORM:
            return _form_statements(body, multipart=False)
        case ir.BodyKind.MULTIPART:
            return _form_statements(body, multipart=True)
        case _:
            assert_never(body.kind)


def _content_statements(body: ir.RequestBody, encoder: str) -> list[str]:
    """A one-argument body: ``_runtime.<encoder>`` makes the bytes sent."""
    lines = [
        f"_content = _runtime.{encoder}({body.name})",
        f'_headers["Content-Type"] = {literal(body.media_type)}',
    ]
    if body.required:
        return lines
    return [f"if {body.name} is not None:", *("    " + line for line in lines)]


def _form_statements(body: ir.RequestBody, *, multipart: bool) -> list[str]:
    """One statement per form field, guarded when the field is optional."""
    statements: list[str] = []
    for f in body.fields:
        line = _form_statement(f, multipart=multipart)
        if f.required and _sent_per_item(f, multipart=multipart):
            # No item, nothing sent: a required field would be missing.
            statements.append(f"_runtime.check_items({literal(f.name)}, {f.name}, 1, None)")
        statements += [line] if f.required else [f"if {f.name} is not None:", "    " + line]
    return statements


def _sent_per_item(f: ir.FormField, *, multipart: bool) -> bool:
    """Whether a field is sent once per item of its list (none when the list is empty)."""
    if f.json or f.spread or not isinstance(f.type, ir.ArrayType):
        return False
    return multipart or shape(f.type.item) != "structured"  # else one JSON text


def _form_statement(f: ir.FormField, *, multipart: bool) -> str:
    """The statement adding one form field to ``_data`` (a form) or ``_files`` (multipart)."""
    if f.spread:
        if multipart:
            return f"_files.extend(_runtime.multipart_entries({f.name}))"
        return f"_data.update(_runtime.form_entries({f.name}))"
    if f.is_file:
        wire = literal(f.wire_name)
        return f"_files.append(({wire}, _runtime.file_part({wire}, {f.name})))"
    return _part_statement(f) if multipart else _form_field_statement(f)


def _part_statement(f: ir.FormField) -> str:
    """A multipart field: text for a scalar, JSON for an object (OpenAPI's default content
    types), one part per item of an array."""
    wire = literal(f.wire_name)
    t = f.type
    if f.json:
        return f"_files.append(({wire}, _runtime.json_part({f.name})))"
    match t:
        case ir.ArrayType() if shape(t.item) == "scalar":
            part = f"_runtime.text_part({item_text(t.item, f.name)})"
            return f"_files.extend(({wire}, {part}) for item in {f.name})"
        case ir.ArrayType() | ir.TupleType():
            return f"_files.extend(({wire}, _runtime.value_part(item)) for item in {f.name})"
        case _ if shape(t) == "scalar":
            # Text fields are parts too: httpx sends a urlencoded form when there is no file.
            return f"_files.append(({wire}, _runtime.text_part({encode(t, f.name, f.name)})))"
        case _:
            return f"_files.append(({wire}, _runtime.value_part({f.name})))"


def _form_field_statement(f: ir.FormField) -> str:
    """A urlencoded field: its text; an array's items repeat the name; an object is shaped
    by its Encoding Object (form: a pair per property, deepObject: ``name[key]``)."""
    wire = literal(f.wire_name)
    t = f.type
    if f.json:
        return f"_data[{wire}] = _runtime.json_text({f.name})"
    match t:
        case ir.TupleType():  # its items, each a value of its own
            return f"_data[{wire}] = [_runtime.value_text(item) for item in {f.name}]"
        case ir.ArrayType() if shape(t.item) == "structured":
            return f"_data[{wire}] = _runtime.json_text({f.name})"
        case ir.ArrayType():
            return f"_data[{wire}] = [{item_text(t.item, f.name)} for item in {f.name}]"
        case ir.MapType() | ir.ModelRef() if f.style == "deepObject":
            return f"_runtime.add_pairs(_data, _runtime.deep_object({wire}, {f.name}))"
        case ir.MapType() | ir.ModelRef() if f.explode:
            return f"_runtime.add_pairs(_data, _runtime.object_pairs({f.name}))"
        case ir.MapType() | ir.ModelRef():
            return f"_data[{wire}] = _runtime.object_text({f.name})"
        case _ if shape(t) == "scalar":
            return f"_data[{wire}] = {encode(t, f.name, f.name)}"
        case _:
            return f"_data[{wire}] = _runtime.value_text({f.name})"


def _outcome(r: ir.Response) -> str:
    """What a success response returns: ``bytes``, ``str``, a decoded annotation, ``None``
    (and for a streamed one, which the method returns as a stream, the parser ``None``)."""
    if r.stream:
        return "None"
    if r.binary:
        return "bytes"
    if r.text:
        return "str"
    if r.type is None:
        return "None"
    return annotation(r.type) + (" | None" if r.nullable else "")


def _item(r: ir.Response) -> str:
    """What one item of ``r`` decodes to, or the whole answer where it does not stream."""
    if r.stream:
        return annotation(r.type) if r.type else "str"
    return _outcome(r)


def stream_annotation(op: ir.Operation, is_async: bool) -> str:
    """What a streaming operation's method returns: a stream of events or of lines."""
    r = op.stream
    assert r is not None
    item = f"_sse.Event[{_item(r)}]" if r.stream == "sse" else _item(r)
    return f"_sse.{'AsyncStream' if is_async else 'Stream'}[{item}]"


def stream_decoder(op: ir.Operation) -> str:
    """The module-level decoder of a streamed answer's items, or None for text."""
    r = op.stream
    assert r is not None
    return f"_operations.{decoders(op)[_item(r)]}" if r.type else "None"


def result_annotation(op: ir.Operation) -> str:
    """The return annotation of an operation's method."""
    outcomes = dict.fromkeys(_outcome(r) for r in op.successes)
    return " | ".join(outcomes) or "None"


def _decoded(op: ir.Operation) -> dict[str, ir.TypeRef]:
    """The distinct types an operation's answers decode to, by annotation (a streamed
    answer's items too)."""
    found = {_item(r): r.type for r in op.successes if r.type and not (r.binary or r.text)}
    if op.error and op.error.type and not (op.error.binary or op.error.text):
        found.setdefault(annotation(op.error.type), op.error.type)
    return found


def decoders(op: ir.Operation) -> dict[str, str]:
    """Module-level decoder names by the annotation they decode, one per distinct type."""
    prefix = f"_{op.name.upper()}"
    return {a: f"{prefix}_{i}" for i, a in enumerate(_decoded(op))}


def decoder_declarations(op: ir.Operation, hook: str) -> list[str]:
    """The module-level decoders of an operation's answers; ``hook`` ends the call.

    An untagged union's decoder is annotated with the union: type checkers cannot infer
    it from the alias, which may be a union (the decoder's type is then Any) or one type.
    """
    names = decoders(op)
    lines = []
    for typed, t in _decoded(op).items():
        declared = f": msgspec.json.Decoder[{typed}]" if isinstance(t, ir.UntaggedRef) else ""
        lines.append(f"{names[typed]}{declared} = msgspec.json.Decoder({typed}{hook})")
    return lines


def _needs_cast(t: ir.TypeRef) -> bool:
    """Whether a decoded ``t`` must be cast: a union or literal is no class, so type
    checkers cannot infer the decoder's result type from it (an untagged union's decoder
    is annotated instead)."""
    match t:
        case ir.UnionRef() | ir.ScalarUnion() | ir.LiteralType():
            return True
        case (
            ir.PrimitiveType()
            | ir.ArrayType()
            | ir.TupleType()
            | ir.MapType()
            | ir.ModelRef()
            | ir.EnumRef()
            | ir.UntaggedRef()
        ):
            return False
        case _:
            assert_never(t)


def uses_cast(op: ir.Operation) -> bool:
    """Whether the operation's parser casts a decoded answer (``typing.cast`` needed)."""
    return any(_cast(r) for r in op.successes)


def _cast(r: ir.Response) -> bool:
    """Whether a success answer's decoded value is cast: a union type, or a nullable one
    (``T | None`` is no class either)."""
    if r.type is None or r.binary or r.text or r.stream:
        return False
    return r.nullable or _needs_cast(r.type)


def success_statements(op: ir.Operation) -> list[str]:
    """The body of ``if response.is_success:`` in a parser: one branch per outcome."""
    names = decoders(op)

    def give(r: ir.Response) -> str:
        outcome = _outcome(r)
        if r.binary:
            return "return response.content"
        if r.text:
            return "return response.text"
        if outcome == "None":
            return "return None"
        decoded = (
            f"_runtime.decode(response, {names[outcome]}, {outcome}, {literal(op.operation_id)})"
        )
        if _cast(r):
            return f"return cast({literal(outcome)}, {decoded})"
        return f"return {decoded}"

    branches = list(dict.fromkeys((r.status, give(r)) for r in op.successes))
    if len({g for _, g in branches}) <= 1:
        return [branches[0][1] if branches else "return None"]
    exact = [(s, g) for s, g in branches if s.isdigit()]
    fallback = next((g for s, g in branches if not s.isdigit()), exact[-1][1])
    lines: list[str] = []
    for status, give_line in exact:
        if give_line != fallback:
            lines += [f"if response.status_code == {int(status)}:", f"    {give_line}"]
    return [*lines, fallback]
