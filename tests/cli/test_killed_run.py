"""No process of ``apiforge generate`` outlives it, however it ends.

A run killed with SIGKILL (a CI timeout, the OOM killer) cannot clean up after itself: the
processes it started (its judge, the validator's port judging beside the build, and its
formatting workers) must notice on their own that it is gone, and exit. Each run
here starts in a session of its own, so every process it starts carries its session id;
after the kill, no live process of that session may remain (zombies are dead: whoever
adopted them reaps them, or not, as this machine's init does).

Kills are timed by what is seen in ``/proc`` and on disk (a worker exists, the workers have
spent CPU time formatting, a file is staged), never by the clock. What a kill does to the
package directory is ``test_safe_writes.py``'s subject; here the output starts empty and
must still hold no package after the kill.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.cli import clean_env

PACKAGE = "things"
RESOURCES = 12  # about 6,500 lines of package: some 3 s of CPU when black formats it all
TICKS = os.sysconf("SC_CLK_TCK")  # /proc counts CPU time in these
# How long the killed run's processes may take to go. Generous: a shared machine.
GONE_WITHIN = 30.0


def answer(schema: Any) -> dict[str, Any]:
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def big_spec(resources: int) -> dict[str, Any]:
    """``resources`` objects of ten fields, each listed, created, read and deleted."""
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    kinds = [
        {"type": "string", "maxLength": 64},
        {"type": "integer", "format": "int32", "minimum": 0},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "string", "format": "date-time"},
    ]
    for i in range(resources):
        name = f"Thing{i}"
        ref = {"$ref": f"#/components/schemas/{name}"}
        fields = {f"field{k}": {**kinds[k % 5], "description": f"Field {k}."} for k in range(10)}
        schemas[name] = {
            "type": "object",
            "required": ["id", "field0"],
            "properties": {"id": {"type": "string", "format": "uuid"}, **fields},
        }

        paths[f"/things{i}"] = {
            "get": {
                "operationId": f"listThings{i}",
                "parameters": [
                    {"name": "skip", "in": "query", "schema": {"type": "integer"}},
                    {"name": "take", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {"200": answer({"type": "array", "items": ref})},
            },
            "post": {
                "operationId": f"createThing{i}",
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
                "responses": {"201": answer(ref)},
            },
        }
        identifier = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
        paths[f"/things{i}/{{id}}"] = {
            "parameters": [identifier],
            "get": {"operationId": f"getThing{i}", "responses": {"200": answer(ref)}},
            "delete": {
                "operationId": f"deleteThing{i}",
                "responses": {"204": {"description": "Deleted"}},
            },
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Things", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def stat(pid: int | str) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command's name (state first), or None
    when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def session(sid: int) -> dict[int, list[str]]:
    """The live processes of session ``sid``, by pid."""
    found = {}
    for entry in os.listdir("/proc"):
        fields = stat(entry) if entry.isdigit() else None
        if fields and int(fields[3]) == sid and fields[0] not in ("Z", "X"):
            found[int(entry)] = fields
    return found


def command_line(pid: int) -> bytes:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    return b""


def judging(pid: int) -> bool:
    """Whether the run's judge (the validator's port in a process of its own) is alive."""
    return any(b"verdict_child" in command_line(p) for p in session(pid) if p != pid)


def children(pid: int) -> dict[int, list[str]]:
    """The live processes of ``pid``'s session whose parent is ``pid``, but its judge:
    the formatting workers."""
    found = {p: f for p, f in session(pid).items() if int(f[1]) == pid}
    return {p: f for p, f in found.items() if b"verdict_child" not in command_line(p)}


def cpu_seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def staged(output: Path) -> int:
    return sum(1 for p in output.glob(f".{PACKAGE}.apiforge-new-*/**/*") if p.is_file())


def ruff_running(pid: int) -> bool:
    """Whether a process of ``pid``'s session runs ruff (the formatter most blocks go to;
    started by the run, or by its workers when they format a module each)."""
    return any(b"ruff" in command_line(child) for child in session(pid) if child != pid)


# When to kill, as what must be seen first: the run's process; its judge judging while the
# package is formatted (the judge told to pause, so that it is still there); its first
# worker (the pool is starting); its workers with a second of CPU spent between them
# (formatting); ruff formatting (in a run of its own: the others have black format
# everything, so that its worker pool starts); a file in the staging directory
# (formatting done, writing).
KILL_POINTS: dict[str, Callable[[int, Path], bool]] = {
    "at-start": lambda pid, output: True,
    "judging": lambda pid, output: judging(pid) and len(children(pid)) >= 1,
    "first-worker": lambda pid, output: len(children(pid)) >= 1,
    "formatting": lambda pid, output: (
        len(children(pid)) >= 2 and sum(map(cpu_seconds, children(pid).values())) >= 1.0
    ),
    "ruff": lambda pid, output: ruff_running(pid),
    "writing": lambda pid, output: staged(output) >= 1,
}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "things.json"
    path.write_text(json.dumps(big_spec(RESOURCES), indent=1), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bigger_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # ruff formats 6,500 lines in some 50 ms, too soon to be seen; eight times as many
    # take it long enough.
    path = tmp_path_factory.mktemp("bigger") / "things.json"
    path.write_text(json.dumps(big_spec(RESOURCES * 8), indent=1), encoding="utf-8")
    return path


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_run_leaves_no_process(
    point: str, spec: Path, bigger_spec: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    spec = bigger_spec if point == "ruff" else spec
    command = [sys.executable, "-P", "-m", "apiforge", "generate", str(spec)]
    command += ["--output", str(output), "--package", PACKAGE]
    # No cache, so that every run formats; a pause after each staged file, so that the
    # run is still there when one is seen.
    env = clean_env(APIFORGE_CACHE_DIR="", APIFORGE_TEST_PAUSE_WRITE="0.2")
    if point == "judging":
        env["APIFORGE_TEST_PAUSE_JUDGE"] = "60"
    if point != "ruff":
        env["APIFORGE_TEST_BLACK_ONLY"] = "1"
    proc = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    sid = proc.pid
    try:
        deadline = time.monotonic() + 120
        while not KILL_POINTS[point](sid, output):
            if proc.poll() is not None:
                pytest.fail(f"the run ended (exit {proc.returncode}) before {point}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {point}")
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        deadline = time.monotonic() + GONE_WITHIN
        while (left := session(sid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        alive = {pid: f"state {fields[0]}, parent {fields[1]}" for pid, fields in left.items()}
        assert not left, f"the killed run's processes still alive after {GONE_WITHIN} s: {alive}"
    finally:
        # Whatever is left is this test's own: the session's process group, by its id.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(sid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert not (output / PACKAGE).exists(), "a killed run left a package"
