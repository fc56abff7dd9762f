"""Python source fragments built from IR nodes: annotations, literals, docstrings, encoders.

Templates call these instead of assembling code from strings themselves, so every text
that comes from the spec reaches the output through one of the escaping helpers here.
"""

from __future__ import annotations

import math
import re
import textwrap
import unicodedata
from dataclasses import dataclass

from . import ir

_DOC_WIDTH = 84
_LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s")
_ANNOTATIONS = {
    ir.Primitive.STR: "str",
    ir.Primitive.INT: "int",
    ir.Primitive.FLOAT: "float",
    ir.Primitive.BOOL: "bool",
    ir.Primitive.UUID: "uuid.UUID",
    ir.Primitive.DATETIME: "datetime.datetime",
    ir.Primitive.DATE: "datetime.date",
    ir.Primitive.BYTES: "bytes",
    ir.Primitive.ANY: "Any",
}


def literal(value: object) -> str:
    """A Python literal for a JSON scalar; ``repr`` escapes quotes and invisible characters."""
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'  # repr gives inf and nan, which are not literals
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    raise TypeError(f"no literal for {type(value).__name__}")


def _escape_char(char: str) -> str:
    """Keep printable characters; spell out control, separator and bidi characters."""
    if char == "\n" or (char.isprintable() and unicodedata.category(char) != "Cf"):
        return char
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def comment_text(text: str) -> str:
    """Spec text made safe on one ``#`` comment line."""
    return "".join("\\n" if c == "\n" else _escape_char(c) for c in text)


def _paragraphs(text: str) -> list[list[str]]:
    """Blank-line separated blocks; a block that looks like a list keeps its lines."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if not line.strip():
            blocks.append([])
        else:
            blocks[-1].append(line.rstrip())
    return [b for b in blocks if b]


def _wrap_block(block: list[str], width: int, lead: int = 0) -> list[str]:
    """Wrap one paragraph; ``lead`` columns of its first line are already taken."""
    if any(_LIST_ITEM.match(line) for line in block):
        lines = block
    else:
        lines = [" ".join(line.strip() for line in block)]
    out: list[str] = []
    for line in lines:
        first = " " * lead if not out else ""
        wrapped = textwrap.wrap(
            line,
            width,
            initial_indent=first,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [""]
        wrapped[0] = wrapped[0][len(first) :]
        out.extend(wrapped)
    return out


def doc_text(text: str, indent: int = 0, first: int | None = None) -> str:
    """Spec text made safe inside a triple-quoted docstring, reflowed to fit the page.

    Lines after the first start at ``indent``; the first starts at column ``first``
    (default ``indent``), as after ``name: `` in an ``Args:`` entry.
    """
    safe = "".join(_escape_char(c) for c in text.replace("\r\n", "\n").replace("\\", "\\\\"))
    safe = safe.strip()
    if safe.endswith('"'):  # it would merge with the closing quotes
        safe = safe[:-1] + '\\"'
    safe = safe.replace('"""', '\\"\\"\\"')
    lines: list[str] = []
    for block in _paragraphs(safe):
        if lines:
            lines.append("")
        lead = max(0, (first if first is not None else indent) - indent) if not lines else 0
        lines.extend(_wrap_block(block, _DOC_WIDTH - indent, lead))
    pad = " " * indent
    return "\n".join(pad + line if line else "" for line in lines).lstrip()


def annotation(t: ir.TypeRef) -> str:
    """The annotation of a decoded value of type ``t``."""
    if isinstance(t, ir.PrimitiveType):
        return _ANNOTATIONS[t.kind]
    if isinstance(t, ir.ArrayType):
        return f"list[{annotation(t.item)}]"
    if isinstance(t, ir.MapType):
        return f"dict[str, {annotation(t.value)}]"
    if isinstance(t, ir.LiteralType):
        return f"Literal[{literal(t.value)}]"
    if isinstance(t, ir.ScalarUnion):
        return " | ".join(dict.fromkeys(annotation(o) for o in t.options))
    return t.name


def field_annotation(f: ir.Field) -> str:
    """A model field's annotation: optional unless required and not nullable."""
    base = annotation(f.type)
    optional = f.nullable or (not f.required and f.default is None)
    return f"{base} | None" if optional else base


def default_value(t: ir.TypeRef, value: ir.Scalar) -> str:
    """A spec default as a Python expression of the field's type."""
    if isinstance(t, ir.EnumRef):
        return f"{t.name}({literal(value)})"
    if isinstance(t, ir.PrimitiveType) and t.kind is ir.Primitive.FLOAT and isinstance(value, int):
        return literal(float(value))
    return literal(value)


def field_default(f: ir.Field) -> str:
    """The right-hand side of a field declaration, or '' for a required field."""
    if f.default is not None and isinstance(f.type, ir.EnumRef | ir.PrimitiveType | ir.LiteralType):
        value = default_value(f.type, f.default)
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
    if isinstance(t, ir.PrimitiveType) and t.kind is ir.Primitive.UUID:
        return "uuid.UUID | str"
    if isinstance(t, ir.EnumRef):
        return f"{t.name} | {'int' if t.integer else 'str'}"
    if isinstance(t, ir.ArrayType):
        return f"Sequence[{input_annotation(t.item)}]"
    if isinstance(t, ir.MapType):
        return f"Mapping[str, {input_annotation(t.value)}]"
    if isinstance(t, ir.PrimitiveType) and t.kind is ir.Primitive.BYTES:
        return "bytes | BinaryIO"
    return annotation(t)


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


def encode(t: ir.TypeRef, expr: str, name: str) -> str:
    """An expression turning argument value ``expr`` into its wire text."""
    if isinstance(t, ir.PrimitiveType) and t.kind is ir.Primitive.UUID:
        return f"_runtime.uuid_text({literal(name)}, {expr})"
    if isinstance(t, ir.EnumRef):
        return f"_runtime.text({t.name}({expr}))"
    return f"_runtime.text({expr})"


def path_expression(op: ir.Operation) -> str:
    """The request path as a concatenation of literals and percent-encoded arguments."""
    by_wire = {p.wire_name: p for p in op.parameters if p.location is ir.ParamLocation.PATH}
    parts: list[str] = []
    rest = op.path
    while "{" in rest and "}" in rest.split("{", 1)[1]:
        head, tail = rest.split("{", 1)
        wire, rest = tail.split("}", 1)
        if head:
            parts.append(literal(head))
        p = by_wire[wire]
        text = encode(p.type, p.name, p.name)
        # x-ms-skip-url-encoding: the value is a path fragment the caller already encoded.
        parts.append(text if p.skip_encoding else f"_runtime.path_segment({text})")
    if rest:
        parts.append(literal(rest))
    return " + ".join(parts) or literal("")


def check_calls(p: ir.Parameter) -> list[str]:
    """Statements validating ``p`` against its spec limits before anything is sent."""
    c = p.constraints
    calls = []
    if c.minimum is not None or c.maximum is not None:
        calls.append(
            f"_runtime.check_range({literal(p.name)}, {p.name}, "
            f"{literal(c.minimum)}, {literal(c.maximum)})"
        )
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
    wire = literal(p.wire_name)
    if isinstance(p.type, ir.ArrayType):
        item = encode(p.type.item, "item", p.name)
        if p.explode and p.location is ir.ParamLocation.QUERY:
            body = [f"_query.extend(({wire}, {item}) for item in {p.name})"]
        else:
            separator = literal(ir.SEPARATORS.get(p.style, ","))
            body = [_add(p, f"{separator}.join({item} for item in {p.name})")]
        # An empty optional list filters nothing, exactly like leaving the argument out;
        # a required one must have items (check_calls refuses an empty one).
        guard = "" if p.required else f"if {p.name}:"
    elif isinstance(p.type, ir.MapType | ir.ModelRef):
        if p.style == "deepObject":
            body = [f"_query.extend(_runtime.deep_object({wire}, {p.name}))"]
        elif p.explode and p.location is ir.ParamLocation.QUERY:
            body = [f"_query.extend(_runtime.object_pairs({p.name}))"]
        else:
            body = [_add(p, f"_runtime.object_text({p.name})")]
        guard = "" if always_sent(p) else f"if {p.name} is not None:"
    else:
        body = [_add(p, encode(p.type, p.name, p.name))]
        guard = "" if always_sent(p) else f"if {p.name} is not None:"
    if not guard:
        return body
    return [guard, *("    " + line for line in body)]


def _add(p: ir.Parameter, expr: str) -> str:
    """One statement storing ``expr`` under the parameter's wire name."""
    if p.location is ir.ParamLocation.HEADER:
        return f"_headers[{literal(p.wire_name)}] = {expr}"
    return f"_query.append(({literal(p.wire_name)}, {expr}))"


@dataclass(frozen=True)
class Argument:
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


def enum_base(e: ir.Enum) -> str:
    """The base class of a generated enum: open ones keep unknown values."""
    if e.open:
        return "ApiIntEnum" if e.is_int else "ApiEnum"
    return "enum.IntEnum" if e.is_int else "enum.StrEnum"


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
    client = [
        Argument(p.name, input_annotation(p.type), None, False, p.description)
        for p in op.parameters
        if p.client
    ]
    return arguments(op) + client


def body_statements(body: ir.RequestBody) -> list[str]:
    """Statements putting the request body into ``_content``, ``_data`` or ``_files``."""
    media = literal(body.media_type)
    if body.kind in (ir.BodyKind.JSON, ir.BodyKind.BINARY):
        encoder = "encode_json" if body.kind is ir.BodyKind.JSON else "read_bytes"
        lines = [
            f"_content = _runtime.{encoder}({body.name})",
            f'_headers["Content-Type"] = {media}',
        ]
        if body.required:
            return lines
        return [f"if {body.name} is not None:", *("    " + line for line in lines)]
    statements: list[str] = []
    for f in body.fields:
        wire = literal(f.wire_name)
        if f.is_file:
            line = f"_files.append(({wire}, _runtime.file_part({wire}, {f.name})))"
        elif isinstance(f.type, ir.ArrayType):
            item = encode(f.type.item, "item", f.name)
            if body.kind is ir.BodyKind.MULTIPART:
                line = f"_files.extend(({wire}, _runtime.text_part({item})) for item in {f.name})"
            else:
                line = f"_data[{wire}] = [{item} for item in {f.name}]"
        elif body.kind is ir.BodyKind.MULTIPART:
            # Text fields are parts too: httpx sends a urlencoded form when there is no file.
            line = f"_files.append(({wire}, _runtime.text_part({encode(f.type, f.name, f.name)})))"
        else:
            line = f"_data[{wire}] = {encode(f.type, f.name, f.name)}"
        statements += [line] if f.required else [f"if {f.name} is not None:", "    " + line]
    return statements


def _outcome(r: ir.Response) -> str:
    """What a success response returns: ``bytes``, ``str``, a decoded annotation, ``None``."""
    if r.binary:
        return "bytes"
    if r.text:
        return "str"
    return annotation(r.type) if r.type else "None"


def result_annotation(op: ir.Operation) -> str:
    """The return annotation of an operation's method."""
    outcomes = dict.fromkeys(_outcome(r) for r in op.successes)
    return " | ".join(outcomes) or "None"


def decoders(op: ir.Operation) -> dict[str, str]:
    """Module-level decoder names by the annotation they decode, one per distinct type."""
    prefix = f"_{op.name.upper()}"
    types = [r.type for r in op.successes if r.type and not (r.binary or r.text)]
    found = {annotation(t): t for t in types}
    if op.error and op.error.type and not (op.error.binary or op.error.text):
        found.setdefault(annotation(op.error.type), op.error.type)
    return {a: f"{prefix}_{i}" for i, a in enumerate(found)}


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
        if isinstance(r.type, ir.UnionRef | ir.ScalarUnion | ir.LiteralType):
            # A union is no class: type checkers cannot infer T from it, so say it.
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


def markdown_text(text: str) -> str:
    """Spec text on one line of a Markdown table or list: no breaks, pipes, code or HTML."""
    one_line = " ".join(comment_text(text).replace("\\n", " ").split())
    return (
        one_line.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("`", "'")
    )
