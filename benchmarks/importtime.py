"""Table 5, import time: what importing each package adds to a fresh interpreter.

Two measures per candidate, from fresh processes taking turns (bytecode caches warm):

- wall: best of N of ``python -c 'import pkg'`` minus best of N of ``python -c pass``;
- ``-X importtime``: the median over N of the cumulative µs of the modules the statement
  imports at top level (those that ``python -c pass`` does not import already).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import harness
from .harness import MINUS, Check, ChildRun, Results, Table

BASELINE = "python -c pass"
HTTPX_MSGSPEC = "httpx + msgspec alone"
OURS = "apiforge: customvision_training"
OPC_PKG = "openapi-python-client package"


@dataclass(frozen=True)
class Candidate:
    code: str
    path: tuple[Path, ...] = ()


def _dmcg_models(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    argv: list[str | Path] = [
        harness.BIN / "datamodel-codegen",
        "--input",
        harness.ROOT / "spec" / "customvision-training.yaml",
    ]
    argv += ["--input-file-type", "openapi", "--output", out / "cv_models.py"]
    argv += ["--output-model-type", "pydantic_v2.BaseModel", "--formatters", "black", "isort"]
    if harness.run_child(argv, cwd=out).returncode != 0:
        raise RuntimeError("datamodel-codegen failed on our spec")
    return out


def candidates() -> tuple[dict[str, Candidate], str]:
    work = harness.work_dir("import", fresh=True)
    opc_path, opc = harness.opc_client(
        harness.ROOT / "spec" / "customvision-training.yaml", work / "opc_client"
    )
    dmcg = _dmcg_models(work / "dmcg")
    found = {
        BASELINE: Candidate("pass"),
        HTTPX_MSGSPEC: Candidate("import httpx, msgspec"),
        OURS: Candidate(f"import {harness.PACKAGE}", (harness.GENERATED,)),
        OPC_PKG: Candidate(f"import {opc}", (opc_path,)),
        f"{OPC_PKG} + its operation module": Candidate(
            f"import {opc}.api.project_api.get_image_performances", (opc_path,)
        ),
        "datamodel-code-generator models (pydantic v2)": Candidate("import cv_models", (dmcg,)),
        "Microsoft SDK (azure...customvision.training)": Candidate(
            "import azure.cognitiveservices.vision.customvision.training"
        ),
    }
    return found, opc


def _fresh(c: Candidate) -> ChildRun:
    argv = [sys.executable, "-c", c.code]
    run = harness.run_child(argv, cwd=harness.WORK, env=harness.child_env(c.path))
    if run.returncode != 0:
        raise RuntimeError(f"{c.code!r} failed")
    return run


def _importtime(c: Candidate) -> tuple[dict[str, int], list[str]]:
    """Cumulative µs per top-level import line, and the names in order."""
    argv = [sys.executable, "-X", "importtime", "-c", c.code]
    done = subprocess.run(
        argv, cwd=harness.WORK, env=harness.child_env(c.path), capture_output=True, text=True
    )
    times: dict[str, int] = {}
    order: list[str] = []
    for text in done.stderr.splitlines():
        if not text.startswith("import time:") or "cumulative" in text:
            continue
        _, cumulative, name = text.removeprefix("import time:").split("|")
        if name.startswith(" ") and not name.startswith("  "):  # top level: one space
            times[name.strip()] = int(cumulative)
            order.append(name.strip())
    return times, order


def run(rounds: int = 15) -> list[Check]:
    found, opc_name = candidates()
    for c in found.values():
        _fresh(c)  # warm the bytecode caches
    walls: dict[str, list[float]] = {name: [] for name in found}
    cpus: dict[str, list[float]] = {name: [] for name in found}
    for _ in range(rounds):
        for name, c in found.items():
            run = _fresh(c)
            walls[name].append(run.wall)
            cpus[name].append(run.cpu)
    at_start = set(_importtime(found[BASELINE])[0])
    cumulative: dict[str, list[float]] = {name: [] for name in found}
    for _ in range(max(5, rounds // 3)):
        for name, c in found.items():
            times, _ = _importtime(c)
            cumulative[name].append(sum(t for n, t in times.items() if n not in at_start) / 1e3)
    best_base = min(walls[BASELINE])
    table = Table(
        f"5. Import time of the package (fresh process, {rounds} runs each, taking turns)",
        [
            "package",
            "best wall ms",
            "median wall ms",
            f"import cost ms (best {MINUS} pass)",
            "CPU cost ms",
            "-X importtime ms (median)",
            "cost vs httpx+msgspec",
        ],
        note=f"import cost = best-of-N wall of `python -c 'import pkg'` {MINUS} best-of-N of "
        "`python -c pass`; CPU cost: the same with user + system CPU time."
        f"\n{OPC_PKG} = {opc_name}, the package openapi-python-client generates from our spec.",
    )
    cost = {name: min(w) - best_base for name, w in walls.items()}
    cpu_cost = {name: min(c) - min(cpus[BASELINE]) for name, c in cpus.items()}
    for name, w in walls.items():
        extra = "" if name == BASELINE else f"{(cost[name] - cost[HTTPX_MSGSPEC]) * 1e3:+.1f} ms"
        table.add(
            name,
            f"{min(w) * 1e3:.1f}",
            f"{statistics.median(w) * 1e3:.1f}",
            f"{cost[name] * 1e3:.1f}" if name != BASELINE else "—",
            f"{cpu_cost[name] * 1e3:.1f}" if name != BASELINE else "—",
            f"{statistics.median(cumulative[name]):.1f}" if name != BASELINE else "—",
            extra,
        )
    table.print()
    results = Results()
    more = (cost[OURS] - cost[HTTPX_MSGSPEC]) * 1e3
    results.add(
        Check(
            "import: apiforge package cost beyond httpx + msgspec alone",
            more,
            "<=",
            20.0,
            unit=" ms",
            detail=f"{cost[OURS] * 1e3:.1f} ms vs {cost[HTTPX_MSGSPEC] * 1e3:.1f} ms",
        )
    )
    return results.checks
