"""Tables 3 and 4: generation in a cold process, its growth, and regeneration.

Four documents (and (c/2), the generator of (c) at half the size, for the growth table):

(a) our spec, ``spec/customvision-training.yaml`` (OpenAPI 3.0, one operation);
(b) Microsoft's upstream Custom Vision Training v3.3 document (Swagger 2.0). apiforge reads
    it as published; the peers, which need OpenAPI 3, read its 3.0 conversion, made by
    apiforge's own ``apiforge.load.swagger2.upgrade()`` after stripping ``x-ms-examples``;
(c) ``benchmarks/synth.py``'s 1,000 operations and 1,000 schemas;
(g) GitHub's REST description (npm ``@octokit/openapi``, pinned in benchmarks/package.json:
    13 MB, 1,223 operations), the big real spec; datamodel-code-generator is left out.

Each generation is a fresh process (``apiforge generate``, ``openapi-python-client
generate``, ``datamodel-codegen``) into an emptied directory, timed on the wall clock; its
peak memory is the ``ru_maxrss`` that ``wait4`` reports for that child. apiforge's cache
(``APIFORGE_CACHE_DIR``, its own directory under .bench/work) is emptied before every cold
run, so a cold run formats everything. Runs per cell: up to 5, fewer when one run is long
(the time budget is printed), and the tools take turns. The growth exponent is taken from
apiforge's cold runs of (a), (b), (c/2) and (c) in turn, five rounds, made after the rest.

Then apiforge alone, with the cache its previous run left: a no-op regeneration (same
spec, same generator, the output already up to date), ``--check`` on that up-to-date tree,
generation into an empty directory, and regeneration after one schema of (b) or (c) changed.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import statistics
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from . import harness, synth
from .harness import BIN, DASH, MINUS, TIMES, Check, ChildRun, Results, Table

MAX_RUNS = 5
COLD_BUDGET = 30.0  # seconds of cold generation per tool and document
FOLLOW_BUDGET = 12.0  # seconds per no-op / --check / changed measurement
UPSTREAM = harness.ROOT / "tests" / "upstream" / "customvision-training-v3.3.json"
GITHUB = harness.ROOT / ".bench/npm/node_modules/@octokit/openapi/generated/api.github.com.json"
OURS = "apiforge"
OPC = "openapi-python-client"
DMCG = "datamodel-code-generator"
TOOLS = (OURS, OPC, DMCG)
GROWTH = ("a", "b", "h", "c")  # the documents of the growth table: one generator, sizes apart
GROWTH_ROUNDS = 5  # apiforge's cold runs of each, the four in turn (``_in_turn``)
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
_WRITTEN = re.compile(rb"(\d+) written")
Mode = Literal["cold", "empty", "again"]


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
    tools: tuple[str, ...] = (OURS, OPC, DMCG)

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
    from apiforge import load
    from apiforge.load.swagger2 import upgrade

    ours_a = harness.ROOT / "spec" / "customvision-training.yaml"
    ops, schemas = _count(load.read(ours_a).document)
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

    spec_h = synth.write(work / "h" / "synth-half.json", synth.OPERATIONS // 2, synth.SCHEMAS // 2)
    ops, schemas = _count(json.loads(spec_h.read_text(encoding="utf-8")))
    h = Doc("h", f"(c/2) synthetic {ops:,} ops / {schemas:,} schemas", spec_h, spec_h, ops, schemas)

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
    return [a, b, h, c, _edited_doc(work, "g", "(g) GitHub REST", GITHUB, (OURS, OPC))]


def _edited_doc(work: Path, key: str, title: str, source: Path, tools: tuple[str, ...]) -> Doc:
    """A JSON OpenAPI 3 document as published, copied into the work folder (the one-schema
    change edits the copy), with a mid-document model changed."""
    path = work / key / source.name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = source.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    document = json.loads(text)
    ops, schemas = _count(document)
    names = [n for n, s in document["components"]["schemas"].items() if "properties" in s]
    middle = names[len(names) // 2]
    document["components"]["schemas"][middle] = _note(document["components"]["schemas"][middle])
    changed = json.dumps(document, indent=2) + "\n"
    title = f"{title} {ops:,} ops / {schemas:,} schemas"
    return Doc(key, title, path, path, ops, schemas, text, changed, tools)


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
        argv: list[str | Path] = [BIN / "openapi-python-client", "generate", "--path", doc.peers]
        return [*argv, "--output-path", out / "client", "--overwrite"]
    argv = [BIN / "datamodel-codegen", "--input", doc.peers, "--input-file-type", "openapi"]
    argv += ["--output", out / "models.py", "--output-model-type", "pydantic_v2.BaseModel"]
    return [*argv, "--formatters", "black", "isort"]


class Runner:
    """Runs the tools on one document, keeping each tool's logs beside its output."""

    def __init__(self, work: Path, doc: Doc, snapshot: Path) -> None:
        self.doc = doc
        self.dir = work / doc.key
        self.dir.mkdir(parents=True, exist_ok=True)
        # apiforge keeps a formatting cache and a record of its last run per output; the
        # benchmark gives it its own, emptied for every cold run (and never touches ~/.cache).
        self.cache = self.dir / "apiforge-cache"
        self.env = {
            **harness.child_env([snapshot / "generator"]),
            "APIFORGE_CACHE_DIR": str(self.cache),
        }

    def out(self, tool: str) -> Path:
        return self.dir / tool

    def run(self, tool: str, *extra: str, mode: Mode, expect: Callable[[bytes], bool]) -> ChildRun:
        """``cold``: empty output and empty cache; ``empty``: empty output, the cache as the
        last run left it; ``again``: output and cache as the last run left them."""
        out = self.out(tool)
        if mode != "again":
            if out.exists():
                shutil.rmtree(out)
            out.mkdir(parents=True)
        if mode == "cold" and tool == OURS and self.cache.exists():
            shutil.rmtree(self.cache)
        log_path = self.dir / f"{tool}.log"
        argv = [*_argv(tool, self.doc, out), *extra]
        with open(log_path, "wb") as log:
            result = harness.run_child(argv, cwd=self.dir, env=self.env, log=log, memory=True)
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


def _cold(runner: Runner, budget: float) -> dict[str, list[ChildRun]]:
    tools = runner.doc.tools
    runs: dict[str, list[ChildRun]] = {t: [] for t in tools}
    want = dict.fromkeys(tools, MAX_RUNS)
    while any(len(runs[t]) < want[t] for t in tools):
        for tool in tools:
            if len(runs[tool]) >= want[tool]:
                continue
            result = runner.run(tool, mode="cold", expect=lambda _: True)
            runs[tool].append(result)
            if len(runs[tool]) == 1:
                want[tool] = _wanted(result.wall, budget)
    return runs


def _in_turn(runners: dict[str, Runner]) -> dict[str, list[ChildRun]]:
    """apiforge's cold runs of each growth document, the documents in turn, GROWTH_ROUNDS
    times: each size sees the machine as the others do. Measured minutes apart, sizes
    met a machine whose speed had drifted by a quarter or more, and the exponent between
    them swung from 0.6 to 2.0 on the same code."""
    runs: dict[str, list[ChildRun]] = {key: [] for key in runners}
    for _ in range(GROWTH_ROUNDS):
        for key, runner in runners.items():
            runs[key].append(runner.run(OURS, mode="cold", expect=lambda _: True))
    return runs


def _follow_ups(runner: Runner) -> dict[str, list[ChildRun]]:
    """apiforge only, on the up-to-date output its last cold run left."""
    found = {
        "no-op regeneration": _repeat(
            lambda: runner.run(OURS, mode="again", expect=lambda t: _written(t) == 0),
            FOLLOW_BUDGET,
        ),
        "--check (up to date)": _repeat(
            lambda: runner.run(OURS, "--check", mode="again", expect=lambda t: b"up to date" in t),
            FOLLOW_BUDGET,
        ),
        "empty output, warm cache": _repeat(
            lambda: runner.run(OURS, mode="empty", expect=lambda t: _written(t) > 0),
            FOLLOW_BUDGET,
        ),
    }
    found["floor: libraries, spec, one file"] = _repeat(lambda: _floor(runner), FOLLOW_BUDGET)
    doc = runner.doc
    if doc.base_text is not None and doc.changed_text is not None:
        texts = [doc.changed_text, doc.base_text]
        count = [0]

        def changed() -> ChildRun:
            doc.ours.write_text(texts[count[0] % 2], encoding="utf-8")
            count[0] += 1
            return runner.run(OURS, mode="again", expect=lambda t: _written(t) > 0)

        try:
            found["one schema changed"] = _repeat(changed, FOLLOW_BUDGET)
        finally:
            doc.ours.write_text(doc.base_text, encoding="utf-8")
    return found


# What any run that renders pays before apiforge's own code: a process that imports the
# two libraries rendering needs (msgspec, jinja2), parses the spec, renders one template
# and writes one file. Reported beside the regeneration times, not a target.
_FLOOR = """
import json, sys
from pathlib import Path
import jinja2, msgspec
text = Path(sys.argv[1]).read_text(encoding="utf-8")
if sys.argv[1].endswith(".json"):
    document = json.loads(text)
else:
    import yaml
    document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
line = jinja2.Environment().from_string("title = {{ t }}\\n").render(t=document["info"]["title"])
Path(sys.argv[2]).write_text(line, encoding="utf-8")
"""


def _floor(runner: Runner) -> ChildRun:
    out = runner.dir / "floor-out.py"
    argv: list[str | Path] = [BIN / "python", "-c", _FLOOR, runner.doc.ours, out]
    result = harness.run_child(argv, cwd=runner.dir, env=runner.env, memory=True)
    if result.returncode != 0 or not out.read_text(encoding="utf-8").startswith("title = "):
        raise RuntimeError(f"the floor script failed on {runner.doc.title}")
    return result


def _wall(runs: list[ChildRun]) -> harness.Stats:
    return harness.Stats(tuple(r.wall for r in runs))


def _rss(runs: list[ChildRun]) -> str:
    return f"{statistics.median(r.maxrss_kib for r in runs) / 1024:.0f}"


def _cpu(runs: list[ChildRun]) -> str:
    return f"{statistics.median(r.cpu for r in runs):.2f}"


def snapshot(work: Path) -> Path:
    """A copy of generator/ and templates/ as they are now, which every apiforge run of this
    benchmark imports (PYTHONPATH): edits made while it runs cannot change the generator
    between two measurements, nor invalidate apiforge's cache key half-way."""
    root = work / "apiforge-snapshot"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("generator", "templates"):
        shutil.copytree(harness.ROOT / part, root / part, ignore=skip)
    return root


def run() -> list[Check]:
    work = harness.work_dir("generation", fresh=True)
    frozen = snapshot(work)
    docs = documents(work)
    cold: dict[str, dict[str, list[ChildRun]]] = {}
    follow: dict[str, dict[str, list[ChildRun]]] = {}
    runners: dict[str, Runner] = {}
    for doc in docs:
        runner = runners[doc.key] = Runner(work, doc, frozen)
        print(f"  generating {doc.title} ...", flush=True)
        cold[doc.key] = _cold(runner, COLD_BUDGET if doc.key != "h" else COLD_BUDGET / 2)
        if doc.key != "h":  # the half-size document is there only to measure growth
            follow[doc.key] = _follow_ups(runner)
    by_key = {d.key: d for d in docs}
    t = {d.key: {tool: _wall(cold[d.key][tool]).median for tool in d.tools} for d in docs}
    results = Results()
    _cold_table(docs, cold, t)
    for key, need in (("a", 1.5), ("b", 1.0), ("c", 2.0), ("g", 2.0)):
        results.add(
            Check(
                f"cold generation ({key}): faster than openapi-python-client by",
                t[key][OPC] / t[key][OURS],
                ">=",
                need,
                detail=f"{t[key][OPC]:.2f} s vs {t[key][OURS]:.2f} s",
            )
        )
    results.add(
        Check(
            "validation alone of (g), reading excluded",
            _validation_seconds(by_key["g"], frozen),
            "<=",
            1.0,
            unit=" s",
        )
    )
    print("  growth: the four sizes in turn ...", flush=True)
    paired = _in_turn({k: runners[k] for k in GROWTH})
    growth_t = {k: {**t[k], OURS: _wall(paired[k]).median} for k in GROWTH}
    exponent, ratio = _growth_table({k: by_key[k] for k in GROWTH}, growth_t)
    results.add(
        Check(
            "growth (a)→(c): apiforge time exponent (c/2)→(c), 1 linear, 2 quadratic",
            exponent,
            "<=",
            1.5,
            unit="",
            detail=f"time per operation/schema (c)/(a) = {ratio:.3f}{TIMES}",
        )
    )
    _regen_table([d for d in docs if d.key in follow], follow, t)
    for key in ("a", "b", "c", "g"):
        theirs = t[key][OPC]
        for mode in ("no-op regeneration", "--check (up to date)"):
            mine = _wall(follow[key][mode]).median
            results.add(
                Check(
                    f"{mode} ({key}): faster than openapi-python-client's generation by",
                    theirs / mine,
                    ">=",
                    10.0,
                    detail=f"{theirs:.2f} s vs {mine:.2f} s",
                )
            )
    for key in ("b", "c", "g"):
        mine = _wall(follow[key]["one schema changed"]).median
        floor = _wall(follow[key]["floor: libraries, spec, one file"]).median
        results.add(
            Check(
                f"one schema changed ({key}): regeneration / cold generation",
                mine / t[key][OURS],
                "<=",
                0.25,
                detail=f"{mine:.2f} s vs {t[key][OURS]:.2f} s; floor {floor / t[key][OURS]:.0%}",
            )
        )
    return results.checks


_VALIDATE = """
import sys, time
from pathlib import Path
from apiforge import load, stack
from apiforge.load import verdict
spec = load.read(Path(sys.argv[1]))
verdict.prepare()
started = time.perf_counter()
stack.run_deep(lambda: load.ready(spec), sys.argv[1])
print(f"validated in {time.perf_counter() - started:.4f}")
"""


def _validation_seconds(doc: Doc, frozen: Path) -> float:
    """apiforge's validation stage alone (``load.ready``: references followed and
    checked, the lenient reading, the validator's verdict) on ``doc``, in a fresh process,
    median of 3; the reading of the file is not counted."""
    env = harness.child_env([frozen / "generator"])
    found = []
    for _ in range(3):
        done = subprocess.run(
            [BIN / "python", "-c", _VALIDATE, doc.ours], env=env, capture_output=True, text=True
        )
        match = re.search(r"validated in ([0-9.]+)", done.stdout)
        if done.returncode != 0 or match is None:
            raise RuntimeError(f"validating {doc.title} failed:\n{done.stderr[-2000:]}")
        found.append(float(match.group(1)))
    return statistics.median(found)


def _cold_table(
    docs: list[Doc], cold: dict[str, dict[str, list[ChildRun]]], t: dict[str, dict[str, float]]
) -> None:
    table = Table(
        "3. Generation, cold process (fresh process, empty output directory, empty cache)",
        [
            "document",
            "tool",
            "runs",
            f"wall s median (min{DASH}max)",
            "CPU s",
            "peak RSS MiB",
            "ms per op+schema",
            "time vs apiforge",
        ],
        note=(
            f"apiforge {harness.version_of('apiforge')} (run from a snapshot of generator/ and "
            "templates/ taken at the start; its cache emptied before each cold run), "
            f"openapi-python-client {harness.version_of('openapi-python-client')} (with its "
            f"default ruff post-hooks),\ndatamodel-code-generator "
            f"{harness.version_of('datamodel-code-generator')} (models only, black + isort)."
            f" Runs per cell: up to {MAX_RUNS}, fewer when one run takes more than "
            f"{COLD_BUDGET / MAX_RUNS:g} s (budget {COLD_BUDGET:g} s per cell, half for c/2)."
            "\nCPU: user + system, the processes it waits for included (median). Peak RSS: "
            "the largest single process of the run (GNU time's %M), not the sum over a pool."
        ),
    )
    for doc in docs:
        for tool in doc.tools:
            runs = cold[doc.key][tool]
            s = _wall(runs)
            table.add(
                f"{doc.title} [{doc.operations} ops, {doc.schemas} schemas]"
                if tool == OURS
                else "",
                tool,
                s.n,
                s.show("s"),
                _cpu(runs),
                _rss(runs),
                f"{s.median * 1e3 / doc.units:.1f}",
                f"{s.median / t[doc.key][OURS]:.2f}{TIMES}",
            )
    table.print()


def _exponent(t: dict[str, float], n: dict[str, int], small: str, large: str) -> float:
    """Growth exponent of the time above the start-up cost, which (a) stands for."""
    try:
        return math.log((t[large] - t["a"]) / (t[small] - t["a"])) / math.log(
            (n[large] - n["a"]) / (n[small] - n["a"])
        )
    except (ValueError, ZeroDivisionError):
        return math.nan


def _growth_table(docs: dict[str, Doc], t: dict[str, dict[str, float]]) -> tuple[float, float]:
    """Print the growth table; return apiforge's exponent (c/2)→(c) and per-unit ratio."""
    growth = Table(
        "3b. Growth from (a) to (c)",
        [
            "tool",
            "ms/unit (a)",
            "ms/unit (b)",
            "ms/unit (c/2)",
            "ms/unit (c)",
            "per-unit (c)/(a)",
            "exponent (c/2)→(c)",
            "exponent (b)→(c)",
        ],
        note=(
            "unit = one operation or one schema. exponent x→y = "
            f"log((t_y {MINUS} t_a) / (t_x {MINUS} t_a)) / log((n_y {MINUS} n_a) / "
            f"(n_x {MINUS} n_a)):\n1 is linear, 2 quadratic; (a) stands for the fixed start-up "
            "cost. (c/2) is the same synthetic generator at half the size.\napiforge's "
            f"times: medians of {GROWTH_ROUNDS} rounds of cold runs, the four documents in "
            "turn (so each size meets the machine as the others do); the peers' from table 3."
        ),
    )
    n = {key: d.units for key, d in docs.items()}
    found: tuple[float, float] = (math.nan, math.nan)
    for tool in TOOLS:
        times = {key: t[key][tool] for key in docs}
        unit = {key: times[key] * 1e3 / n[key] for key in docs}
        ratio = unit["c"] / unit["a"]
        half, whole = _exponent(times, n, "h", "c"), _exponent(times, n, "b", "c")
        growth.add(
            tool,
            f"{unit['a']:.1f}",
            f"{unit['b']:.1f}",
            f"{unit['h']:.2f}",
            f"{unit['c']:.2f}",
            f"{ratio:.3f}{TIMES}",
            f"{half:.2f}",
            f"{whole:.2f}",
        )
        if tool == OURS:
            found = (half, ratio)
    growth.print()
    return found


def _regen_table(
    docs: list[Doc], follow: dict[str, dict[str, list[ChildRun]]], t: dict[str, dict[str, float]]
) -> None:
    regen = Table(
        "4. apiforge regeneration and --check (output already generated)",
        [
            "document",
            "mode",
            "runs",
            f"wall s median (min{DASH}max)",
            "CPU s",
            "peak RSS MiB",
            "vs apiforge cold",
            "openapi-python-client cold / this",
        ],
        note=(
            "All with apiforge's cache as the previous run left it. no-op: the same spec and "
            "generator, run again on its own output (0 files written);\nempty output: the "
            "output directory emptied first; one schema changed: one optional property added "
            "to one schema (Tag in (b), a mid-document model in (c)), then removed, alternately;"
            "\nfloor: not apiforge but a process that imports msgspec and jinja2, parses the "
            "spec, renders one template and writes one file (what any rendering run pays)."
        ),
    )
    for doc in docs:
        for mode, runs in follow[doc.key].items():
            s = _wall(runs)
            regen.add(
                doc.title if mode.startswith("no-op") else "",
                mode,
                s.n,
                s.show("s"),
                _cpu(runs),
                _rss(runs),
                f"{s.median / t[doc.key][OURS]:.2f}{TIMES}",
                f"{t[doc.key][OPC] / s.median:.2f}{TIMES}",
            )
    regen.print()
