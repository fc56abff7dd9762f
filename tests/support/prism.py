"""Run Stoplight Prism (``node_modules/.bin/prism``) as a mock server for contract tests.

Usage::

    with running_prism(spec, log_dir=tmp_path, dynamic=True) as prism:
        ...  # send requests to prism.url

Prism is pinned in package.json / package-lock.json and installed by ``npm ci`` (``make test``
runs it when node_modules is missing or stale). A missing install FAILS the caller: a
contract test that silently does not run proves nothing.

Prism routes on the spec's path templates alone: it ignores the path part of ``servers``
(``{Endpoint}/customvision/v3.3/training`` answers ``/projects/...``, and
``/customvision/v3.3/training/projects/...`` is a 404), and it does so for a server URL that is
relative, absolute or templated alike. ``with_server_path_in_paths`` writes a copy of a spec
whose path keys carry that base path, so Prism sees exactly the URLs a client sends.

Swagger 2.0 is no different: Prism ignores ``basePath`` too (a document with basePath
``/customvision/v3.3/training`` answers ``/domains`` and 404s
``/customvision/v3.3/training/domains``), and it resolves every ``$ref``, those inside
``x-ms-examples`` included, failing at start when a referenced ``./examples/*.json`` is absent.
``swagger2_for_prism`` writes a copy that moves ``basePath`` into the path keys and can drop
``x-ms-examples``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from support.paths import REPO_ROOT

PRISM_BIN = REPO_ROOT / "node_modules" / ".bin" / "prism"
HOST = "127.0.0.1"
# Bounds, not expectations: Prism usually listens within 2 s and stops at once.
START_DEADLINE = 60.0
STOP_GRACE = 10.0
_POLL_INTERVAL = 0.1
_PORT_ATTEMPTS = 3


@dataclass
class Prism:
    """A running Prism mock server."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def output(self) -> str:
        """Everything Prism wrote to stdout and stderr so far."""
        return _read(self.log_path)


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace")
    except FileNotFoundError:
        return ""


def free_port() -> int:
    """A TCP port on HOST that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def with_server_path_in_paths(spec: Path, dest: Path) -> Path:
    """Write to ``dest`` (JSON) a copy of ``spec`` whose paths start with the server's path.

    ``servers[0].url`` is ``{Endpoint}/base``: the copy's server becomes ``{Endpoint}`` and
    every ``/p`` in ``paths`` becomes ``/base/p``, so each full URL is the same as in the
    original. Variables are filled with their defaults only to find the path part.
    """
    document: dict[str, Any] = yaml.safe_load(spec.read_text("utf-8"))
    server = document["servers"][0]
    url: str = server["url"]
    for name, variable in server.get("variables", {}).items():
        url = url.replace("{" + name + "}", str(variable["default"]))
    base = urlsplit(url).path.rstrip("/")
    assert base and server["url"].endswith(base), f"no base path to move in {server['url']!r}"
    server["url"] = server["url"][: -len(base)]
    document["paths"] = {base + path: item for path, item in document["paths"].items()}
    dest.write_text(json.dumps(document, indent=2), "utf-8")
    return dest


def swagger2_for_prism(spec: Path, dest: Path, *, drop_x_ms_examples: bool = True) -> Path:
    """Write to ``dest`` (JSON) a copy of the Swagger 2.0 ``spec`` that Prism routes as sent.

    Every ``/p`` in ``paths`` becomes ``basePath + /p`` and ``basePath`` is removed, so each
    full URL is the same as in the original. With ``drop_x_ms_examples`` every operation's
    ``x-ms-examples`` (AutoRest's examples, usually ``$ref``s to files beside the document)
    is removed; it is documentation only, and Prism neither needs nor checks it.
    """
    text = spec.read_text("utf-8")
    document: dict[str, Any] = json.loads(text) if spec.suffix == ".json" else yaml.safe_load(text)
    assert str(document.get("swagger")) == "2.0", f"{spec} is not a Swagger 2.0 document"
    base = str(document.pop("basePath", "")).rstrip("/")
    paths: dict[str, Any] = {}
    for path, item in document["paths"].items():
        if drop_x_ms_examples:
            for operation in item.values():
                if isinstance(operation, dict):
                    operation.pop("x-ms-examples", None)
        paths[base + path] = item
    document["paths"] = paths
    dest.write_text(json.dumps(document, indent=2), "utf-8")
    return dest


def _is_prism(url: str) -> bool | None:
    """True when Prism answers at ``url``, False when something else does, None when nobody."""
    try:
        # An unknown path: Prism answers 404 with a problem+json of its own.
        response = httpx.get(url + "/__prism_ready__", timeout=2.0)
    except httpx.TransportError:
        return None
    return "stoplight.io/prism" in response.text


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the process group of ``process``, wait, and kill it if it lingers."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(STOP_GRACE)


def _start(cmd: list[str], log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start Prism on a free port; return it once it answers HTTP, or fail the test."""
    env = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"}
    for _attempt in range(_PORT_ATTEMPTS):
        port = free_port()
        url = f"http://{HOST}:{port}"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [*cmd, "--host", HOST, "--port", str(port)],
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so _stop reaches every child
            )
        deadline = time.monotonic() + START_DEADLINE
        port_taken = False
        try:
            while process.poll() is None:
                ready = _is_prism(url)
                if ready:
                    return process, url
                if ready is False:  # another program took the port first
                    port_taken = True
                    break
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"Prism did not answer HTTP at {url} within {START_DEADLINE:.0f} s; "
                        f"command: {' '.join(cmd)}; its output:\n{_read(log_path)}",
                        pytrace=False,
                    )
                time.sleep(_POLL_INTERVAL)
        except BaseException:  # the deadline's failure, or an interrupt: leave nothing behind
            _stop(process)
            raise
        _stop(process)  # it died, or the port is someone else's: reap it before deciding
        if not port_taken and "EADDRINUSE" not in _read(log_path):
            pytest.fail(
                f"Prism exited with status {process.returncode} before answering HTTP; "
                f"command: {' '.join(cmd)}; its output:\n{_read(log_path)}",
                pytrace=False,
            )
    pytest.fail(
        f"Prism found no free port in {_PORT_ATTEMPTS} attempts; last output:\n{_read(log_path)}",
        pytrace=False,
    )


@contextlib.contextmanager
def running_prism(
    spec: Path,
    *,
    log_dir: Path,
    dynamic: bool = False,
    binary: Path = PRISM_BIN,
    seed: str | None = None,
) -> Iterator[Prism]:
    """``prism mock spec`` on 127.0.0.1 and a free port, stopped when the block ends;
    with ``seed``, its random answers are the same on every run (for the same requests)."""
    if not binary.exists():
        pytest.fail(
            f"Prism is not installed ({binary} is missing). Run `make test`, or "
            f"`npm ci --no-audit --no-fund` in {REPO_ROOT}, to install the version "
            "pinned in package-lock.json.",
            pytrace=False,
        )
    cmd = [str(binary), "mock", str(spec)]
    if dynamic:
        cmd.append("--dynamic")
    if seed is not None:
        cmd += ["--seed", seed]
    log_path = log_dir / ("prism-dynamic.log" if dynamic else "prism-static.log")
    process, url = _start(cmd, log_path)
    try:
        yield Prism(url=url, process=process, log_path=log_path)
    finally:
        _stop(process)
