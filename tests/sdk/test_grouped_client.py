"""Operations grouped by tag (``--group-by tag``) on a spec of 151 operations in 15 tags
(``tests/grouped/shop.yaml``): the package's shape, ``mypy --strict``, and calls through
the groups on the wire, sync and async, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import pytest
from support.http_server import Reply, ScriptedServer
from support.paths import REPO_ROOT, SOURCE

Mode = Literal["sync", "async"]
SPEC = REPO_ROOT / "tests" / "grouped" / "shop.yaml"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("grouped")
    command = [sys.executable, "-m", "apiforge", "generate", str(SPEC), "-q"]
    command += ["--output", str(out), "--package", "grouped_shop", "--group-by", "tag"]
    env = {**os.environ, "PYTHONPATH": str(SOURCE)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return out


@pytest.fixture(scope="module")
def shop(generated: Path) -> Iterator[ModuleType]:
    sys.path.insert(0, str(generated))
    try:
        yield importlib.import_module("grouped_shop")
    finally:
        sys.path.remove(str(generated))
        for name in [k for k in sys.modules if k.split(".")[0] == "grouped_shop"]:
            del sys.modules[name]


def test_each_tag_is_a_group_of_short_names(shop: ModuleType) -> None:
    for cls in (shop.ShopClient, shop.AsyncShopClient):
        groups = [n for n, v in vars(cls).items() if isinstance(v, property)]
        assert len(groups) == 16  # with_raw_response and the 15 tags
        assert "get_health" in vars(cls)  # untagged: the client's own
        assert "list_products" not in vars(cls)
    products = vars(shop._client.ProductsOperations)
    methods = [n for n, v in products.items() if callable(v) and not n.startswith("_")]
    assert methods == [
        *("create", "get", "update", "delete", "archive", "restore", "export"),
        *("duplicate", "lock", "list", "iter_products"),
    ]  # list goes last: a method called list hides the builtin from what follows


def test_the_grouped_package_passes_mypy_strict(generated: Path, tmp_path: Path) -> None:
    uses = tmp_path / "uses.py"
    uses.write_text(
        "from grouped_shop import Order, Product, ShopClient\n"
        "with ShopClient() as client:\n"
        "    one: Order = client.orders.get('o1')\n"
        "    every: list[Product] = list(client.products.iter_products(page_size=10))\n"
        "    client.products.get(1)  # E\n",
        "utf-8",
    )
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "c")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["MYPYPATH"] = str(generated)
    done = subprocess.run(
        [*command, str(generated / "grouped_shop"), str(uses)],
        capture_output=True,
        text=True,
        cwd=generated,
        env=env,
        check=False,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and errors[0].startswith(f"{uses}:5:"), done.stdout + done.stderr


def calls(mode: Mode, shop: ModuleType, url: str, script: Any) -> list[Any]:
    """``script(client)``'s results: on the async client each is a coroutine, awaited in
    order (creating one sends nothing)."""
    if mode == "sync":
        with shop.ShopClient(base_url=url, max_retries=0) as client:
            return list(script(client))

    async def main() -> list[Any]:
        async with shop.AsyncShopClient(base_url=url, max_retries=0) as client:
            return [await step for step in script(client)]

    return asyncio.run(main())


def test_groups_call_the_service(mode: Mode, shop: ModuleType, server: ScriptedServer) -> None:
    server.enqueue(
        Reply.json({"id": "p1", "name": "tea"}),
        Reply.json({"id": "o9"}),
        Reply.json({"id": "p1"}, headers={"X-Stock": "4"}),
        Reply(200),
    )

    def script(client: Any) -> list[Any]:
        return [
            client.products.create(body=shop.Product(id="p1", name="tea")),
            client.orders.archive("o9"),
            client.products.with_raw_response.get("p1"),
            client.with_options(headers={"X-Team": "t"}).get_health(),
        ]

    created, archived, raw, health = calls(mode, shop, server.url, script)
    assert created == shop.Product(id="p1", name="tea")
    assert archived == shop.Order(id="o9")
    assert raw.status_code == 200 and raw.headers["x-stock"] == "4"
    assert raw.parse() == shop.Product(id="p1")
    assert health is None
    sent = [(r.method, r.path) for r in server.requests]
    assert sent == [
        ("POST", "/products"),
        ("POST", "/orders/o9/archive"),
        ("GET", "/products/p1"),
        ("GET", "/health"),
    ]
    assert json.loads(server.requests[0].body) == {"id": "p1", "name": "tea"}
    assert server.requests[3].headers["x-team"] == "t"


def test_a_group_pages_and_keeps_the_copy_s_options(
    mode: Mode, shop: ModuleType, server: ScriptedServer
) -> None:
    server.enqueue(Reply.json([{"id": "a"}, {"id": "b"}]), Reply.json([{"id": "c"}]))

    def sync(client: Any) -> list[str]:
        copy = client.with_options(headers={"X-Team": "t"})
        return [p.id for p in copy.products.iter_products(page_size=2)]

    async def run_async(client: Any) -> list[str]:
        copy = client.with_options(headers={"X-Team": "t"})
        return [p.id async for p in copy.products.iter_products(page_size=2)]

    if mode == "sync":
        with shop.ShopClient(base_url=server.url, max_retries=0) as client:
            ids = sync(client)
    else:

        async def main() -> list[str]:
            async with shop.AsyncShopClient(base_url=server.url, max_retries=0) as client:
                return await run_async(client)

        ids = asyncio.run(main())
    assert ids == ["a", "b", "c"]
    assert [r.path for r in server.requests] == [
        "/products?page=1&per_page=2",
        "/products?page=2&per_page=2",
    ]
    assert {r.headers["x-team"] for r in server.requests} == {"t"}
