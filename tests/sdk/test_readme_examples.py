"""The usage example in every generated package's README.md runs.

For each construct of the corpus, for the committed Custom Vision client, and for two
specs written here (every kind of argument in one operation; no operation at all), the
```python block of the package's README.md is compiled and run against a ScriptedServer
on 127.0.0.1, which answers the example's one request with a body valid for the
operation's declared result (``support/samples.py``). The example runs as written: its
text is untouched but for the one keyword the test adds to the constructor,
``http_client=``, an ``httpx.Client`` whose transport sends every request to the local
server instead of the host the example names (``https://<endpoint>`` included). Then
``mypy --strict`` checks all the examples against their packages, in one run.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from apiforge import Config, ir, render_files
from apiforge.render import methods
from support import corpus, samples
from support.http_server import Reply, ScriptedServer
from support.paths import GOLDEN, GOLDEN_PACKAGE, SPEC

# Every kind of required argument in one operation, a model holding every kind of field.
KINDS_SPEC = """\
openapi: 3.1.0
info: {title: Readme Kinds, version: "1.0"}
servers:
  - url: "{endpoint}/v1"
    variables:
      endpoint: {default: "https://kinds.example.com"}
security: [{key: []}]
paths:
  /orders/{orderId}:
    post:
      operationId: placeOrder
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: string, format: uuid}}
        - {name: day, in: query, required: true, schema: {type: string, format: date}}
        - {name: at, in: query, required: true, schema: {type: string, format: date-time}}
        - {name: count, in: query, required: true,
           schema: {type: integer, minimum: 5, maximum: 10}}
        - {name: ratio, in: query, required: true, schema: {type: number, maximum: 0.25}}
        - {name: floor, in: query, required: true, schema: {type: integer, maximum: -3}}
        - {name: tags, in: query, required: true,
           schema: {type: array, minItems: 2, items: {type: string}}}
        - {name: mode, in: query, required: true, schema: {$ref: "#/components/schemas/Mode"}}
        - {name: level, in: query, required: true, schema: {type: integer, enum: [3, 4]}}
        - {name: flag, in: header, required: true, schema: {type: boolean}}
        - {name: either, in: query, required: true,
           schema: {oneOf: [{type: integer}, {type: string}]}}
        - {name: note, in: query, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Order"}
      responses:
        "201":
          description: Placed.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
  schemas:
    Mode: {type: string, enum: [fast, slow]}
    Line:
      type: object
      required: [sku, qty]
      properties:
        sku: {type: string}
        qty: {type: integer}
    Cat:
      type: object
      required: [petType, lives]
      properties:
        petType: {type: string}
        lives: {type: integer}
    Dog:
      type: object
      required: [petType]
      properties:
        petType: {type: string}
    Pet:
      oneOf: [{$ref: "#/components/schemas/Cat"}, {$ref: "#/components/schemas/Dog"}]
      discriminator: {propertyName: petType}
    Order:
      type: object
      required: [ref, when, day, lines, meta, pet, kind, blob, parent, mode, any]
      properties:
        ref: {type: string, format: uuid}
        when: {type: string, format: date-time}
        day: {type: string, format: date}
        lines: {type: array, items: {$ref: "#/components/schemas/Line"}}
        meta: {type: object, additionalProperties: {type: string}}
        pet: {$ref: "#/components/schemas/Pet"}
        kind: {const: order}
        blob: {type: string, format: binary}
        parent: {anyOf: [{$ref: "#/components/schemas/Order"}, {type: "null"}]}
        mode: {$ref: "#/components/schemas/Mode"}
        any: {}
        note: {type: string}
"""
# No operation: the example constructs the client and closes it; plain http needs opting in.
EMPTY_SPEC = """\
openapi: 3.0.3
info: {title: Readme Empty, version: "1.0"}
servers: [{url: "http://api.example.com/v2"}]
paths: {}
"""
# Required credentials of two kinds: the example fetches a token before it calls.
AUTH_SPEC = """\
openapi: 3.0.3
info: {title: Readme Auth, version: "1.0"}
servers: [{url: "https://auth-demo.example.com/v1"}]
security: [{machine: [read], session: []}]
paths:
  /things:
    get:
      operationId: listThings
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema: {type: array, items: {type: string}}
components:
  securitySchemes:
    session: {type: apiKey, in: cookie, name: sid}
    machine:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth-demo.example.com/oauth/token
          scopes: {read: Read.}
"""
WRITTEN = {"readme_kinds": KINDS_SPEC, "readme_empty": EMPTY_SPEC, "readme_auth": AUTH_SPEC}
TOKEN = Reply.json({"access_token": "readme-token", "token_type": "Bearer", "expires_in": 60})


@dataclass(frozen=True)
class Package:
    """A generated package whose README example is run."""

    readme: Path
    imported_as: str  # the name the README imports from
    module: str  # the name the test imports it under
    spec: Path


def _corpus_package(case: corpus.Case) -> Package:
    module = corpus.module_name(case.name)
    return Package(case.expected / "README.md", corpus.PACKAGE, module, case.spellings[0])


PACKAGES = {c.name: _corpus_package(c) for c in corpus.cases()}
PACKAGES["customvision_training"] = Package(
    GOLDEN / "README.md", GOLDEN_PACKAGE, GOLDEN_PACKAGE, SPEC
)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Package]:
    """The packages of the specs written here, generated once for the module."""
    root = tmp_path_factory.mktemp("readme_packages")
    found = {}
    for name, text in WRITTEN.items():
        spec = root / f"{name}.yaml"
        spec.write_text(text, encoding="utf-8")
        rendered = render_files(Config(spec=spec, output=root, package=name))
        for path, content in rendered.files.items():
            (root / name / path).parent.mkdir(parents=True, exist_ok=True)
            (root / name / path).write_bytes(content)
        found[name] = Package(root / name / "README.md", name, name, spec)
    return found


def example_of(readme: Path) -> str:
    """The one ```python block of a README."""
    blocks = re.findall(r"^```python\n(.*?)^```$", readme.read_text(encoding="utf-8"), re.M | re.S)
    assert len(blocks) == 1, readme
    return str(blocks[0])


def _load(package: Package) -> ModuleType:
    """The package, imported under ``package.module``."""
    if package.module in sys.modules:
        return sys.modules[package.module]
    if package.module.startswith("corpus_"):
        return corpus.load(package.spec.parent.name)
    init = package.readme.parent / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        package.module, init, submodule_search_locations=[str(init.parent)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[package.module] = module
    spec.loader.exec_module(module)
    return module


class ToServer(httpx.BaseTransport):
    """Sends every request to the local server, keeping its path and query; records the
    URLs the client asked for."""

    def __init__(self, server: ScriptedServer) -> None:
        self.port = server.port
        self.asked: list[httpx.URL] = []
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request.url)
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def with_http_client(code: str, package: Package, client_class: str) -> ast.Module:
    """The example as written, importing ``package.module`` and passing the test's
    ``http_client`` to the constructor."""
    tree = ast.parse(code, "README.md")
    constructed = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == package.imported_as:
            node.module = package.module
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == client_class:
            node.keywords.append(ast.keyword("http_client", ast.Name("_http", ast.Load())))
            constructed += 1
    assert constructed == 1, code
    return ast.fix_missing_locations(tree)


def called(code: str) -> str | None:
    """The name of the client method the example calls."""
    names = [
        node.func.attr
        for node in ast.walk(ast.parse(code))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and getattr(node.func.value, "id", None) == "client"
    ]
    assert len(names) <= 1, code
    return names[0] if names else None


def path_pattern(server: ir.Server, op: ir.Operation) -> re.Pattern[str]:
    """The request path: the server URL's path, then the operation's, each ``{name}``
    any one segment."""
    url = server.url
    if "://" in url:
        rest = url.split("://", 1)[1].partition("/")[2]
        base = f"/{rest}" if rest else ""
    else:  # "{endpoint}/path": the leading variable is the scheme and host
        base = url[url.index("}") + 1 :] if url.startswith("{") else url
    parts = re.split(r"\{[^}]*\}", base.rstrip("/") + op.path)
    return re.compile("[^/]+".join(re.escape(p) for p in parts))


def run_example(package: Package, server: ScriptedServer) -> None:
    """Compile and run ``package``'s README example against ``server``."""
    code = example_of(package.readme)
    compile(code, str(package.readme), "exec")  # as written, before any change
    api = samples.api_of(package.spec)
    _load(package)
    name = called(code)
    op = next((o for o in api.operations if o.name == name), None)
    assert (op is None) == (not api.operations), f"{name} is not an operation"
    fetches_a_token = "OAuth2ClientCredentials(" in code
    if fetches_a_token:  # the client credentials flow asks the token endpoint first
        server.enqueue(TOKEN)
    if op is not None:
        server.enqueue(samples.success(api, op))
    transport = ToServer(server)
    tree = with_http_client(code, package, api.client_name)
    with (
        httpx.Client(transport=transport) as http,
        contextlib.redirect_stdout(io.StringIO()) as out,
    ):
        exec(compile(tree, str(package.readme), "exec"), {"__name__": "readme", "_http": http})
    prints = op is None or methods.result_annotation(op) != "None"
    assert bool(out.getvalue()) == prints, out.getvalue()
    if op is None:
        assert server.requests == [] and transport.asked == []
        return
    *token, request = server.requests
    assert [t.method for t in token] == (["POST"] if fetches_a_token else [])
    assert request.method == op.method
    assert path_pattern(api.server, op).fullmatch(request.url_path), (request.path, op.path)
    assert server.pending_replies == 0


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_readme_example_runs(name: str, server: ScriptedServer) -> None:
    run_example(PACKAGES[name], server)


@pytest.mark.parametrize("name", sorted(WRITTEN))
def test_readme_example_of_a_spec_written_here_runs(
    name: str, written: dict[str, Package], server: ScriptedServer
) -> None:
    run_example(written[name], server)


def test_every_kind_of_argument_is_in_the_kinds_example(written: dict[str, Package]) -> None:
    """The kinds spec shows what it is for: each kind of value, as the README writes it."""
    code = example_of(written["readme_kinds"].readme)
    for shown in [
        'order_id="00000000-0000-0000-0000-000000000000"',
        "day=datetime.date(2024, 1, 1)",
        "at=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)",
        "count=5",
        "ratio=0.25",
        "floor=-3",
        'tags=["<tags>", "<tags>"]',
        "mode=Mode.FAST",
        "level=Level.VALUE_3",
        "either=1",
        "flag=True",
        "ref=uuid.UUID(",
        'pet=Cat(pet_type="Cat", lives=1)',
        'kind="order"',
        'blob=b"<blob>"',
        "parent=None",
        "meta={}",
        'lines=[Line(sku="<sku>", qty=1)]',
        'endpoint="https://kinds.example.com"',
        'x_key="<x_key>"',
    ]:
        assert shown in code, f"{shown} not in\n{code}"
    assert "note=" not in code  # optional arguments are left out
    empty = example_of(written["readme_empty"].readme)
    assert "allow_insecure_http=True" in empty and "print(client)" in empty
    auth = example_of(written["readme_auth"].readme)
    assert "from readme_auth import OAuth2ClientCredentials, ReadmeAuthClient" in auth
    for shown in ['client_id="<client_id>"', 'client_secret="<client_secret>"', 'sid="<sid>"']:
        assert shown in auth, f"{shown} not in\n{auth}"


def test_readme_examples_pass_mypy_strict(tmp_path: Path, written: dict[str, Package]) -> None:
    """Every example type-checks against its package, in one mypy run."""
    packages = {**PACKAGES, **written}
    for name, package in packages.items():
        if package.module.startswith("corpus_"):
            corpus.assemble(name, into=tmp_path)
        else:
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(package.readme.parent, tmp_path / package.module, ignore=ignore)
        code = example_of(package.readme)
        importing = re.sub(
            rf"^from {re.escape(package.imported_as)} import",
            f"from {package.module} import",
            code,
            flags=re.M,
        )
        (tmp_path / f"example_{package.module}.py").write_text(importing, encoding="utf-8")
    examples = sorted(p.name for p in tmp_path.glob("example_*.py"))
    assert len(examples) == len(packages)
    # The control: a key that is no str must be the run's only complaint.
    control = example_of(GOLDEN / "README.md").replace('"<training_key>"', "1234")
    (tmp_path / "control.py").write_text(control, encoding="utf-8")
    command = [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11"]
    command += ["--cache-dir", str(tmp_path / "mypy-cache"), "--no-error-summary"]
    command += ["--hide-error-context", "control.py", *examples]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert errors and all(e.startswith("control.py:") for e in errors), result.stdout
    assert "training_key" in errors[0] and result.stderr == "", result.stdout + result.stderr
