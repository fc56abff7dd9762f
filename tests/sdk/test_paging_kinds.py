"""Every paging scheme of ``x-apiforge-pagination`` and ``x-ms-pageable`` walked on the
wire, sync and async, against a real HTTP server on 127.0.0.1 (construct ``paging-kinds``):
page numbers, cursors, next links in the body (Azure's and a nested one) and RFC 8288 Link
headers; ``limit`` stops early, and a next link to another origin is refused."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import ModuleType
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import pytest
from support.corpus import load
from support.http_server import RecordedRequest, Reply, ScriptedServer

Mode = Literal["sync", "async"]
THINGS = [{"id": f"t{i}"} for i in range(7)]


@pytest.fixture
def module() -> ModuleType:
    return load("paging-kinds")


def walk(mode: Mode, module: ModuleType, url: str, method: str, **kwargs: Any) -> list[str]:
    """The ids ``method`` yields through a fresh client of the flavour."""
    if mode == "sync":
        with module.PagingKindsClient(url, max_retries=0) as client:
            return [t.id for t in getattr(client, method)(**kwargs)]

    async def main() -> list[str]:
        async with module.AsyncPagingKindsClient(url, max_retries=0) as client:
            return [t.id async for t in getattr(client, method)(**kwargs)]

    return asyncio.run(main())


def query(request: RecordedRequest) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}


def serve(server: ScriptedServer, answer: Callable[[RecordedRequest], Reply]) -> None:
    server.handler = answer


def test_page_numbers_until_a_short_page(
    mode: Mode, module: ModuleType, server: ScriptedServer
) -> None:
    def answer(request: RecordedRequest) -> Reply:
        page, size = int(query(request)["page"]), int(query(request)["per_page"])
        return Reply.json(THINGS[(page - 1) * size : page * size])

    serve(server, answer)
    ids = walk(mode, module, server.url, "iter_widgets", page_size=3, color="red")
    assert ids == [t["id"] for t in THINGS]
    sent = [query(r) for r in server.requests]
    assert [(q["page"], q["per_page"], q["color"]) for q in sent] == [
        ("1", "3", "red"),
        ("2", "3", "red"),
        ("3", "3", "red"),  # one item: short, the last page
    ]


def test_a_cursor_from_the_answer_until_there_is_none(
    mode: Mode, module: ModuleType, server: ScriptedServer
) -> None:
    def answer(request: RecordedRequest) -> Reply:
        start = int(query(request).get("after", "0"))
        nxt = str(start + 3) if start + 3 < len(THINGS) else None
        return Reply.json({"data": THINGS[start : start + 3], "meta": {"next": nxt}})

    serve(server, answer)
    assert walk(mode, module, server.url, "iter_events") == [t["id"] for t in THINGS]
    assert [query(r).get("after") for r in server.requests] == [None, "3", "6"]


def test_azure_next_link_absolute_on_the_same_origin(
    mode: Mode, module: ModuleType, server: ScriptedServer
) -> None:
    def answer(request: RecordedRequest) -> Reply:
        start = int(query(request).get("$skiptoken", "0"))
        body: dict[str, Any] = {"value": THINGS[start : start + 4]}
        if start + 4 < len(THINGS):
            body["nextLink"] = f"{server.url}/vaults?$skiptoken={start + 4}"
        return Reply.json(body)

    serve(server, answer)
    assert walk(mode, module, server.url, "iter_vaults") == [t["id"] for t in THINGS]
    assert [r.path for r in server.requests] == ["/vaults", "/vaults?$skiptoken=4"]


def test_a_relative_next_link_in_the_body_and_limit(
    mode: Mode, module: ModuleType, server: ScriptedServer
) -> None:
    def answer(request: RecordedRequest) -> Reply:
        start = int(query(request).get("from", "0"))
        return Reply.json(
            {"entries": THINGS[start : start + 2], "links": {"next": f"/logs?from={start + 2}"}}
        )

    serve(server, answer)
    ids = walk(mode, module, server.url, "iter_log_entries", limit=5)
    assert ids == [t["id"] for t in THINGS[:5]]
    assert len(server.requests) == 3  # the third page gives the fifth item: then it stops


def test_link_headers_rel_next(mode: Mode, module: ModuleType, server: ScriptedServer) -> None:
    def answer(request: RecordedRequest) -> Reply:
        page = int(query(request).get("page", "1"))
        links = [f'<{server.url}/commits?page=1>; rel="first"']
        if page < 3:
            links.append(f'<{server.url}/commits?page={page + 1}&per_page=3>; rel="next"')
        reply = Reply.json(THINGS[(page - 1) * 3 : page * 3])
        return Reply(200, {**reply.headers, "Link": ", ".join(links)}, reply.body)

    serve(server, answer)
    ids = walk(mode, module, server.url, "iter_commits", per_page=3)
    assert ids == [t["id"] for t in THINGS]
    assert [r.path for r in server.requests] == [
        "/commits?per_page=3",
        "/commits?page=2&per_page=3",
        "/commits?page=3&per_page=3",
    ]


def test_a_next_link_to_another_origin_is_refused(
    mode: Mode, module: ModuleType, server: ScriptedServer
) -> None:
    server.enqueue(
        Reply.json({"value": THINGS[:2], "nextLink": "https://elsewhere.example/vaults?p=2"})
    )
    with pytest.raises(ValueError, match="another origin"):
        walk(mode, module, server.url, "iter_vaults")
    assert len(server.requests) == 1
