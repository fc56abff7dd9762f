"""Room for deep documents: the pipeline's recursive stages run on a thread with a large
stack and a high recursion limit.

Real specs nest 34 levels at most (the 2,639 of the APIs-guru directory), but a chain
of thousands of ``$ref``s is legal, and each stage (the validator, the 2.0 rewrite, the
build, black) recurses per level. Past what even this allows, the budgets in
``load.document`` (textual nesting) and ``build.limits`` (type nesting) give a located
error first; a ``RecursionError`` that still escapes becomes a plain error, never a
traceback.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from .diagnostics import Diagnostic, GenerationError, Location, Severity

T = TypeVar("T")
STACK_BYTES = 512 * 1024 * 1024  # reserved address space; pages are touched only as used
RECURSION_LIMIT = 50_000
_lock = threading.Lock()  # the recursion limit is the interpreter's: one deep run at a time


def run_deep(fn: Callable[[], T], where: str) -> T:
    """``fn()`` on a thread with room to recurse; its result, or its exception re-raised."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(fn())
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)

    with _lock:
        old_size = threading.stack_size(STACK_BYTES)
        old_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
        try:
            worker = threading.Thread(target=target, name="apiforge-deep")
            worker.start()
            worker.join()
        finally:
            threading.stack_size(old_size)
            sys.setrecursionlimit(old_limit)
    if failure:
        if isinstance(failure[0], RecursionError):
            message = "the spec nests too deeply to generate (through $refs or inline schemas)"
            raise GenerationError([Diagnostic(Severity.ERROR, Location(where), message)])
        raise failure[0]
    return outcome[0]
