"""Contract runs: every operation of a generated client called against Prism mocking its spec.

Each operation is called four times: only the required arguments and every argument,
through the sync and the async client, with Prism answering from the spec's examples
(static) for two calls and from random schema-valid data (``Prefer: dynamic=true``) for the
other two. Arguments come from ``values.Maker``, seeded by spec and operation.

A call ends in one of ``OUTCOMES``:

- ``ok``: a 2xx answer decoded into the declared type;
- ``error-answer``: Prism chose a declared error status; the client raised its typed
  ``ApiStatusError`` (what Prism returns for a valid request whose spec has no 2xx);
- ``refused``: Prism refused the request (an ``sl-violations`` header, or one of Prism's own
  problem answers: no such path, no credentials);
- ``no-valid-value``: Prism refused a request holding an argument that the test could not
  make fit its schema (a ``oneOf`` whose alternatives all match, say): the spec's fault;
- ``prism-error``: Prism failed to answer a valid request (a 5xx problem of its own, as
  for a media type it cannot write): not the client's fault;
- ``bad-answer``: the answer did not decode, and breaks the spec's own schema (the spec's
  example is wrong, or Prism made it up wrongly): not the client's fault;
- ``decode-failed``: the answer fits the spec's schema and the client could not decode it;
- ``not-sent``: the client raised before sending;
- ``crashed``: any other exception.

Only ``ok`` and ``error-answer`` count as an operation called successfully.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.parser
import email.policy
import importlib
import inspect
import json
import re
import sys
import tempfile
import traceback
import typing
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import msgspec
from apiforge import urlpath
from apiforge.build.parameters import is_json, is_range
from apiforge.load import lenient

from . import values
from .directory import resolved

OUTCOMES = (
    "ok",
    "error-answer",
    "refused",
    "no-valid-value",
    "prism-error",
    "bad-answer",
    "decode-failed",
    "not-sent",
    "crashed",
)
GOOD = frozenset({"ok", "error-answer"})
# What Prism or the spec got wrong, never the client (each case in docs/real-world.md).
NOT_OURS = GOOD | {"prism-error", "bad-answer", "no-valid-value"}
PRISM_ERRORS = "https://stoplight.io/prism/errors#"
# (client, arguments, Prism's answer): every pairing of the three, once per operation.
CALLS = (
    ("sync", "required", "static"),
    ("sync", "full", "dynamic"),
    ("async", "required", "dynamic"),
    ("async", "full", "static"),
)
SEED = "apiforge"  # Prism's random answers, the same on every run
TIMEOUT = 10.0  # seconds for an answer: Prism gives one in milliseconds, or never
RESTARTS = 5  # new Prisms for one spec, after one dies (xero.com's answers can kill it)
_FRAMING = frozenset({"content-encoding", "transfer-encoding", "content-length", "connection"})


@dataclass(frozen=True)
class Call:
    """One call's end."""

    operation: str
    client: str
    arguments: str
    answer: str
    outcome: str
    detail: str = ""


def run_spec(spec: str, packages: str, package: str) -> dict[str, Any]:
    """Serve ``spec`` with Prism and call every operation of ``package`` (generated from it,
    in folder ``packages``): counts per outcome, and the first call of each failing kind."""
    from support.prism import running_prism

    with tempfile.TemporaryDirectory(prefix="contract-") as logs:
        try:
            session = Session(Path(spec), Path(packages), package)
            served = session.prism_spec(Path(logs))
            with contextlib.ExitStack() as stack:

                def start() -> None:
                    prism = stack.enter_context(
                        running_prism(served, log_dir=Path(logs), seed=SEED)
                    )
                    session.url, session.prism = prism.url, prism

                start()
                session.restart = start
                calls = session.call_all()
        except BaseException as exc:  # Prism not starting is pytest.fail: a BaseException
            if isinstance(exc, KeyboardInterrupt):
                raise
            return {"error": f"{type(exc).__name__}: {str(exc)[:2000]}"}
    return summary(spec, calls)


KNOWN = Path(__file__).with_name("contract_known.txt")


def known() -> dict[str, dict[str, str]]:
    """The failures of ours not fixed yet (``contract_known.txt``): per spec, the
    operations (``*``: the whole spec) and why."""
    found: dict[str, dict[str, str]] = {}
    for line in KNOWN.read_text(encoding="utf-8").splitlines():
        entry, _, why = line.partition("#")
        if entry.strip():
            spec, operation = entry.split()
            found.setdefault(spec, {})[operation] = why.strip()
    return found


def summary(spec: str, calls: list[Call]) -> dict[str, Any]:
    """What a spec's calls came to: per outcome, per operation, and the first failures."""
    by_operation: dict[str, list[Call]] = {}
    for call in calls:
        by_operation.setdefault(call.operation, []).append(call)
    failed = [c for c in calls if c.outcome not in NOT_OURS]  # every one of ours
    failed += [c for c in calls if c.outcome in NOT_OURS - GOOD][:50]
    first: dict[str, str] = {}
    for call in failed:
        first.setdefault(call.outcome, f"{call.operation}: {call.detail}")
    return {
        "operations": len(by_operation),
        "operations_ok": sum(all(c.outcome in GOOD for c in cs) for cs in by_operation.values()),
        # No call failed by the client: each ended well or by the spec's or Prism's fault.
        "operations_clean": sum(
            all(c.outcome in NOT_OURS for c in cs) for cs in by_operation.values()
        ),
        "calls": dict(Counter(c.outcome for c in calls)),
        "first": first,
        "failures": [{**c.__dict__, "reproduce": reproduction(spec, c)} for c in failed[:50]],
    }


def reproduction(spec: str, call: Call) -> str:
    """The one command that repeats ``call`` alone."""
    return (
        f"PYTHONPATH=tests python -m realworld.contract {spec} {call.operation}"
        f" --client {call.client} --arguments {call.arguments} --answer {call.answer}"
    )


class Session:
    """One spec's generated package, its IR, and clients pointed at Prism."""

    def __init__(self, spec: Path, packages: Path, package: str) -> None:
        from apiforge import build, load

        read = load.read(spec, display=str(spec))
        # As written: the lenient reading drops examples that break their schema, which
        # Prism still answers with.
        self.written = copy.deepcopy(read.document)
        loaded, _ = load.ready(read)
        self.api, _ = build.build(loaded)
        self.document = loaded.document
        self.spec = spec
        self.url = ""  # Prism's, once it runs: every request goes there, whatever its host
        self.prism: Any = None
        self.restart: Callable[[], None] | None = None  # a new Prism, after one died
        self.restarts = RESTARTS
        if str(packages) not in sys.path:
            sys.path.insert(0, str(packages))
        self.module = importlib.import_module(package)
        self.unions = getattr(importlib.import_module(f"{package}._models"), "_unions", None)
        self.errors = importlib.import_module(f"{package}._errors")
        # Answers are judged by the schemas as apiforge reads them (docs/openapi-support.md):
        # ``properties`` without ``type`` is an object, ``items`` without it an array.
        self.judged = _implied(copy.deepcopy(self.document))
        self.validator = _validator(self.judged)
        self.unfit: list[str] = []  # arguments of the call being made that fit no value
        self.exchanges: list[httpx.Response] = []
        self.dynamic = False
        self.fragment = ""  # of the called operation's path: where _prefer sends it
        self.undefined: set[str] = set()  # form fields required, never defined, and sent

    def prism_spec(self, folder: Path) -> Path:
        """The spec as Prism must see it: Prism ignores the servers' paths, so where the
        client's base URL has one (``/v1.33``), a copy whose paths start with it."""
        cls = getattr(self.module, self.api.client_name)
        with cls(**_accepted(cls, self._constructor_arguments())) as client:
            base = urlsplit(client._base_url).path.rstrip("/")
        document = json.loads(self.spec.read_bytes())
        queries = self._paths_with_queries(document)
        fragments = any("#" in read for read, _ in queries.values()) or any(
            "#" in path for path in document.get("paths") or {}
        )
        ranged = _json_beside_ranges(document)
        colons = _without_colon_names(document)
        if not base and not fragments and not queries and not ranged and not colons:
            return self.spec
        # A path written with its query string (weatherbit.io's /alerts?lat={lat}) is served
        # as apiforge reads it: the bare path, what the string names in the query.
        paths = [queries.get(path, (path, item)) for path, item in document["paths"].items()]
        document["paths"] = dict(paths)
        # A path holding a fragment (box.com's /files/{file_id}#add_shared_link) is served
        # as a path of its own, where _prefer sends its operation's requests: the fragment
        # never travels, so Prism would judge them by the operation of the bare path.
        document["paths"] = {base + _routed(path): item for path, item in document["paths"].items()}
        _rebase_refs(document, "#/paths/" + base.replace("~", "~0").replace("/", "~1"))
        copy = folder / "prism-spec.json"
        copy.write_text(json.dumps(document), "utf-8")
        return copy

    def _paths_with_queries(self, document: dict[str, Any]) -> dict[str, tuple[str, Any]]:
        """The written paths holding a query string, each with the key and the path item
        apiforge read it as (lenient.py: the bare path, or with a fragment where several
        share it); none for a Swagger 2.0 document."""
        if "openapi" not in document:
            return {}
        read = lenient.query_paths(document.get("paths") or {})
        return {
            k: (v, self.document["paths"][v])
            for k, v in read.items()
            if v in self.document["paths"]
        }

    # --- calling ----------------------------------------------------------------------

    def call_all(
        self, only: str | None = None, calls: tuple[tuple[str, str, str], ...] = CALLS
    ) -> list[Call]:
        """Every operation (or only ``only``), each in every pairing of ``calls``."""
        operations = [op for op in self.api.operations if only in (None, op.name)]
        found: list[Call] = []
        sync = [c for c in calls if c[0] == "sync"]
        if sync:
            with self._client() as client:
                for op in operations:
                    found += [self._call(client, op, a, d) for _, a, d in sync]
        later = [c for c in calls if c[0] == "async"]
        if later:
            found += asyncio.run(self._call_async(operations, later))
        return found

    async def _call_async(
        self, operations: list[Any], calls: list[tuple[str, str, str]]
    ) -> list[Call]:
        found: list[Call] = []
        async with self._async_client() as client:
            for op in operations:
                for _, arguments, answer in calls:
                    found.append(await self._acall(client, op, arguments, answer))
        return found

    def _call(self, client: Any, op: Any, arguments: str, answer: str) -> Call:
        method = getattr(client, op.name)
        ready = self._ready(op, method, "sync", arguments, answer)
        if isinstance(ready, Call):
            return ready
        before = len(self.exchanges)
        try:
            method(**ready)
        except Exception as exc:
            return self._failed(op, "sync", arguments, answer, exc, before)
        return self._succeeded(op, "sync", arguments, answer, before)

    async def _acall(self, client: Any, op: Any, arguments: str, answer: str) -> Call:
        method = getattr(client, op.name)
        ready = self._ready(op, method, "async", arguments, answer)
        if isinstance(ready, Call):
            return ready
        before = len(self.exchanges)
        try:
            await method(**ready)
        except Exception as exc:
            return self._failed(op, "async", arguments, answer, exc, before)
        return self._succeeded(op, "async", arguments, answer, before)

    def _ready(
        self, op: Any, method: Callable[..., Any], client: str, arguments: str, answer: str
    ) -> dict[str, Any] | Call:
        """The call's arguments, with Prism alive and told how to answer; or the call's
        end when the test's own argument maker failed (a bug to see, not to hide)."""
        try:
            kwargs = self.arguments(op, method, full=arguments == "full")
        except Exception as exc:
            return Call(op.name, client, arguments, answer, "crashed", f"arguments: {exc!r}")
        # Prism makes data only from a schema: where no success answer declares one
        # (haloapi.com's), a dynamic call is answered from the examples too.
        self.dynamic = answer == "dynamic" and self._answers_have_schemas(op)
        self.fragment = urlpath.partition(op.path, "#")[2]
        self._revive()
        return kwargs

    def _answers_have_schemas(self, op: Any) -> bool:
        """Whether some success answer of ``op`` declares a schema."""
        responses = _at(self.judged, op.pointer).get("responses") or {}
        for status, response in responses.items():
            if str(status).startswith("2"):
                content = values.flat(self.judged, response or {}).get("content") or {}
                if any(isinstance(m, dict) and "schema" in m for m in content.values()):
                    return True
        return False

    def _revive(self) -> None:
        """Start Prism again if the last call killed it (a few times per spec)."""
        dead = self.prism is not None and self.prism.process.poll() is not None
        if dead and self.restart is not None and self.restarts > 0:
            self.restarts -= 1
            self.restart()

    def _succeeded(self, op: Any, client: str, arguments: str, answer: str, before: int) -> Call:
        response = self.exchanges[-1] if len(self.exchanges) > before else None
        if response is None:
            return Call(op.name, client, arguments, answer, "crashed", "nothing was sent")
        refusal = _refusal(response)
        if refusal:  # a refusal that decoded as success: still a refusal
            outcome = "no-valid-value" if self.unfit else "refused"
            return Call(op.name, client, arguments, answer, outcome, self._why(refusal))
        return Call(op.name, client, arguments, answer, "ok")

    def _failed(
        self, op: Any, client: str, arguments: str, answer: str, exc: Exception, before: int
    ) -> Call:
        def end(outcome: str, detail: str) -> Call:
            return Call(op.name, client, arguments, answer, outcome, detail[:500])

        response = self.exchanges[-1] if len(self.exchanges) > before else None
        framing = (
            self._framing_headers(op) if isinstance(exc, self.errors.ApiConnectionError) else []
        )
        if framing:
            # Prism copies the spec's example headers into its answer: Content-Encoding on a
            # plain body, a made-up Transfer-Encoding, that no HTTP client can read.
            return end("prism-error", f"the spec declares {', '.join(framing)}: {exc}")
        if self.prism is not None and self.prism.process.poll() is not None:
            return end("prism-error", f"Prism exited ({self.prism.process.returncode}): {exc}")
        if isinstance(exc, self.errors.ApiTimeoutError) and response is None:
            return end("prism-error", f"Prism did not answer within {TIMEOUT:.0f} s: {exc}")
        if response is None:
            outcome = "no-valid-value" if self.unfit else "not-sent"
            return end(outcome, f"{type(exc).__name__}: {exc}")
        refusal = _refusal(response)
        if refusal and response.status_code >= 500:
            return end("prism-error", refusal)
        if refusal and _ignored_header_only(refusal):
            return end("prism-error", f"Prism checks a header OpenAPI 3 says to ignore: {refusal}")
        if refusal and self._form_fields_unread(op, response.request, refusal):
            return end("prism-error", f"Prism reads form fields as text: {refusal}")
        if refusal and _query_objects_as_json(response.request, refusal):
            return end("prism-error", f"Prism reads no JSON in a query: {refusal}")
        schemas = _parameters(self.document, op.pointer) if refusal else {}
        if refusal and _exploded_properties_sent(response.request, refusal, schemas, self.document):
            return end("prism-error", f"Prism misses exploded object properties: {refusal}")
        if refusal and self._routed_elsewhere(op, refusal):
            return end("prism-error", f"Prism routed the request to another path: {refusal}")
        if refusal and _one_item_nullable_arrays(response.request, refusal):
            return end("prism-error", f"Prism reads one query item as no array: {refusal}")
        if refusal and self._untyped_enums_only(op, refusal):
            return end("prism-error", f"Prism compares text with an untyped enum: {refusal}")
        if refusal and _undefined_fields_only(refusal, self.undefined):
            # Prism's form reader keeps only the fields ``properties`` defines.
            return end("prism-error", f"Prism drops a required form field never defined: {refusal}")
        if refusal:
            return end("no-valid-value" if self.unfit else "refused", self._why(refusal))
        if response.status_code == 431 and not response.content:
            # Node's HTTP server, not Prism's mock: a request line over its 16 KB limit
            # (sinao.app's batch of invoices, a deep array in the query).
            return end("prism-error", f"431: Node refuses headers over 16 KB: {exc}")
        if isinstance(exc, self.errors.ApiStatusError):
            return end("error-answer", str(response.status_code))
        if isinstance(exc, self.errors.ResponseDecodeError):
            broken = self._breaks_schema(op, response)
            if broken:
                return end("bad-answer", f"{response.status_code}: {broken}")
            return end("decode-failed", f"{response.status_code} {_media(response)}: {exc}")
        return end("crashed", "".join(traceback.format_exception_only(exc)).strip())

    def _framing_headers(self, op: Any) -> list[str]:
        """The response headers ``op`` declares that frame or encode the message."""
        found: set[str] = set()
        for response in (_at(self.document, op.pointer).get("responses") or {}).values():
            headers = values.flat(self.document, response).get("headers") or {}
            found |= {h for h in headers if h.lower() in _FRAMING or not h.strip()}
        return sorted(found)

    def _form_fields_unread(self, op: Any, request: httpx.Request, refusal: str) -> bool:
        """Whether Prism refused only form fields it never deserialised, each of which the
        request carries as OpenAPI says. Prism (body.js, deserializeFormBody) keeps every
        urlencoded or multipart field as one string (the last of a repeated name) unless
        the spec's Encoding Object gives the field a ``style``; so an array or an object
        field without one is "not an array/object" however it is sent."""
        media = request.headers.get("content-type", "").split(";")[0].strip()
        if media not in ("multipart/form-data", "application/x-www-form-urlencoded"):
            return False
        body = values.flat(self.document, _at(self.document, op.pointer).get("requestBody"))
        encoding = ((body.get("content") or {}).get(media) or {}).get("encoding") or {}
        sent = _form_sent(request, media)
        return _every_reason(
            refusal,
            _UNREAD_FIELD,
            lambda m: (
                "style" not in (encoding.get(m["name"]) or {})
                and _sent_as_openapi_says(sent, m["name"], m["kind"], media)
            ),
        )

    def _routed_elsewhere(self, op: Any, refusal: str) -> bool:
        """Whether Prism wants path parameters ``op`` has none of: it matched the request
        to another path template (googleapis.com's ``/v1/{entityType}:exportFeatureValues``
        taken for ``/v1/{name}:export``)."""
        own = {p.wire_name.lower() for p in op.parameters if p.location.value == "path"}
        return _every_reason(refusal, _PATH_PROPERTY, lambda m: m["name"].lower() not in own)

    def _untyped_enums_only(self, op: Any, refusal: str) -> bool:
        """Whether Prism refused only parameters whose schema is an ``enum`` of booleans or
        numbers without a ``type`` (nexmo.com's ``delivered: {enum: [true, false, 0, 1]}``):
        the client sends ``true``, and Prism compares that text with the value ``true``."""
        schemas = _parameters(self.document, op.pointer)

        def untyped(match: re.Match[str]) -> bool:
            schema = schemas.get((match["in"], match["name"].lower()), {})
            if not isinstance(schema, dict) or "type" in schema:
                return False
            return not all(isinstance(v, str) for v in schema.get("enum") or ["text"])

        return _every_reason(refusal, _ENUM_REFUSAL, untyped)

    def _why(self, refusal: str) -> str:
        if not self.unfit:
            return refusal
        return f"no value fits {', '.join(self.unfit)} (the spec's schema); Prism: {refusal}"

    # --- arguments ----------------------------------------------------------------------

    def arguments(self, op: Any, method: Callable[..., Any], *, full: bool) -> dict[str, Any]:
        """Keyword arguments for ``op``: every one, or only the required ones."""
        maker = values.Maker(self.document, f"{op.operation_id}:{full}", valid=self._valid)
        hints = _hints(method)
        raw = _parameters(self.document, op.pointer)
        kwargs: dict[str, Any] = {}
        self.unfit, self.undefined = [], set()
        for param in op.parameters:
            if param.client or not (full or param.required):
                continue  # a client parameter is the constructor's (_constructor_arguments)
            schema = raw.get((param.location.value, param.wire_name), {})
            if param.required and isinstance(schema, dict) and "array" in str(schema.get("type")):
                # The client refuses an empty required list: nothing would say it was given.
                schema = {**schema, "minItems": max(int(schema.get("minItems") or 0), 1)}
            elif param.location.value == "path" and isinstance(schema, dict):
                # The client refuses an empty path value: it would leave ``//``.
                schema = {**schema, "minLength": max(int(schema.get("minLength") or 0), 1)}
            made = maker.value(schema, full=full)
            empty_path = param.location.value == "path" and made in ({}, [])
            if empty_path or not self._valid(made, schema):
                # An empty object or list in a path is no segment (jellyfin.local's
                # Version, whose properties are all read-only): the client refuses it.
                self.unfit.append(param.wire_name)
            kwargs[param.name] = self._convert(made, hints.get(param.name))
        self.unfit += _colliding_objects(op, raw, kwargs, self.document)
        body = op.body
        # A form's required fields are required arguments even where the body is optional.
        if body is not None and (full or body.required or any(f.required for f in body.fields)):
            kwargs |= self._body(op, maker, hints, full)
        return kwargs

    def _body(
        self, op: Any, maker: values.Maker, hints: dict[str, Any], full: bool
    ) -> dict[str, Any]:
        body = op.body
        content = _at(self.document, op.pointer).get("requestBody") or {}
        content = maker.flat(content).get("content") or {}
        schema = (content.get(body.media_type) or {}).get("schema", {})
        if body.kind.value == "binary":
            # Prism reads a body of no JSON or form type as text: where the schema wants
            # an object (docker.com's network connect, declared application/octet-stream),
            # no bytes fit it.
            if not self._valid("apiforge", schema):
                self.unfit.append("the body (bytes, whose schema takes no text)")
            return {body.name: b"apiforge"}
        # A form's fields are arguments of their own (depth 0 for the maker: a list gets
        # an item); a JSON body is one argument.
        made = maker.value(schema, full=full, depth=0 if body.kind.value == "json" else -1)
        if not self._valid(made, schema):
            self.unfit.append("the body")
        elif body.kind.value != "json" and not isinstance(made, dict):
            # loket.nl's multipart body of `type: string, format: binary`: a form is fields,
            # which Prism reads as an object, never as the string its schema wants.
            self.unfit.append("the body (a form, whose schema is no object)")
        if body.kind.value == "json":
            return {body.name: self._convert(made, hints.get(body.name))}
        kwargs: dict[str, Any] = {}
        named = {f.wire_name for f in body.fields if not f.spread}
        sent = set(made) if isinstance(made, dict) else set()
        self.undefined = (named & sent) - set(maker.flat(schema).get("properties") or {})
        for field in body.fields:
            if field.spread:
                rest = (
                    {k: v for k, v in made.items() if k not in named}
                    if isinstance(made, dict)
                    else {}
                )
                if rest or field.required:
                    kwargs[field.name] = self._convert(rest, hints.get(field.name))
            elif field.is_file and (full or field.required):
                kwargs[field.name] = b"apiforge"
            elif isinstance(made, dict) and field.wire_name in made:
                kwargs[field.name] = self._convert(made[field.wire_name], hints.get(field.name))
        return kwargs

    def _convert(self, made: Any, hint: Any) -> Any:
        """The JSON value ``made`` as the Python type the method declares."""
        if hint is None:
            return made
        hook = self.unions.decode if self.unions is not None else None
        try:
            return msgspec.convert(made, hint, strict=False, dec_hook=hook)
        except TypeError:  # a type msgspec cannot convert to (bytes or a file, say)
            return made
        except msgspec.ValidationError:
            if not self.unfit:  # the method's types disagree with the schema: ours
                raise
            # A schema no value fits (sinao.app's RecurringInvoice: `discount` an object
            # in one allOf part, an integer in the other): sent as made, for Prism to judge.
            return made

    def _valid(self, value: Any, schema: Any) -> bool:
        """Whether ``value`` fits ``schema``; True where jsonschema cannot read the schema
        (azure.com's recoveryservicesbackup has a property whose schema is a string):
        Prism judges the request then."""
        try:
            return not any(True for _ in self.validator.evolve(schema=schema).iter_errors(value))
        except (AttributeError, TypeError, LookupError, ValueError):
            return True

    def _breaks_schema(self, op: Any, response: httpx.Response) -> str:
        """Why the answer's JSON body breaks its declared schema; "" when it fits or
        cannot be judged (not JSON, nothing declared)."""
        responses = _at(self.judged, op.pointer).get("responses") or {}
        status = str(response.status_code)
        declared = (
            responses.get(status) or responses.get(f"{status[0]}XX") or responses.get("default")
        )
        declared = values.flat(self.judged, declared or {})
        # By media type without parameters (loket.nl's application/json;version=2018-01-01).
        content = {
            str(m).split(";")[0].strip().lower(): v
            for m, v in reversed(list((declared.get("content") or {}).items()))
        }
        kind = _media(response).split("/")[0]
        # The media type's own entry, else the range it falls in (`*/*`: openchannel.io's).
        media = next(
            (content[m] for m in (_media(response), f"{kind}/*", "*/*") if m in content), None
        )
        if not isinstance(media, dict) or "schema" not in media:
            return ""
        if "xml" in _media(response):  # Prism writes XML from the schema's own examples
            return self._bad_example(media["schema"], "$")
        try:
            body = json.loads(response.content)
        except ValueError:
            return ""
        try:
            errors = self.validator.evolve(schema=media["schema"]).iter_errors(body)
            error = next(iter(errors), None)
        except Exception:  # jsonschema cannot walk every schema (Azure StorSimple's): unjudged
            return ""
        return "" if error is None else f"{error.message[:200]} (at {error.json_path})"

    def _bad_example(self, schema: Any, at: str, depth: int = 0) -> str:
        """The first property ``example`` in ``schema`` that breaks its own schema (an XML
        answer cannot be judged as it is: its text has no types), or ""."""
        schema = values.flat(self.written, schema)
        if depth > 16 or not isinstance(schema, dict):
            return ""
        if "example" in schema:
            bare = {k: v for k, v in schema.items() if k not in ("example", "xml")}
            judge = self.validator.evolve(schema=bare)
            error = next(iter(judge.iter_errors(schema["example"])), None)
            if error is not None:
                return f"the spec's example {schema['example']!r} {error.message[:120]} (at {at})"
        for name, prop in (schema.get("properties") or {}).items():
            found = self._bad_example(prop, f"{at}.{name}", depth + 1)
            if found:
                return found
        items = schema.get("items")
        return self._bad_example(items, f"{at}[0]", depth + 1) if isinstance(items, dict) else ""

    # --- clients ------------------------------------------------------------------------

    def _constructor_arguments(self) -> dict[str, Any]:
        # The spec's own server: the request hook sends everything to Prism.
        # The spec's server may be plain http: the client refuses to send credentials there
        # unless told to (every request goes to Prism on 127.0.0.1 anyway).
        kwargs: dict[str, Any] = {"max_retries": 0, "timeout": TIMEOUT, "allow_insecure_http": True}
        for scheme in self.api.auth:
            kind = type(scheme).__name__
            if kind == "BasicScheme":
                kwargs[scheme.name] = ("apiforge", "secret")
            elif kind != "MutualTlsScheme":
                kwargs[scheme.name] = "apiforge-credential"
        template = self.api.server.url
        for variable in self.api.server.variables:  # each a required argument
            whole = template.startswith("{" + variable.wire_name + "}")  # the host
            given = variable.default or ("https://apiforge.test" if whole else "apiforge")
            kwargs[variable.name] = given
        maker = values.Maker(self.document, "client", valid=self._valid)
        for param in self.api.client_params:
            schema = _client_param_schema(self.document, param.wire_name)
            kwargs[param.name] = maker.value(schema, full=True)
        return kwargs

    @contextlib.contextmanager
    def _client(self) -> Iterator[Any]:
        http = httpx.Client(
            timeout=TIMEOUT,
            event_hooks={"request": [self._prefer], "response": [self._record]},
        )
        cls = getattr(self.module, self.api.client_name)
        kwargs = self._constructor_arguments()
        with http, cls(**_accepted(cls, kwargs), http_client=http) as client:
            yield client

    @contextlib.asynccontextmanager
    async def _async_client(self) -> Any:
        async def prefer(request: httpx.Request) -> None:
            self._prefer(request)

        async def record(response: httpx.Response) -> None:
            self.exchanges.append(response)
            await response.aread()

        http = httpx.AsyncClient(
            timeout=TIMEOUT, event_hooks={"request": [prefer], "response": [record]}
        )
        cls = getattr(self.module, "Async" + self.api.client_name)
        kwargs = self._constructor_arguments()
        async with http, cls(**_accepted(cls, kwargs), http_client=http) as client:
            yield client

    def _prefer(self, request: httpx.Request) -> None:
        prism = urlsplit(self.url)
        request.url = request.url.copy_with(scheme="http", host=prism.hostname, port=prism.port)
        if self.fragment:  # as sent (percent-encoding kept), with the fragment's segment
            path, mark, query = request.url.raw_path.partition(b"?")
            path = path.rstrip(b"/") + _routed("#" + self.fragment).encode()
            request.url = request.url.copy_with(raw_path=path + mark + query)
        request.headers["Host"] = prism.netloc
        if self.dynamic and "prefer" not in request.headers:
            # A spec's own Prefer header (Azure Search's return=representation) wins: Prism
            # would refuse it replaced, so that call is answered from the examples.
            request.headers["Prefer"] = "dynamic=true"

    def _record(self, response: httpx.Response) -> None:
        self.exchanges.append(response)  # first: a body that fails to read is still seen
        response.read()


def _routed(path: str) -> str:
    """``path`` with its fragment, if any, as a last segment Prism can route by."""
    bare, mark, fragment = urlpath.partition(path, "#")
    # No "//": Prism routes "//x" as "/" (AWS's paths are all "/#X-Amz-Target=...").
    return f"{bare.rstrip('/')}/apiforge-fragment-{fragment}" if mark else path


def _without_colon_names(document: dict[str, Any]) -> bool:
    """Path template names holding ``:`` renamed without it, in the keys and in their
    operations' path parameters, in place (rapidapi.com's ``/data/insights/{insight_id:}``:
    Prism's path reader drops the colon, then finds no parameter of that name). What
    travels is the same; apiforge reads such names by OpenAPI's braces. Whether any was."""
    renamed = False
    for key in list(document.get("paths") or {}):
        if not re.search(r"\{[^{}]*:[^{}]*\}", key):
            continue
        item = document["paths"].pop(key)
        document["paths"][
            re.sub(r"\{([^{}]*)\}", lambda m: "{" + m[1].replace(":", "") + "}", key)
        ] = item
        for holder in [item, *(v for v in item.values() if isinstance(v, dict))]:
            for param in holder.get("parameters") or [] if isinstance(holder, dict) else []:
                if isinstance(param, dict) and param.get("in") == "path":
                    param["name"] = str(param.get("name", "")).replace(":", "")
        renamed = True
    return renamed


def _rebase_refs(node: Any, paths: str) -> None:
    """Point every ``$ref`` into ``#/paths/...`` at the path renamed with its base."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/paths/"):
            node["$ref"] = paths + ref[len("#/paths/") :]
        for value in node.values():
            _rebase_refs(value, paths)
    elif isinstance(node, list):
        for value in node:
            _rebase_refs(value, paths)


def _accepted(cls: type, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments ``cls``'s constructor takes."""
    names = inspect.signature(cls).parameters
    return {k: v for k, v in kwargs.items() if k in names}


def _hints(method: Callable[..., Any]) -> dict[str, Any]:
    """The method's parameter types, resolved in its module."""
    try:
        return typing.get_type_hints(method)
    except Exception:  # a name only imported for type checking: resolve one by one
        module = sys.modules[method.__module__].__dict__
        found: dict[str, Any] = {}
        for name, annotation in inspect.signature(method).parameters.items():
            with contextlib.suppress(Exception):
                found[name] = eval(annotation.annotation, module)
        return found


def _at(document: Any, pointer: str) -> dict[str, Any]:
    ref = pointer if pointer.startswith("#") else "#" + pointer  # the IR's lack the "#"
    node = values.resolve(document, ref)
    return node if isinstance(node, dict) else {}


def _colliding_objects(
    op: Any, schemas: dict[tuple[str, str], Any], kwargs: dict[str, Any], document: Any
) -> list[str]:
    """The exploded object query parameters sent whose property names are also query
    parameters sent (sinao.app's ``movements``, with ``id`` and ``type`` like the
    operation's own): one name then travels twice, and no request fits the spec."""
    sent = [
        p for p in op.parameters if p.location.value == "query" and kwargs.get(p.name) is not None
    ]
    found = []
    for param in sent:
        if not param.explode or param.style not in ("", "form"):
            continue
        schema = values.flat(document, schemas.get(("query", param.wire_name), {}))
        others = {p.wire_name for p in sent if p is not param}
        clash = sorted(set(schema.get("properties") or {}) & others)
        if clash:
            found.append(
                f"{param.wire_name} (its properties {', '.join(clash)} are parameters too)"
            )
    return found


def _parameters(document: Any, pointer: str) -> dict[tuple[str, str], Any]:
    """The schemas of an operation's parameters (its path item's too), by (in, name)."""
    item = _at(document, pointer.rsplit("/", 1)[0])
    return _schemas_of(document, item) | _schemas_of(document, _at(document, pointer))


def _schemas_of(document: Any, holder: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """The schemas of the parameters ``holder`` lists, by (in, name) and (in, lower-case
    name): Prism's messages lowercase names, and a query may hold two names that differ
    only in case (amazonaws.com's s3control: ``maxResults`` and ``MaxResults``)."""
    found: dict[tuple[str, str], Any] = {}
    for raw in holder.get("parameters") or []:
        param = values.flat(document, raw)
        schema = param.get("schema")
        if schema is None:
            content = param.get("content") or {}
            schema = next(iter(content.values()), {}).get("schema", {})
        where, name = str(param.get("in")), str(param.get("name", ""))
        found[(where, name.lower())] = found[(where, name)] = schema
    return found


def _json_beside_ranges(document: Any) -> bool:
    """Give each answer declared only under a media range (``*/*``) the same content as
    ``application/json`` too, in place; True if one was. apiforge asks for JSON there
    (build/api.py ``_ranged_json``), which Prism refuses with 406: it does not match a
    type against a declared range (and answers ``*/*`` itself with a 500, "Cannot
    serialise complex objects as text")."""
    found = False
    for item in (document.get("paths") or {}).values():
        for op in item.values() if isinstance(item, dict) else ():
            for answer in (
                ((op or {}).get("responses") or {}).values() if isinstance(op, dict) else ()
            ):
                answer = resolved(document, answer)
                content = answer.get("content") if isinstance(answer, dict) else None
                if not isinstance(content, dict) or any(is_json(m) for m in content):
                    continue
                ranges = [m for m in content if is_range(m)]
                if ranges:
                    content["application/json"] = content[ranges[0]]
                    found = True
    return found


def _client_param_schema(document: Any, wire_name: str) -> Any:
    """The schema of the first parameter called ``wire_name`` anywhere in the document."""
    for item in (document.get("paths") or {}).values():
        if not isinstance(item, dict):
            continue
        for holder in [item, *(v for v in item.values() if isinstance(v, dict))]:
            for (_, name), schema in _schemas_of(document, holder).items():
                if name == wire_name.lower():
                    return schema
    return {}


def _refusal(response: httpx.Response) -> str:
    """Prism's reason for refusing the request; "" when it did not."""
    violations = response.headers.get("sl-violations", "")
    # Many come as "Too many violations! [...]", the list perhaps cut short.
    listed = violations[violations.find("[") :] if "[" in violations else ""
    try:
        found = json.loads(listed) if listed else []
    except ValueError:  # cut short: the request's violations come first, if any
        found = [] if '"location":["request"' not in violations else [{"raw": violations}]
    # Prism also reports its own answer's breaks of the spec (location "response"): those
    # refuse nothing.
    errors = [
        v
        for v in found
        if "raw" in v
        or (v.get("severity") == "Error" and (v.get("location") or [""])[0] == "request")
    ]
    if errors:
        return "; ".join(
            v.get("raw") or f"{'.'.join(map(str, v.get('location', [])))}: {v.get('message')}"
            for v in errors
        )
    if "problem+json" in _media(response):
        with contextlib.suppress(ValueError, AttributeError):
            problem = json.loads(response.content)
            if str(problem.get("type", "")).startswith(PRISM_ERRORS):
                said = [f"{problem.get('title')}: {problem.get('detail')}"]
                said += [
                    f"{'.'.join(map(str, v.get('location', [])))}: {v.get('message')}"
                    for v in problem.get("validation") or []
                ]
                return f"{response.status_code} " + "; ".join(said)
    return ""


_UNREAD_FIELD = re.compile(r"Request body property (?P<name>\S+) must be (?P<kind>array|object)$")


def _form_sent(request: httpx.Request, media: str) -> list[tuple[str, str, bytes]]:
    """The fields of a form request as (name, part content type or '', value)."""
    body = _sent(request)
    if media == "application/x-www-form-urlencoded":
        return [(k, "", v.encode()) for k, v in parse_qsl(body.decode(), keep_blank_values=True)]
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    return [
        (
            str(part.get_param("name", header="content-disposition")),
            str(part.get("content-type") or ""),
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    ]


def _sent_as_openapi_says(
    sent: list[tuple[str, str, bytes]], name: str, kind: str, media: str
) -> bool:
    """An array field: its name sent (once per item, or once as JSON text). An object
    field: a JSON part holding an object (multipart), or its properties as the fields
    (a urlencoded form's default style, form exploded: the name itself is not sent)."""
    mine = [(ctype, value) for field, ctype, value in sent if field == name]
    if kind == "array":
        return bool(mine)
    if media == "application/x-www-form-urlencoded":
        return not mine
    with contextlib.suppress(ValueError):  # no part, or no JSON in it
        (ctype, value), *rest = mine
        return not rest and ctype == "application/json" and isinstance(json.loads(value), dict)
    return False


_ENUM_REFUSAL = re.compile(
    r"Request (?P<in>query|path|header) parameter (?P<name>\S+) must be equal to one of the"
)
_QUERY_OBJECT = re.compile(r"Request query parameter (?P<name>\S+)\.\d+ must be object$")


def _query_objects_as_json(request: httpx.Request, refusal: str) -> bool:
    """Whether Prism refused only arrays of objects in the query that the request sends
    as one JSON text. OpenAPI leaves such a value undefined; apiforge sends JSON (what
    Box's own SDK sends for ``mdfilters``), and Prism reads only ``name[0][key]=``."""
    query = parse_qsl(request.url.query.decode(), keep_blank_values=True)

    def one_json_list(match: re.Match[str]) -> bool:
        sent = [v for k, v in query if k.lower() == match["name"].lower()]  # Prism: lower
        try:
            return len(sent) == 1 and all(isinstance(i, dict) for i in json.loads(sent[0]))
        except (ValueError, TypeError):
            return False

    return _every_reason(refusal, _QUERY_OBJECT, one_json_list)


_MISSING_PROPERTY = re.compile(
    r"Request query parameter (?P<name>\S+) must have required property '(?P<property>[^']+)'$"
)


def _exploded_properties_sent(
    request: httpx.Request, refusal: str, schemas: dict[tuple[str, str], Any], document: Any
) -> bool:
    """Whether Prism refused only exploded object query parameters (the form style's
    default: a ``name=value`` pair per property) for lacking properties that the request
    carries, or that it leaves out with the whole optional object. Prism lowercases the
    query's names before it reads them (amazonaws.com's ``LoggingConfig`` as
    ``LogRoleArn=...&LogGroupName=...``), so a property named in mixed case is never
    found; and it reads an object nobody sent as ``{}``, which lacks what it requires."""
    sent = {k for k, _ in parse_qsl(request.url.query.decode(), keep_blank_values=True)}

    def sent_or_absent(match: re.Match[str]) -> bool:
        schema = values.flat(document, schemas.get(("query", match["name"].lower()), {}))
        absent = not (set(schema.get("properties") or {}) & sent)
        return match["property"] in sent or absent

    return _every_reason(refusal, _MISSING_PROPERTY, sent_or_absent)


_PATH_PROPERTY = re.compile(r"Request path must have required property '(?P<name>[^']+)'$")
_NULLABLE_ARRAY = re.compile(r"Request query parameter (?P<name>\S+) must be array,null$")


def _one_item_nullable_arrays(request: httpx.Request, refusal: str) -> bool:
    """Whether Prism refused only ``type: [array, null]`` query parameters the request
    sends as one item (``ids=1``): exploded form style, which Prism reads as an array
    when the name repeats and as text when it does not (jellyfin.local, sinao.app)."""
    query = parse_qsl(request.url.query.decode(), keep_blank_values=True)
    return _every_reason(
        refusal,
        _NULLABLE_ARRAY,
        lambda m: sum(k.lower() == m["name"].lower() for k, _ in query) == 1,
    )


def _every_reason(
    refusal: str, pattern: re.Pattern[str], holds: Callable[[re.Match[str]], bool]
) -> bool:
    """Whether the refusal gives reasons (one without, no route say, is none of Prism's
    known gaps), each matching ``pattern`` with ``holds`` true of the match."""
    reasons = _reasons(refusal)
    return bool(reasons) and all(
        (match := pattern.search(reason)) is not None and holds(match) for reason in reasons
    )


def _reasons(refusal: str) -> list[str]:
    """The reasons a refusal gives: "422 Invalid request: ..." starts with Prism's title."""
    reasons = refusal.split("; ")
    return reasons[1:] if reasons[0][:3].isdigit() else reasons


def _ignored_header_only(refusal: str) -> bool:
    """Whether every reason Prism gave is about an ``Accept`` or ``Content-Type`` header
    parameter, which OpenAPI 3 says are ignored (and apiforge does not make arguments)."""
    reasons = _reasons(refusal)

    def about_ignored(reason: str) -> bool:
        where, _, message = reason.partition(": ")
        text = f"{where} {message}".lower()
        return "header" in where and ("content-type" in text or "accept" in text)

    return bool(reasons) and all(about_ignored(r) for r in reasons)


def _undefined_fields_only(refusal: str, undefined: set[str]) -> bool:
    """Whether every reason Prism gave is a missing form field that the body's schema
    requires without defining it (box.com's token revocation requires a ``grant_type``):
    the client sent it, and Prism's form reader drops every field ``properties`` lacks."""
    reasons = refusal.split("; ")
    said = "request.body: Request body must have required property "
    return bool(undefined) and all(
        r.startswith(said) and r[len(said) :].strip("'") in undefined for r in reasons
    )


def _media(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "")).split(";")[0].strip().lower()


def _implied(node: Any) -> Any:
    """``node`` (changed in place) with the ``type`` apiforge reads into schemas without
    one: ``object`` beside ``properties``, ``array`` beside ``items``."""
    if isinstance(node, dict):
        if "type" not in node and "$ref" not in node:
            if isinstance(node.get("properties"), dict):
                node["type"] = "object"
            elif isinstance(node.get("items"), dict):
                node["type"] = "array"
        for value in node.values():
            _implied(value)
    elif isinstance(node, list):
        for value in node:
            _implied(value)
    return node


def _validator(document: Any) -> Any:
    import jsonschema
    import openapi_schema_validator as osv

    version = str(document.get("openapi", "3.0"))
    cls = osv.OAS31Validator if version.startswith("3.1") else osv.OAS30Validator
    strict = cls.VALIDATORS["pattern"]

    def pattern(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        # A pattern Python cannot compile (ECMA-262's \p{L}) is not checked: apiforge keeps
        # it unchecked too (a warning), and the argument maker left it out.
        try:
            yield from strict(validator, value, instance, schema)
        except re.error:
            return

    lenient = jsonschema.validators.extend(cls, {"pattern": pattern})
    return lenient(document, format_checker=cls.FORMAT_CHECKER)  # formats too, as Prism does


def _sent(request: httpx.Request) -> bytes:
    """The body of a sent request; a multipart one is a stream, iterated again."""
    try:
        return request.content
    except httpx.RequestNotRead:
        stream = request.stream
        return b"".join(stream) if isinstance(stream, typing.Iterable) else b"(a stream)"


def main(argv: list[str] | None = None) -> int:
    """``python -m realworld.contract SPEC OPERATION [--client ..] [--arguments ..]
    [--answer ..]``: generate SPEC (a path, or a name in the directory), call one operation
    against Prism, and show the call's end and each exchange."""
    import argparse

    from support.paths import SOURCE

    from . import directory, work

    sys.path.insert(0, str(SOURCE))
    parser = argparse.ArgumentParser(prog="python -m realworld.contract")
    parser.add_argument("spec")
    parser.add_argument("operation", help="the client method's name")
    parser.add_argument("--client", choices=("sync", "async"), default="sync")
    parser.add_argument("--arguments", choices=("required", "full"), default="full")
    parser.add_argument("--answer", choices=("static", "dynamic"), default="static")
    args = parser.parse_args(argv)
    spec = Path(args.spec) if Path(args.spec).is_file() else directory.API / args.spec
    from support.prism import running_prism

    with tempfile.TemporaryDirectory(prefix="contract-") as folder:
        ended = work.generate(str(spec), folder, "contract_package")
        if ended["ended"] != work.GENERATED:
            print(f"not generated: {ended.get('diagnostic')}")
            return 1
        session = Session(spec, Path(folder), "contract_package")
        served = session.prism_spec(Path(folder))
        with running_prism(served, log_dir=Path(folder), seed=SEED) as prism:
            session.url, session.prism = prism.url, prism
            (call,) = session.call_all(
                args.operation, ((args.client, args.arguments, args.answer),)
            )
            for response in session.exchanges:
                request = response.request
                print(f"> {request.method} {request.url}\n> {_sent(request)[:2000]!r}")
                print(f"< {response.status_code} {dict(response.headers)}")
                try:
                    print(f"< {response.content[:2000]!r}")
                except httpx.ResponseNotRead:  # the client stopped before the body
                    print("< (body not read)")
    print(f"{call.outcome}: {call.detail}")
    return 0 if call.outcome in GOOD else 1


if __name__ == "__main__":
    sys.exit(main())
