"""No text from the spec reaches the generated code except as a correctly escaped literal,
docstring or comment.

Every case builds a hostile spec in Python (names, descriptions, defaults, examples, server
URLs and media types full of quotes, triple quotes, backslashes, newlines, Jinja markers,
NUL, line separators, bidi controls, a ``__import__('os').system('touch PWNED')`` payload,
keywords, dunders and names of what generated modules import), generates it in process and
checks that:

- the generator reports no error (or, for names the runtime cannot carry, a located one);
- every generated module parses, holds no raw invisible character, and binds no name twice
  at module level (an import shadowed by a class) or in a class body (a field shadowing a
  name its annotations use);
- importing the package runs no payload (no ``PWNED`` file appears);
- a call through the generated client puts the exact original strings on the wire (path,
  query, header names and values, the JSON body, the Content-Type and Accept media types),
  and a hostile response decodes back to the exact strings.

A fixed corpus and a hypothesis property test drive the same checks; ``mypy --strict`` runs
once, over the corpus and a batch of hypothesis-generated packages together.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib
import inspect
import json
import keyword
import os
import re
import shutil
import string
import subprocess
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import apiforge
import httpx
import msgspec
import pytest
from apiforge import Config
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from support.http_server import RecordedRequest, Reply, ScriptedServer
from support.paths import REPO_ROOT

PACKAGE = "hostile_pkg"
PAYLOAD = "__import__('os').system('touch PWNED')"
# Characters that must never appear raw in generated source: C0 controls but \n, DEL,
# C1 controls, line/paragraph separators, bidi controls, BOM and other format characters.
_INVISIBLE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)
HTTP_TOKEN = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
# Header names a parameter may not take: HTTP machinery, or what the client itself sets.
RESERVED_HEADERS = frozenset(
    {
        "accept",
        "authorization",
        "connection",
        "content-length",
        "content-type",
        "host",
        "transfer-encoding",
        "user-agent",
        "expect",
        "te",
        "upgrade",
        "keep-alive",
        "trailer",
        "proxy-authorization",
        "cookie",
    }
)

HOSTILE_PIECES = (
    '"',
    "'",
    '"""',
    "'''",
    "\\",
    "\\n",
    "\\x00",
    "\\u202e",
    "\\N{BULLET}",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "{{",
    "}}",
    "{{ x }}",
    "{%",
    "%}",
    "{% raw %}",
    "{#",
    "#}",
    "\x00",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\u200f",
    "\u200b",
    "\ufeff",
    PAYLOAD,
    f'");{PAYLOAD};("',
    f"'''\n{PAYLOAD}\n'''",
    f'"""\n{PAYLOAD}\n"""',
    "# comment",
    "%s%(x)s{0}",
    "${x}",
    "é",
    "Ω",
    "😀",
    " ",
)
# Names as the generated modules bind them: imports, builtins, typing names, dunders.
SHADOW_NAMES = (
    "UUID",
    "uuid",
    "datetime",
    "date",
    "msgspec",
    "httpx",
    "Any",
    "list",
    "dict",
    "str",
    "int",
    "bytes",
    "object",
    "type",
    "Sequence",
    "Mapping",
    "Self",
    "ClassVar",
    "Literal",
    "TypeAlias",
    "TYPE_CHECKING",
    "BinaryIO",
    "Iterator",
    "AsyncIterator",
    "enum",
    "typing",
    "time",
    "asyncio",
    "contextlib",
    "annotations",
    "frozenset",
    "field",
    "Struct",
    "self",
    "cls",
    "request",
    "response",
    "item",
    "_runtime",
    "_operations",
    "_models",
    "_query",
    "_headers",
    "timeout",
    "max_retries",
    "accept",
    "close",
    "__class__",
    "__init__",
    "__dict__",
    "__slots__",
    "__import__",
    "__builtins__",
    "__all__",
    "ApiError",
    "ApiEnum",
    "RetryPolicy",
    "UnknownVariant",
    "None",
    "True",
    "_",
    "",
    PAYLOAD,
    *keyword.kwlist,
    "match",
    "case",
)


@dataclass(frozen=True)
class Hostile:
    """Everything hostile one generated package is made of, and the values sent through it.

    The spec has one POST operation under ``server_path/{variable}``; its path is
    ``path_literal/{path_name}``. Query parameters ``query_names`` (the first one with
    ``default``), an enum query parameter ``enum_param``, a deepObject map ``map_param``, a
    header ``header_name``, an API key in ``key_header``, a JSON request body of media type
    ``body_media`` and a 200 JSON response, both of the model ``model_name`` (properties
    ``props``, the first with ``default``, the last of the enum ``enum_name``; and the
    read-only ``read_only_prop``).
    """

    title: str
    version: str
    texts: tuple[str, ...]  # descriptions, summaries, examples
    operation_id: str
    model_name: str
    enum_name: str
    props: tuple[str, ...]
    read_only_prop: str
    enum_values: tuple[str, ...]
    path_literal: str
    path_name: str
    query_names: tuple[str, ...]
    enum_param: str
    map_param: str
    header_name: str
    key_header: str
    scheme_name: str
    variable_name: str
    server_path: str
    default: str
    tag: str
    odd_media: str  # a response media type nothing but a literal ever carries
    accept_media: str  # a header-safe response media type the caller asks for
    body_media: str  # the request body's (header-safe) +json media type
    # what the test sends and the server answers
    path_value: str
    query_values: tuple[str, ...]  # for query_names[1:]; the first is left to its default
    header_value: str
    enum_choice: str
    field_values: tuple[str, ...]  # for props[1:-1]
    read_only_value: str
    map_value: tuple[tuple[str, str], ...]


def text(h: Hostile, i: int) -> str:
    return h.texts[i % len(h.texts)]


def build_spec(h: Hostile) -> dict[str, Any]:
    """The OpenAPI 3.0 document ``h`` describes."""
    model_ref = {"$ref": f"#/components/schemas/{escape_pointer(h.model_name)}"}
    enum_ref = {"$ref": f"#/components/schemas/{escape_pointer(h.enum_name)}"}
    params: list[dict[str, Any]] = [
        {
            "name": h.path_name,
            "in": "path",
            "required": True,
            "description": text(h, 0),
            "schema": {"type": "string", "example": text(h, 1)},
        }
    ]
    for i, name in enumerate(h.query_names):
        schema: dict[str, Any] = {"type": "string"}
        if i == 0:
            schema["default"] = h.default
        params.append({"name": name, "in": "query", "description": text(h, i), "schema": schema})
    params.append({"name": h.enum_param, "in": "query", "schema": enum_ref})
    params.append(
        {
            "name": h.map_param,
            "in": "query",
            "style": "deepObject",
            "explode": True,
            "description": text(h, 1),
            "schema": {"type": "object", "additionalProperties": {"type": "string"}},
        }
    )
    params.append(
        {
            "name": h.header_name,
            "in": "header",
            "description": text(h, 2),
            "schema": {"type": "string", "example": text(h, 3)},
        }
    )
    properties: dict[str, Any] = {}
    for i, prop in enumerate(h.props[:-1]):
        properties[prop] = {"type": "string", "description": text(h, i), "example": text(h, i + 1)}
    properties[h.props[0]]["default"] = h.default
    properties[h.props[-1]] = {**enum_ref, "description": text(h, 4)}
    properties[h.read_only_prop] = {"type": "string", "readOnly": True, "description": text(h, 0)}
    return {
        "openapi": "3.0.3",
        "info": {"title": h.title, "version": h.version, "description": text(h, 0)},
        "servers": [
            {
                "url": h.server_path + "/{" + h.variable_name + "}",
                "description": text(h, 1),
                "variables": {h.variable_name: {"default": text(h, 2), "description": text(h, 3)}},
            }
        ],
        "tags": [{"name": h.tag, "description": text(h, 4)}],
        "security": [{h.scheme_name: []}],
        "paths": {
            h.path_literal + "/{" + h.path_name + "}": {
                "post": {
                    "operationId": h.operation_id,
                    "summary": text(h, 0),
                    "description": text(h, 1),
                    "tags": [h.tag],
                    "parameters": params,
                    "requestBody": {
                        "required": True,
                        "description": text(h, 2),
                        "content": {h.body_media: {"schema": model_ref, "example": text(h, 3)}},
                    },
                    "responses": {
                        "200": {
                            "description": text(h, 4),
                            "content": {
                                "application/json": {"schema": model_ref, "example": text(h, 0)},
                                h.accept_media: {"schema": model_ref},
                                h.odd_media: {"schema": {"type": "string"}},
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "securitySchemes": {
                h.scheme_name: {
                    "type": "apiKey",
                    "in": "header",
                    "name": h.key_header,
                    "description": text(h, 0),
                }
            },
            "schemas": {
                h.model_name: {
                    "type": "object",
                    "description": text(h, 1),
                    "properties": properties,
                    "example": {h.props[0]: text(h, 2)},
                },
                h.enum_name: {
                    "type": "string",
                    "description": text(h, 2),
                    "enum": list(h.enum_values),
                    "default": h.enum_values[0],
                },
            },
        },
    }


def escape_pointer(token: str) -> str:
    """One JSON-pointer segment, escaped (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


# --- generation ------------------------------------------------------------------------------

_SHA_LINE = re.compile(r"^(# spec sha256: )([0-9a-f]{64})$", re.MULTILINE)
_PLACEHOLDER = "# spec sha256: (any)"


@pytest.fixture(scope="module", autouse=True)
def black_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A private cache of black's output, so hundreds of hostile blocks stay out of the
    user's cache (and a warm user cache cannot hide a formatting failure)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APIFORGE_CACHE_DIR", str(tmp_path_factory.mktemp("black-cache")))
        yield


def generate(h: Hostile, root: Path, package: str = PACKAGE) -> apiforge.Report:
    """Write ``h``'s spec under ``root`` and generate ``root/out/package`` in process."""
    root.mkdir(parents=True, exist_ok=True)
    spec = root / "spec.json"
    spec.write_text(json.dumps(build_spec(h), ensure_ascii=True), encoding="utf-8")
    return apiforge.generate(Config(spec=spec, output=root / "out", package=package))


# --- static checks of the generated source ----------------------------------------------------


def _top_level_bindings(tree: ast.Module) -> list[str]:
    """Names bound by the module's own top-level statements (not inside ``if``)."""
    bound: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            bound += [(a.asname or a.name).split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            bound += [a.asname or a.name for a in node.names]
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            bound.append(node.name)
        elif isinstance(node, ast.Assign):
            bound += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            bound.append(node.target.id)
    return bound


def _class_shadowing(tree: ast.Module) -> list[str]:
    """Class-body names that hide a name the same class's annotations use."""
    problems = []
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        bound: set[str] = set()
        used: set[str] = set()
        for stmt in cls.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                bound.add(stmt.target.id)
                used |= {n.id for n in ast.walk(stmt.annotation) if isinstance(n, ast.Name)}
            elif isinstance(stmt, ast.Assign):
                bound |= {t.id for t in stmt.targets if isinstance(t, ast.Name)}
        problems += [f"class {cls.name}: field {name!r} hides it" for name in bound & used]
    return problems


_CHECKED: dict[str, list[str]] = {}


def check_source(package_dir: Path) -> list[str]:
    """Every problem with the generated modules' source text; empty when all is well."""
    modules = sorted(package_dir.glob("*.py"))
    assert modules, f"no modules in {package_dir}"
    problems: list[str] = []
    for path in modules:
        source = path.read_text(encoding="utf-8")
        # Modules that differ only in the spec's SHA-256 were checked already.
        key = path.name + "\0" + _SHA_LINE.sub(_PLACEHOLDER, source, count=1)
        if key not in _CHECKED:
            _CHECKED[key] = _check_module(path, source)
        problems += _CHECKED[key]
    return problems


def _check_module(path: Path, source: str) -> list[str]:
    """The problems of one module: invisible characters, compile errors, shadowing."""
    problems: list[str] = []
    raw = _INVISIBLE.findall(source)
    if raw:
        problems.append(f"{path.name}: raw invisible characters {sorted(set(map(ascii, raw)))}")
    try:
        tree = ast.parse(source, filename=str(path))
        compile(tree, str(path), "exec")  # the parser allows duplicate arguments, not this
    except SyntaxError as exc:
        return [*problems, f"{path.name}: does not compile: {exc}"]
    names = _top_level_bindings(tree)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        problems.append(f"{path.name}: names bound twice at module level: {twice}")
    problems += [f"{path.name}: {p}" for p in _class_shadowing(tree)]
    problems += [f"{path.name}: {p}" for p in _payload_calls(tree)]
    return problems


def _payload_calls(tree: ast.Module) -> list[str]:
    """Calls to ``__import__``/``system``/``eval``/``exec`` anywhere in the module's code."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in ("__import__", "system", "eval", "exec"):
                found.append(f"line {node.lineno}: a call to {name}()")
    return found


# --- importing and calling the generated package ---------------------------------------------


@contextlib.contextmanager
def imported(output: Path, package: str, scratch: Path) -> Iterator[types.ModuleType]:
    """Import ``output/package`` afresh with ``scratch`` as the working directory."""
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]
    old_cwd = Path.cwd()
    sys.path.insert(0, str(output))
    importlib.invalidate_caches()
    scratch.mkdir(parents=True, exist_ok=True)
    os.chdir(scratch)
    try:
        yield importlib.import_module(package)
    finally:
        os.chdir(old_cwd)
        sys.path.remove(str(output))
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]


def _client_class(pkg: types.ModuleType) -> type:
    module = importlib.import_module(f"{pkg.__name__}._client")
    base = importlib.import_module(f"{pkg.__name__}._base").SyncClient
    classes = [
        c
        for _, c in inspect.getmembers(module, inspect.isclass)
        if c.__module__ == module.__name__ and issubclass(c, base)
    ]
    assert len(classes) == 1, classes  # beside it, only its with_raw_response view
    return classes[0]


def _operation(client_cls: type) -> str:
    own = [
        name
        for name, member in vars(client_cls).items()
        if inspect.isfunction(member)
        and not name.startswith(("_", "stream_", "iter_"))
        and name != "close"
    ]
    assert len(own) == 1, f"expected one operation method, found {own}"
    return own[0]


def _struct_fields(cls: type) -> dict[str, str]:
    """A model's fields: wire name → attribute name."""
    return {f.encode_name: f.name for f in msgspec.structs.fields(cls)}


def round_trip(
    h: Hostile, pkg: types.ModuleType, server: ScriptedServer, http: httpx.Client
) -> None:
    """Call the hostile operation; the wire and the decoded answer must hold the exact strings."""
    client_cls = _client_class(pkg)
    init = list(inspect.signature(client_cls).parameters.values())
    positional = [p.name for p in init if p.kind is p.POSITIONAL_OR_KEYWORD]
    # Server variables in the URL's order, then the relative URL's endpoint, then the key.
    assert len(positional) == 3, f"constructor takes {positional}, expected variable, endpoint, key"
    model_cls = _model_class(pkg, h.model_name)
    wire_to_attr = _struct_fields(model_cls)
    assert set(wire_to_attr) == {*h.props, h.read_only_prop}, sorted(wire_to_attr)
    enum_cls = type(getattr(model_cls(), wire_to_attr[h.props[-1]]) or None)
    key = "k'e\"y{{ }}\\"
    sent = dict(zip(h.props[1:-1], h.field_values, strict=True))
    # The read-only value is set too: the client must leave it out of the request body.
    body = model_cls(
        **{wire_to_attr[w]: v for w, v in sent.items()},
        **{wire_to_attr[h.read_only_prop]: h.read_only_value},
    )
    answer = {**sent, h.props[-1]: h.enum_choice, h.read_only_prop: h.read_only_value}

    server.enqueue(Reply.json(answer, headers={"Content-Type": "application/json"}))
    before = len(server.requests)
    client = client_cls("v1", server.url, key, max_retries=0, http_client=http)
    try:
        method = getattr(client, _operation(client_cls))
        params = list(inspect.signature(method).parameters.values())
        keywords = [p.name for p in params if p.kind is p.KEYWORD_ONLY]
        # Keyword-only: the body, then the query and header parameters in spec order, then
        # the call options.
        options = keywords.index("timeout")
        body_name, *query_kw, enum_kw, map_kw, header_kw = keywords[:options]
        assert len(query_kw) == len(h.query_names), (keywords, h.query_names)
        kwargs: dict[str, Any] = {body_name: body, enum_kw: h.enum_choice}
        kwargs[map_kw] = dict(h.map_value)
        kwargs.update(zip(query_kw[1:], h.query_values, strict=True))  # the first: its default
        kwargs[header_kw] = h.header_value
        result = method(h.path_value, accept=h.accept_media, **kwargs)
    finally:
        client.close()
    assert len(server.requests) == before + 1
    # Docstrings carry the spec's text: reflowed, escaped, but every character kept.
    _check_doc(model_cls, text(h, 1))
    _check_doc(getattr(client_cls, _operation(client_cls)), text(h, 0), text(h, 1))
    request = server.requests[-1]
    _check_request(h, request, key)
    _check_result(h, result, model_cls, wire_to_attr, answer, enum_cls)


def _squash(value: str) -> str:
    return "".join(value.split())


def _check_doc(owner: Any, *texts: str) -> None:
    doc = _squash(owner.__doc__ or "")
    for expected in texts:
        assert _squash(expected) in doc, (owner, expected, owner.__doc__)


def _model_class(pkg: types.ModuleType, wire_name: str) -> type:
    models = importlib.import_module(f"{pkg.__name__}._models")
    structs = [
        c
        for _, c in inspect.getmembers(models, inspect.isclass)
        if issubclass(c, msgspec.Struct) and c.__module__ == models.__name__
    ]
    assert len(structs) == 1, structs
    return structs[0]


def _check_request(h: Hostile, request: RecordedRequest, key: str) -> None:
    expected_path = f"{h.server_path}/v1{h.path_literal}/{h.path_value}"
    assert request.method == "POST"
    assert unquote(request.url_path) == expected_path, (request.path, expected_path)
    segments = request.url_path.split("/")
    assert unquote(segments[-1]) == h.path_value, "the path argument must stay one segment"
    expected_query = [(h.query_names[0], h.default)]
    expected_query += list(zip(h.query_names[1:], h.query_values, strict=True))
    expected_query.append((h.enum_param, h.enum_choice))
    expected_query += [(f"{h.map_param}[{k}]", v) for k, v in h.map_value]
    assert sorted(request.query_params) == sorted(expected_query), request.path
    assert request.headers.get_all(h.header_name) == [h.header_value]
    assert request.headers.get_all(h.key_header) == [key]
    assert request.headers.get_all("Content-Type") == [h.body_media]
    assert request.headers.get_all("Accept") == [h.accept_media]
    sent = json.loads(request.body)
    expected_body = {h.props[0]: h.default, **dict(zip(h.props[1:-1], h.field_values, strict=True))}
    assert sent == expected_body


def _check_result(
    h: Hostile,
    result: Any,
    model_cls: type,
    wire_to_attr: dict[str, str],
    answer: dict[str, str],
    enum_cls: type,
) -> None:
    assert isinstance(result, model_cls), result
    for wire, value in answer.items():
        got = getattr(result, wire_to_attr[wire])
        if wire == h.props[-1]:
            assert got.value == value, (wire, got, value)
        else:
            assert got == value, (wire, got, value)
    assert getattr(result, wire_to_attr[h.props[0]]) == h.default


# --- the checks every case runs ---------------------------------------------------------------


def check_case(h: Hostile, root: Path, server: ScriptedServer, http: httpx.Client) -> None:
    """Generate ``h`` under ``root`` and run every check; raise AssertionError on a problem."""
    report = generate(h, root)
    assert not report.errors, "\n".join(d.format() for d in report.errors)
    package_dir = root / "out" / PACKAGE
    problems = check_source(package_dir)
    assert not problems, "\n".join(problems)
    scratch = root / "cwd"
    with imported(root / "out", PACKAGE, scratch) as pkg:
        round_trip(h, pkg, server, http)
    pwned = [
        p for p in (scratch, root, root / "out", package_dir, REPO_ROOT) if (p / "PWNED").exists()
    ]
    assert not pwned, f"the payload ran: PWNED in {pwned}"


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        yield srv
        assert not srv.errors, srv.errors


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One connection pool for every generated client (building one costs a TLS context)."""
    with httpx.Client(timeout=30.0) as client:
        yield client


# --- the fixed corpus -------------------------------------------------------------------------

PLAIN = Hostile(
    title="Plain",
    version="1",
    texts=("A description.",),
    operation_id="postItem",
    model_name="Item",
    enum_name="Color",
    props=("name", "label", "color"),
    read_only_prop="id",
    enum_values=("red", "green"),
    path_literal="/items",
    path_name="itemId",
    query_names=("q", "sort"),
    enum_param="tint",
    map_param="filter",
    header_name="X-Trace",
    key_header="X-Key",
    scheme_name="key",
    variable_name="version",
    server_path="/api",
    default="d",
    tag="items",
    odd_media="text/plain",
    accept_media="application/vnd.item+json",
    body_media="application/json",
    path_value="42",
    query_values=("asc",),
    header_value="t-1",
    enum_choice="green",
    field_values=("hello",),
    read_only_value="7",
    map_value=(("k", "v"),),
)


def variant(**changes: Any) -> Hostile:
    return dataclasses.replace(PLAIN, **changes)


QUOTES = "'\"\"\"'''\"\\"
JINJA = "{{ x }}{% if 1 %}{# c #}{% raw %}"
INVISIBLE = "a\x00b\u2028c\u2029d\u202ee\u2066f\u200fg\ufeffh\x1bi\x7fj\x85k"
SMUGGLE = f'"""\n{PAYLOAD}\n"""' + f"'''\n{PAYLOAD}\n'''" + f'");{PAYLOAD};("' + f"\n{PAYLOAD}\n"

CORPUS: dict[str, Hostile] = {
    "plain": PLAIN,
    "quotes-everywhere": variant(
        title=f"T{QUOTES}",
        version="1'\"\\",
        texts=(QUOTES, f'ends with a quote{QUOTES}"', "\\", '"'),
        operation_id=f"op{QUOTES}",
        model_name=f"M{QUOTES}",
        enum_name=f"E{QUOTES}",
        props=("p'''a", "p'b", "'''"),  # '"' and '\\': see MSGSPEC_FORBIDDEN_PROPS
        enum_values=(QUOTES, f"x{QUOTES}"),
        path_literal="/it'em\"s\\",
        path_name=f"id{QUOTES}",
        query_names=(QUOTES, f"q{QUOTES}"),
        enum_param=f"e{QUOTES}",
        map_param=f"m{QUOTES}",
        map_value=((QUOTES, QUOTES), ("[]", "]")),
        read_only_prop="r'o",
        read_only_value=QUOTES,
        header_name="X-'Quoted'`|",
        key_header="X-Key'",
        scheme_name=QUOTES,
        variable_name=f"v{QUOTES}",
        server_path="/a'p\"i\\",
        default=QUOTES,
        tag=QUOTES,
        odd_media=f"text/{QUOTES}",
        accept_media='application/vnd.a\'b+json; x="\\"q\\""',
        body_media='application/vnd.q\'+json; charset="\\"\'"',
        path_value=QUOTES,
        query_values=(QUOTES,),
        header_value=QUOTES,
        enum_choice=QUOTES,
        field_values=(QUOTES,),
    ),
    "jinja-markers": variant(
        title=f"T{JINJA}",
        texts=(JINJA, "{{", "%}", "{% endraw %}"),
        operation_id=f"op{JINJA}",
        model_name=f"M{JINJA}",
        enum_name=f"E{JINJA}",
        props=(JINJA, "{{", "}}"),
        enum_values=(JINJA, "{%"),
        path_literal="/x",
        path_name="p% if %",
        query_names=(JINJA, "%}"),
        enum_param="{#",
        map_param="{{ m }}",
        map_value=((JINJA, JINJA),),
        read_only_prop="{% r %}",
        read_only_value=JINJA,
        header_name="X-Jinja",
        scheme_name=JINJA,
        variable_name="v%}",
        default=JINJA,
        tag=JINJA,
        odd_media=f"text/{JINJA}",
        accept_media='application/vnd.j+json; t="{{ x }}{% if 1 %}"',
        body_media='application/vnd.j+json; t="{%}"',
        path_value=JINJA,
        query_values=(JINJA,),
        header_value=JINJA,
        enum_choice=JINJA,
        field_values=(JINJA,),
    ),
    "invisible-characters": variant(
        title=f"T{INVISIBLE}",
        texts=(INVISIBLE, "\r\n\r\n", "\u2028", "\x00"),
        operation_id=f"op{INVISIBLE}",
        model_name=f"M{INVISIBLE}",
        enum_name=f"E{INVISIBLE}",
        props=("p\u2028a", "p\u202eb", "p\u2029c"),
        enum_values=(INVISIBLE, "\u202e", "\x00"),
        path_literal="/\u202eitems",
        path_name=f"id{INVISIBLE}",
        query_names=(f"q{INVISIBLE}", "\u2066"),
        enum_param="e\x00",
        map_param="m\u2028",
        map_value=((INVISIBLE, INVISIBLE),),
        read_only_prop="r\u202e",
        read_only_value=INVISIBLE,
        scheme_name=INVISIBLE,
        variable_name="v\u202e",
        default=INVISIBLE,
        tag=INVISIBLE,
        odd_media=f"text/{INVISIBLE}",
        path_value=INVISIBLE,
        query_values=(INVISIBLE,),
        enum_choice="\u202e",
        field_values=(INVISIBLE,),
    ),
    "payloads": variant(
        title=SMUGGLE,
        texts=(SMUGGLE, PAYLOAD, f"# {PAYLOAD}", f"\\{PAYLOAD}"),
        operation_id=SMUGGLE,
        model_name=PAYLOAD,
        enum_name=f"E{SMUGGLE}",
        props=(PAYLOAD, f"{PAYLOAD}b", f"c{PAYLOAD}"),
        enum_values=(SMUGGLE, PAYLOAD),
        path_literal="/__import__('os')",
        path_name=PAYLOAD,
        query_names=(SMUGGLE, PAYLOAD),
        enum_param=f"e{PAYLOAD}",
        map_param=f"m{PAYLOAD}",
        map_value=((PAYLOAD, SMUGGLE),),
        read_only_prop=f"r{PAYLOAD}",
        read_only_value=PAYLOAD,
        header_name="__import__",
        scheme_name=SMUGGLE,
        variable_name=PAYLOAD,
        server_path="/__import__('os').system('touch PWNED')",
        default=SMUGGLE,
        tag=SMUGGLE,
        odd_media=f"text/{SMUGGLE}",
        path_value=PAYLOAD,
        query_values=(SMUGGLE,),
        header_value=PAYLOAD,
        enum_choice=PAYLOAD,
        field_values=(SMUGGLE,),
    ),
    "keywords-and-dunders": variant(
        title="class",
        operation_id="__init__",
        model_name="__class__",
        enum_name="None",
        props=("class", "__init__", "__class__"),
        enum_values=("None", "True", "__class__", "class"),
        path_name="self",
        query_names=("lambda", "__dict__"),
        enum_param="import",
        map_param="__dict__x",
        read_only_prop="__slots__",
        header_name="__slots__",
        scheme_name="self",
        variable_name="cls",
        default="None",
        path_value="None",
        query_values=("__class__",),
        enum_choice="class",
        field_values=("__init__",),
    ),
    "shadowing-imports": variant(
        title="httpx",
        operation_id="close",
        model_name="UUID",
        enum_name="Self",
        props=("datetime", "msgspec", "uuid"),
        enum_values=("Any", "Sequence", "list"),
        path_name="httpx",
        query_names=("list", "Any"),
        enum_param="Sequence",
        map_param="Mapping",
        read_only_prop="ClassVar",
        header_name="Self",
        scheme_name="msgspec",
        variable_name="datetime",
        path_value="UUID",
        query_values=("datetime",),
        enum_choice="Sequence",
        field_values=("Any",),
    ),
    "shadowing-builder-locals": variant(
        operation_id="request",
        model_name="Any",
        enum_name="Literal",
        props=("request", "response", "item"),
        query_names=("timeout", "max_retries"),
        enum_param="accept",
        map_param="item",
        read_only_prop="_models",
        header_name="_headers",
        scheme_name="_query",
        variable_name="time",
        path_name="response",
    ),
    # Names of what generated modules import that the generator does not rename (yet).
    "schema-named-Mapping": variant(model_name="Mapping", enum_name="Sequence"),
    "schema-named-ClassVar": variant(model_name="ClassVar", enum_name="TypeAlias"),
    "enum-named-Mapping": variant(enum_name="Mapping"),
    # A field beside a read-only one: __apiforge_read_only__'s annotation uses frozenset.
    "field-named-frozenset": variant(props=("name", "frozenset", "color")),
    "read-only-field-named-frozenset": variant(read_only_prop="frozenset"),
    # The User-Agent carries info.version: it must stay a legal header whatever the spec says.
    # Constructor arguments: server variables and API keys beside the client's own options.
    "server-variable-named-accept": variant(variable_name="accept"),
    "api-key-header-named-timeout": variant(key_header="Timeout"),
    "server-variable-and-api-key-alike": variant(variable_name="x_key", key_header="X-Key"),
    "server-variable-named-endpoint": variant(variable_name="endpoint"),
    "version-non-ascii": variant(version="2024\u201312 (β)"),
    "version-newline": variant(version="1\r\nX-Injected: yes"),
    # A path argument is one segment: "." and ".." must not climb the URL.
    "path-value-dotdot": variant(path_value=".."),
    "path-value-dot": variant(path_value="."),
}

# Property names msgspec cannot rename a field to ('"', '\\' and C0 controls): real specs
# hold them only by mistake ('calls"'), so the property is left out with a located warning.
MSGSPEC_FORBIDDEN_PROPS: dict[str, tuple[str, str, str]] = {
    "double-quote": ('a"b', "c", "d"),
    "backslash": ("a\\b", "c", "d"),
    "newline": ("a\nb", "c", "d"),
    "nul": ("a\x00b", "c", "d"),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_fixed_corpus(
    name: str, tmp_path: Path, server: ScriptedServer, http: httpx.Client
) -> None:
    check_case(CORPUS[name], tmp_path, server, http)


@pytest.mark.parametrize("name", list(MSGSPEC_FORBIDDEN_PROPS))
def test_property_names_msgspec_cannot_rename(name: str, tmp_path: Path) -> None:
    h = variant(props=MSGSPEC_FORBIDDEN_PROPS[name])
    report = generate(h, tmp_path)
    assert not report.errors, "\n".join(d.format() for d in report.errors)
    pointer = "/components/schemas/Item/properties/" + h.props[0].replace("~", "~0")
    said = [d for d in report.diagnostics if d.location.pointer == pointer]
    assert len(said) == 1 and said[0].location.line > 0, [d.format() for d in report.diagnostics]
    assert "left out of the model" in said[0].message
    assert not check_source(tmp_path / "out" / PACKAGE)
    with imported(tmp_path / "out", PACKAGE, tmp_path / "cwd") as pkg:
        wire_names = set(pkg.Item.__struct_encode_fields__)
        assert h.props[0] not in wire_names and {"c", "d"} <= wire_names, wire_names
        # An answer that carries the key anyway decodes: the key is ignored.
        payload = json.dumps({h.props[0]: "x", "c": "y"}).encode()
        assert msgspec.json.decode(payload, type=pkg.Item).c == "y"


def test_percent_encoded_refs_reach_hostile_schema_names(
    tmp_path: Path, server: ScriptedServer, http: httpx.Client
) -> None:
    """A ``$ref`` is a URI reference: its fragment is percent-encoded where a schema name
    holds a space or a quote (RFC 6901, section 6), and means the same schema."""
    h = variant(model_name='Item "Name"', enum_name="Color %")
    tmp_path.mkdir(exist_ok=True)
    spec = build_spec(h)
    encoded = {
        f"#/components/schemas/{name}": "#/components/schemas/" + quote(name, safe="")
        for name in (h.model_name, h.enum_name)
    }
    text_out = json.dumps(spec)
    for plain, percent in encoded.items():
        text_out = text_out.replace(json.dumps(plain), json.dumps(percent))
    assert "%22Name%22" in text_out and "%25" in text_out
    path = tmp_path / "spec.json"
    path.write_text(text_out, encoding="utf-8")
    report = apiforge.generate(Config(spec=path, output=tmp_path / "out", package=PACKAGE))
    assert not report.errors, "\n".join(d.format() for d in report.errors)
    assert not check_source(tmp_path / "out" / PACKAGE)
    with imported(tmp_path / "out", PACKAGE, tmp_path / "cwd") as pkg:
        round_trip(h, pkg, server, http)


# --- the property test ------------------------------------------------------------------------

_ANY_CHAR = st.characters(exclude_categories=["Cs"])  # lone surrogates are not text
hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(_ANY_CHAR, max_size=4)), max_size=5
).map("".join)
hostile_name = st.one_of(st.sampled_from(SHADOW_NAMES), hostile_text)
# Property names: msgspec forbids '"', '\\' and C0 controls in renamed fields (see
# test_property_names_msgspec_cannot_rename); everything else is fair game.
prop_name = hostile_name.filter(lambda s: not re.search(r'["\\\x00-\x1f]', s))
# A path template's name may hold anything but the braces and slash that delimit it, and
# what openapi-spec-validator's path-template parser (``string.Formatter``) misreads:
# '!' and ':' (conversion, format spec) and '[' ']' (indexing). See test_hostile_specs.
path_name = hostile_name.filter(lambda s: s and not re.search(r"[{}/\[\]!:]", s))
# A literal path part: what a URL path can carry as written (no ? # % and no dot segments).
path_literal = st.lists(
    st.sampled_from(["'", '"', "\\", " ", "<>", "|", "^", "`", "é", "😀", "x", "[]", "@", "!"]),
    max_size=6,
).map(lambda parts: "/" + "".join(parts))
http_token = st.text(st.sampled_from(HTTP_TOKEN), min_size=1, max_size=10)
header_name = st.one_of(
    st.sampled_from(["UUID", "msgspec", "Self", "__class__", "X-'q'", "x|y`", "__import__"]),
    http_token,
).filter(lambda s: s.lower() not in RESERVED_HEADERS)
header_value = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=20
).filter(lambda s: s == s.strip() and s != "")
quoted_param = st.text(st.sampled_from(list(" '{}%#\"\\" + string.ascii_letters)), max_size=12).map(
    lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
)
header_media = st.builds(
    lambda sub, param: f"application/{sub}+json" + (f"; x={param}" if param else ""),
    # Not "*": application/*+json is ASP.NET's range, sent as application/json
    # (tests/generator/test_directory_fixes.py).
    http_token.filter(lambda s: "+" not in s and s != "*"),
    st.one_of(st.just(""), quoted_param),
)
path_value = st.text(_ANY_CHAR, max_size=12).filter(lambda s: s.strip(".") != "")


@st.composite
def hostiles(draw: st.DrawFn) -> Hostile:
    props = draw(st.lists(prop_name, min_size=4, max_size=6, unique=True))
    queries = draw(st.lists(hostile_name, min_size=1, max_size=3, unique=True))
    enum_param = draw(hostile_name.filter(lambda s: s not in queries))
    headers = draw(st.lists(header_name, min_size=2, max_size=2, unique_by=lambda s: s.lower()))
    enum_values = draw(st.lists(hostile_text, min_size=1, max_size=4, unique=True))
    names = draw(st.lists(hostile_name, min_size=2, max_size=2, unique=True))
    accept, body = draw(st.lists(header_media, min_size=2, max_size=2, unique=True))
    odd = draw(hostile_text.filter(lambda s: s not in (accept, body, "application/json")))
    return Hostile(
        title=draw(hostile_name),
        # info.version reaches the User-Agent header; see the version-* corpus cases.
        version=draw(st.sampled_from(["1", "1'\"\\", "{{ v }}", PAYLOAD])),
        texts=tuple(draw(st.lists(hostile_text, min_size=1, max_size=4))),
        operation_id=draw(hostile_name),
        model_name=names[0],
        enum_name=names[1],
        props=tuple(props[1:]),
        read_only_prop=props[0],
        enum_values=tuple(enum_values),
        path_literal=draw(path_literal),
        path_name=draw(path_name),
        query_names=tuple(queries),
        enum_param=enum_param,
        map_param=draw(hostile_name.filter(lambda s: s not in (*queries, enum_param))),
        header_name=headers[0],
        key_header=headers[1],
        scheme_name=draw(hostile_name),
        variable_name=draw(path_name),
        # Not a bare '/': '//{variable}' is a scheme-relative URL, whose host is the variable.
        server_path=draw(path_literal.filter(lambda s: s != "/")),
        default=draw(hostile_text),
        tag=draw(hostile_text),
        odd_media=odd,
        accept_media=accept,
        body_media=body,
        path_value=draw(path_value),
        query_values=tuple(
            draw(st.lists(hostile_text, min_size=len(queries) - 1, max_size=len(queries) - 1))
        ),
        header_value=draw(header_value),
        enum_choice=draw(st.sampled_from(enum_values)),
        field_values=tuple(
            draw(st.lists(hostile_text, min_size=len(props) - 3, max_size=len(props) - 3))
        ),
        read_only_value=draw(hostile_text),
        map_value=tuple(draw(st.dictionaries(hostile_text, hostile_text, max_size=2)).items()),
    )


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


_COUNTER = iter(range(10**9))


# 200 generated packages: about 80 s on an idle machine, twice that on a loaded one.
@pytest.mark.timeout(600)
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # No shrinking: a failure is reported as drawn, so that a generator bug costs seconds,
    # not the minutes shrinking a 30-field example takes. Failures are replayed first.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(h=hostiles())
def test_hostile_specs_generate_safe_code(
    h: Hostile, work: Path, server: ScriptedServer, http: httpx.Client
) -> None:
    root = work / f"case{next(_COUNTER)}"
    try:
        check_case(h, root, server, http)
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- mypy --strict, once, over many packages --------------------------------------------------


def test_mypy_strict_over_corpus_and_generated_batch(tmp_path: Path) -> None:
    """The corpus and 20 hypothesis-drawn specs typecheck, in one mypy run: each package
    is written as ``<case>.hostile_pkg`` under one directory of namespace packages."""
    drawn: list[Hostile] = []

    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        derandomize=True,  # the same 20 specs every run: a failure repeats
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(h=hostiles())
    def collect(h: Hostile) -> None:
        drawn.append(h)

    collect()
    cases = {f"corpus_{i}": h for i, h in enumerate(CORPUS.values())}
    cases.update({f"drawn_{i}": h for i, h in enumerate(drawn)})
    checked: list[str] = []
    failed: dict[str, str] = {}
    for case, h in cases.items():
        spec_dir = tmp_path / "specs" / case
        spec_dir.mkdir(parents=True)
        spec = spec_dir / "spec.json"
        spec.write_text(json.dumps(build_spec(h)), encoding="utf-8")
        report = apiforge.generate(Config(spec=spec, output=tmp_path / case, package=PACKAGE))
        if report.errors:
            failed[case] = "\n".join(d.format() for d in report.errors)
        elif not check_source(tmp_path / case / PACKAGE):
            checked.append(case)  # what does not even compile fails the other tests
    assert not failed, failed
    assert len(checked) > len(cases) // 2, f"too few packages compile: {checked}"
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--no-incremental",
        "--cache-dir",
        os.devnull,
        "--hide-error-context",
        "--no-error-summary",
        *(arg for case in checked for arg in ("-p", f"{case}.{PACKAGE}")),
    ]
    env = {**os.environ, "MYPYPATH": str(tmp_path)}
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, _by_case(result.stdout + result.stderr, cases)


def _by_case(output: str, cases: dict[str, Hostile]) -> str:
    """mypy's complaints, each case's spec named by its corpus key."""
    keys = list(CORPUS)
    lines = []
    for line in output.splitlines()[:80]:
        top = line.split("/", 1)[0]
        if top.startswith("corpus_") and top[7:].isdigit():
            line = f"[{keys[int(top[7:])]}] {line}"
        lines.append(line)
    return "\n".join(lines)
