"""Operation inputs to IR: parameters (path, query, header) and the request body.

Part of the build stage. Parameter names are made unique per operation, against each
other, the body's argument names and the keyword options every generated method has.
"""

from __future__ import annotations

import re
from typing import Any, assert_never

from msgspec import structs

from .. import ir, names
from ..load.document import escape
from . import replay
from .context import BuildContext
from .keywords import described, text_of
from .schemas import SchemaBuilder

# Keyword arguments every generated method has; spec parameters must not take them.
CALL_OPTIONS = ("timeout", "max_retries", "accept", "extra_headers", "extra_query")
_LOCATIONS = {loc.value: loc for loc in ir.ParamLocation}
_QUERY_STYLES = ("form", "spaceDelimited", "pipeDelimited", "x-tabDelimited", "deepObject")
JSON = "application/json"
_FORM = "application/x-www-form-urlencoded"
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token
_MULTIPART = "multipart/form-data"


def is_json(media_type: str) -> bool:
    """``application/json``, ``text/json`` and ``*/*+json``."""
    media = media_type.split(";")[0].strip().lower()
    return media in ("application/json", "text/json") or media.endswith("+json")


# Media ranges an operation may declare its one schema under (Swagger 2.0 converted without
# ``consumes`` or ``produces`` gives ``*/*``).
_RANGES = ("*/*", "application/*")
_STRUCTURE = ("properties", "items", "additionalProperties", "allOf", "oneOf", "anyOf")


def _literal_default(t: ir.TypeRef) -> bool:
    """Whether a spec default is a literal of ``t``'s Python type (a date-time's is not)."""
    if isinstance(t, ir.ScalarUnion):
        return all(_literal_default(o) for o in t.options)
    if isinstance(t, ir.PrimitiveType):
        return t.literal_default
    # A named union (openaq's date_from: datetime | date) or a structure: no literal.
    return isinstance(t, ir.EnumRef | ir.LiteralType)


def is_range(media_type: str) -> bool:
    """``*/*`` or ``application/*``."""
    return media_type.split(";")[0].strip().lower() in _RANGES


def structured(ctx: BuildContext, schema: Any, at: str) -> bool:
    """Whether ``schema`` describes an object or an array: a value only JSON (or XML) can
    carry, never a file or text."""
    found, _ = ctx.deref(schema, at)
    if not isinstance(found, dict):
        return False
    kind = found.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    return bool(kinds & {"object", "array"}) or any(k in found for k in _STRUCTURE)


def _styles(location: ir.ParamLocation) -> tuple[str, ...]:
    """The styles parameters in ``location`` can have, the default first."""
    match location:
        case ir.ParamLocation.QUERY:
            return _QUERY_STYLES
        case ir.ParamLocation.PATH | ir.ParamLocation.HEADER:
            return ("simple",)
        case ir.ParamLocation.COOKIE:
            return ("form",)
        case _:
            assert_never(location)


def _style(ctx: BuildContext, param: dict[str, Any], location: ir.ParamLocation, at: str) -> str:
    """The parameter's style; the ones a location cannot carry are reported."""
    allowed = _styles(location)
    style = str(param.get("style", allowed[0]))
    if style not in allowed:
        where = f"{at}/style"
        ctx.error(where, f"style {style!r} is not supported for {location.value} parameters")
    return style


def _description(param: dict[str, Any], schema: Any) -> str:
    """The parameter's description, with its schema's allowed values when no enum class
    lists them."""
    own = text_of(param, "description")
    values = described({**schema, "description": ""}) if isinstance(schema, dict) else ""
    return f"{own}\n\n{values}".strip() if values else own


def _schema_of(
    ctx: BuildContext, param: dict[str, Any], pointer: str
) -> tuple[Any, str, bool] | None:
    """The parameter's schema, its pointer, and whether it travels as JSON text (given
    as ``content`` with a JSON media type instead of ``schema``)."""
    if "schema" in param:
        return param["schema"], f"{pointer}/schema", False
    content = param.get("content")
    media = next(iter(content), None) if isinstance(content, dict) else None
    entry = content.get(media) if isinstance(content, dict) and media is not None else None
    if not isinstance(entry, dict):
        ctx.error(pointer, "a parameter needs a 'schema', or a 'content' entry with one")
        return None
    where = f"{pointer}/content/{escape(str(media))}/schema"
    return entry.get("schema", {}), where, is_json(str(media))


def _parameter(
    ctx: BuildContext, schemas: SchemaBuilder, raw: Any, pointer: str
) -> ir.Parameter | None:
    """One parameter, or None (after an error) when it cannot be sent."""
    param, pointer = ctx.deref(raw, pointer)
    location = _LOCATIONS.get(param.get("in", ""))
    if location is None:
        ctx.error(f"{pointer}/in", f"parameters in {param.get('in')!r} are not supported yet")
        return None
    if location is ir.ParamLocation.COOKIE and not _TOKEN.fullmatch(str(param.get("name", ""))):
        ctx.error(f"{pointer}/name", "a cookie's name must be a token (RFC 6265: no spaces, =, ;)")
        return None
    found = _schema_of(ctx, param, pointer)
    if found is None:
        return None
    raw_schema, schema_pointer, as_json = found
    style = _style(ctx, param, location, pointer)
    schema, _ = ctx.deref(raw_schema, schema_pointer)
    wire = str(param["name"])
    default = schema.get("default") if isinstance(schema, dict) else None
    kind = schemas.type_of(raw_schema, schema_pointer, wire)
    if not _literal_default(kind):
        default = None  # a date-time's default as text: the service applies it when unsent
    if style == "deepObject" and not _deep(kind):
        # Stripe writes deepObject on every query parameter: a scalar has no keys to nest.
        ctx.warn(f"{pointer}/style", "style 'deepObject' on a scalar; sent as name=value")
        style = "form"
    return ir.Parameter(
        wire_name=wire,
        name=names.snake(wire),
        location=location,
        type=kind,
        required=bool(param.get("required", False)) or location is ir.ParamLocation.PATH,
        description=_description(param, schema),
        default=default if isinstance(default, str | int | float | bool) else None,
        constraints=_constraints(kind, schema),
        explode=bool(param.get("explode", style == "form")),
        style=style,
        client=param.get("x-ms-parameter-location") == "client",
        skip_encoding=param.get("x-ms-skip-url-encoding") is True,
        json=as_json,
    )


def _deep(t: ir.TypeRef) -> bool:
    """Whether ``style: deepObject`` can carry ``t`` (``emit.send_statements`` sends it):
    an object's properties, a list's items, a union's value by its own kind."""
    match t:
        case ir.MapType() | ir.ModelRef() | ir.ArrayType() | ir.UnionRef() | ir.UntaggedRef():
            return True
        case ir.ScalarUnion():  # msgspec decodes it alone: a model or a list may be in it
            return any(_deep(option) for option in t.options)
        case ir.PrimitiveType() | ir.TupleType() | ir.LiteralType() | ir.EnumRef():
            return False
        case _:
            assert_never(t)


def _number(value: Any) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _constraints(kind: ir.TypeRef, schema: Any) -> ir.Constraints:
    """The limits the client checks; JSON Schema applies each only to its own kind of
    value (``minimum`` on a string, as real specs write it, limits nothing)."""
    number = isinstance(kind, ir.PrimitiveType) and kind.kind in (
        ir.Primitive.INT,
        ir.Primitive.FLOAT,
    )
    items = isinstance(kind, ir.ArrayType | ir.TupleType)
    return ir.Constraints(
        minimum=_number(schema.get("minimum")) if number else None,
        maximum=_number(schema.get("maximum")) if number else None,
        min_items=_count(schema.get("minItems")) if items else None,
        max_items=_count(schema.get("maxItems")) if items else None,
    )


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# Header parameters OpenAPI 3 says are ignored, and the client owns: ``accept=``, and the
# body's media type. (``Authorization``, the third, stays an argument: many specs have no
# security scheme and declare it as the only way to send a credential.)
_IGNORED_HEADERS = frozenset({"accept", "content-type"})
# Headers that frame the message: httpx writes them from the request itself.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "host", "connection"})


def _left_to_http(ctx: BuildContext, param: Any, pointer: str) -> bool:
    """Whether ``param`` is a header the client sets itself, so no argument carries it;
    a framing header (``Content-Length``) declared as a parameter is warned about."""
    if not isinstance(param, dict) or param.get("in") != "header":
        return False
    name = str(param.get("name", "")).lower()
    if name in _FRAMING_HEADERS:
        said = f"header {param.get('name')!r} frames the message, so httpx sets it; not an argument"
        ctx.warn(f"{pointer}/name", said)
    return name in _IGNORED_HEADERS | _FRAMING_HEADERS


def parameters(
    ctx: BuildContext, schemas: SchemaBuilder, item: Any, op: Any, pointer: str
) -> tuple[ir.Parameter, ...]:
    """Path-level and operation-level parameters merged; path ones first, in path order."""
    merged: dict[tuple[str, str], tuple[Any, str]] = {}
    path_pointer = pointer.rsplit("/", 1)[0]
    for raw_list, base in (
        (item.get("parameters", []), path_pointer),
        (op.get("parameters", []), pointer),
    ):
        for index, raw in enumerate(raw_list):
            param, _ = ctx.deref(raw, f"{base}/parameters/{index}")
            if _left_to_http(ctx, param, f"{base}/parameters/{index}"):
                continue
            merged[(param.get("name"), param.get("in"))] = (raw, f"{base}/parameters/{index}")
    built = [_parameter(ctx, schemas, raw, where) for raw, where in merged.values()]
    params = [p for p in built if p is not None]
    path_first = sorted(params, key=lambda p: p.location is not ir.ParamLocation.PATH)
    taken = [names.PythonIdentifier(o) for o in CALL_OPTIONS]
    unique_names = names.unique(taken + [p.name for p in path_first])[len(taken) :]
    return tuple(structs.replace(p, name=n) for p, n in zip(path_first, unique_names, strict=True))


def _wildcard(media_type: str) -> bool:
    """Whether a media type is a range: ``*/*``, ``application/*`` or ASP.NET's
    ``application/*+json`` (any other ``*`` in a subtype, ``a*b+json`` or ``*3+json``, is a
    plain token character)."""
    kind, _, subtype = media_type.split(";")[0].strip().partition("/")
    return kind == "*" or subtype == "*" or subtype.startswith("*+")


def _pick_media(content: dict[str, Any]) -> str:
    """JSON first (``application/json`` before other JSON types, and a range such as
    ASP.NET's ``application/*+json`` last), then multipart, then a urlencoded form, then
    the first declared type."""
    for test in (
        lambda m: m.split(";")[0].strip().lower() == JSON,
        lambda m: is_json(m) and not _wildcard(m),
        is_json,
        lambda m: m == _MULTIPART,
        lambda m: m == _FORM,
    ):
        found = next((m for m in content if test(m)), None)
        if found:
            return found
    return next(iter(content))


def request_body(
    ctx: BuildContext,
    schemas: SchemaBuilder,
    op: Any,
    pointer: str,
    params: tuple[ir.Parameter, ...],
) -> ir.RequestBody | None:
    """The operation's body as one argument (JSON, binary) or one per form field."""
    raw = op.get("requestBody")
    if raw is None:
        return None
    body, at = ctx.deref(raw, f"{pointer}/requestBody")
    content: dict[str, Any] = body.get("content") or {}
    if not content:
        # just-eat.co.uk: `content: {}`. Nothing says what to send, so nothing is sent.
        ctx.warn(f"{at}/content", "a request body names no media type; none is sent")
        return None
    media = _pick_media(content)
    schema = (content[media] or {}).get("schema", {})
    schema_at = f"{at}/content/{escape(media)}/schema"
    taken = [names.PythonIdentifier(o) for o in CALL_OPTIONS] + [p.name for p in params]
    hint = f"{op.get('operationId', pointer)} body"
    required = bool(body.get("required", False))
    description = text_of(body, "description")
    if media in (_FORM, _MULTIPART):
        multipart = media == _MULTIPART
        encoding = (content[media] or {}).get("encoding")
        fields = _form_fields(ctx, schemas, schema, schema_at, hint, taken, required, multipart)
        files = [
            f.wire_name for f in fields if f.type == ir.PrimitiveType(ir.Primitive.BYTES, "binary")
        ]
        if files and not multipart:  # apacta.com: a urlencoded form holding an image
            said = f"a urlencoded form cannot carry a file ({files[0]!r}); sent as {_MULTIPART}"
            ctx.warn(f"{at}/content/{escape(media)}", said)
            fields = _form_fields(ctx, schemas, schema, schema_at, hint, taken, required, True)
            multipart, media = True, _MULTIPART
        if isinstance(encoding, dict):
            fields = tuple(_encoded(f, encoding.get(f.wire_name)) for f in fields)
        kind = ir.BodyKind.MULTIPART if multipart else ir.BodyKind.FORM
        any_type = ir.PrimitiveType(ir.Primitive.ANY)
        name = names.PythonIdentifier("")
        return ir.RequestBody(kind, media, name, any_type, required, description, fields)
    wanted = names.snake(str(body.get("x-apiforge-body-name", "body")))
    name = names.unique([*taken, wanted])[-1]
    if is_range(media) and structured(ctx, schema, schema_at):
        media = JSON  # an object or array under */* travels as JSON: see api._ranged_json
    elif is_json(media) and _wildcard(media):
        media = JSON  # a range is no Content-Type: `application/*+json` alone is sent as JSON
    if is_json(media):
        kind_type = schemas.type_of(schema, schema_at, hint)
        allows_null = schemas.allows_null(schema, schema_at)
        return ir.RequestBody(
            ir.BodyKind.JSON, media, name, kind_type, required, description, (), allows_null
        )
    binary = ir.PrimitiveType(ir.Primitive.BYTES, "binary")
    return ir.RequestBody(ir.BodyKind.BINARY, media, name, binary, required, description)


def _form_fields(
    ctx: BuildContext,
    schemas: SchemaBuilder,
    schema: Any,
    at: str,
    hint: str,
    taken: list[names.PythonIdentifier],
    body_required: bool,
    multipart: bool,
) -> tuple[ir.FormField, ...]:
    """Each property of a form's object schema (its ``allOf`` parts' too) as a keyword
    argument; a schema naming none gives one mapping whose entries are the fields."""
    properties: dict[str, tuple[Any, str]] = {}
    required: dict[str, str] = {}
    _collect_properties(ctx, schema, at, properties, required, seen=set())
    for wire, where in required.items():
        if wire not in properties:  # box.com's token revocation requires a grant_type
            _warn_once(ctx, where, f"required property {wire!r} is not defined; any value")
            properties[wire] = ({}, where)
    if not properties:
        return (_spread_field(ctx, schemas, schema, at, hint, taken, body_required, multipart),)
    py_names = names.unique(taken + [names.snake(w) for w in properties])[len(taken) :]
    fields = []
    for (wire, (prop, where)), py in zip(properties.items(), py_names, strict=True):
        kind = schemas.type_of(prop, where, f"{hint} {wire}")
        is_file = kind == ir.PrimitiveType(ir.Primitive.BYTES, "binary")
        description = text_of(prop, "description")
        fields.append(ir.FormField(wire, py, kind, wire in required, description, is_file))
    return tuple(fields)


def _encoded(field: ir.FormField, encoding: Any) -> ir.FormField:
    """A form field with what its Encoding Object says: ``contentType`` JSON sends the
    value as JSON text; ``style`` and ``explode`` shape an object in a urlencoded form."""
    if not isinstance(encoding, dict):
        return field
    media = encoding.get("contentType")
    first = media.split(",")[0].split(";")[0].strip().lower() if isinstance(media, str) else ""
    style = encoding.get("style")
    style = style if isinstance(style, str) else "form"
    explode = encoding.get("explode")
    return structs.replace(
        field,
        style=style,
        explode=explode if isinstance(explode, bool) else style == "form",
        json=bool(first) and is_json(first) and not field.is_file,
    )


def _collect_properties(
    ctx: BuildContext,
    schema: Any,
    at: str,
    properties: dict[str, tuple[Any, str]],
    required: dict[str, str],
    seen: set[str],
) -> None:
    """The properties of ``schema`` and of its ``allOf`` parts, in document order; the
    names it requires, each with where it is listed."""
    schema, at = ctx.deref(schema, at)
    if not isinstance(schema, dict) or at in seen:
        return
    seen.add(at)
    for index, part in enumerate(schema.get("allOf") or []):
        _collect_properties(ctx, part, f"{at}/allOf/{index}", properties, required, seen)
    for wire, prop in (schema.get("properties") or {}).items():
        properties[wire] = (prop, f"{at}/properties/{escape(wire)}")
    for index, wire in enumerate(schema.get("required") or []):
        if isinstance(wire, str):
            required.setdefault(wire, f"{at}/required/{index}")


def _warn_once(ctx: BuildContext, pointer: str, message: str) -> None:
    """A warning, unless the same one was given at the same place (the form's schema is a
    component, whose model said it already)."""
    if ctx.log.on:  # a unit that reads whether it was said (replay)
        ctx.log.read.add(replay.said(pointer, message))
    said = {(d.location, d.message) for d in ctx.diagnostics}
    if (ctx.spec.locate(pointer), message) not in said:
        ctx.warn(pointer, message)


def _spread_field(
    ctx: BuildContext,
    schemas: SchemaBuilder,
    schema: Any,
    at: str,
    hint: str,
    taken: list[names.PythonIdentifier],
    required: bool,
    multipart: bool,
) -> ir.FormField:
    """A form whose schema names no field: one ``fields`` mapping, each entry a field."""
    target, where = ctx.deref(schema, at)
    kinds = target.get("type") if isinstance(target, dict) else None
    if kinds not in (None, "object", ["object"]):
        ctx.warn(
            where, "a form body's schema should be an object; its fields are taken as a mapping"
        )
    extra = target.get("additionalProperties") if isinstance(target, dict) else None
    value: ir.TypeRef = ir.PrimitiveType(ir.Primitive.ANY)
    if isinstance(extra, dict) and extra:
        value = schemas.type_of(extra, f"{where}/additionalProperties", f"{hint} value")
    name = names.unique([*taken, names.PythonIdentifier("fields")])[-1]
    description = (
        "The parts by name: bytes or a file make a file part, anything else text."
        if multipart
        else "The form's fields by name; a list repeats its field."
    )
    return ir.FormField("", name, ir.MapType(value), required, description, False, spread=True)
