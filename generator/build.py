"""Stage 2: turn a validated OpenAPI 3.0 document into the typed IR in ``ir.py``.

Schemas are handled by ``schemas.SchemaBuilder``; this module adds the server, security
and operations, and is the only entry point: ``build(spec) -> (Api, diagnostics)``.
"""

from __future__ import annotations

from typing import Any

from . import ir, names
from .diagnostics import Diagnostic, GenerationError, Severity
from .load import LoadedSpec, escape
from .paging import EXTENSION, pagination
from .schemas import SchemaBuilder, text_of

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_LOCATIONS = {loc.value: loc for loc in ir.ParamLocation}
_JSON = ("application/json", "text/json")
# Keyword arguments every generated method has; spec parameters must not take them.
CALL_OPTIONS = ("timeout", "max_retries", "accept")
CLIENT_METHODS = ("close", "aclose")


def _server(b: SchemaBuilder) -> ir.Server:
    """The first server; its ``{variables}`` become client constructor arguments."""
    servers = b.doc.get("servers") or [{"url": "/"}]
    first = servers[0]
    variables = first.get("variables", {})
    py_names = names.unique([names.snake(v) for v in variables])
    return ir.Server(
        url=str(first.get("url", "/")),
        variables=tuple(
            ir.ServerVariable(wire, py, text_of(var, "description"), var.get("default"))
            for (wire, var), py in zip(variables.items(), py_names, strict=True)
        ),
    )


def _security(b: SchemaBuilder) -> dict[str, ir.ApiKeyAuth]:
    """Header API keys by scheme name; other schemes are reported as unsupported."""
    schemes = b.doc.get("components", {}).get("securitySchemes", {})
    found: dict[str, ir.ApiKeyAuth] = {}
    for key, scheme in schemes.items():
        pointer = f"/components/securitySchemes/{escape(key)}"
        scheme, pointer = b.deref(scheme, pointer)
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header":
            header = scheme["name"]
            found[key] = ir.ApiKeyAuth(key, header, names.snake(header))
        else:
            b.error(pointer, "only apiKey security in a header is supported yet")
    return found


def _parameter(b: SchemaBuilder, raw: Any, pointer: str, op_name: str) -> ir.Parameter | None:
    """One parameter, or None (after an error) when it cannot be sent."""
    param, pointer = b.deref(raw, pointer)
    location = _LOCATIONS.get(param.get("in", ""))
    if location is None:
        b.error(f"{pointer}/in", f"parameters in {param.get('in')!r} are not supported yet")
        return None
    style = param.get("style", "simple" if location is not ir.ParamLocation.QUERY else "form")
    if style not in ("form", "simple"):
        b.error(f"{pointer}/style", f"parameter style {style!r} is not supported yet")
    if "schema" not in param:
        b.error(pointer, "parameters with 'content' instead of 'schema' are not supported yet")
        return None
    schema, _ = b.deref(param["schema"], f"{pointer}/schema")
    wire = str(param["name"])
    default = schema.get("default")
    return ir.Parameter(
        wire_name=wire,
        name=names.snake(wire),
        location=location,
        type=b.type_of(param["schema"], f"{pointer}/schema", wire),
        required=bool(param.get("required", False)),
        description=text_of(param, "description"),
        default=default if isinstance(default, str | int | float | bool) else None,
        constraints=ir.Constraints(
            minimum=schema.get("minimum"),
            maximum=schema.get("maximum"),
            min_items=schema.get("minItems"),
            max_items=schema.get("maxItems"),
        ),
        explode=bool(param.get("explode", style == "form")),
    )


def _parameters(b: SchemaBuilder, item: Any, op: Any, pointer: str) -> tuple[ir.Parameter, ...]:
    """Path-level and operation-level parameters merged; path ones first, in path order."""
    merged: dict[tuple[str, str], tuple[Any, str]] = {}
    path_pointer = pointer.rsplit("/", 1)[0]
    for raw_list, base in (
        (item.get("parameters", []), path_pointer),
        (op.get("parameters", []), pointer),
    ):
        for index, raw in enumerate(raw_list):
            param, _ = b.deref(raw, f"{base}/parameters/{index}")
            merged[(param.get("name"), param.get("in"))] = (raw, f"{base}/parameters/{index}")
    built = [_parameter(b, raw, where, pointer) for raw, where in merged.values()]
    params = [p for p in built if p is not None]
    path_first = sorted(params, key=lambda p: p.location is not ir.ParamLocation.PATH)
    taken = [names.PythonIdentifier(o) for o in CALL_OPTIONS]
    unique_names = names.unique(taken + [p.name for p in path_first])[len(taken) :]
    return tuple(
        ir.Parameter(**{**p.__dict__, "name": n})
        for p, n in zip(path_first, unique_names, strict=True)
    )


def _responses(b: SchemaBuilder, op: Any, pointer: str, hint: str) -> tuple[ir.Response, ...]:
    """Declared responses in document order; JSON media types give the body type."""
    found = []
    for status, raw in op.get("responses", {}).items():
        where = f"{pointer}/responses/{escape(status)}"
        response, where = b.deref(raw, where)
        content: dict[str, Any] = response.get("content", {})
        json_type = next((m for m in content if m in _JSON or m.endswith("+json")), None)
        body = None
        if json_type is not None:
            media = f"{where}/content/{escape(json_type)}"
            body = b.type_of(
                content[json_type].get("schema"), f"{media}/schema", f"{hint} {status}"
            )
        found.append(ir.Response(status, text_of(response, "description"), tuple(content), body))
    return tuple(found)


def _operations(b: SchemaBuilder, auth: dict[str, ir.ApiKeyAuth]) -> tuple[ir.Operation, ...]:
    """Every operation in document order, with unique method names."""
    global_security = b.doc.get("security", [])
    found: list[ir.Operation] = []
    raws: list[Any] = []
    for path, item in b.doc.get("paths", {}).items():
        for method in _HTTP_METHODS:
            if method not in item:
                continue
            op = item[method]
            pointer = f"/paths/{escape(path)}/{method}"
            op_id = op.get("operationId")
            if not op_id:
                op_id = f"{method} {path}"
                b.warn(
                    pointer,
                    f"operation has no operationId; named {names.snake(op_id)!r} from its path",
                )
            requirements = op.get("security", global_security)
            schemes = sorted({key for req in requirements for key in req if key in auth})
            if "requestBody" in op:
                b.error(f"{pointer}/requestBody", "'requestBody' is not supported yet")
            raws.append(op)
            found.append(
                ir.Operation(
                    operation_id=str(op_id),
                    name=names.snake(str(op_id)),
                    method=method.upper(),
                    path=path,
                    summary=text_of(op, "summary"),
                    description=text_of(op, "description"),
                    parameters=_parameters(b, item, op, pointer),
                    responses=_responses(b, op, pointer, str(op_id)),
                    auth=tuple(auth[key] for key in schemes),
                    pointer=pointer,
                )
            )
    # The clients' own methods keep their names; an operation called close gets close_2.
    own = [names.PythonIdentifier(n) for n in CLIENT_METHODS]
    unique_names = names.unique(own + [op.name for op in found])[len(own) :]
    named = [
        ir.Operation(**{**op.__dict__, "name": n})
        for op, n in zip(found, unique_names, strict=True)
    ]
    return tuple(_with_pagination(b, named, raws))


def _with_pagination(
    b: SchemaBuilder, ops: list[ir.Operation], raws: list[Any]
) -> list[ir.Operation]:
    """Attach declared paging; iterator names must not clash with any method name."""
    taken = {op.name for op in ops} | set(CLIENT_METHODS)
    result = []
    for op, raw in zip(ops, raws, strict=True):
        paging = pagination(b, raw[EXTENSION], op) if EXTENSION in raw else None
        if paging is not None:
            if paging.name in taken:
                where = f"{op.pointer}/{EXTENSION}"
                b.error(where, f"iterator name {paging.name!r} is already a method name")
                paging = None
            else:
                taken.add(paging.name)
        result.append(ir.Operation(**{**op.__dict__, "pagination": paging}))
    return result


def build(spec: LoadedSpec) -> tuple[ir.Api, list[Diagnostic]]:
    """The IR of a validated document, with warnings; raises ``GenerationError`` on errors."""
    b = SchemaBuilder(spec)
    b.components()
    info = spec.document.get("info", {})
    title = str(info.get("title", "API"))
    client = title if title.lower().endswith("client") else f"{title} Client"
    client_name = b.claim_class(client)
    b.class_names.add(f"Async{client_name}")
    schemes = _security(b)
    operations = _operations(b, schemes)
    used = sorted({a.scheme for op in operations for a in op.auth})
    api = ir.Api(
        title=title,
        version=str(info.get("version", "")),
        description=text_of(info, "description"),
        client_name=client_name,
        server=_server(b),
        auth=tuple(schemes[key] for key in used),
        models=tuple(b.models.values()),
        enums=tuple(b.enums.values()),
        operations=operations,
    )
    if any(d.severity is Severity.ERROR for d in b.diagnostics):
        raise GenerationError(b.diagnostics)
    return api, b.diagnostics
