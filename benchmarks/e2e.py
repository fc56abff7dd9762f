"""Table 2, end to end: ``get_image_performances`` against a local server, calls per second.

The server (``benchmarks/server.py``) runs in its own process on 127.0.0.1 and answers
every request with the benchmark page. Each client makes one call at a time over a
keep-alive connection; the clients take turns in short rounds so that a change in the
machine's load falls on all of them alike.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from . import harness
from .harness import DASH, TIMES, Check, Results, Stats, Table
from .page import page_bytes

PROJECT = "bc3f7dad-5544-468c-8573-3ef04d55463e"
ITERATION = "b7b9d99c-a2c6-4658-9900-a98d2ff5bc66"
KEY = "0123456789abcdef0123456789abcdef"
PATH = f"/customvision/v3.3/training/projects/{PROJECT}/iterations/{ITERATION}/performance/images"

OURS_SYNC = "apiforge sync client"
OURS_ASYNC = "apiforge async client"
SDK = "Microsoft SDK (msrest + requests)"
HTTPX_JSON = "httpx + json.loads"
HTTPX_ONLY = "httpx, body read, no decode"


class Server:
    """The page server in a child process; stops when the benchmark closes its stdin."""

    def __init__(self) -> None:
        page = harness.work_dir("e2e") / "page.json"
        page.write_bytes(page_bytes())
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.server", str(page)],
            cwd=harness.ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        self.endpoint = f"http://127.0.0.1:{int(self.proc.stdout.readline())}"

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait()


class Runner:
    """One client: ``call`` sends one request and returns the decoded page."""

    def __init__(self, call: Callable[[], Any], close: Callable[[], object]) -> None:
        self.call = call
        self.close = close
        self.samples: list[float] = []

    def check(self) -> None:
        if len(self.call()) != 256:
            raise AssertionError("a client returned the wrong number of images")

    def round(self, seconds: float) -> None:
        call, samples = self.call, self.samples
        clock = time.perf_counter
        end = clock() + seconds
        while True:
            t0 = clock()
            call()
            t1 = clock()
            samples.append(t1 - t0)
            if t1 >= end:
                return


class AsyncRunner(Runner):
    """An asyncio client, one awaited call at a time, on its own event loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        call: Callable[[], Awaitable[Any]],
        close: Callable[[], Awaitable[object]],
    ) -> None:
        self.loop = loop
        self.acall = call

        def finish() -> None:
            loop.run_until_complete(close())
            loop.close()

        super().__init__(lambda: loop.run_until_complete(call()), finish)

    def round(self, seconds: float) -> None:
        self.loop.run_until_complete(self._round(seconds))

    async def _round(self, seconds: float) -> None:
        call, samples = self.acall, self.samples
        clock = time.perf_counter
        end = clock() + seconds
        while True:
            t0 = clock()
            await call()
            t1 = clock()
            samples.append(t1 - t0)
            if t1 >= end:
                return


def runners(endpoint: str) -> dict[str, Runner]:
    if str(harness.GENERATED) not in sys.path:
        sys.path.insert(0, str(harness.GENERATED))
    package = importlib.import_module(harness.PACKAGE)
    from azure.cognitiveservices.vision.customvision.training import (  # type: ignore[import-untyped]
        CustomVisionTrainingClient as SdkClient,
    )
    from msrest.authentication import ApiKeyCredentials

    ours = package.CustomVisionTrainingClient(endpoint, KEY)
    loop = asyncio.new_event_loop()
    ours_async = package.AsyncCustomVisionTrainingClient(endpoint, KEY)
    sdk = SdkClient(endpoint, ApiKeyCredentials(in_headers={"Training-key": KEY}))
    plain = httpx.Client()
    url = endpoint + PATH
    params = {"take": "256", "skip": "0"}
    headers = {"Training-Key": KEY, "Accept": "application/json"}

    def httpx_json() -> Any:
        response = plain.get(url, params=params, headers=headers)
        response.raise_for_status()
        return json.loads(response.content)

    def httpx_only() -> Any:
        response = plain.get(url, params=params, headers=headers)
        response.raise_for_status()
        return range(256) if len(response.content) else ()

    return {
        OURS_SYNC: Runner(
            lambda: ours.get_image_performances(PROJECT, ITERATION, take=256), ours.close
        ),
        OURS_ASYNC: AsyncRunner(
            loop,
            lambda: ours_async.get_image_performances(PROJECT, ITERATION, take=256),
            ours_async.aclose,
        ),
        SDK: Runner(lambda: sdk.get_image_performances(PROJECT, ITERATION, take=256), sdk.close),
        HTTPX_JSON: Runner(httpx_json, plain.close),
        HTTPX_ONLY: Runner(httpx_only, lambda: None),
    }


def run(seconds: float = 2.0, rounds: int = 8) -> list[Check]:
    server = Server()
    try:
        clients = runners(server.endpoint)
        for runner in clients.values():
            for _ in range(3):  # warm-up: connection, caches
                runner.check()
        for _ in range(rounds):
            for runner in clients.values():
                runner.round(seconds / rounds)
        stats = {name: Stats(tuple(r.samples)) for name, r in clients.items()}
        for runner in clients.values():
            runner.close()
    finally:
        server.close()
    ours = stats[OURS_SYNC].median
    table = Table(
        f"2. End to end: get_image_performances(take=256) against {server.endpoint} "
        f"(asyncio server in its own process), {seconds:g} s per client",
        ["client", "calls", "calls/s", f"median ms/call (min{DASH}max)", "time vs apiforge sync"],
        note=f"httpx {harness.version_of('httpx')}, requests {harness.version_of('requests')}",
    )
    for name, s in stats.items():
        table.add(
            name, s.n, f"{s.n / sum(s.samples):.1f}", s.show("ms"), f"{s.median / ours:.2f}{TIMES}"
        )
    table.print()
    results = Results()
    for label, name in (("sync", OURS_SYNC), ("async", OURS_ASYNC)):
        mine = stats[name].median
        base = stats[HTTPX_JSON].median
        sdk = stats[SDK].median
        results.add(
            Check(
                f"e2e {label}: apiforge time per call / (httpx + json.loads)",
                mine / base,
                "<=",
                0.6,
                detail=f"{mine * 1e3:.2f} ms vs {base * 1e3:.2f} ms",
            )
        )
        results.add(
            Check(
                f"e2e {label}: faster than Microsoft's SDK by",
                sdk / mine,
                ">=",
                25.0,
                detail=f"{sdk * 1e3:.2f} ms vs {mine * 1e3:.2f} ms",
            )
        )
    return results.checks
