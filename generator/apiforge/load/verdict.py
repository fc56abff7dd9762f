"""A fast first verdict on the document shown to the validator.

openapi-spec-validator judges a 13 MB document in about a minute, nearly all of it
jsonschema walking the document in Python. openapi-spec-validator-rs, a Rust port of it
(its rules, meta-schemas and format checks), gives its verdict in about 0.1 s. When the
port finds nothing but what the build reads itself, the document is valid and the
reference validator is not even imported; when the port finds anything else, or cannot
run, the reference validator runs and every diagnostic is its own, located as before.
So the port only makes a valid document faster: it never decides what an error says.

That the port finds something wherever the reference does is measured, not assumed:
``tests/generator/test_verdict.py`` compares the two on every spec of the real-world
sample and of this repository's tests, and ``python -m realworld.verdicts`` on the whole
APIs-guru directory (docs/performance.md has the last figures).

The port (0.2.3) crashes the interpreter when it is used after the thread that first
imported it has ended, so it is imported on the main thread (``prepare``, before the
pipeline's thread starts) and not used when that did not happen. A run whose verdict a
judge gives does not import it at all.

``Judge`` gives the port's verdict from a process of its own (``verdict_child``), while
the generator builds and renders: it is handed the document once lenient reading has
shown it and asked for the verdict only before anything is written. A verdict that is
not clean, or none, makes the generator run the stage again on its own, the reference
validator saying what is wrong; what it reports is always what judging first would have.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import marshal
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from . import located
from .document import AsRead
from .verdict_child import BASE, offline  # the same call in both processes

# The versions the port has judged in this process: its first verdict on each readies its
# rules (0.01-0.06 s), which a judge starting beside the build does at no cost to it.
_ready: set[str] = set()
# Whether a judge has judged here: a process that generates again (a test suite, `generate
# --all`) then has the port judge in place, where it costs 11 ms against 98 ms waiting
# for a child; a single run never imports the port at all (10 ms).
_judged: list[bool] = []
# Past this size, a spec is judged beside the build even when the port is ready here: the
# port takes about 0.02 s a megabyte, and starting the judge's process some 0.05 s of CPU.
BESIDE_BYTES = 1 << 20
_MODULE = "openapi_spec_validator_rs._core"


def prepare() -> None:
    """Import the port, if this is the main thread and it is installed."""
    if threading.current_thread() is threading.main_thread():
        with contextlib.suppress(ImportError):
            importlib.import_module(_MODULE)


def installed() -> bool:
    """Whether the port can judge: imported here, or importable (not imported to tell)."""
    if _MODULE in sys.modules:
        return True
    import importlib.util

    return importlib.util.find_spec(_MODULE.partition(".")[0]) is not None


def clean(document: dict[str, Any], version: str) -> bool:
    """Whether the port finds nothing in ``document`` (of OpenAPI ``version``: 2.0, 3.0,
    3.1) beyond what the build reads with a warning of its own. False when the port is
    not imported (not installed, or first needed off the main thread) or fails: the
    reference validator then judges."""
    if _MODULE not in sys.modules:
        prepare()
    port: Any = sys.modules.get(_MODULE)
    if port is None:
        return False
    try:
        errors = port.validate(document, version, BASE, True, offline, None, None)
    except Exception:  # the reference validator judges what the port cannot
        return False
    _ready.add(version)
    return all(error.kind in located.READ_BY_BUILD for error in errors)


_CHILD = Path(__file__).with_name("verdict_child.py")
# How long the verdict may still take once the generator asks for it: far longer than the
# port takes on the biggest spec read (16 MiB, about a second); past it, the judge hangs.
ANSWER_SECONDS = 120.0


class Judge:
    """The port judging a document in a child process, beside the build."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._sender: threading.Thread | None = None
        self._verdict: bool | None = None

    @classmethod
    def start(cls, size: int) -> Judge | None:
        """A child process ready to judge a spec of ``size`` bytes; None when the port
        cannot run in one, or judges as fast here (ready, or a judge has judged here, and
        the spec small)."""
        if not sys.executable or not installed():
            return None
        if (_ready or _judged) and size < BESIDE_BYTES:
            return None
        command = [sys.executable, "-P", str(_CHILD), str(os.getpid())]
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
        except OSError:
            return None
        _judged.append(True)
        return cls(process)

    @property
    def asked(self) -> bool:
        """Whether the judge was given a document."""
        return self._sender is not None

    def give(self, shown: dict[str, Any], version: str, as_read: AsRead | None) -> bool:
        """Hand ``shown`` over to be judged as OpenAPI ``version``: as the text it was read
        from when it is the document as read, else serialized (marshal, or pickle for
        values marshal cannot hold). False when it cannot be."""
        if self.asked:
            return False
        if as_read is not None and as_read.document is shown:
            form, data = b"json", as_read.text.encode("utf-8")
        else:
            try:  # GitHub's description: 0.01-0.03 s, where pickling it took 0.06-0.07 s
                form, data = b"marshal", marshal.dumps(shown, 4)
            except ValueError:  # a value marshal cannot hold (a YAML date)
                try:
                    form, data = b"pickle", pickle.dumps(shown, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # not plain data: judged here, as before
                    return False
        header = b"%s %s %d\n" % (version.encode(), form, len(data))
        stdin = self._process.stdin
        assert stdin is not None
        # Written from a thread: the pipe holds 64 KiB, the build goes on meanwhile.
        self._sender = threading.Thread(target=_send, args=(stdin, header, data), daemon=True)
        self._sender.start()
        return True

    def clean(self) -> bool:
        """The verdict, waited for: whether the port found nothing but what the build reads.
        False when it could not judge, or gave no answer within ``ANSWER_SECONDS``."""
        if self._verdict is None:
            answer: list[bytes] = []
            reader = threading.Thread(target=_read, args=(self._process.stdout, answer))
            reader.start()
            reader.join(ANSWER_SECONDS)
            if reader.is_alive():  # a judge that hangs: judged here instead
                self._process.kill()
                reader.join()
            if self._sender is not None:
                self._sender.join()
            self._process.wait()
            try:
                kinds = json.loads(b"".join(answer))
            except ValueError:
                kinds = None
            self._verdict = isinstance(kinds, list) and all(
                kind in located.READ_BY_BUILD for kind in kinds
            )
        return self._verdict

    def close(self) -> None:
        """End the child, judged or not."""
        if self._process.poll() is None:
            self._process.kill()
        with contextlib.suppress(OSError):
            if self._process.stdin is not None and self._sender is None:
                self._process.stdin.close()
        self._process.wait()
        if self._sender is not None:
            self._sender.join()
        if self._process.stdout is not None:
            self._process.stdout.close()


def _read(stdout: IO[bytes] | None, into: list[bytes]) -> None:
    with contextlib.suppress(OSError, ValueError):
        into.append(stdout.read() if stdout is not None else b"")


def _send(stdin: IO[bytes], header: bytes, data: bytes) -> None:
    with contextlib.suppress(OSError):  # the child gone (killed by ``close``): no verdict
        stdin.write(header)
        stdin.write(data)
    with contextlib.suppress(OSError):
        stdin.close()
