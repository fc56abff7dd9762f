"""Import and ``mypy --strict`` over the generated packages, in batches.

Both start a fresh interpreter, which costs far more than checking one small package, so
each run takes many packages (their unique names let them sit side by side in one folder);
batches run ``jobs`` at a time. A batch that crashes or overruns is split in two and run
again, down to the one package that caused it, whose finding that then is.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

PROBE = Path(__file__).with_name("probe.py")
Finding = dict[str, Any]
# A mypy error line: ``package/module.py:LINE: error: MESSAGE  [code]``.
MYPY_ERROR = re.compile(r"^(?P<package>[A-Za-z_]\w*)/\S+?:\d+: error: ")


def _env(root: Path) -> dict[str, str]:
    """The environment of a check: no inherited PYTHON* settings, the packages importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return env | {"PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1"}


def _run(
    command: Sequence[str], root: Path, timeout: float
) -> subprocess.CompletedProcess[str] | None:
    """The finished command, or None when it ran past ``timeout`` seconds."""
    try:
        return subprocess.run(
            command,
            cwd=root,
            env=_env(root),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None


def batches(sizes: dict[str, int], most: int, most_packages: int) -> list[list[str]]:
    """``sizes``' names in batches of at most ``most`` (lines) and ``most_packages``, the
    biggest first so that the longest batches start early; a bigger package goes alone."""
    found: list[list[str]] = []
    current: list[str] = []
    total = 0
    for name in sorted(sizes, key=lambda n: (-sizes[n], n)):
        if current and (total + sizes[name] > most or len(current) >= most_packages):
            found.append(current)
            current, total = [], 0
        current.append(name)
        total += sizes[name]
    return [*found, current] if current else found


Check = Callable[[list[str]], dict[str, Finding] | None]


def _bisect(check: Check, names: list[str], alone: Callable[[str], Finding]) -> dict[str, Finding]:
    """``check`` over ``names``; when it fails as a whole (None), over each half, and for a
    single package the finding ``alone`` makes."""
    found = check(names)
    if found is not None:
        return found
    if len(names) == 1:
        return {names[0]: alone(names[0])}
    half = len(names) // 2
    return _bisect(check, names[:half], alone) | _bisect(check, names[half:], alone)


Save = Callable[[dict[str, Finding]], None]


def _in_parallel(
    work: Callable[[list[str]], dict[str, Finding]], groups: list[list[str]], jobs: int, save: Save
) -> dict[str, Finding]:
    """``work`` over ``groups``, ``jobs`` at a time; each group's findings are handed to
    ``save`` as they come, so a run cut short keeps them (``--resume``)."""
    found: dict[str, Finding] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for result in pool.map(work, groups):
            save(result)
            found |= result
    return found


def _unsaved(_: dict[str, Finding]) -> None:
    pass


def imports(
    root: Path, sizes: dict[str, int], jobs: int, timeout: float, save: Save = _unsaved
) -> dict[str, Finding]:
    """Each package under ``root`` imported (``probe.py``): its methods or its error."""

    def check(names: list[str]) -> dict[str, Finding] | None:
        done = _run([sys.executable, "-W", "error", str(PROBE), *names], root, timeout * len(names))
        lines = [json.loads(line) for line in done.stdout.splitlines()] if done else []
        found = {line.pop("package"): line for line in lines}
        return found if set(found) == set(names) else None

    def alone(name: str) -> Finding:
        done = _run([sys.executable, "-W", "error", str(PROBE), name], root, timeout)
        if done is None:
            return {"error": f"import took over {timeout:.0f} s", "timeout": True}
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"the interpreter died (exit {done.returncode}): {last}"}

    groups = batches(dict.fromkeys(sizes, 1), 50, 50)
    return _in_parallel(lambda names: _bisect(check, names, alone), groups, jobs, save)


def _mypy_findings(
    names: list[str], done: subprocess.CompletedProcess[str]
) -> dict[str, Finding] | None:
    """Per package: its error count and first error; None when the run failed as a whole."""
    if done.returncode not in (0, 1):
        return None
    found: dict[str, Finding] = {name: {"errors": 0} for name in names}
    for line in done.stdout.splitlines():
        match = MYPY_ERROR.match(line)
        if match is None:
            if ": error: " in line:  # an error of the run, not of one package
                return None
            continue
        entry = found.get(match["package"])
        if entry is None:
            return None
        entry["errors"] += 1
        entry.setdefault("first", line)
    if done.returncode == 1 and not any(f["errors"] for f in found.values()):
        return None
    return found


def mypy(
    root: Path,
    sizes: dict[str, int],
    jobs: int,
    timeout: float,
    most_lines: int,
    save: Save = _unsaved,
) -> dict[str, Finding]:
    """``mypy --strict`` over the packages under ``root`` in batches of about ``most_lines``
    lines: per package, its error count and first error."""
    caches: queue.SimpleQueue[Path] = queue.SimpleQueue()
    for slot in range(max(1, jobs)):  # one cache per concurrent run: they must not share one
        caches.put(root.parent / f"mypy-cache-{slot}")

    def run(names: list[str]) -> subprocess.CompletedProcess[str] | None:
        cache = caches.get()
        try:
            command = [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11"]
            command += ["--cache-dir", str(cache), "--no-error-summary", "--hide-error-context"]
            return _run([*command, "--no-color-output", *names], root, timeout)
        finally:
            caches.put(cache)

    def check(names: list[str]) -> dict[str, Finding] | None:
        done = run(names)
        return None if done is None else _mypy_findings(names, done)

    def alone(name: str) -> Finding:
        done = run([name])
        if done is None:
            return {"failed": f"mypy took over {timeout:.0f} s", "timeout": True}
        last = ((done.stderr + done.stdout).strip().splitlines() or ["no output"])[-1]
        return {"failed": f"mypy failed (exit {done.returncode}): {last}"}

    groups = batches(sizes, most_lines, 200)
    return _in_parallel(lambda names: _bisect(check, names, alone), groups, jobs, save)


def lines_of(package: Path) -> int:
    """The lines of Python in ``package``: what a batch's size is measured in."""
    return sum(len(p.read_bytes().splitlines()) for p in package.glob("*.py"))
