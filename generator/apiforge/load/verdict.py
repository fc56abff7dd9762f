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
pipeline's thread starts) and not used when that did not happen.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from typing import Any

from . import located

_MODULE = "openapi_spec_validator_rs._core"
_BASE = "file:///apiforge/spec.json"  # references to other files were followed already


def prepare() -> None:
    """Import the port, if this is the main thread and it is installed."""
    if threading.current_thread() is threading.main_thread():
        with contextlib.suppress(ImportError):
            importlib.import_module(_MODULE)


def _offline(uri: str) -> bytes:
    """Nothing is fetched: a reference the bundle did not follow is the reference
    validator's to report."""
    raise LookupError(f"not fetched: {uri}")


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
        errors = port.validate(document, version, _BASE, True, _offline, None, None)
    except Exception:  # the reference validator judges what the port cannot
        return False
    return all(error.kind in located.READ_BY_BUILD for error in errors)
