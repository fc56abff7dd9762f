"""Stage 2: turn a validated OpenAPI 3.0 document into the typed IR in ``ir.py``.

Schemas are handled by ``schemas.SchemaBuilder``, operation inputs by ``parameters``;
diagnostics, ``$ref`` resolution and class names are shared through ``context.BuildContext``.
This module adds the server and the operations (``security`` reads their security), and
is the only entry point: ``build(spec) -> (Api, diagnostics)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

from msgspec import structs

from .. import ir, names, urlpath
from ..diagnostics import Diagnostic, GenerationError
from ..load.document import LoadedSpec, escape
from . import replay
from .context import BuildContext
from .groups import groups
from .keywords import nullable, text_of
from .limits import check_depth
from .paging import AZURE, EXTENSION, azure, pagination
from .parameters import JSON, is_json, is_range, parameters, request_body, structured
from .schemas import SchemaBuilder
from .security import requirements, schemes, used

if TYPE_CHECKING:
    from ..load.ledger import Ledger

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# An operation the service acts on once however often it is sent: retried like a PUT.
IDEMPOTENT = "x-apiforge-idempotent"
CLIENT_METHODS = ("close", "aclose", "with_options", "with_raw_response")
# What templates/runtime/_base.py keeps as ``self._<name>`` (tests/generator/test_build.py
# reads the base class to hold this list to it).
BASE_ATTRIBUTES = (
    "accept",
    "auth",
    "base_url",
    "headers",
    "http",
    "max_retries",
    "owns_http",
    "retry_policy",
    "send",
    "stream",
    "timeout",
    "user_agent",
)
CONSTRUCTOR_OPTIONS = (
    "auth",
    "timeout",
    "max_retries",
    "retry_policy",
    "accept",
    "max_connections",
    "allow_insecure_http",
    "http_client",
)


def _server(ctx: BuildContext) -> ir.Server:
    """The first server; its ``{variables}`` become client constructor arguments.

    A relative server URL (or none) gets an ``endpoint`` variable for the host; one
    without a scheme (``//host/v1``) is https.
    """
    servers = ctx.doc.get("servers") or [{"url": "/"}]
    first = dict(servers[0])
    url = str(first.get("url", "/"))
    if url.startswith("//"):  # a network-path reference (RFC 3986): the host, over https
        url = "https:" + url
    variables = dict(first.get("variables") or {})
    if not url.startswith(("http://", "https://", "{")):
        wire = next(
            w for w in ("endpoint", "base_endpoint", "service_endpoint") if w not in variables
        )
        url = "{" + wire + "}" + ("" if url == "/" else url)
        variables[wire] = {"description": "The service's base URL, like https://host."}
    first["url"] = url
    options = [names.PythonIdentifier(o) for o in CONSTRUCTOR_OPTIONS]
    py_names = names.unique(options + [names.snake(v) for v in variables])[len(options) :]
    return ir.Server(
        url=url,
        variables=tuple(
            ir.ServerVariable(
                wire,
                py,
                text_of(var, "description"),
                var.get("default"),
                encode=var.get("x-apiforge-encode") is True,
            )
            for (wire, var), py in zip(variables.items(), py_names, strict=True)
        ),
    )


_BYTES = ir.PrimitiveType(ir.Primitive.BYTES, "binary")


def _is_xml(media_type: str) -> bool:
    media = media_type.split(";")[0].strip().lower()
    return media in ("application/xml", "text/xml") or media.endswith("+xml")


# Statuses whose answers never carry content (RFC 9110, sections 15.3.5, 15.3.6, 15.4.5).
_NO_CONTENT = frozenset({"204", "205", "304"})


def _responses(
    ctx: BuildContext, schemas: SchemaBuilder, op: Any, pointer: str, hint: str
) -> tuple[ir.Response, ...]:
    """Declared responses in document order; the JSON (else XML) schema is the body type.

    A body that is neither JSON nor XML comes back as ``str`` for ``text/*`` media types
    and as ``bytes`` otherwise (with a streaming variant).
    """
    found = []
    for status, raw in op.get("responses", {}).items():
        where = f"{pointer}/responses/{escape(status)}"
        response, where = ctx.deref(raw, where)
        content: dict[str, Any] = response.get("content") or {}
        if status in _NO_CONTENT and content:
            said = f"a {status} answer has no content (RFC 9110); its declared content is ignored"
            ctx.warn(f"{where}/content", said)
            content = {}
        ranged = _ranged_json(ctx, content, where)
        if ranged is not None:
            content = {JSON: content[ranged], **content}
        decoded = [m for m in content if is_json(m) or _is_xml(m)]
        with_schema = [m for m in decoded if "schema" in (content[m] or {})]
        json_first = [m for m in with_schema if is_json(m)] + with_schema
        media = json_first[0] if json_first else None
        body: ir.TypeRef | None = None
        null = False
        if media is not None:
            written = ranged if ranged is not None and media == JSON else media
            at = f"{where}/content/{escape(written)}/schema"
            body = schemas.type_of(content[media]["schema"], at, f"{hint} {status}")
            null = nullable(ctx.deref(content[media]["schema"], at)[0])
        others = [m for m in content if m not in decoded]
        streamed = next((m for m in others if _stream_kind(m)), None) if media is None else None
        if streamed is not None:
            at = f"{where}/content/{escape(streamed)}/schema"
            schema = (content[streamed] or {}).get("schema")
            # JSON data for an object or array (a union of them too); text for the rest.
            item = None
            if schema is not None and structured(ctx, schema, at):
                item = schemas.type_of(schema, at, f"{hint} {status} item")
            description = text_of(response, "description")
            kind = _stream_kind(streamed)
            found.append(ir.Response(status, description, (streamed,), item, stream=kind))
            continue
        # An XML answer whose schema is a plain string is the document itself (Azure's
        # OData $metadata), not an element to read text from.
        document = (
            media is not None and _is_xml(media) and body == ir.PrimitiveType(ir.Primitive.STR)
        )
        text = document or (
            media is None and bool(others) and all(m.startswith("text/") for m in others)
        )
        binary = body == _BYTES or (media is None and bool(others) and not text)
        if binary:
            body = _BYTES
        elif text:
            body = ir.PrimitiveType(ir.Primitive.STR)
        description = text_of(response, "description")
        null = null and not (binary or text)
        # The media type decoded comes first: the client asks for it (apisetu.gov.in lists
        # PDF before the XML it decodes).
        media_types = tuple(dict.fromkeys([media, *content])) if media else tuple(content)
        found.append(ir.Response(status, description, media_types, body, binary, text, null))
    return tuple(found)


_STREAMS = {
    "text/event-stream": "sse",
    "application/x-ndjson": "lines",
    "application/jsonl": "lines",
    "application/x-jsonlines": "lines",
    "application/jsonlines": "lines",
}


def _stream_kind(media: str) -> str:
    """The stream kind of a media type: sse, lines, or empty for any other."""
    return _STREAMS.get(media.split(";")[0].strip().lower(), "")


def _ranged_json(ctx: BuildContext, content: dict[str, Any], where: str) -> str | None:
    """The media range (``*/*``) whose schema is an object or array, where no JSON or XML
    media type has a schema: such a body only travels as JSON in practice, so it is asked
    for and decoded as JSON (rather than returned as bytes)."""
    if any("schema" in (v or {}) for m, v in content.items() if is_json(m) or _is_xml(m)):
        return None
    for media, value in content.items():
        at = f"{where}/content/{escape(media)}/schema"
        if is_range(media) and "schema" in (value or {}) and structured(ctx, value["schema"], at):
            return str(media)
    return None


# What frames the answer, or says its media type: not the service's to declare as data.
_FRAMING = frozenset(
    {"content-type", "content-length", "transfer-encoding", "connection", "content-encoding"}
)


def _headers(
    ctx: BuildContext, schemas: SchemaBuilder, op: Any, pointer: str, hint: str
) -> names.ClassName | None:
    """A model of the headers the lowest 2xx answer declares (rate limits, ``ETag``,
    ``Location``), each typed by its schema; None when it declares none."""
    answers = op.get("responses") if isinstance(op.get("responses"), dict) else {}
    statuses = sorted(s for s in answers if str(s)[:1] == "2")
    if not statuses:
        return None
    where = f"{pointer}/responses/{escape(statuses[0])}"
    response, where = ctx.deref(answers[statuses[0]], where)
    declared = response.get("headers") if isinstance(response, dict) else None
    if not isinstance(declared, dict):
        return None
    fields = []
    taken: list[names.PythonIdentifier] = []
    for wire, raw in declared.items():
        at = f"{where}/headers/{escape(str(wire))}"
        header, at = ctx.deref(raw, at)
        if str(wire).lower() in _FRAMING or not isinstance(header, dict):
            continue
        schema = header.get("schema", {})
        t = schemas.type_of(schema, f"{at}/schema", f"{hint} {wire} header")
        if not _header_type(t):
            t = ir.PrimitiveType(ir.Primitive.STR)
        name = names.unique([*taken, names.snake(str(wire))])[-1]
        taken.append(name)
        fields.append(
            ir.Field(str(wire), name, t, False, True, False, text_of(header, "description"))
        )
    if not fields:
        return None
    model = ir.Model(
        ctx.claim_class(f"{hint} headers"),
        f"The headers of ``{hint}``'s answer.",
        tuple(fields),
        where,
    )
    schemas.models[model.name] = model
    return model.name


def _header_type(t: ir.TypeRef) -> bool:
    """Whether a header's text can be read as ``t``: a scalar, or a list of scalars."""
    if isinstance(t, ir.ArrayType):
        return isinstance(t.item, ir.PrimitiveType) and t.item.kind is not ir.Primitive.ANY
    return isinstance(t, ir.PrimitiveType) and t.kind not in (ir.Primitive.ANY, ir.Primitive.BYTES)


def path_items(paths: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The Paths Object's path items, without its extensions (``x-...``)."""
    for path, item in paths.items():
        if not str(path).startswith("x-") and isinstance(item, dict):
            yield path, item


class _OperationIds:
    """The operationIds given so far, by the operation they name (``GET /a``), and every one
    the document declares, which a renamed duplicate must not take."""

    def __init__(self, ctx: BuildContext, paths: dict[str, Any]) -> None:
        self.given: replay.Table[str] = replay.Table("operation_ids", ctx.log)
        self.declared = {
            str(op["operationId"])
            for _, item in path_items(paths)
            for method, op in item.items()
            if method in _HTTP_METHODS and isinstance(op, dict) and op.get("operationId")
        }


def _operation_id(
    ctx: BuildContext, op: Any, where: tuple[str, str], pointer: str, ids: _OperationIds
) -> str:
    """The operation's id: as declared; named from its method and path when it has none;
    with a ``_2`` suffix (``_3``...) when an earlier operation has it."""
    method, path = where
    op_id = str(op.get("operationId") or "")
    if not op_id:
        op_id = f"{method} {urlpath.written(path)}"
        message = f"operation has no operationId; named {names.snake(op_id)!r} from its path"
        ctx.warn(pointer, message)
        return op_id
    if op_id in ids.given:
        ctx.note("/paths")  # what every operation declares: taken by none of them
        n = 2
        while f"{op_id}_{n}" in ids.declared or f"{op_id}_{n}" in ids.given:
            n += 1
        renamed = f"{op_id}_{n}"
        first = ids.given[op_id]
        message = (
            f"duplicate operationId {op_id!r}, first used by {first}; this one becomes {renamed!r}"
        )
        ctx.warn(f"{pointer}/operationId", message)
        op_id = renamed
    ids.given[op_id] = f"{method.upper()} {path}"
    return op_id


class _Where(NamedTuple):
    """An operation's place: its path, method, path item (and where that is)."""

    path: str
    method: str
    item: dict[str, Any]
    at: str


def _operation(
    ctx: BuildContext,
    schemas: SchemaBuilder,
    where: _Where,
    security: tuple[dict[str, ir.SecurityScheme], tuple[ir.Requirement, ...]],
    ids: _OperationIds,
    made: replay.Table[ir.Operation],
) -> None:
    """One operation, kept in ``made`` by its pointer (a unit of ``replay``: what it reads
    beside its path item is noted here)."""
    path, method, item, at = where
    auth, required = security
    for part in (at, "/security", "/servers", "/components/securitySchemes"):
        ctx.note(part)  # the path item, and what the schemes and their arguments are from
    op = item[method]
    pointer = f"/paths/{escape(path)}/{method}"
    op_id = _operation_id(ctx, op, (method, path), pointer, ids)
    if "security" in op:
        required = requirements(ctx, op["security"], f"{pointer}/security", auth)
    params = parameters(ctx, schemas, item, op, pointer)
    params = _without_credentials(ctx, params, required, auth, (item, op, pointer))
    made[pointer] = ir.Operation(
        operation_id=str(op_id),
        name=names.snake(str(op_id)),
        method=method.upper(),
        path=path,
        summary=text_of(op, "summary"),
        description=text_of(op, "description"),
        parameters=params,
        body=request_body(ctx, schemas, op, pointer, params),
        responses=_responses(ctx, schemas, op, pointer, str(op_id)),
        headers=_headers(ctx, schemas, op, pointer, str(op_id)),
        security=required,
        pointer=pointer,
        idempotent=op.get(IDEMPOTENT) is True,
        tags=tuple(str(t) for t in op.get("tags") or () if isinstance(t, str)),
    )


def _operations(
    ctx: BuildContext,
    schemas: SchemaBuilder,
    auth: dict[str, ir.SecurityScheme],
    paging: dict[str, Any],
    replayed: replay.Replay | None = None,
) -> tuple[ir.Operation, ...]:
    """Every operation in document order, with unique method names; with ``replayed``,
    each as the last build made it, where that may be done again."""
    global_security = requirements(ctx, ctx.doc.get("security"), "/security", auth)
    ids = _OperationIds(ctx, ctx.doc.get("paths", {}))
    made: replay.Table[ir.Operation] = replay.Table("operations", ctx.log)  # by pointer
    tables = {t.name: t for t in (*schemas.tables, ids.given, made)}
    raws: list[Any] = []
    for path, item in path_items(ctx.doc.get("paths", {})):
        _fragment(ctx, path)
        at = f"/paths/{escape(path)}"
        if "$ref" in item:  # a path item that is another's (surevoip.co.uk's /support/...)
            item, at = ctx.deref(item, at)
            item = item if isinstance(item, dict) else {}
        for method in _HTTP_METHODS:
            if method in item:
                raws.append(item[method])
                where = _Where(path, method, item, at)
                one = partial(_operation, ctx, schemas, where, (auth, global_security), ids, made)
                if replayed is None:
                    one()
                else:
                    replayed.unit(f"/paths/{escape(path)}/{method}", tables, one)
    found = list(made.values())
    # The clients' own methods keep their names; an operation called close gets close_2.
    own = [names.PythonIdentifier(n) for n in CLIENT_METHODS]
    unique_names = names.unique(own + [op.name for op in found])[len(own) :]
    named = [structs.replace(op, name=n) for op, n in zip(found, unique_names, strict=True)]
    return tuple(_with_pagination(ctx, schemas, named, raws, paging))


def _fragment(ctx: BuildContext, path: str) -> None:
    """Warn of a path holding a fragment (box.com's ``/files/{file_id}#add_shared_link``
    tells operations on one URL apart): no request carries it, so none is sent."""
    bare, mark, fragment = urlpath.partition(path, "#")
    if mark and not fragment.startswith(urlpath.QUERY_MARK):  # lenient.py warned of those
        lost = " (and the parameters named in it)" if "{" in fragment else ""
        ctx.warn(
            f"/paths/{escape(path)}",
            f"a path holds a fragment ('#{fragment}'), which no request carries{lost};"
            f" sent as {bare!r}",
        )


def _without_credentials(
    ctx: BuildContext,
    params: tuple[ir.Parameter, ...],
    security: tuple[ir.Requirement, ...],
    auth: dict[str, ir.SecurityScheme],
    where: tuple[Any, Any, str],
) -> tuple[ir.Parameter, ...]:
    """``params`` without those that repeat a credential the operation's security sends
    (nytimes.com declares ``api-key`` both ways; here.com an ``Authorization`` header
    beside its bearer scheme): the credential carries it, once."""
    keys: set[tuple[str, str]] = set()
    for requirement in security:
        for key, _ in requirement:
            scheme = auth.get(key)
            if isinstance(scheme, ir.ApiKeyScheme):
                keys.add((scheme.location.value, scheme.wire_name.lower()))
            elif isinstance(scheme, _AUTHORIZING):
                keys.add((ir.ParamLocation.HEADER.value, "authorization"))
    kept = []
    for p in params:
        if (p.location.value, p.wire_name.lower()) not in keys:
            kept.append(p)
            continue
        said = f"parameter {p.wire_name!r} is the credential a security scheme sends; no argument"
        ctx.warn(_parameter_pointer(p, *where), said)
    return tuple(kept)


# The schemes whose credential is the Authorization header (OpenAPI 3 says a header
# parameter of that name is ignored; one without such a scheme stays an argument).
_AUTHORIZING = (ir.HttpScheme, ir.BasicScheme, ir.OAuth2Scheme, ir.OpenIdConnectScheme)


def _parameter_pointer(p: ir.Parameter, item: Any, op: Any, pointer: str) -> str:
    """Where ``p`` is declared: the operation's list first (it overrides the path's)."""
    for holder, base in ((op, pointer), (item, pointer.rsplit("/", 1)[0])):
        for index, raw in enumerate(holder.get("parameters") or []):
            if isinstance(raw, dict) and raw.get("name") == p.wire_name:
                return f"{base}/parameters/{index}"
    return pointer


def _with_pagination(
    ctx: BuildContext,
    schemas: SchemaBuilder,
    ops: list[ir.Operation],
    raws: list[Any],
    configured: dict[str, Any],
) -> list[ir.Operation]:
    """Attach declared paging; iterator names must not clash with any method name."""
    taken = {op.name for op in ops} | set(CLIENT_METHODS)
    for unknown in sorted(set(configured) - {op.operation_id for op in ops}):
        ctx.error("", f"[tool.apiforge.pagination] names no operation of the spec: {unknown!r}")
    result = []
    for op, raw in zip(ops, raws, strict=True):
        paging = None
        if op.operation_id in configured:  # pyproject.toml's word wins over the spec's
            paging = pagination(ctx, schemas, configured[op.operation_id], op, configured=True)
        elif EXTENSION in raw:
            paging = pagination(ctx, schemas, raw[EXTENSION], op)
        elif AZURE in raw:
            paging = azure(ctx, schemas, raw[AZURE], op)
        if paging is not None:
            if paging.name in taken:
                where = f"{op.pointer}/{EXTENSION}"
                ctx.error(where, f"iterator name {paging.name!r} is already a method name")
                paging = None
            else:
                taken.add(paging.name)
        unchanged = paging is None and op.pagination is None  # most: no copy needed
        result.append(op if unchanged else structs.replace(op, pagination=paging))
    return result


def _client_params(
    operations: tuple[ir.Operation, ...], taken: list[names.PythonIdentifier]
) -> tuple[ir.Parameter, ...]:
    """``x-ms-parameter-location: client`` parameters: constructor arguments, one per name."""
    found: dict[str, ir.Parameter] = {}
    for op in operations:
        for p in op.parameters:
            if p.client and p.wire_name not in found:
                found[p.wire_name] = p
    # Each is kept as ``self._<name>``, beside what the base client keeps the same way.
    options = dict.fromkeys((*CONSTRUCTOR_OPTIONS, *BASE_ATTRIBUTES))  # "auth" is both
    reserved = [*taken, *map(names.PythonIdentifier, options)]
    py_names = names.unique(reserved + [p.name for p in found.values()])[len(reserved) :]
    return tuple(structs.replace(p, name=n) for p, n in zip(found.values(), py_names, strict=True))


def build(
    spec: LoadedSpec,
    group_by: str = "none",
    paging: dict[str, Any] | None = None,
    slot: str = "",
    book: Ledger | None = None,
) -> tuple[ir.Api, list[Diagnostic]]:
    """The IR of a validated document, with warnings; raises ``GenerationError`` on errors.

    ``group_by="tag"`` puts each tagged operation in its first tag's group; ``paging``
    declares ``x-apiforge-pagination`` by operationId (``[tool.apiforge.pagination]``).
    ``slot`` names the output folder: the component schemas and operations the last build
    for it made are done again from its record where they may be (``replay``), the parts'
    fingerprints taken from ``book`` where it has them."""
    ctx = BuildContext(spec)
    schemas = SchemaBuilder(ctx)
    shelf = replay.Shelf(slot) if slot else None
    done = replay.Replay(ctx, shelf.units(), book) if shelf else None
    schemas.components(done)
    info = spec.document.get("info", {})
    title = str(info.get("title", "API"))
    client_name = ctx.claim_class(names.client_class(title))
    ctx.class_names.add(f"Async{client_name}")
    server = _server(ctx)
    options = [names.PythonIdentifier(o) for o in CONSTRUCTOR_OPTIONS]
    if not server.variables:
        options.append(names.PythonIdentifier("base_url"))
    known = schemes(ctx, [*options, *(v.name for v in server.variables)])
    operations = _operations(ctx, schemas, known, paging or {}, done)
    untagged = schemas.finish()
    auth = used(known, operations)
    taken = [v.name for v in server.variables] + [s.name for s in auth]
    api = ir.Api(
        title=title,
        version=str(info.get("version", "")),
        description=text_of(info, "description"),
        client_name=client_name,
        server=server,
        auth=auth,
        models=tuple(schemas.models.values()),
        enums=tuple(schemas.enums.values()),
        operations=operations,
        unions=tuple(schemas.unions.values()),
        untagged=untagged,
        client_params=_client_params(operations, taken),
    )
    if group_by == "tag":
        api = structs.replace(api, groups=groups(ctx, operations, CLIENT_METHODS))
    check_depth(ctx, api, done.checked if done else ())
    if ctx.failed:
        raise GenerationError(ctx.diagnostics)
    if shelf and done:
        shelf.keep(done)
    return api, ctx.diagnostics
