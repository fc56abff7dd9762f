"""What a worker does with one spec: read the facts the report needs, generate its
package, and say how generation ended. Everything here runs in a worker process
(``pool``), so arguments and results are plain strings, numbers and dicts.
"""

from __future__ import annotations

import json
import os
import resource
import time
import traceback
from pathlib import Path
from typing import Any

from . import directory

# How generation ended, before the package is imported or type-checked.
GENERATED, REFUSED, TRACEBACK = "generated", "refused", "traceback"


def facts(spec: Path) -> dict[str, Any]:
    """Size, declared version, original format and operation count of ``spec``."""
    found: dict[str, Any] = {"bytes": spec.stat().st_size}
    try:
        document = json.loads(spec.read_bytes())
    except ValueError:  # not JSON: the generator's own reading says why
        return found | {"version": "?", "origin": "?", "operations": 0}
    return found | {
        "version": directory.spec_version(document),
        "origin": directory.origin(document),
        "operations": directory.operations(document),
    }


def generate(spec: str, output: str, package: str) -> dict[str, Any]:
    """Generate ``spec`` into ``output``/``package``: the facts, how it ended, the first
    diagnostic (or the traceback's last line and frame), and the seconds it took."""
    # No cache: every spec is timed cold, and thousands of specs leave nothing behind in
    # the user's cache (black's blocks, the record of the last run).
    os.environ["APIFORGE_CACHE_DIR"] = ""
    path = Path(spec)
    result = facts(path)
    started, cpu = time.perf_counter(), _cpu()
    try:
        result |= _generate(path, Path(output), package)
    except Exception as exc:  # the generator's own crash: the outcome we most want to see
        result |= {"ended": TRACEBACK, "diagnostic": _last_frame(exc)}
        result["traceback"] = traceback.format_exc()
    result["seconds"] = time.perf_counter() - started
    result["cpu_seconds"] = _cpu() - cpu
    return result


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (black's formatting pool): on a
    shared machine, what a spec costs, whatever else the cores were doing."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def _generate(spec: Path, output: Path, package: str) -> dict[str, Any]:
    from apiforge import Config
    from apiforge import generate as apiforge_generate

    report = apiforge_generate(Config(spec=spec, output=output, package=package))
    errors = report.errors
    warnings = len(report.diagnostics) - len(errors)
    if errors:
        # The first line, without its hint, and the spec named as the report names it.
        first = errors[0].format().split("\n", 1)[0].replace(f"{directory.API}/", "")
        return {"ended": REFUSED, "diagnostic": first, "errors": len(errors), "warnings": warnings}
    return {"ended": GENERATED, "client": report.client, "warnings": warnings}


def _last_frame(exc: BaseException) -> str:
    """``Type: message`` and the innermost frame of apiforge that raised it, if any."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/apiforge/" in f.filename] or frames
    where = ""
    if ours:
        frame = ours[-1]
        where = f" [{frame.filename.rsplit('/apiforge/', 1)[-1]}:{frame.lineno} in {frame.name}]"
    message = str(exc).strip().split("\n", 1)[0][:300]
    return f"{type(exc).__name__}: {message}{where}"
