"""Tables 3 and 4: generation in a cold process, its growth, and regeneration.

Three documents:

(a) our spec, ``spec/customvision-training.yaml`` (OpenAPI 3.0, one operation);
(b) Microsoft's upstream Custom Vision Training v3.3 document (Swagger 2.0). apiforge reads
    it as published; the peers, which need OpenAPI 3, read its 3.0 conversion, made by
    apiforge's own ``generator.upgrade.upgrade()`` after stripping ``x-ms-examples``;
(c) ``benchmarks/synth.py``'s 1,000 operations and 1,000 schemas.

Each generation is a fresh process (``apiforge generate``, ``openapi-python-client
generate``, ``datamodel-codegen``) into an emptied directory, timed on the wall clock; its
peak memory is the ``ru_maxrss`` that ``wait4`` reports for that child. Runs per cell: up
to 5, fewer when one run is long (the time budget is printed), and the tools take turns.
Then apiforge alone: a no-op regeneration (same spec, same generator, the output already
up to date), ``--check`` on that up-to-date tree, and regeneration after one schema of (b)
or (c) changed.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import harness, synth
from .harness import BIN, DASH, MINUS, TIMES, Check, ChildRun, Results, Table

MAX_RUNS = 5
COLD_BUDGET = 30.0  # seconds of cold generation per tool and document
FOLLOW_BUDGET = 12.0  # seconds per no-op / --check / changed measurement
UPSTREAM = harness.ROOT.parent / "shared" / "specs" / "customvision-training-v3.3.json"
OURS = "apiforge"
OPC = "openapi-python-client"
DMCG = "datamodel-code-generator"
TOOLS = (OURS, OPC, DMCG)
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
_WRITTEN = re.compile(rb"(\d+) written")


@dataclass(frozen=True)
class Doc:
    """One document, as apiforge reads it and as the peers read it."""

    key: str
    title: str
    ours: Path
    peers: Path
    operations: int
    schemas: int
    base_text: str | None = None  # for the one-schema change: the document as written
    changed_text: str | None = None  # ... and with one schema changed

    @property
    def units(self) -> int:
        return self.operations + self.schemas


def _count(doc: dict[str, Any]) -> tuple[int, int]:
    ops = sum(1 for item in doc.get("paths", {}).values() for m in item if m in METHODS)
    schemas = doc.get("definitions") or doc.get("components", {}).get("schemas", {})
    return ops, len(schemas)


def _strip(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v, key) for k, v in value.items() if k != key}
    if isinstance(value, list):
        return [_strip(v, key) for v in value]
    return value


def _note(schema: dict[str, Any]) -> dict[str, Any]:
    """The same schema with one more optional property: the "one schema changes" edit."""
    properties = {**schema.get("properties", {})}
    properties["benchmarkNote"] = {"type": "string", "description": "Added by the benchmark."}
    return {**schema, "properties": properties}


def documents(work: Path) -> list[Doc]:
    from generator.upgrade import upgrade

    ours_a = harness.ROOT / "spec" / "customvision-training.yaml"
    ops, schemas = _count(yaml.safe_load(ours_a.read_text(encoding="utf-8")))
    a = Doc("a", "(a) our spec", ours_a, ours_a, ops, schemas)

    raw = UPSTREAM.read_bytes()
    original = json.loads(raw)
    ours_b = work / "b" / UPSTREAM.name
    ours_b.parent.mkdir(parents=True, exist_ok=True)
    ours_b.write_bytes(raw)
    converted, _ = upgrade(_strip(original, "x-ms-examples"))
    peers_b = work / "b" / "customvision-training-v3.3.openapi30.json"
    peers_b.write_text(json.dumps(converted, indent=2, ensure_ascii=False), encoding="utf-8")
    changed = {**original, "definitions": {**original["definitions"]}}
    changed["definitions"]["Tag"] = _note(changed["definitions"]["Tag"])
    ops, schemas = _count(original)
    b = Doc(
        "b",
        "(b) upstream Custom Vision v3.3",
        ours_b,
        peers_b,
        ops,
        schemas,
        raw.decode("utf-8"),
        json.dumps(changed, indent=2, ensure_ascii=False),
    )

    spec_c = synth.write(work / "c" / "synth.json")
    document = json.loads(spec_c.read_text(encoding="utf-8"))
    ops, schemas = _count(document)
    names = [n for n, s in document["components"]["schemas"].items() if "properties" in s]
    middle = names[len(names) // 2]
    edited = json.loads(json.dumps(document))
    edited["components"]["schemas"][middle] = _note(edited["components"]["schemas"][middle])
    c = Doc(
        "c",
        f"(c) synthetic {ops:,} ops / {schemas:,} schemas",
        spec_c,
        spec_c,
        ops,
        schemas,
        spec_c.read_text(encoding="utf-8"),
        json.dumps(edited, indent=1) + "\n",
    )
    return [a, b, c]


def _argv(tool: str, doc: Doc, out: Path) -> list[str | Path]:
    if tool == OURS:
        return [
            BIN / "apiforge",
            "generate",
            doc.ours,
            "--output",
            out,
            "--package",
            "bench_client",
        ]
    if tool == OPC:
        argv = [BIN / "openapi-python-client", "generate", "--path", doc.peers]
        return [*argv, "--output-path", out / "client", "--overwrite"]
    argv = [BIN / "datamodel-codegen", "--input", doc.peers, "--input-file-type", "openapi"]
    argv += ["--output", out / "models.py", "--output-model-type", "pydantic_v2.BaseModel"]
    return [*argv, "--formatters", "black", "isort"]


class Runner:
    """Runs the tools on one document, keeping each tool's logs beside its output."""

    def __init__(self, work: Path, doc: Doc) -> None:
        self.doc = doc
        self.dir = work / doc.key
        self.dir.mkdir(parents=True, exist_ok=True)

    def out(self, tool: str) -> Path:
        return self.dir / tool

    def run(self, tool: str, *extra: str, cold: bool, expect: Callable[[bytes], bool]) -> ChildRun:
        out = self.out(tool)
        if cold:
            if out.exists():
                shutil.rmtree(out)
            out.mkdir(parents=True)
        log_path = self.dir / f"{tool}.log"
        with open(log_path, "wb") as log:
            result = harness.run_child([*_argv(tool, self.doc, out), *extra], cwd=self.dir, log=log)
        text = log_path.read_bytes()
        if result.returncode != 0 or not expect(text):
            tail = text.decode("utf-8", "replace")[-2000:]
            raise RuntimeError(
                f"{tool} {' '.join(extra)} on {self.doc.title} failed (exit "
                f"{result.returncode}); log {log_path}:\n{tail}"
            )
        return result


def _written(text: bytes) -> int:
    match = _WRITTEN.search(text)
    return int(match.group(1)) if match else -1


def _wanted(first: float, budget: float) -> int:
    return max(1, min(MAX_RUNS, int(budget // max(first, 1e-3))))


def _repeat(fn: Callable[[], ChildRun], budget: float) -> list[ChildRun]:
    runs = [fn()]
    while len(runs) < _wanted(runs[0].wall, budget):
        runs.append(fn())
    return runs


def _cold(runner: Runner) -> dict[str, list[ChildRun]]:
    runs: dict[str, list[ChildRun]] = {t: [] for t in TOOLS}
    want = dict.fromkeys(TOOLS, MAX_RUNS)
    while any(len(runs[t]) < want[t] for t in TOOLS):
        for tool in TOOLS:
            if len(runs[tool]) >= want[tool]:
                continue
            result = runner.run(tool, cold=True, expect=lambda _: True)
            runs[tool].append(result)
            if len(runs[tool]) == 1:
                want[tool] = _wanted(result.wall, COLD_BUDGET)
    return runs


def _follow_ups(runner: Runner) -> dict[str, list[ChildRun]]:
    """apiforge only, on the up-to-date output its last cold run left."""
    found = {
        "no-op regeneration": _repeat(
            lambda: runner.run(OURS, cold=False, expect=lambda t: _written(t) == 0),
            FOLLOW_BUDGET,
        ),
        "--check (up to date)": _repeat(
            lambda: runner.run(OURS, "--check", cold=False, expect=lambda t: b"up to date" in t),
            FOLLOW_BUDGET,
        ),
    }
    doc = runner.doc
    if doc.base_text is not None and doc.changed_text is not None:
        texts = [doc.changed_text, doc.base_text]
        count = [0]

        def changed() -> ChildRun:
            doc.ours.write_text(texts[count[0] % 2], encoding="utf-8")
            count[0] += 1
            return runner.run(OURS, cold=False, expect=lambda t: _written(t) > 0)

        try:
            found["one schema changed"] = _repeat(changed, FOLLOW_BUDGET)
        finally:
            doc.ours.write_text(doc.base_text, encoding="utf-8")
    return found


def _wall(runs: list[ChildRun]) -> harness.Stats:
    return harness.Stats(tuple(r.wall for r in runs))


def _rss(runs: list[ChildRun]) -> str:
    return f"{statistics.median(r.maxrss_kib for r in runs) / 1024:.0f}"


def run() -> list[Check]:
    work = harness.work_dir("generation", fresh=True)
    docs = documents(work)
    cold: dict[str, dict[str, list[ChildRun]]] = {}
    follow: dict[str, dict[str, list[ChildRun]]] = {}
    for doc in docs:
        runner = Runner(work, doc)
        print(f"  generating {doc.title} ...", flush=True)
        cold[doc.key] = _cold(runner)
        follow[doc.key] = _follow_ups(runner)

    results = Results()
    table = Table(
        "3. Generation, cold process (fresh process, empty output directory)",
        [
            "document",
            "tool",
            "runs",
            f"wall s median (min{DASH}max)",
            "peak RSS MiB",
            "ms per op+schema",
            "time vs apiforge",
        ],
        note=(
            f"apiforge {harness.version_of('apiforge')}, openapi-python-client "
            f"{harness.version_of('openapi-python-client')} (with its default ruff "
            f"post-hooks), datamodel-code-generator "
            f"{harness.version_of('datamodel-code-generator')} (models only, black + isort)."
            f"\nRuns per cell: up to {MAX_RUNS}, fewer when one run takes more than "
            f"{COLD_BUDGET / MAX_RUNS:g} s (budget {COLD_BUDGET:g} s per cell)."
        ),
    )
    for doc in docs:
        ours = _wall(cold[doc.key][OURS]).median
        for tool in TOOLS:
            runs = cold[doc.key][tool]
            s = _wall(runs)
            per_unit = s.median * 1e3 / doc.units
            table.add(
                f"{doc.title} [{doc.operations} ops, {doc.schemas} schemas]"
                if tool == OURS
                else "",
                tool,
                s.n,
                s.show("s"),
                _rss(runs),
                f"{per_unit:.1f}",
                f"{s.median / ours:.2f}{TIMES}",
            )
    table.print()
    for doc, need in zip(docs, (1.5, 1.0, 1.0), strict=True):
        ours = _wall(cold[doc.key][OURS]).median
        theirs = _wall(cold[doc.key][OPC]).median
        results.add(
            Check(
                f"cold generation {doc.key}: faster than openapi-python-client by",
                theirs / ours,
                ">=",
                need,
                detail=f"{theirs:.2f} s vs {ours:.2f} s",
            )
        )

    # Growth: time per operation+schema from (a) to (c), and the exponent of the part of
    # the time that is not the fixed start-up cost ((a) is almost nothing but start-up).
    a, b, c = docs
    growth = Table(
        "3b. Growth from (a) to (c)",
        [
            "tool",
            "ms/unit (a)",
            "ms/unit (b)",
            "ms/unit (c)",
            "per-unit ratio (c)/(a)",
            "exponent (b)→(c)",
        ],
        note=(
            "unit = one operation or one schema. exponent = "
            f"log((t_c {MINUS} t_a) / (t_b {MINUS} t_a)) / log((n_c {MINUS} n_a) / "
            f"(n_b {MINUS} n_a)): 1 is linear, 2 quadratic; (a) stands for the fixed start-up "
            "cost."
        ),
    )
    exponents: dict[str, float] = {}
    ratios: dict[str, float] = {}
    for tool in TOOLS:
        t = {d.key: _wall(cold[d.key][tool]).median for d in docs}
        unit = {d.key: t[d.key] * 1e3 / d.units for d in docs}
        ratios[tool] = unit["c"] / unit["a"]
        try:
            exponents[tool] = math.log((t["c"] - t["a"]) / (t["b"] - t["a"])) / math.log(
                (c.units - a.units) / (b.units - a.units)
            )
            exponent = f"{exponents[tool]:.2f}"
        except (ValueError, ZeroDivisionError):
            exponents[tool] = math.nan
            exponent = "n/a"
        growth.add(
            tool,
            f"{unit['a']:.1f}",
            f"{unit['b']:.1f}",
            f"{unit['c']:.2f}",
            f"{ratios[tool]:.3f}",
            exponent,
        )
    growth.print()
    results.add(
        Check(
            "growth (a)→(c): apiforge exponent (1 linear, 2 quadratic)",
            exponents[OURS],
            "<=",
            1.25,
            unit="",
            detail=f"time per operation/schema (c)/(a) = {ratios[OURS]:.3f}",
        )
    )

    regen = Table(
        "4. apiforge regeneration and --check (output already generated)",
        [
            "document",
            "mode",
            "runs",
            f"wall s median (min{DASH}max)",
            "peak RSS MiB",
            "vs apiforge cold",
            "openapi-python-client cold / this",
        ],
        note=(
            "no-op: the same spec and generator, run again on its own output (0 files written);"
            "\none schema changed: one optional property added to one schema (Tag in (b), a "
            "mid-document model in (c)), then back, alternately."
        ),
    )
    for doc in docs:
        ours = _wall(cold[doc.key][OURS]).median
        theirs = _wall(cold[doc.key][OPC]).median
        for mode, runs in follow[doc.key].items():
            s = _wall(runs)
            regen.add(
                doc.title if mode.startswith("no-op") else "",
                mode,
                s.n,
                s.show("s"),
                _rss(runs),
                f"{s.median / ours:.2f}{TIMES}",
                f"{theirs / s.median:.2f}{TIMES}",
            )
    regen.print()
    for doc in docs:
        theirs = _wall(cold[doc.key][OPC]).median
        for mode in ("no-op regeneration", "--check (up to date)"):
            mine = _wall(follow[doc.key][mode]).median
            results.add(
                Check(
                    f"{mode} {doc.key}: faster than openapi-python-client's generation by",
                    theirs / mine,
                    ">=",
                    10.0,
                    detail=f"{theirs:.2f} s vs {mine:.2f} s",
                )
            )
    for doc in (b, c):
        mine = _wall(follow[doc.key]["one schema changed"]).median
        ours = _wall(cold[doc.key][OURS]).median
        results.add(
            Check(
                f"one schema changed {doc.key}: regeneration / cold generation",
                mine / ours,
                "<=",
                0.25,
                detail=f"{mine:.2f} s vs {ours:.2f} s",
            )
        )
    return results.checks
