"""``iter_image_performances``: skip/take paging, sync and async, against a real HTTP server_view.

The server_view side is `ImageService`, a handler that behaves like GetImagePerformances over a
fixed list of images: it answers ``skip``/``take`` from the query string with that slice.
The last part checks that the paging method comes from the spec's ``x-apiforge-pagination``
extension (not from the operation's name) by running the generator on edited copies of the
spec.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import msgspec
import pytest
from customvision_training import (
    ApiStatusError,
    AsyncCustomVisionTrainingClient,
    CustomVisionErrorCodes,
    CustomVisionTrainingClient,
    ImagePerformance,
    OrderBy,
)
from support.http_server import RecordedRequest, Reply, ServerView
from support.page_factory import JsonObject, make_page

Mode = Literal["sync", "async"]

KEY = "0123456789abcdef0123456789abcdef"
PROJECT = "bc3f7dad-5544-468c-8573-3ef04d55463e"
ITERATION = "b7b9d99c-a2c6-4658-9900-a98d2ff5bc66"
TAG_1 = "65c1de9c-3ee9-4b46-941f-66199b64d155"
TAG_2 = "b5f7e6a2-a481-49a6-afec-a7cef1af3544"
BASE_PATH = (
    f"/customvision/v3.3/training/projects/{PROJECT}/iterations/{ITERATION}/performance/images"
)
MAX_TAKE = 256  # the spec's maximum for `take`, and the default page size


# --- the service -----------------------------------------------------------------------------


@dataclass
class ImageService:
    """GetImagePerformances over ``items``: the slice ``skip``/``take`` asks for, as JSON.

    ``take`` outside 0..256 is answered 400, as the service does; ``overrides`` maps a
    ``skip`` to the reply for the next request with that skip (one reply per request).
    After ``max_requests`` it answers 500, so that a client that never stops fails fast.
    """

    items: list[JsonObject]
    overrides: dict[int, list[Reply]] = field(default_factory=dict)
    max_requests: int = 16
    calls: int = 0

    def __call__(self, request: RecordedRequest) -> Reply:
        self.calls += 1
        if self.calls > self.max_requests:
            return Reply.text("ImageService: too many requests; is the client looping?", 500)
        assert request.method == "GET"
        assert request.url_path == BASE_PATH
        params = dict(request.query_params)
        skip, take = int(params.get("skip", "0")), int(params.get("take", "50"))
        if self.overrides.get(skip):
            return self.overrides[skip].pop(0)
        if not 0 <= take <= MAX_TAKE:
            return Reply.json({"code": "BadRequest", "message": "take out of range"}, 400)
        return Reply.json(self.items[skip : skip + take])


@functools.cache
def source(n: int) -> list[JsonObject]:
    """``make_page(n)``, made once; nothing may change it."""
    return make_page(n)


@functools.cache
def decoded(n: int) -> list[ImagePerformance]:
    """What the client must yield for ``source(n)``: its JSON decoded by msgspec directly."""
    return msgspec.json.decode(json.dumps(source(n)), type=list[ImagePerformance])


def pages_requested(server_view: ServerView) -> list[tuple[int, int]]:
    """(skip, take) of every request the server_view received, in order."""
    found = []
    for request in server_view.requests:
        params = dict(request.query_params)
        found.append((int(params["skip"]), int(params["take"])))
    return found


# --- fixtures and the driver -----------------------------------------------------------------


@dataclass
class Walk:
    """What one iteration did.

    ``seen[0]`` is the number of requests the server_view had received once the iterator was
    created (before the first ``next()``); ``seen[i]`` the number once item ``i`` was yielded.
    """

    items: list[ImagePerformance]
    seen: list[int]
    error: Exception | None


def walk(
    mode: Mode,
    server_view: ServerView,
    *,
    method: str = "iter_image_performances",
    stop_after: int | None = None,
    client: tuple[type, type] = (CustomVisionTrainingClient, AsyncCustomVisionTrainingClient),
    **kwargs: Any,
) -> Walk:
    """Iterate ``client.<method>(PROJECT, ITERATION, **kwargs)`` with one client of ``mode``.

    Stops after ``stop_after`` items if given; an exception raised by the call or while
    iterating is returned in ``Walk.error`` rather than raised.
    """
    result = Walk(items=[], seen=[], error=None)

    def record(item: ImagePerformance) -> bool:
        result.items.append(item)
        result.seen.append(len(server_view.requests))
        return stop_after is not None and len(result.items) >= stop_after

    sync_class, async_class = client
    if mode == "sync":
        with sync_class(server_view.url, KEY) as sync_client:
            try:
                iterator = getattr(sync_client, method)(PROJECT, ITERATION, **kwargs)
                result.seen.append(len(server_view.requests))
                for item in iterator:
                    if record(item):
                        iterator.close()
                        break
            except Exception as exc:
                result.error = exc
        return result

    async def main() -> None:
        async with async_class(server_view.url, KEY) as async_client:
            try:
                iterator = getattr(async_client, method)(PROJECT, ITERATION, **kwargs)
                result.seen.append(len(server_view.requests))
                async for item in iterator:
                    if record(item):
                        await iterator.aclose()
                        break
            except Exception as exc:
                result.error = exc

    asyncio.run(main())
    return result


def walk_all(mode: Mode, server_view: ServerView, **kwargs: Any) -> list[ImagePerformance]:
    """Every item, re-raising any error."""
    result = walk(mode, server_view, **kwargs)
    if result.error is not None:
        raise result.error
    return result.items


# --- paging ----------------------------------------------------------------------------------

DEFAULT = object()  # "do not pass the argument"

WALK_CASES = [
    pytest.param(600, DEFAULT, None, [(0, 256), (256, 256), (512, 256)], 600, id="600-default"),
    pytest.param(
        512, DEFAULT, None, [(0, 256), (256, 256), (512, 256)], 512, id="512-exact-then-empty"
    ),
    pytest.param(600, DEFAULT, 300, [(0, 256), (256, 44)], 300, id="limit-300"),
    pytest.param(300, DEFAULT, 300, [(0, 256), (256, 44)], 300, id="limit-equals-total"),
    pytest.param(600, DEFAULT, 0, [], 0, id="limit-0-no-request"),
    pytest.param(600, DEFAULT, 256, [(0, 256)], 256, id="limit-one-page"),
    pytest.param(10, DEFAULT, 300, [(0, 256)], 10, id="fewer-than-limit"),
    pytest.param(0, DEFAULT, None, [(0, 256)], 0, id="empty-source"),
    pytest.param(600, 100, None, [(s, 100) for s in range(0, 700, 100)], 600, id="page-size-100"),
    pytest.param(250, 100, None, [(0, 100), (100, 100), (200, 100)], 250, id="short-last-page"),
    pytest.param(600, 100, 250, [(0, 100), (100, 100), (200, 50)], 250, id="page-100-limit-250"),
    pytest.param(3, 1, None, [(0, 1), (1, 1), (2, 1), (3, 1)], 3, id="page-size-1"),
    pytest.param(600, 256, 600, [(0, 256), (256, 256), (512, 88)], 600, id="limit-600"),
]


@pytest.mark.parametrize(("n", "page_size", "limit", "expected_pages", "count"), WALK_CASES)
def test_walks_pages_in_order(
    mode: Mode,
    server_view: ServerView,
    n: int,
    page_size: Any,
    limit: int | None,
    expected_pages: list[tuple[int, int]],
    count: int,
) -> None:
    server_view.handler = ImageService(source(n))
    kwargs: dict[str, Any] = {} if page_size is DEFAULT else {"page_size": page_size}
    if limit is not None:
        kwargs["limit"] = limit

    items = walk_all(mode, server_view, **kwargs)

    assert pages_requested(server_view) == expected_pages
    assert len(items) == count
    assert items == decoded(n)[:count]
    # Each request is the plain operation: same path, no filters unless asked for.
    for request in server_view.requests:
        assert request.url_path == BASE_PATH
        assert [name for name, _ in request.query_params] == ["take", "skip"]


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"page_size": 0}, id="page-size-0"),
        pytest.param({"page_size": 257}, id="page-size-257"),
        pytest.param({"page_size": -1}, id="page-size-negative"),
        pytest.param({"limit": -1}, id="limit-negative"),
        pytest.param({"page_size": 0, "limit": 0}, id="page-size-0-even-with-limit-0"),
    ],
)
def test_out_of_range_arguments_raise_before_any_request(
    mode: Mode, server_view: ServerView, kwargs: dict[str, Any]
) -> None:
    server_view.handler = ImageService(source(10))
    result = walk(mode, server_view, **kwargs)
    assert isinstance(result.error, ValueError)
    assert result.items == []
    assert server_view.requests == []


def test_filters_are_forwarded_on_every_page(mode: Mode, server_view: ServerView) -> None:
    server_view.handler = ImageService(source(600))

    items = walk_all(mode, server_view, tag_ids=[TAG_1, TAG_2], order_by=OrderBy.OLDEST)

    assert items == decoded(600)
    assert pages_requested(server_view) == [(0, 256), (256, 256), (512, 256)]
    for request in server_view.requests:
        assert request.query_params[:2] == [("tagIds", f"{TAG_1},{TAG_2}"), ("orderBy", "Oldest")]


def test_order_by_as_plain_string_is_forwarded(mode: Mode, server_view: ServerView) -> None:
    server_view.handler = ImageService(source(5))
    walk_all(mode, server_view, order_by="Newest", page_size=2)
    assert pages_requested(server_view) == [(0, 2), (2, 2), (4, 2)]
    assert all(dict(r.query_params)["orderBy"] == "Newest" for r in server_view.requests)


def test_error_on_second_page_raises_after_first_page_items(
    mode: Mode, server_view: ServerView
) -> None:
    gone = {"code": "NotFoundIteration", "message": "The iteration was deleted."}
    server_view.handler = ImageService(source(600), overrides={256: [Reply.json(gone, status=404)]})

    result = walk(mode, server_view)

    assert result.items == decoded(600)[:256]
    assert isinstance(result.error, ApiStatusError)
    assert result.error.status_code == 404
    assert result.error.error is not None
    assert result.error.error.code is CustomVisionErrorCodes.NOT_FOUND_ITERATION
    # All 256 items were yielded while only page 1 had been requested.
    assert result.seen[256] == 1
    assert pages_requested(server_view) == [(0, 256), (256, 256)]


@pytest.mark.parametrize(
    ("max_retries", "expected_pages", "count"),
    [
        pytest.param(None, [(0, 256), (256, 256), (256, 256), (512, 256)], 600, id="retried"),
        pytest.param(0, [(0, 256), (256, 256)], 256, id="max-retries-0-forwarded"),
    ],
)
def test_throttled_page_is_retried_per_page(
    mode: Mode,
    server_view: ServerView,
    max_retries: int | None,
    expected_pages: list[tuple[int, int]],
    count: int,
) -> None:
    throttled = Reply.json(
        {"code": "BadRequest", "message": "slow down"}, 429, {"Retry-After": "0"}
    )
    server_view.handler = ImageService(source(600), overrides={256: [throttled]})

    result = walk(mode, server_view, max_retries=max_retries)

    assert pages_requested(server_view) == expected_pages
    assert result.items == decoded(600)[:count]
    if count == 600:
        assert result.error is None
    else:
        assert isinstance(result.error, ApiStatusError)
        assert result.error.status_code == 429


def test_iteration_is_lazy(mode: Mode, server_view: ServerView) -> None:
    server_view.handler = ImageService(source(600))

    result = walk(mode, server_view)

    assert result.items == decoded(600)
    assert result.seen[0] == 0  # creating the iterator sends nothing
    assert result.seen[1] == 1  # the first next() fetches page 1 only
    assert result.seen[256] == 1  # page 1 is used up before page 2 is asked for
    assert result.seen[257] == 2
    assert result.seen[513] == 3
    assert len(server_view.requests) == 3  # page 3 came back short (88 items): the end


def test_stopping_early_sends_no_further_request(mode: Mode, server_view: ServerView) -> None:
    server_view.handler = ImageService(source(600))

    result = walk(mode, server_view, stop_after=257)

    assert result.error is None
    assert result.items == decoded(600)[:257]
    assert pages_requested(server_view) == [(0, 256), (256, 256)]


# --- the method comes from the spec extension, not from the operation's name ------------------

EXTENSION_BLOCK = re.compile(
    r"^ *# apiforge: the clients get iter_image_performances\(\).*\n"
    r" *x-apiforge-pagination:\n(?: {8}\S.*\n)+",
    re.MULTILINE,
)


def spec_without_extension(text: str) -> str:
    edited, count = EXTENSION_BLOCK.subn("", text)
    assert count == 1, "the spec's x-apiforge-pagination block was not found"
    return edited


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the spec"
    return text.replace(old, new)


def client_methods(source: str, class_name: str) -> set[str]:
    """The method names ``class_name`` defines in ``source``."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return {
                item.name
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            }
    raise AssertionError(f"class {class_name} not found")


@dataclass(frozen=True)
class Generated:
    spec: Path
    output: Path
    result: subprocess.CompletedProcess[str]

    @property
    def package(self) -> Path:
        return self.output / "pg_client"


@pytest.fixture(scope="module")
def generate(
    tmp_path_factory: pytest.TempPathFactory,
    spec_path: Path,
    repo_root: Path,
) -> Callable[[str, Callable[[str], str]], Generated]:
    """``generate(label, edit)``: run the generator on ``edit(spec text)``, once per label."""
    cache: dict[str, Generated] = {}

    def run(label: str, edit: Callable[[str], str]) -> Generated:
        if label not in cache:
            root = tmp_path_factory.mktemp(label)
            spec = root / "customvision-training.yaml"
            spec.write_text(edit(spec_path.read_text(encoding="utf-8")), encoding="utf-8")
            output = root / "out"
            result = subprocess.run(
                [
                    *(sys.executable, "-m", "apiforge", "generate", str(spec)),
                    *("--output", str(output), "--package", "pg_client"),
                ],
                cwd=repo_root,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            cache[label] = Generated(spec, output, result)
        return cache[label]

    return run


def load_package(path: Path, name: str) -> ModuleType:
    """Import the generated package at ``path`` under ``name``."""
    spec = importlib.util.spec_from_file_location(
        name, path / "__init__.py", submodule_search_locations=[str(path)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def walk_images_package(
    generate: Callable[[str, Callable[[str], str]], Generated],
) -> Iterator[ModuleType]:
    generated = generate(
        "renamed",
        lambda text: replace_once(
            text,
            "        max-page-size: 256\n",
            "        max-page-size: 256\n        name: walk_images\n",
        ),
    )
    assert generated.result.returncode == 0, generated.result.stderr
    name = "pg_client"
    try:
        yield load_package(generated.package, name)
    finally:
        for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
            del sys.modules[key]


def test_golden_client_has_the_paging_method() -> None:
    """The baseline the two tests below depart from."""
    assert hasattr(CustomVisionTrainingClient, "iter_image_performances")
    assert hasattr(AsyncCustomVisionTrainingClient, "iter_image_performances")


def test_without_the_extension_there_is_no_paging_method(
    generate: Callable[[str, Callable[[str], str]], Generated],
) -> None:
    generated = generate("plain", spec_without_extension)
    assert generated.result.returncode == 0, generated.result.stderr
    assert "x-apiforge-pagination" not in generated.spec.read_text(encoding="utf-8")
    for file, class_name in [
        ("_client.py", "CustomVisionTrainingClient"),
        ("_async_client.py", "AsyncCustomVisionTrainingClient"),
    ]:
        source = (generated.package / file).read_text(encoding="utf-8")
        methods = client_methods(source, class_name)
        assert "get_image_performances" in methods  # the operation itself is still there
        assert not [m for m in methods if m.startswith(("iter", "walk"))], methods
        assert "page_size" not in source


def test_extension_name_sets_the_method_name(
    mode: Mode, server_view: ServerView, walk_images_package: ModuleType
) -> None:
    package = walk_images_package
    classes = (package.CustomVisionTrainingClient, package.AsyncCustomVisionTrainingClient)
    for cls in classes:
        assert hasattr(cls, "walk_images")
        assert not hasattr(cls, "iter_image_performances")

    server_view.handler = ImageService(source(300))
    result = walk(mode, server_view, method="walk_images", client=classes, page_size=200)

    assert result.error is None
    assert pages_requested(server_view) == [(0, 200), (200, 200)]
    assert [msgspec.to_builtins(item) for item in result.items] == msgspec.to_builtins(decoded(300))


@dataclass(frozen=True)
class BadExtension:
    """An edit that breaks the extension, and the text the error must point at."""

    old: str
    new: str
    points_at: str  # the error's line must contain this


BAD_EXTENSIONS = [
    pytest.param(
        BadExtension("        offset: skip\n", "        offset: skipp\n", "offset: skipp"),
        id="offset-names-no-parameter",
    ),
    pytest.param(
        BadExtension("        limit: take\n", "        limit: projectId\n", "limit: projectId"),
        id="limit-names-path-parameter",
    ),
    pytest.param(
        BadExtension(
            "        max-page-size: 256\n",
            "        max-page-size: 256\n        page-size: 100\n",
            "page-size: 100",
        ),
        id="unknown-key",
    ),
    pytest.param(
        BadExtension("        limit: take\n", "        limit: orderBy\n", "limit: orderBy"),
        id="limit-names-string-parameter",
    ),
]


@pytest.mark.parametrize("bad", BAD_EXTENSIONS)
def test_invalid_extension_is_a_located_error(
    generate: Callable[[str, Callable[[str], str]], Generated], bad: BadExtension
) -> None:
    generated = generate(
        "bad-" + re.sub(r"\W+", "-", bad.new.strip()),
        lambda text: replace_once(text, bad.old, bad.new),
    )
    assert generated.result.returncode == 2, generated.result.stderr
    assert not generated.output.exists()  # nothing written

    lines = generated.spec.read_text(encoding="utf-8").splitlines()
    start = lines.index("      x-apiforge-pagination:") + 1  # 1-based line of the key
    end = start
    while lines[end].startswith("        "):  # the block's indented lines
        end += 1
    errors = [
        m
        for m in re.finditer(
            r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): error: (?P<msg>.*)$",
            generated.result.stderr,
            re.MULTILINE,
        )
    ]
    assert errors, generated.result.stderr
    for match in errors:
        assert Path(match["file"]).resolve() == generated.spec.resolve()
        line, col = int(match["line"]), int(match["col"])
        assert start <= line <= end, (start, end, match.group(0))
        assert bad.points_at in lines[line - 1], match.group(0)
        assert 1 <= col <= len(lines[line - 1])
    assert "x-apiforge-pagination" in generated.result.stderr
