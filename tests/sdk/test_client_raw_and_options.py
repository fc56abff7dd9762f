"""Raw responses (``with_raw_response``), per-client options (``with_options``) and the
per-call ``extra_headers``/``extra_query``, sync and async, against a real HTTP server on
127.0.0.1; and what a type checker sees of them."""

from __future__ import annotations

import asyncio
import datetime
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from customvision_training import (
    ApiResponse,
    ApiStatusError,
    ApiTimeoutError,
    AsyncCustomVisionTrainingClient,
    CustomVisionTrainingClient,
    ImagePerformance,
    ResponseDecodeError,
)
from support.corpus import load
from support.http_server import Reply, ScriptedServer
from support.page_factory import SAMPLE_RESPONSE, make_page
from support.paths import GOLDEN

Mode = Literal["sync", "async"]
KEY = "0123456789abcdef0123456789abcdef"
PROJECT = "bc3f7dad-5544-468c-8573-3ef04d55463e"
ITERATION = "b7b9d99c-a2c6-4658-9900-a98d2ff5bc66"


def drive(mode: Mode, server: ScriptedServer, body: Callable[[Any], Any], **kwargs: Any) -> Any:
    """Run ``body(client)`` with a fresh client of the flavour; ``body`` returns a value or,
    for the async client, an awaitable of it."""
    if mode == "sync":
        with CustomVisionTrainingClient(server.url, KEY, **kwargs) as client:
            return body(client)

    async def main() -> Any:
        async with AsyncCustomVisionTrainingClient(server.url, KEY, **kwargs) as client:
            return await body(client)

    return asyncio.run(main())


# --- raw responses --------------------------------------------------------------------------


def test_raw_response_gives_status_headers_and_the_parsed_result(
    mode: Mode, server: ScriptedServer
) -> None:
    server.enqueue(Reply.json(SAMPLE_RESPONSE, status=200, headers={"X-Rate-Remaining": "41"}))

    def sync(client: CustomVisionTrainingClient) -> ApiResponse[list[ImagePerformance]]:
        return client.with_raw_response.get_image_performances(PROJECT, ITERATION)

    async def run_async(
        client: AsyncCustomVisionTrainingClient,
    ) -> ApiResponse[list[ImagePerformance]]:
        return await client.with_raw_response.get_image_performances(PROJECT, ITERATION)

    raw = drive(mode, server, sync if mode == "sync" else run_async)
    assert isinstance(raw, ApiResponse)
    assert raw.status_code == 200
    assert raw.headers["x-rate-remaining"] == "41"
    assert isinstance(raw.http_response, httpx.Response)
    assert repr(raw) == "<ApiResponse [200]>"
    first = raw.parse()
    assert [str(i.id) for i in first] == [i["id"] for i in SAMPLE_RESPONSE]
    assert all(isinstance(i, ImagePerformance) for i in first)
    assert raw.parse() is first  # decoded once
    assert len(server.requests) == 1


def test_raw_response_raises_an_error_status_at_the_call(
    mode: Mode, server: ScriptedServer
) -> None:
    server.enqueue(Reply.json({"code": "NotFound", "message": "no project"}, status=404))

    def sync(client: CustomVisionTrainingClient) -> object:
        return client.with_raw_response.get_image_performances(PROJECT, ITERATION)

    async def run_async(client: AsyncCustomVisionTrainingClient) -> object:
        return await client.with_raw_response.get_image_performances(PROJECT, ITERATION)

    with pytest.raises(ApiStatusError) as caught:
        drive(mode, server, sync if mode == "sync" else run_async)
    assert caught.value.status_code == 404


def test_raw_response_decodes_only_when_parsed(mode: Mode, server: ScriptedServer) -> None:
    server.enqueue(Reply.json({"not": "a list"}))

    def sync(client: CustomVisionTrainingClient) -> ApiResponse[list[ImagePerformance]]:
        return client.with_raw_response.get_image_performances(PROJECT, ITERATION)

    async def run_async(
        client: AsyncCustomVisionTrainingClient,
    ) -> ApiResponse[list[ImagePerformance]]:
        return await client.with_raw_response.get_image_performances(PROJECT, ITERATION)

    raw = drive(mode, server, sync if mode == "sync" else run_async)
    assert raw.status_code == 200
    with pytest.raises(ResponseDecodeError):
        raw.parse()


def test_a_plain_call_after_a_raw_one_parses(mode: Mode, server: ScriptedServer) -> None:
    server.enqueue(Reply.json(SAMPLE_RESPONSE), Reply.json(SAMPLE_RESPONSE))

    def sync(client: CustomVisionTrainingClient) -> Any:
        client.with_raw_response.get_image_performances(PROJECT, ITERATION)
        return client.get_image_performances(PROJECT, ITERATION)

    async def run_async(client: AsyncCustomVisionTrainingClient) -> Any:
        await client.with_raw_response.get_image_performances(PROJECT, ITERATION)
        return await client.get_image_performances(PROJECT, ITERATION)

    plain = drive(mode, server, sync if mode == "sync" else run_async)
    assert len(plain) == len(SAMPLE_RESPONSE)


# --- options --------------------------------------------------------------------------------


def test_with_options_changes_the_copy_only_and_shares_the_pool(
    mode: Mode, server: ScriptedServer
) -> None:
    server.enqueue(
        Reply(503),
        Reply.json(SAMPLE_RESPONSE),
        Reply(503),
        Reply.json([]),
    )

    def sync(client: CustomVisionTrainingClient) -> Any:
        copy = client.with_options(max_retries=1, headers={"X-Team": "vision"})
        assert copy is not client and copy._http is client._http
        got = copy.get_image_performances(PROJECT, ITERATION)
        copy.close()  # the pool stays open: it is the original's
        with pytest.raises(ApiStatusError):
            client.with_options(max_retries=0).get_image_performances(PROJECT, ITERATION)
        return got, client.get_image_performances(PROJECT, ITERATION)

    async def run_async(client: AsyncCustomVisionTrainingClient) -> Any:
        copy = client.with_options(max_retries=1, headers={"X-Team": "vision"})
        assert copy is not client and copy._http is client._http
        got = await copy.get_image_performances(PROJECT, ITERATION)
        await copy.aclose()
        with pytest.raises(ApiStatusError):
            await client.with_options(max_retries=0).get_image_performances(PROJECT, ITERATION)
        return got, await client.get_image_performances(PROJECT, ITERATION)

    got, later = drive(
        mode, server, sync if mode == "sync" else run_async, retry_policy=_no_backoff()
    )
    assert len(got) == len(SAMPLE_RESPONSE) and later == []
    teams = [r.headers.get("x-team") for r in server.requests]
    assert teams == ["vision", "vision", None, None]


def test_with_options_timeout_applies_to_the_copy(mode: Mode, server: ScriptedServer) -> None:
    server.enqueue(Reply(200, {"Content-Type": "application/json"}, b"[]", delay=1.0))

    def sync(client: CustomVisionTrainingClient) -> Any:
        return client.with_options(timeout=0.1, max_retries=0).get_image_performances(
            PROJECT, ITERATION
        )

    async def run_async(client: AsyncCustomVisionTrainingClient) -> Any:
        fast = client.with_options(timeout=0.1, max_retries=0)
        return await fast.get_image_performances(PROJECT, ITERATION)

    with pytest.raises(ApiTimeoutError):
        drive(mode, server, sync if mode == "sync" else run_async)


def test_extra_headers_and_query_are_sent_and_win(mode: Mode, server: ScriptedServer) -> None:
    server.enqueue(Reply.json([]))
    query = {"take": 7, "debug": True, "skip": None, "q": "a b&c"}
    extra = {"extra_headers": {"X-Trace": "t1"}, "extra_query": query}

    def sync(client: CustomVisionTrainingClient) -> Any:
        return client.with_options(headers={"X-Trace": "client"}).get_image_performances(
            PROJECT, ITERATION, **extra
        )

    async def run_async(client: AsyncCustomVisionTrainingClient) -> Any:
        copy = client.with_options(headers={"X-Trace": "client"})
        return await copy.get_image_performances(PROJECT, ITERATION, **extra)

    drive(mode, server, sync if mode == "sync" else run_async)
    (request,) = server.requests
    assert request.headers["x-trace"] == "t1"
    # A name given replaces the declared parameter, None leaves it out, the rest is added.
    assert request.query_params == [("take", "7"), ("debug", "true"), ("q", "a b&c")]


def test_iterating_passes_extra_headers_to_every_page(mode: Mode, server: ScriptedServer) -> None:
    server.enqueue(Reply.json(make_page(2)), Reply.json(make_page(1)))

    def sync(client: CustomVisionTrainingClient) -> Any:
        pages = client.iter_image_performances(
            PROJECT, ITERATION, page_size=2, extra_headers={"X-Trace": "t"}
        )
        return list(pages)

    async def run_async(client: AsyncCustomVisionTrainingClient) -> Any:
        pages = client.iter_image_performances(
            PROJECT, ITERATION, page_size=2, extra_headers={"X-Trace": "t"}
        )
        return [item async for item in pages]

    assert len(drive(mode, server, sync if mode == "sync" else run_async)) == 3
    assert [r.headers["x-trace"] for r in server.requests] == ["t", "t"]


def _no_backoff() -> Any:
    from customvision_training import RetryPolicy

    return RetryPolicy(backoff_base=0.0, backoff_max=0.0)


# --- types ----------------------------------------------------------------------------------

TYPED = """
    from customvision_training import (
        ApiResponse, AsyncCustomVisionTrainingClient, CustomVisionTrainingClient,
        ImagePerformance,
    )

    def sync(client: CustomVisionTrainingClient) -> None:
        raw: ApiResponse[list[ImagePerformance]] = (
            client.with_raw_response.get_image_performances("p", "i", take=5)
        )
        reveal_type(raw.parse())
        client.with_raw_response.get_image_performances("p", "i", take="5")  # E
        client.with_options(max_retries=1).get_image_performances("p", "i")

    async def run_async(client: AsyncCustomVisionTrainingClient) -> None:
        raw = await client.with_raw_response.get_image_performances("p", "i")
        reveal_type(raw)
        client.with_raw_response.get_image_performances("p")  # E
"""


def test_raw_views_are_typed_from_the_methods(tmp_path: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(GOLDEN, tmp_path / GOLDEN.name, ignore=ignore)
    source = tmp_path / "typed.py"
    source.write_text(textwrap.dedent(TYPED), "utf-8")
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "c")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run(
        [*command, source.name], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    lines = [line.split(": ", 1)[1] for line in done.stdout.splitlines() if ": " in line]
    errors = [n for n, line in enumerate(TYPED.splitlines(), 1) if line.endswith("# E")]
    found = {int(line.split(":")[1]) for line in done.stdout.splitlines() if ": error:" in line}
    assert found == set(errors), done.stdout
    revealed = [line for line in lines if line.startswith("note: Revealed type")]
    assert revealed == [
        'note: Revealed type is "list[customvision_training._models.ImagePerformance]"',
        'note: Revealed type is "customvision_training._raw.ApiResponse[list['
        'customvision_training._models.ImagePerformance]]"',
    ], done.stdout


# --- typed response headers (construct response-headers) ----------------------------------


def raw_items(mode: Mode, server: ScriptedServer) -> Any:
    module = load("response-headers")
    if mode == "sync":
        with module.ResponseHeadersClient(server.url, max_retries=0) as client:
            return client.with_raw_response.list_items()

    async def main() -> Any:
        async with module.AsyncResponseHeadersClient(server.url, max_retries=0) as client:
            return await client.with_raw_response.list_items()

    return asyncio.run(main())


def test_declared_response_headers_are_typed(mode: Mode, server: ScriptedServer) -> None:
    headers = {
        "X-Total-Count": "42",
        "x-ratelimit-remaining": "7",  # any case
        "ETag": '"v1"',
        "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT",
        "X-Tags": "a, b",
    }
    server.enqueue(Reply.json(["x"], headers=headers))
    raw = raw_items(mode, server)
    typed = raw.typed_headers
    assert (typed.x_total_count, typed.x_rate_limit_remaining) == (42, 7)
    assert typed.e_tag == '"v1"' and typed.x_tags == ["a", "b"]
    assert typed.last_modified == datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)
    assert raw.parse() == ["x"]


def test_absent_headers_are_none_and_bad_ones_raise(mode: Mode, server: ScriptedServer) -> None:
    server.enqueue(
        Reply.json([], headers={"Last-Modified": "2026-12-01T10:00:00+01:00"}),
        Reply.json([], headers={"X-Total-Count": "many"}),
    )
    typed = raw_items(mode, server).typed_headers
    assert typed.x_total_count is None and typed.x_tags is None
    assert typed.last_modified.utcoffset() == datetime.timedelta(hours=1)
    with pytest.raises(load("response-headers").ResponseDecodeError, match="header"):
        _ = raw_items(mode, server).typed_headers
