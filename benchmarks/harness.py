"""Shared pieces: paths, timing, child processes with their peak memory, tables, targets.

Every figure is a median with its min-max over the repetitions, and every ratio is taken
between figures measured in the same run, so a busy machine shifts both sides alike.
"""

from __future__ import annotations

import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".bench" / "work"
GENERATED = ROOT / "generated"
BIN = Path(sys.executable).parent  # the benchmark virtualenv's bin directory
PACKAGE = "customvision_training"

# Typographic signs for the tables, spelled as escapes to keep the source ASCII-clean.
TIMES = "\u00d7"  # multiplication sign
DASH = "\u2013"  # en dash, for ranges
MINUS = "\u2212"  # minus sign


def work_dir(*parts: str, fresh: bool = False) -> Path:
    """A directory under .bench/work, emptied first when ``fresh``."""
    path = WORK.joinpath(*parts)
    if fresh and path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def child_env(pythonpath: Sequence[Path] = ()) -> dict[str, str]:
    """The environment for child processes: the bench venv's tools first on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(BIN.parent)
    env["NO_COLOR"] = "1"
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    return env


# ---------------------------------------------------------------------------------------
# Statistics


@dataclass(frozen=True)
class Stats:
    """Seconds per repetition."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)

    @property
    def n(self) -> int:
        return len(self.samples)

    def show(self, unit: Literal["s", "ms", "us"] = "ms", digits: int = 2) -> str:
        """``median (min-max)`` in ``unit``."""
        scale = {"s": 1.0, "ms": 1e3, "us": 1e6}[unit]
        med, lo, hi = (x * scale for x in (self.median, self.low, self.high))
        return f"{med:.{digits}f} {unit} ({lo:.{digits}f}{DASH}{hi:.{digits}f})"


def measure(
    fn: Callable[[], object],
    *,
    repeat: int = 30,
    warmup: int = 3,
    budget: float | None = None,
    min_repeat: int = 5,
) -> Stats:
    """Time ``fn`` ``repeat`` times after ``warmup`` calls; stop early past ``budget`` s."""
    for _ in range(warmup):
        fn()
    samples: list[float] = []
    started = time.perf_counter()
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
        spent = time.perf_counter() - started
        if budget is not None and spent > budget and len(samples) >= min_repeat:
            break
    return Stats(tuple(samples))


def measure_many(
    fns: dict[str, Callable[[], object]], *, repeat: int = 30, warmup: int = 3
) -> dict[str, Stats]:
    """Time each function ``repeat`` times, round-robin, so drift in the machine's load
    falls on every candidate alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            gc.collect()
            t0 = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - t0)
    return {name: Stats(tuple(s)) for name, s in samples.items()}


@dataclass(frozen=True)
class ChildRun:
    """One child process: wall and CPU (user + system) seconds, peak RSS (KiB), exit status."""

    wall: float
    cpu: float
    maxrss_kib: int
    returncode: int


GNU_TIME = Path("/usr/bin/time")


def run_child(
    argv: Sequence[str | Path],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    log: IO[bytes] | None = None,
    memory: bool = False,
) -> ChildRun:
    """Run a fresh process: wall and CPU time from ``wait4`` (its reaped children included).

    With ``memory``, the peak RSS comes from GNU time (``/usr/bin/time -f %M``), whose own
    small process forks the command: ``ru_maxrss`` of a child forked from this big process
    would count the pages it shared with us before ``exec``.
    """
    command = [str(a) for a in argv]
    report: Path | None = None
    if memory and GNU_TIME.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="maxrss-", dir=WORK)
        os.close(fd)
        report = Path(name)
        command = [str(GNU_TIME), "-f", "%M", "-o", name, *command]
    out = log if log is not None else subprocess.DEVNULL
    t0 = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env or child_env(), stdout=out, stderr=out)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    maxrss = int(usage.ru_maxrss)
    if report is not None:
        lines = report.read_text(encoding="utf-8").split()
        report.unlink()
        maxrss = int(lines[-1]) if lines and lines[-1].isdigit() else -1
    return ChildRun(wall, cpu, maxrss, proc.returncode)


# ---------------------------------------------------------------------------------------
# Output


class Table:
    """A plain-text table with aligned columns, printed at once."""

    def __init__(self, title: str, columns: Sequence[str], note: str = "") -> None:
        self.title = title
        self.columns = list(columns)
        self.note = note
        self.rows: list[list[str]] = []

    def add(self, *cells: object) -> None:
        self.rows.append([str(c) for c in cells])

    def render(self) -> str:
        widths = [len(c) for c in self.columns]
        for row in self.rows:
            widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

        def line(cells: Sequence[str]) -> str:
            first, *rest = cells
            parts = [first.ljust(widths[0])]
            parts += [c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)]
            return "  ".join(parts).rstrip()

        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        out = [f"\n== {self.title} ==", line(self.columns), rule]
        out += [line(row) for row in self.rows]
        if self.note:
            out.append(self.note)
        return "\n".join(out)

    def print(self) -> None:
        print(self.render(), flush=True)


@dataclass(frozen=True)
class Check:
    """A target: ``value`` must be ``<=`` or ``>=`` ``limit``."""

    name: str
    value: float
    op: Literal["<=", ">="]
    limit: float
    unit: str = TIMES
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.value <= self.limit if self.op == "<=" else self.value >= self.limit

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        sign = "≤" if self.op == "<=" else "≥"
        value = f"{self.value:.2f}{self.unit}"
        text = f"{verdict}  {self.name}: {value} (target {sign} {self.limit:g}{self.unit})"
        return f"{text}  [{self.detail}]" if self.detail else text


@dataclass
class Results:
    """The targets checked by one table."""

    checks: list[Check] = field(default_factory=list)

    def add(self, check: Check) -> None:
        self.checks.append(check)
        print(check.line(), flush=True)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for text in fh:
                if text.startswith("model name"):
                    return text.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    """What the figures were measured on."""
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n".join(
        [
            f"CPU:     {cpu_model()}",
            f"Cores:   {cores} logical ({usable} usable by this process)",
            f"Python:  {platform.python_implementation()} {platform.python_version()}"
            f" ({sys.executable})",
            f"OS:      {platform.system()} {platform.release()} {platform.machine()}",
            f"Load:    {load} (1/5/15 min averages at start)",
        ]
    )


def version_of(dist: str) -> str:
    """An installed distribution's version, or ``?``."""
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def opc_client(spec: Path, out: Path) -> tuple[Path, str]:
    """Generate openapi-python-client's package for ``spec`` into ``out`` (replaced).

    Returns the directory to put on ``sys.path`` and the package's import name.
    """
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f"{out.name}.log", "wb") as log:
        argv: list[str | Path] = [BIN / "openapi-python-client", "generate", "--path", spec]
        run = run_child([*argv, "--output-path", out, "--overwrite"], cwd=out.parent, log=log)
    if run.returncode != 0:
        raise RuntimeError(f"openapi-python-client failed on {spec}; see {log.name}")
    (package,) = [p.name for p in out.iterdir() if (p / "__init__.py").is_file()]
    return out, package
