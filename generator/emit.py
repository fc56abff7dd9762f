"""Python source fragments built from IR nodes: annotations, literals, docstrings, encoders.

Templates call these instead of assembling code from strings themselves, so every text
that comes from the spec reaches the output through one of the escaping helpers here.
"""

from __future__ import annotations

import math
import re
import textwrap
import unicodedata

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


def _wrap_block(block: list[str], width: int) -> list[str]:
    if any(_LIST_ITEM.match(line) for line in block):
        return [
            w
            for line in block
            for w in (
                textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]
            )
        ]
    return textwrap.wrap(
        " ".join(line.strip() for line in block),
        width,
        break_long_words=False,
        break_on_hyphens=False,
    )


def doc_text(text: str, indent: int = 0) -> str:
    """Spec text made safe inside a triple-quoted docstring, reflowed to fit the page."""
    safe = "".join(_escape_char(c) for c in text.replace("\r\n", "\n").replace("\\", "\\\\"))
    safe = safe.strip()
    if safe.endswith('"'):  # it would merge with the closing quotes
        safe = safe[:-1] + '\\"'
    safe = safe.replace('"""', '\\"\\"\\"')
    lines: list[str] = []
    for block in _paragraphs(safe):
        if lines:
            lines.append("")
        lines.extend(_wrap_block(block, _DOC_WIDTH - indent))
    pad = " " * indent
    return "\n".join(pad + line if line else "" for line in lines).lstrip()


def annotation(t: ir.TypeRef) -> str:
    """The annotation of a decoded value of type ``t``."""
    if isinstance(t, ir.PrimitiveType):
        return _ANNOTATIONS[t.kind]
    if isinstance(t, ir.ArrayType):
        return f"list[{annotation(t.item)}]"
    return t.name


def field_annotation(f: ir.Field) -> str:
    """A model field's annotation: optional unless required and not nullable."""
    base = annotation(f.type)
    return base if f.required and not f.nullable else f"{base} | None"


def field_default(f: ir.Field) -> str:
    """The right-hand side of a field declaration, or '' for a required field."""
    if f.required:
        return f"msgspec.field(name={literal(f.wire_name)})" if f.wire_name != f.name else ""
    if f.wire_name != f.name:
        return f"msgspec.field(default=None, name={literal(f.wire_name)})"
    return "None"


def input_annotation(t: ir.TypeRef) -> str:
    """What a method argument of type ``t`` accepts: strings too, for ids and enums."""
    if isinstance(t, ir.PrimitiveType) and t.kind is ir.Primitive.UUID:
        return "uuid.UUID | str"
    if isinstance(t, ir.EnumRef):
        return f"{t.name} | str"
    if isinstance(t, ir.ArrayType):
        return f"Sequence[{input_annotation(t.item)}]"
    return annotation(t)


def param_signature(p: ir.Parameter) -> str:
    """``name: type = default`` for a method signature."""
    hint = input_annotation(p.type)
    if p.required:
        return f"{p.name}: {hint}"
    if p.default is not None:
        return f"{p.name}: {hint} = {literal(p.default)}"
    return f"{p.name}: {hint} | None = None"


def always_sent(p: ir.Parameter) -> bool:
    """Required parameters and those with a default can never be None."""
    return p.required or p.default is not None


def encode(t: ir.TypeRef, expr: str, name: str) -> str:
    """An expression turning argument value ``expr`` into its wire text."""
    if isinstance(t, ir.PrimitiveType) and t.kind is ir.Primitive.UUID:
        return f"_runtime.uuid_text({literal(name)}, {expr})"
    if isinstance(t, ir.EnumRef):
        return f"{t.name}({expr}).value"
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
        parts.append(f"_runtime.path_segment({encode(p.type, p.name, p.name)})")
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
    if c.max_items is not None or c.min_items:
        calls.append(
            f"_runtime.check_items({literal(p.name)}, {p.name}, "
            f"{literal(c.min_items)}, {literal(c.max_items)})"
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
            body = [_add(p, f'",".join({item} for item in {p.name})')]
        # An empty list filters nothing, exactly like leaving the argument out.
        guard = f"if {p.name}:"
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
