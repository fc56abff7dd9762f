"""The process ``verdict.Judge`` starts: openapi-spec-validator-rs judging one document
while the generator builds from it.

Run as a script (``python -P verdict_child.py PARENT_PID``) that imports nothing of
apiforge, so that it is ready before the generator has read the document. It reads one
line, ``VERSION FORM SIZE``, then SIZE bytes: with FORM ``json``, the JSON text the
generator parsed the document from; with ``marshal`` (or ``pickle``, for values marshal
cannot hold), the document as the generator shows it to the validator, so serialized. It
writes the kinds of the port's complaints as a JSON list, or ``null`` when it could not
judge (the generator then judges itself). It ends with its parent: on Linux the kernel
kills it (``PR_SET_PDEATHSIG``); elsewhere its read of the request ends when the parent
is gone, and its answer cannot be written.
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import pickle
import sys
import time
from collections.abc import Callable
from typing import Any

BASE = "file:///apiforge/spec.json"  # references to other files were followed already
# For tests: seconds to wait before judging, so that the process is seen alive.
PAUSE = "APIFORGE_TEST_PAUSE_JUDGE"
_PR_SET_PDEATHSIG = 1
_SIGKILL = 9


def _exit_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # gone before that took effect
        os._exit(1)


def offline(uri: str) -> bytes:
    """Nothing is fetched: a reference the bundle did not follow is the reference
    validator's to report."""
    raise LookupError(f"not fetched: {uri}")


def judged(version: str, form: bytes, data: bytes) -> list[str] | None:
    """The kinds of the port's complaints about the document ``data`` holds, or None."""
    try:
        import openapi_spec_validator_rs._core as port

        loads: dict[bytes, Callable[[bytes], Any]] = {
            b"json": json.loads,
            b"marshal": marshal.loads,
            b"pickle": pickle.loads,
        }
        document: Any = loads[form](data)
        errors = port.validate(document, version, BASE, True, offline, None, None)
        return [str(error.kind) for error in errors]
    except BaseException:  # the port's panics too: the generator judges then
        return None


def main() -> None:
    _exit_with_parent(int(sys.argv[1]))
    with contextlib.suppress(ImportError):  # imported while the generator reads the spec
        import openapi_spec_validator_rs._core  # noqa: F401
    request = sys.stdin.buffer
    header = request.readline().split()
    if len(header) != 3:
        return  # not asked: the generator stopped before it had a document to show
    version, form, size = header[0].decode(), header[1], int(header[2])
    data = request.read(size)
    time.sleep(float(os.environ.get(PAUSE) or 0))
    kinds = judged(version, form, data) if len(data) == size else None
    sys.stdout.write(json.dumps(kinds))
    sys.stdout.flush()
    # The generator reads the answer to its end, which comes when this process is gone:
    # without tearing down its heap and the port (which the generator waited up to 9 ms for).
    os._exit(0)


if __name__ == "__main__":
    main()
