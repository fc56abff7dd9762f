"""The whole upstream Custom Vision Training v3.3 document (Swagger 2.0): generate, check, call.

``tests/upstream/customvision-training-v3.3.json`` is Microsoft's own document (38 paths, 52
operations, 49 definitions), copied into the repository (see its README.md). The module
generates a client from it into a temporary directory, imports it, and checks that

* every operation is a snake_case method of both clients, every definition a model (or a
  map) and every ``x-ms-enum`` an enum class; the package passes ``mypy --strict`` and
  ``ruff check`` with the repo's configuration;
* every one of the 52 operations, called once through the sync client with valid arguments,
  sends a request that Prism's validation accepts (Prism mocks the document itself), and a
  subset does so through the async client too; the artifact download is read whole and
  streamed;
* Prism does refuse invalid requests, and the checks notice it (negative controls).

Prism and the document: see ``prism_document`` for the two changes the served copy needs.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import email.message
import email.parser
import email.policy
import enum
import importlib
import inspect
import json
import re
import struct
import subprocess
import sys
import types
import typing
import uuid
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from support.paths import REPO_ROOT, UPSTREAM_SPEC
from support.prism import Prism, running_prism, swagger2_for_prism

SPEC = UPSTREAM_SPEC
PACKAGE = "cv_upstream"
SYNC_CLIENT = "CustomVisionTrainingClient"
ASYNC_CLIENT = "AsyncCustomVisionTrainingClient"
KEY = "upstream-test-key"
# The document's own counts; a different file is not the one this module was written for.
COUNTS = {"paths": 38, "operations": 52, "definitions": 49}
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
# Per-call options of every generated method; not parameters of the operation.
CALL_OPTIONS = frozenset({"timeout", "max_retries", "accept"})


def _png() -> bytes:
    """A valid 1x1 RGB PNG, built here so the upload carries a real image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = _png()
# What Prism answers to GetArtifact (see ``prism_document``): long enough for several chunks.
ARTIFACT = b"apiforge artifact: " + bytes(range(0x20, 0x7F))


def camel_to_snake(name: str) -> str:
    """``GetImagePerformanceCount`` → ``get_image_performance_count`` (acronym runs kept)."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


# --- The document ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC.read_text("utf-8"))
    return loaded


def operations(document: Mapping[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId → (method, path, operation object), for every operation of the document."""
    found: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                operation = item[method]
                assert operation["operationId"] not in found, operation["operationId"]
                found[operation["operationId"]] = (method, path, operation)
    return found


def expected_methods(document: Mapping[str, Any]) -> dict[str, str]:
    """snake_case method name → operationId."""
    return {camel_to_snake(op_id): op_id for op_id in operations(document)}


def x_ms_enums(node: Any) -> Iterator[tuple[str, list[Any]]]:
    """(name, values) of every ``x-ms-enum`` in the document, repeats included."""
    if isinstance(node, dict):
        if isinstance(node.get("x-ms-enum"), dict) and "enum" in node:
            yield node["x-ms-enum"]["name"], node["enum"]
        for value in node.values():
            yield from x_ms_enums(value)
    elif isinstance(node, list):
        for value in node:
            yield from x_ms_enums(value)


def test_document_is_the_upstream_one(document: dict[str, Any]) -> None:
    assert document["swagger"] == "2.0"
    counts = {
        "paths": len(document["paths"]),
        "operations": len(operations(document)),
        "definitions": len(document["definitions"]),
    }
    assert counts == COUNTS
    assert document["basePath"] == "/customvision/v3.3/training"
    assert document["x-ms-parameterized-host"]["hostTemplate"] == "{Endpoint}"


# --- Generating and importing the client ----------------------------------------------------


@dataclass
class Generated:
    root: Path  # the directory on sys.path that holds the package
    package: types.ModuleType


@pytest.fixture(scope="module")
def generated(
    document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Generated]:
    out = tmp_path_factory.mktemp("upstream-client")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "apiforge",
            "generate",
            str(SPEC),
            "--output",
            str(out),
            "--package",
            PACKAGE,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, f"generation failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    assert (out / PACKAGE / "__init__.py").is_file(), run.stdout + run.stderr
    stale = [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]
    assert not stale, f"{PACKAGE} is already imported from elsewhere: {stale}"
    sys.path.insert(0, str(out))
    try:
        package = importlib.import_module(PACKAGE)
        assert Path(package.__file__ or "").resolve().parent == (out / PACKAGE).resolve()
        yield Generated(out, package)
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def public_methods(cls: type) -> set[str]:
    return {
        name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")
    }


@pytest.mark.parametrize("client_name", [SYNC_CLIENT, ASYNC_CLIENT])
def test_every_operation_is_a_method(
    generated: Generated, document: dict[str, Any], client_name: str
) -> None:
    cls = getattr(generated.package, client_name)
    expected = set(expected_methods(document))
    assert len(expected) == COUNTS["operations"]
    methods = public_methods(cls)
    missing = expected - methods
    assert not missing, f"{client_name} lacks {sorted(missing)}"
    # Nothing but the operations, variants of them and the client's own methods; the one file
    # download (GetArtifact) has its streaming variant.
    variants = {f"{kind}_{name}" for kind in ("stream", "iter") for name in expected}
    extra = methods - expected - variants - {"close", "aclose", "with_options"}
    assert not extra, f"{client_name} has methods that are no operation: {sorted(extra)}"
    assert "stream_get_artifact" in methods
    is_async = client_name == ASYNC_CLIENT
    for name in expected:
        assert inspect.iscoroutinefunction(getattr(cls, name)) is is_async, name


def test_every_definition_is_a_model_or_a_map(
    generated: Generated, document: dict[str, Any]
) -> None:
    models, maps = [], []
    for name, schema in document["definitions"].items():
        if schema.get("properties") or "allOf" in schema:
            models.append(name)
        else:
            assert schema.get("additionalProperties") not in (None, False), name
            maps.append(name)
    assert len(models) + len(maps) == COUNTS["definitions"]
    problems = []
    for name in models:
        cls = getattr(generated.package, name, None)
        if not (isinstance(cls, type) and issubclass(cls, msgspec.Struct)):
            problems.append(f"{name}: no model class (found {cls!r})")
            continue
        schema = document["definitions"][name]
        fields = {f.encode_name: f for f in msgspec.structs.fields(cls)}
        if set(fields) != set(schema["properties"]):
            problems.append(
                f"{name}: fields {sorted(fields)} != properties {sorted(schema['properties'])}"
            )
        for wire in schema.get("required", []):
            if wire in fields and not fields[wire].required:
                problems.append(f"{name}.{wire} is required in the document, optional in the model")
    for name in maps:
        # A pure map is spelled dict[str, V] where it is used; exported, it must be that alias.
        alias = getattr(generated.package, name, None)
        if alias is not None and typing.get_origin(alias) is not dict:
            problems.append(f"{name}: a map definition exported as {alias!r}")
    assert not problems, "\n".join(problems)


def test_every_x_ms_enum_is_an_enum(generated: Generated, document: dict[str, Any]) -> None:
    found = list(x_ms_enums(document))
    assert len(found) == 15  # 13 names; Classifier and TagType are each used twice
    problems = []
    for name, values in found:
        cls = getattr(generated.package, name, None)
        if not (isinstance(cls, type) and issubclass(cls, enum.Enum)):
            problems.append(f"{name}: no enum class (found {cls!r})")
        elif [m.value for m in cls] != values:
            problems.append(f"{name}: members {[m.value for m in cls]} != {values}")
    assert not problems, "\n".join(problems)


def test_mypy_strict_and_ruff_pass(generated: Generated) -> None:
    package_dir = generated.root / PACKAGE
    config = REPO_ROOT / "pyproject.toml"
    commands = {
        "mypy --strict": [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(config),
            "--cache-dir",
            str(generated.root / ".mypy_cache"),
            str(package_dir),
        ],
        "ruff check": [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--config",
            str(config),
            str(package_dir),
        ],
    }
    failures = []
    for label, command in commands.items():
        run = subprocess.run(
            command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False
        )
        if run.returncode != 0:
            failures.append(f"{label} exited {run.returncode}:\n{run.stdout}\n{run.stderr}")
    assert not failures, "\n".join(failures)


# --- Prism ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prism_document(document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The copy of the document that Prism serves.

    Two changes, each forced by Prism 5.14 (checked by hand against the original; see
    tests/prism.py):

    * basePath. Prism ignores Swagger 2.0's ``basePath`` just as it ignores the path of an
      OpenAPI 3 server URL: served as is, the document answers ``/domains`` and 404s
      ``/customvision/v3.3/training/domains``, which is what the client sends (its base URL is
      ``{Endpoint}`` + basePath, from ``x-ms-parameterized-host``). The copy moves basePath
      into every path key, so each full URL is unchanged and Prism validates exactly what the
      client sends (``test_prism_does_not_route_the_unprefixed_path`` holds it to that).
    * x-ms-examples. Every operation's ``x-ms-examples`` is a ``$ref`` to
      ``./examples/<Operation>.json``; Prism resolves them at start and exits with ENOENT for
      the first one missing (tests/upstream/examples/ holds one of the 52). They are AutoRest
      documentation only, so the copy drops them.

    And one addition, for Prism's answer only (requests are validated as before): GetArtifact's
    200 is ``schema: {type: file}``, for which static Prism accepts the request and then fails
    with HTTP 500 "Cannot find serializer for application/octet-stream". A Swagger 2.0
    response example for ``application/octet-stream`` gives it a body to send as is, and the
    test a known one to compare the download with.
    """
    dest = tmp_path_factory.mktemp("upstream-prism") / "customvision-training-v3.3.prism.json"
    swagger2_for_prism(SPEC, dest, drop_x_ms_examples=True)
    served = json.loads(dest.read_text("utf-8"))
    artifact = served["paths"][document["basePath"] + "/projects/{projectId}/artifacts"]["get"]
    assert artifact["responses"]["200"]["schema"] == {"type": "file"}
    artifact["responses"]["200"]["examples"] = {"application/octet-stream": ARTIFACT.decode()}
    dest.write_text(json.dumps(served, indent=2), "utf-8")
    return dest


@pytest.fixture(scope="module")
def prism(prism_document: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prism]:
    with running_prism(
        prism_document, log_dir=tmp_path_factory.mktemp("upstream-prism-log")
    ) as server:
        yield server


class Exchanges:
    """Every response the http client received, in order (bodies are read by their owner)."""

    def __init__(self) -> None:
        self.responses: list[httpx.Response] = []

    def record(self, response: httpx.Response) -> None:
        self.responses.append(response)

    async def arecord(self, response: httpx.Response) -> None:
        self.responses.append(response)


def _body(response: httpx.Response) -> str:
    try:
        return response.text[:400]
    except httpx.ResponseNotRead:
        return "<streamed>"


def refusals(responses: Sequence[httpx.Response]) -> list[str]:
    """One line for each exchange that Prism refused: an error status or sl-violations."""
    return [
        f"{r.request.method} {r.request.url} -> HTTP {r.status_code}; "
        f"sl-violations: {r.headers.get('sl-violations')}; body: {_body(r)}"
        for r in responses
        if r.status_code >= 400 or "sl-violations" in r.headers
    ]


# --- Arguments ------------------------------------------------------------------------------


def new_id() -> str:
    return str(uuid.uuid4())


class Arguments:
    """Values for a generated method's parameters, built from its type annotations."""

    def __init__(self, package: types.ModuleType) -> None:
        self.m = package

    def value(self, hint: Any, name: str) -> Any:
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        options = tuple(o for o in options if o is not type(None))
        origin = typing.get_origin(options[0])
        if uuid.UUID in options:
            return new_id()
        for option in options:
            if isinstance(option, type) and issubclass(option, enum.Enum):
                return next(iter(option))
            if isinstance(option, type) and issubclass(option, msgspec.Struct):
                return self.model(option)
        if bytes in options:
            return PNG
        if origin in (list, Sequence):
            return [self.value(typing.get_args(options[0])[0], name)]
        if origin in (dict, Mapping):
            return {"apiforge": self.value(typing.get_args(options[0])[1], name)}
        if bool in options:
            return True
        if int in options:
            return 1
        if float in options:
            return 0.5
        if datetime.datetime in options:
            return datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
        if str in options:
            return f"apiforge-{name}"
        raise AssertionError(f"no generic value for {name}: {hint!r}; write one in CALLS")

    def model(self, cls: type[msgspec.Struct]) -> msgspec.Struct:
        """An instance with the required fields (and only those) set."""
        required = {
            f.name: self.value(f.type, f.name) for f in msgspec.structs.fields(cls) if f.required
        }
        return cls(**required)

    def for_method(self, method: Callable[..., Any], given: Mapping[str, Any]) -> dict[str, Any]:
        """Every parameter of the operation, optional ones too: ``given`` first, then generic."""
        hints = typing.get_type_hints(method)
        unknown = set(given) - set(inspect.signature(method).parameters)
        assert not unknown, f"{method.__name__} has no parameters {sorted(unknown)}"
        arguments = {}
        for name in inspect.signature(method).parameters:
            if name in ("self", *CALL_OPTIONS):
                continue
            arguments[name] = given[name] if name in given else self.value(hints[name], name)
        return arguments


Given = Callable[[Arguments], dict[str, Any]]


def generic(_: Arguments) -> dict[str, Any]:
    """Nothing hand-written: every argument comes from the annotations."""
    return {}


def _region(a: Arguments) -> Any:
    return a.m.Region(tag_id=new_id(), left=0.1, top=0.2, width=0.3, height=0.4)


def _update_project(a: Arguments) -> dict[str, Any]:
    settings = a.m.ProjectSettings(
        domain_id=new_id(),
        classification_type="Multilabel",
        target_export_platforms=["CoreML", "ONNX"],
        use_negative_set=True,
        image_processing_settings=a.m.ImageProcessingSettings(
            augmentation_methods={"rotation": True}
        ),
    )
    return {"updated_project": a.m.Project(name="Dogs", description=None, settings=settings)}


# Each of the 52 operations exactly once, by method name: what must be specific is written
# here; every other parameter, optional ones included, is built from the annotations.
CALLS: dict[str, Given] = {
    "get_domains": generic,
    "get_domain": generic,
    "get_projects": generic,
    "create_project": lambda a: {
        "name": "Dogs",
        "classification_type": "Multiclass",
        "target_export_platforms": ["CoreML", "TensorFlow"],
    },
    "get_project": generic,
    "delete_project": generic,
    "update_project": _update_project,
    "get_artifact": lambda a: {"path": "x"},
    "export_project": generic,
    "get_images": lambda a: {"tag_ids": [new_id() for _ in range(3)], "take": 256, "skip": 0},
    "create_images_from_data": lambda a: {"image_data": PNG, "tag_ids": [new_id()]},
    "delete_images": lambda a: {"image_ids": [new_id(), new_id()], "all_images": False},
    "get_image_region_proposals": generic,
    "get_image_count": lambda a: {"tag_ids": [new_id(), new_id()]},
    "create_images_from_files": lambda a: {
        "batch": a.m.ImageFileCreateBatch(
            images=[
                a.m.ImageFileCreateEntry(
                    name="one.png",
                    contents=base64.b64encode(PNG).decode("ascii"),
                    tag_ids=[new_id()],
                    regions=[_region(a)],
                )
            ],
            tag_ids=[new_id()],
            metadata={"colour": "brown"},
        )
    },
    "get_images_by_ids": lambda a: {"image_ids": [new_id(), new_id()]},
    "update_image_metadata": lambda a: {
        "image_ids": [new_id()],
        "metadata": {"colour": "brown", "size": "s"},
    },
    "create_images_from_predictions": lambda a: {
        "batch": a.m.ImageIdCreateBatch(
            images=[a.m.ImageIdCreateEntry(id=new_id(), tag_ids=[new_id()], regions=[_region(a)])],
            metadata={"source": "prediction"},
        )
    },
    "create_image_regions": lambda a: {
        "batch": a.m.ImageRegionCreateBatch(
            regions=[
                a.m.ImageRegionCreateEntry(
                    image_id=new_id(), tag_id=new_id(), left=0.0, top=0.0, width=1.0, height=1.0
                )
            ]
        )
    },
    "delete_image_regions": lambda a: {"region_ids": [new_id(), new_id()]},
    "query_suggested_images": lambda a: {
        "query": a.m.SuggestedTagAndRegionQueryToken(
            tag_ids=[new_id()],
            threshold=0.25,
            max_count=10,
            sort_by=a.m.SortBy.UNCERTAINTY_DESCENDING,
        )
    },
    "query_suggested_image_count": lambda a: {
        "query": a.m.TagFilter(tag_ids=[new_id()], threshold=0.25)
    },
    "get_tagged_images": generic,
    "get_tagged_image_count": generic,
    "create_image_tags": lambda a: {
        "batch": a.m.ImageTagCreateBatch(
            tags=[a.m.ImageTagCreateEntry(image_id=new_id(), tag_id=new_id())]
        )
    },
    "delete_image_tags": lambda a: {"image_ids": [new_id()], "tag_ids": [new_id(), new_id()]},
    "get_untagged_images": generic,
    "get_untagged_image_count": generic,
    "create_images_from_urls": lambda a: {
        "batch": a.m.ImageUrlCreateBatch(
            images=[
                a.m.ImageUrlCreateEntry(url="https://example.com/dog.png", regions=[_region(a)])
            ]
        )
    },
    "get_iterations": generic,
    "get_iteration": generic,
    "delete_iteration": generic,
    "update_iteration": lambda a: {"updated_iteration": a.m.Iteration(name="Iteration 2")},
    "get_exports": generic,
    "export_iteration": lambda a: {"platform": "ONNX", "flavor": "ONNX12"},
    "get_iteration_performance": lambda a: {"threshold": 0.5, "overlap_threshold": 0.3},
    "get_image_performances": generic,
    "get_image_performance_count": generic,
    "publish_iteration": lambda a: {
        "publish_name": "dogs-v1",
        "prediction_id": "/subscriptions/x/resource",
    },
    "unpublish_iteration": generic,
    "delete_prediction": lambda a: {"ids": [new_id(), new_id()]},
    "query_predictions": lambda a: {
        "query": a.m.PredictionQueryToken(
            max_count=5,
            order_by=a.m.OrderBy.SUGGESTED,
            tags=[a.m.PredictionQueryTag(id=new_id(), min_threshold=0.1, max_threshold=0.9)],
            iteration_id=new_id(),
            start_time=datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
            end_time=datetime.datetime(2024, 2, 3, 4, 5, 6, tzinfo=datetime.UTC),
        )
    },
    "quick_test_image": lambda a: {"image_data": PNG, "store": False},
    "quick_test_image_url": lambda a: {
        "image_url": a.m.ImageUrl(url="https://example.com/cat.jpg")
    },
    "get_tags": generic,
    "create_tag": lambda a: {"name": "dog", "description": "A dog", "type_": "Negative"},
    "get_tag": generic,
    "delete_tag": generic,
    "update_tag": lambda a: {
        "updated_tag": a.m.Tag(name="dog", description="A dog", type_=a.m.TagType.GENERAL_PRODUCT)
    },
    "suggest_tags_and_regions": lambda a: {"image_ids": [new_id() for _ in range(4)]},
    "train_project": lambda a: {
        "training_type": "Advanced",
        "reserved_budget_in_hours": 2,
        "force_train": True,
        "notification_email_address": "owner@example.com",
        "training_parameters": a.m.TrainingParameters(selected_tags=[new_id(), new_id()]),
    },
    "import_project": lambda a: {"token": "an-export-token", "name": "Imported"},
}

# Through the async client too: uploads, the download, bodies, csv arrays, enums, no content.
ASYNC_SUBSET = (
    "get_domains",
    "create_project",
    "update_project",
    "create_images_from_data",
    "quick_test_image",
    "get_artifact",
    "create_images_from_files",
    "get_images",
    "delete_image_tags",
    "train_project",
    "query_predictions",
)


# --- Calling every operation ----------------------------------------------------------------


@dataclass
class Outcome:
    """One call of a generated method: what it returned or raised, and what crossed the wire."""

    method: str
    result: Any = None
    error: Exception | None = None
    responses: list[httpx.Response] = field(default_factory=list)
    streamed: list[bytes] | None = None


class Routes:
    """Which operation of the document a request is for, by method and full path."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        base = document["basePath"].rstrip("/")
        self.routes = []
        for op_id, (method, path, _) in operations(document).items():
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(base + path))
            # A literal segment beats a template (``/projects/import`` over ``/{projectId}``).
            self.routes.append((path.count("{"), method.upper(), re.compile(pattern + "$"), op_id))
        self.routes.sort(key=lambda route: route[0])

    def operation(self, request: httpx.Request) -> str | None:
        for _, method, pattern, op_id in self.routes:
            if method == request.method and pattern.match(request.url.path):
                return op_id
        return None


def conforms(value: Any, hint: Any) -> bool:
    """``value`` is of the (return) type ``hint``."""
    if hint is None or hint is type(None):
        return value is None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return any(conforms(value, a) for a in args)
    if origin is list:
        return isinstance(value, list) and all(conforms(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            conforms(k, args[0]) and conforms(v, args[1]) for k, v in value.items()
        )
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(hint, type) and isinstance(value, hint)


def multipart_parts(request: httpx.Request) -> dict[str, bytes]:
    """The parts of a multipart/form-data request body, by name."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return {}
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + request.read()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    assert isinstance(message, email.message.EmailMessage)
    parts = {}
    for part in message.iter_parts():
        assert isinstance(part, email.message.EmailMessage)
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(name, str) and isinstance(payload, bytes), part
        parts[name] = payload
    return parts


def form_problems(
    request: httpx.Request, op_id: str | None, document: Mapping[str, Any]
) -> list[str]:
    """Prism checks a multipart request's media type but not its parts: check them here.

    Every formData parameter of the operation that is required must be a part, and a file
    part must carry the image the test uploads.
    """
    if op_id is None:
        return []
    form = [
        p for p in operations(document)[op_id][2].get("parameters", []) if p.get("in") == "formData"
    ]
    if not form:
        return []
    parts = multipart_parts(request)
    if not parts:
        return [f"not a multipart/form-data body: {request.headers.get('content-type')!r}"]
    problems = []
    for parameter in form:
        name = parameter["name"]
        if name not in parts:
            if parameter.get("required"):
                problems.append(f"no multipart part {name!r} (parts: {sorted(parts)})")
        elif parameter["type"] == "file" and parts[name] != PNG:
            problems.append(f"multipart part {name!r} is not the uploaded image")
    return problems


def wire_problems(
    request: httpx.Request, op_id: str | None, document: Mapping[str, Any]
) -> list[str]:
    """Every call passes every parameter, so each query parameter and the body must be sent."""
    if op_id is None:
        return []
    problems = []
    for parameter in operations(document)[op_id][2].get("parameters", []):
        where, name = parameter.get("in"), parameter.get("name")
        if where == "query" and name not in request.url.params:
            problems.append(f"query parameter {name!r} not sent: {request.url}")
        if where == "body":
            content_type = request.headers.get("content-type", "")
            if not content_type.startswith("application/json"):
                problems.append(f"body {name!r} sent as {content_type!r}, not JSON")
            elif not json.loads(request.read()):
                problems.append(f"body {name!r} is empty")
    return problems


def check(
    outcome: Outcome, client_cls: type, document: Mapping[str, Any], routes: Routes
) -> list[str]:
    """What is wrong with one call; nothing when Prism accepted it and the result fits."""
    problems = []
    where = outcome.method
    if outcome.error is not None:
        problems.append(f"{where}: raised {type(outcome.error).__name__}: {outcome.error}")
    if len(outcome.responses) != 1:
        problems.append(f"{where}: {len(outcome.responses)} exchanges, expected exactly 1")
    for line in refusals(outcome.responses):
        problems.append(f"{where}: Prism refused: {line}")
    expected_op = expected_methods(document).get(outcome.method.removeprefix("stream_"))
    for response in outcome.responses:
        op_id = routes.operation(response.request)
        if op_id != expected_op:
            problems.append(
                f"{where}: sent {response.request.method} {response.request.url.path}, "
                f"which is {op_id}, not {expected_op}"
            )
        if response.request.headers.get("Training-Key") != KEY:
            problems.append(f"{where}: no Training-Key header")
    for response in outcome.responses:
        problems += [
            f"{where}: {p}" for p in form_problems(response.request, expected_op, document)
        ]
        problems += [
            f"{where}: {p}" for p in wire_problems(response.request, expected_op, document)
        ]
    if outcome.error is None and outcome.streamed is None:
        hint = typing.get_type_hints(getattr(client_cls, outcome.method))["return"]
        if not conforms(outcome.result, hint):
            problems.append(f"{where}: returned {outcome.result!r}, not a {hint}")
    return problems


def run_sync(client: Any, exchanges: Exchanges, method: str, arguments: dict[str, Any]) -> Outcome:
    outcome = Outcome(method)
    before = len(exchanges.responses)
    try:
        if method == "stream_get_artifact":
            with client.stream_get_artifact(**arguments) as response:
                outcome.streamed = list(response.iter_bytes(chunk_size=16))
        else:
            outcome.result = getattr(client, method)(**arguments)
    except Exception as exc:  # reported with the exchange; the loop goes on to the others
        outcome.error = exc
    outcome.responses = exchanges.responses[before:]
    return outcome


async def run_async(
    client: Any, exchanges: Exchanges, method: str, arguments: dict[str, Any]
) -> Outcome:
    outcome = Outcome(method)
    before = len(exchanges.responses)
    try:
        if method == "stream_get_artifact":
            async with client.stream_get_artifact(**arguments) as response:
                outcome.streamed = [chunk async for chunk in response.aiter_bytes(chunk_size=16)]
        else:
            outcome.result = await getattr(client, method)(**arguments)
    except Exception as exc:  # reported with the exchange; the loop goes on to the others
        outcome.error = exc
    outcome.responses = exchanges.responses[before:]
    return outcome


def plan(
    client_cls: Any, arguments: Arguments, names: Sequence[str]
) -> list[tuple[str, dict[str, Any]]]:
    """(method, arguments) for each name, then the streaming download."""
    calls = [
        (name, arguments.for_method(getattr(client_cls, name), CALLS[name](arguments)))
        for name in names
    ]
    stream = client_cls.stream_get_artifact
    calls.append(
        ("stream_get_artifact", arguments.for_method(stream, CALLS["get_artifact"](arguments)))
    )
    return calls


def assert_all_accepted(
    outcomes: Sequence[Outcome], client_cls: type, document: Mapping[str, Any], prism: Prism
) -> None:
    routes = Routes(document)
    problems = [p for outcome in outcomes for p in check(outcome, client_cls, document, routes)]
    assert not problems, (
        f"{len(problems)} problem(s) in {len(outcomes)} calls:\n"
        + "\n".join(problems)
        + f"\n--- end of Prism's log:\n{prism.output()[-4000:]}"
    )


def assert_download(outcomes: Sequence[Outcome]) -> None:
    by_method = {o.method: o for o in outcomes}
    whole = by_method["get_artifact"].result
    chunks = by_method["stream_get_artifact"].streamed
    assert whole == ARTIFACT
    assert chunks is not None and b"".join(chunks) == ARTIFACT
    assert len(chunks) > 1  # streamed in pieces of 16 bytes, not read whole
    content_type = by_method["get_artifact"].responses[0].headers["content-type"]
    assert content_type.startswith("application/octet-stream"), content_type


def test_calls_cover_every_operation(document: dict[str, Any]) -> None:
    assert set(CALLS) == set(expected_methods(document))
    assert len(CALLS) == COUNTS["operations"]
    assert set(ASYNC_SUBSET) <= set(CALLS)
    assert {"create_images_from_data", "quick_test_image", "get_artifact"} <= set(ASYNC_SUBSET)


def test_every_operation_through_the_sync_client(
    generated: Generated, document: dict[str, Any], prism: Prism
) -> None:
    client_cls = getattr(generated.package, SYNC_CLIENT)
    calls = plan(client_cls, Arguments(generated.package), sorted(CALLS))
    exchanges = Exchanges()
    with (
        httpx.Client(event_hooks={"response": [exchanges.record]}) as http,
        client_cls(prism.url, KEY, http_client=http, max_retries=0) as client,
    ):
        outcomes = [run_sync(client, exchanges, method, arguments) for method, arguments in calls]
    assert_all_accepted(outcomes, client_cls, document, prism)
    # Each operation reached Prism exactly once (GetArtifact twice: read whole, then streamed).
    routes = Routes(document)
    seen = sorted(str(routes.operation(r.request)) for r in exchanges.responses)
    assert seen == sorted([*operations(document), "GetArtifact"])
    assert_download(outcomes)


def test_a_subset_through_the_async_client(
    generated: Generated, document: dict[str, Any], prism: Prism
) -> None:
    client_cls = getattr(generated.package, ASYNC_CLIENT)
    calls = plan(client_cls, Arguments(generated.package), ASYNC_SUBSET)
    exchanges = Exchanges()

    async def main() -> list[Outcome]:
        async with (
            httpx.AsyncClient(event_hooks={"response": [exchanges.arecord]}) as http,
            client_cls(prism.url, KEY, http_client=http, max_retries=0) as client,
        ):
            return [
                await run_async(client, exchanges, method, arguments) for method, arguments in calls
            ]

    outcomes = asyncio.run(main())
    assert_all_accepted(outcomes, client_cls, document, prism)
    assert len(exchanges.responses) == len(ASYNC_SUBSET) + 1
    assert_download(outcomes)


# --- Negative controls: Prism refuses, and the checks above notice ----------------------------

BASE_PATH = "/customvision/v3.3/training"


def test_prism_refuses_a_request_without_training_key(prism: Prism) -> None:
    response = httpx.post(f"{prism.url}{BASE_PATH}/projects", params={"name": "Dogs"}, timeout=10.0)
    assert response.status_code == 401, response.text
    assert "security" in response.headers["sl-violations"].lower(), response.headers
    assert refusals([response]) and "HTTP 401" in refusals([response])[0]


def test_prism_refuses_a_body_without_a_required_field(prism: Prism) -> None:
    # Project requires name, description and settings: this one has no settings.
    response = httpx.patch(
        f"{prism.url}{BASE_PATH}/projects/{new_id()}",
        json={"name": "Dogs", "description": "no settings"},
        headers={"Training-Key": KEY},
        timeout=10.0,
    )
    assert response.status_code == 422, response.text
    violations = json.loads(response.headers["sl-violations"])
    assert any("settings" in v["message"] for v in violations), violations
    assert refusals([response])


def test_prism_refuses_an_upload_of_another_media_type(prism: Prism) -> None:
    response = httpx.post(
        f"{prism.url}{BASE_PATH}/projects/{new_id()}/images",
        content=PNG,
        headers={"Training-Key": KEY, "Content-Type": "text/plain"},
        timeout=10.0,
    )
    assert response.status_code == 415, response.text
    assert "multipart/form-data" in response.headers["sl-violations"], response.headers
    assert refusals([response])


def test_an_upload_without_the_file_part_fails_the_checks(
    generated: Generated, document: dict[str, Any], prism: Prism
) -> None:
    """Prism does not check multipart parts (it answers 200 without ``imageData``): we do."""
    response = httpx.post(
        f"{prism.url}{BASE_PATH}/projects/{new_id()}/images",
        files={"other": ("one.png", PNG, "image/png")},
        headers={"Training-Key": KEY},
        timeout=10.0,
    )
    assert response.status_code == 200, response.text  # Prism's blind spot, as documented
    assert not refusals([response])
    outcome = Outcome("create_images_from_data", result=None, responses=[response])
    client_cls = getattr(generated.package, SYNC_CLIENT)
    problems = check(outcome, client_cls, document, Routes(document))
    assert any("no multipart part 'imageData'" in p for p in problems), problems


def test_prism_does_not_route_the_unprefixed_path(prism: Prism) -> None:
    # The served copy carries basePath in its paths: a client that dropped it would get 404.
    response = httpx.get(f"{prism.url}/domains", headers={"Training-Key": KEY}, timeout=10.0)
    assert response.status_code == 404, response.text
    assert refusals([response])


def test_a_refused_client_request_fails_the_checks(
    generated: Generated, document: dict[str, Any], prism: Prism
) -> None:
    """The generated client's own upload, robbed of its key on the way out, is caught."""

    def drop_key(request: httpx.Request) -> None:
        del request.headers["Training-Key"]

    client_cls = getattr(generated.package, SYNC_CLIENT)
    calls = plan(client_cls, Arguments(generated.package), ["create_images_from_data"])[:1]
    exchanges = Exchanges()
    with (
        httpx.Client(event_hooks={"request": [drop_key], "response": [exchanges.record]}) as http,
        client_cls(prism.url, KEY, http_client=http, max_retries=0) as client,
    ):
        outcomes = [run_sync(client, exchanges, method, arguments) for method, arguments in calls]
    assert isinstance(outcomes[0].error, generated.package.ApiStatusError)
    assert outcomes[0].error.status_code == 401
    with pytest.raises(
        AssertionError, match=r"create_images_from_data: Prism refused: POST .* HTTP 401"
    ):
        assert_all_accepted(outcomes, client_cls, document, prism)
