"""``python -W error probe.py PACKAGE...``: import each generated package and count the
methods of its two clients; one JSON line per package on stdout.

Run by ``checks`` in a fresh interpreter whose working directory and PYTHONPATH are the
folder holding the packages, so nothing of the runner's process leaks in. Standard
library only: this file is run as a script, not imported.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any


def operation_methods(client: type, operations: Any) -> int:
    """The client's methods that send an operation: those with a ``build_`` function in
    ``_operations`` (pagers and ``stream_`` twins have none)."""
    return sum(
        1
        for name, value in vars(client).items()
        if callable(value) and not name.startswith("_") and hasattr(operations, f"build_{name}")
    )


def where(exc: BaseException, package: str) -> str:
    """The innermost frame of ``package`` in the traceback, as `` [file:line]``."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f"/{package}/" in f.filename]
    if not frames:
        return ""
    return f" [{package}/{Path(frames[-1].filename).name}:{frames[-1].lineno}]"


def probe(package: str) -> dict[str, Any]:
    """Import ``package``; its clients' operation methods, or the error."""
    manifest = json.loads(Path(package, "apiforge-manifest.json").read_text(encoding="utf-8"))
    client = manifest["client"]
    try:
        module = importlib.import_module(package)
        operations = importlib.import_module(f"{package}._operations")
        return {
            "methods": operation_methods(getattr(module, client), operations),
            "async_methods": operation_methods(getattr(module, f"Async{client}"), operations),
        }
    except Exception as exc:  # whatever the generated code raised is the finding
        message = str(exc).strip().split("\n", 1)[0][:300]
        return {"error": f"{type(exc).__name__}: {message}{where(exc, package)}"}


def main(packages: list[str]) -> None:
    for package in packages:
        started = time.perf_counter()
        result = {"package": package, **probe(package)}
        result["seconds"] = time.perf_counter() - started
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
