"""Worker processes that run one task at a time, each task with a deadline.

concurrent.futures cannot stop a task that runs too long, and a worker that dies takes
the whole executor down with it; here a task past its deadline, or whose worker died,
is a result like any other, and its worker is replaced. Each worker leads its own process
group, so a kill also reaches the processes it started (black's formatting pool).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

# Spawn, not fork: the parent may run threads, and a forked copy of a big parent would
# count its pages against the worker.
_CONTEXT = multiprocessing.get_context("spawn")
# A worker is replaced after this many tasks, so what one spec leaves in memory (caches,
# fragmentation) does not weigh on the rest of a run of thousands.
MAX_TASKS = 50


@dataclass(frozen=True)
class Done:
    """A task's end: ``status`` is ``ok`` (``value`` is what it returned), ``timeout`` or
    ``died`` (``value`` is the worker's exit code, negative for a signal)."""

    key: str
    status: str
    value: Any
    seconds: float


def _serve(conn: Connection, memory: int) -> None:
    """A worker's loop: receive ``(function, args)``, send back what it returned."""
    os.setpgid(0, 0)
    if memory:  # a runaway spec ends in MemoryError, not in the kernel's OOM killer
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    try:
        while (task := conn.recv()) is not None:
            function, args = task
            conn.send(function(*args))
    except (EOFError, BrokenPipeError):
        return  # the parent is gone: nobody wants the result


class _Worker:
    """One worker process and its end of the pipe."""

    def __init__(self, memory: int) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_serve, args=(child, memory), daemon=False)
        self.process.start()
        child.close()
        self.tasks = 0
        self.key = ""
        self.started = 0.0

    def give(self, key: str, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.conn.send((function, args))
        self.key, self.started, self.tasks = key, time.perf_counter(), self.tasks + 1

    def kill(self) -> None:
        """Kill the worker and every process of its group."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid or 0, signal.SIGKILL)
        self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        """Ask the idle worker to leave; kill it if it does not."""
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(5)
        self.kill()


Task = tuple[str, Callable[..., Any], tuple[Any, ...]]


def run(tasks: Iterable[Task], jobs: int, timeout: float, memory: int = 0) -> Iterator[Done]:
    """Run ``(key, function, args)`` tasks on ``jobs`` workers, yielding each as it ends.

    ``function`` must be importable by name (a module-level function) and its arguments
    and result picklable. ``memory`` caps each worker's address space in bytes (0: none).
    """
    pending: deque[Task] = deque(tasks)
    idle: list[_Worker] = []
    busy: dict[Connection, _Worker] = {}
    try:
        while pending or busy:
            while pending and len(busy) < jobs:
                worker = idle.pop() if idle else _Worker(memory)
                key, function, args = pending.popleft()
                worker.give(key, function, args)
                busy[worker.conn] = worker
            yield from _collect(busy, idle, timeout)
    finally:
        for worker in [*idle, *busy.values()]:
            worker.kill()


def _collect(
    busy: dict[Connection, _Worker], idle: list[_Worker], timeout: float
) -> Iterator[Done]:
    """Wait for the first task to end or pass its deadline; yield what ended."""
    now = time.perf_counter()
    first_deadline = min(w.started + timeout for w in busy.values())
    for conn in wait(list(busy), timeout=max(0.0, first_deadline - now)):
        worker = busy.pop(conn)  # type: ignore[arg-type]
        seconds = time.perf_counter() - worker.started
        try:
            value = worker.conn.recv()
        except (EOFError, OSError):
            worker.kill()
            yield Done(worker.key, "died", worker.process.exitcode, seconds)
            continue
        if worker.tasks >= MAX_TASKS:
            worker.stop()
        else:
            idle.append(worker)
        yield Done(worker.key, "ok", value, seconds)
    now = time.perf_counter()
    for conn, worker in list(busy.items()):
        if now - worker.started >= timeout:
            del busy[conn]
            worker.kill()
            yield Done(worker.key, "timeout", None, now - worker.started)
