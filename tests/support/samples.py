"""What a server answers a generated client: the smallest body valid for a response's
declared type, built from the IR, so that the client decodes it without complaint.

``api_of(spec)`` is the spec's IR, made the way ``apiforge.render_files`` makes it;
``sample(api, t)`` a minimal JSON value of type ``t``; ``success(api, op)`` the reply to
an operation: its lowest 2xx status, and bytes, text, JSON or nothing as it declares.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, assert_never

from apiforge import build, ir, load

from .http_server import Reply

NIL_UUID = "00000000-0000-0000-0000-000000000000"
MAX_DEPTH = 8  # a required field that recurses deeper than this has no finite sample


def api_of(spec: Path) -> ir.Api:
    """The IR of ``spec``, as ``render_files`` builds it (Swagger 2.0 upgraded first)."""
    loaded, warnings = load.ready(load.read(spec, display=spec.name))
    assert not warnings, [w.format() for w in warnings]
    api, _ = build.build(loaded)
    return api


def _primitive(kind: ir.Primitive) -> Any:
    match kind:
        case ir.Primitive.STR:
            return "sample"
        case ir.Primitive.INT:
            return 0
        case ir.Primitive.FLOAT:
            return 0.5
        case ir.Primitive.BOOL:
            return False
        case ir.Primitive.UUID:
            return NIL_UUID
        case ir.Primitive.DATETIME:
            return "2024-01-01T00:00:00Z"
        case ir.Primitive.DATE:
            return "2024-01-01"
        case ir.Primitive.BYTES:
            return ""  # base64 of nothing
        case ir.Primitive.ANY:
            return {}
        case _:
            assert_never(kind)


def sample(api: ir.Api, t: ir.TypeRef, depth: int = 0) -> Any:
    """A minimal JSON value of type ``t``: empty lists and maps, required fields only."""
    assert depth < MAX_DEPTH, f"no finite sample of {t}"
    match t:
        case ir.PrimitiveType():
            return _primitive(t.kind)
        case ir.ArrayType():
            return []
        case ir.TupleType():
            return [sample(api, i, depth + 1) for i in t.items]
        case ir.MapType():
            return {}
        case ir.LiteralType():
            return t.value
        case ir.ScalarUnion():
            return sample(api, t.options[0], depth + 1)
        case ir.ModelRef():
            return _model(api, t.name, {}, depth)
        case ir.EnumRef():
            (enum,) = [e for e in api.enums if e.name == t.name]
            return enum.members[0].value
        case ir.UnionRef():
            (union,) = [u for u in api.unions if u.name == t.name]
            variant = union.variants[0]
            return _model(api, variant.model, {union.discriminator: variant.tag}, depth)
        case ir.UntaggedRef():
            (untagged,) = [u for u in api.untagged if u.name == t.name]
            return sample(api, untagged.options[0], depth + 1)
        case _:
            assert_never(t)


def _model(api: ir.Api, name: str, fixed: dict[str, Any], depth: int) -> dict[str, Any]:
    """A model's JSON object: its and its bases' required fields, ``fixed`` ones as given."""
    by_name = {m.name: m for m in api.models}
    value: dict[str, Any] = {}
    model: ir.Model | None = by_name[name]
    while model is not None:
        for f in model.fields:
            if f.required and f.wire_name not in value:
                value[f.wire_name] = None if f.nullable else sample(api, f.type, depth + 1)
        model = by_name[model.base] if model.base else None
    return value | fixed


def success(api: ir.Api, op: ir.Operation) -> Reply:
    """The answer a client decodes into ``op``'s declared result."""
    response = op.success
    status = int(response.status) if response and response.status.isdigit() else 200
    if response is None:
        return Reply(status)
    if response.binary:
        return Reply(status, {"Content-Type": "application/octet-stream"}, b"\x00sample")
    if response.text:
        return Reply.text("sample", status)
    if response.type is None:
        return Reply(status)
    return Reply.json(sample(api, response.type), status)
