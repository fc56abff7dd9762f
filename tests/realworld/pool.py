"""Worker processes that run one task at a time, each task with a limit of CPU time.

concurrent.futures cannot stop a task that runs too long, and a worker that dies takes
the whole executor down with it; here a task past its limit, or whose worker died, is a
result like any other, and its worker is replaced. The limit is CPU seconds, not wall
seconds: on a machine shared with other work a spec gets the same outcome however busy
the cores are (the kernel's RLIMIT_CPU stops the worker); a wall deadline of
``WALL_FACTOR`` times as long catches a worker that waits instead of computing. Each
worker leads its own process group, so a kill also reaches the processes it started
(black's formatting pool).
"""

from __future__ import annotations

import contextlib
import math
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
WALL_FACTOR = 4
# The exit status of a worker that used up its CPU time (as timeout(1) exits).
CPU_EXCEEDED = 124


@dataclass(frozen=True)
class Done:
    """A task's end: ``status`` is ``ok`` (``value`` is what it returned), ``timeout``
    (``value`` is ``cpu`` or ``wall``) or ``died`` (``value`` is the worker's exit code,
    negative for a signal)."""

    key: str
    status: str
    value: Any
    seconds: float


def _serve(conn: Connection, memory: int, cpu_limit: float) -> None:
    """A worker's loop: receive ``(function, args)``, send back what it returned."""
    os.setpgid(0, 0)
    if memory:  # a runaway spec ends in MemoryError, not in the kernel's OOM killer
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    # Past the soft CPU limit the kernel sends SIGXCPU, whose default also dumps core.
    signal.signal(signal.SIGXCPU, lambda *_: os._exit(CPU_EXCEEDED))
    try:
        while (task := conn.recv()) is not None:
            function, args = task
            _limit_cpu(cpu_limit)
            conn.send(function(*args))
    except (EOFError, BrokenPipeError):
        return  # the parent is gone: nobody wants the result


def _limit_cpu(seconds: float) -> None:
    """Let this process use ``seconds`` more CPU time (RLIMIT_CPU counts its whole life)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(resource.RLIMIT_CPU, (math.ceil(used + seconds), hard))


class _Worker:
    """One worker process and its end of the pipe."""

    def __init__(self, memory: int, cpu_limit: float) -> None:
        self.conn, child = _CONTEXT.Pipe()
        limits = (child, memory, cpu_limit)
        self.process = _CONTEXT.Process(target=_serve, args=limits, daemon=False)
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
    and result picklable. ``timeout`` is the CPU seconds a task may use; ``memory`` caps
    each worker's address space in bytes (0: no cap).
    """
    pending: deque[Task] = deque(tasks)
    idle: list[_Worker] = []
    busy: dict[Connection, _Worker] = {}
    try:
        while pending or busy:
            while pending and len(busy) < jobs:
                worker = idle.pop() if idle else _Worker(memory, timeout)
                key, function, args = pending.popleft()
                worker.give(key, function, args)
                busy[worker.conn] = worker
            yield from _collect(busy, idle, timeout * WALL_FACTOR)
    finally:
        for worker in [*idle, *busy.values()]:
            worker.kill()


def _collect(busy: dict[Connection, _Worker], idle: list[_Worker], wall: float) -> Iterator[Done]:
    """Wait for the first task to end or pass its wall deadline; yield what ended."""
    first_deadline = min(w.started + wall for w in busy.values())
    for conn in wait(list(busy), timeout=max(0.0, first_deadline - time.perf_counter())):
        worker = busy.pop(conn)  # type: ignore[arg-type]
        seconds = time.perf_counter() - worker.started
        try:
            value = worker.conn.recv()
        except (EOFError, OSError):
            worker.kill()
            code = worker.process.exitcode
            if code == CPU_EXCEEDED:
                yield Done(worker.key, "timeout", "cpu", seconds)
            else:
                yield Done(worker.key, "died", code, seconds)
            continue
        if worker.tasks >= MAX_TASKS:
            worker.stop()
        else:
            idle.append(worker)
        yield Done(worker.key, "ok", value, seconds)
    now = time.perf_counter()
    for conn, worker in list(busy.items()):
        if now - worker.started >= wall:
            del busy[conn]
            worker.kill()
            yield Done(worker.key, "timeout", "wall", now - worker.started)
