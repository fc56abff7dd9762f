"""A whole run: generate every chosen spec, import and type-check what was generated,
and give each spec one outcome.

The outcomes, each spec's first failing step (``OUTCOMES`` in the report's order):

- ``ok``: generated, imported, passed ``mypy --strict``, one client method per operation;
- ``import-failed``, ``missing-operations``, ``mypy-failed``: generated, then that check
  failed; the first complaint is its diagnostic;
- ``refused``: apiforge said no with a located error; the first one is the diagnostic;
- ``traceback``: an exception escaped apiforge; the full traceback is kept;
- ``timeout``: a step ran past its time (the diagnostic says which);
- ``crash``: the worker process died (killed for memory, a signal).
"""

from __future__ import annotations

import contextlib
import json
import re
import resource
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import checks, contract, directory, pool, work

OUTCOMES = (
    "ok",
    "import-failed",
    "missing-operations",
    "mypy-failed",
    "refused",
    "traceback",
    "timeout",
    "crash",
)
# A generated package that a run cut short never imported nor type-checked.
UNCHECKED = "unchecked"
Record = dict[str, Any]


@dataclass(frozen=True)
class Options:
    """What to run and how: the spec names, where packages go, and the limits."""

    specs: list[str]
    work: Path
    jobs: int = 2
    timeout: float = 300.0  # CPU seconds to generate a spec; wall seconds to import one
    mypy_timeout: float = 1800.0  # seconds per mypy run
    mypy_lines: int = 60_000  # lines of generated code per mypy run
    memory: int = 8 << 30  # bytes of address space per worker
    # Each generation record is appended here as it ends, so a run cut short still says
    # what it found (``--summarize --partial`` reads it).
    journal: Path | None = None
    done: tuple[Record, ...] = ()  # records of an earlier, interrupted run (--resume)
    smallest_first: bool = False  # for a run that may be cut: the most specs soonest
    budget: float | None = None  # wall seconds after which no new spec is started
    # Call every operation of these specs' packages against Prism (those that are ok);
    # None: of every spec.
    contract: frozenset[str] | None = frozenset()


def package_name(index: int, spec: str) -> str:
    """A unique, importable package name for the ``index``-th spec."""
    slug = re.sub(r"\W+", "_", spec.removesuffix(".json").lower()).strip("_")
    return f"s{index:04d}_{slug[:48]}"


@dataclass
class Run:
    """What a run found: a record per spec (sorted by name), and the wall and CPU
    seconds of each phase (``generate``, ``import``, ``mypy``)."""

    records: list[Record]
    phases: dict[str, dict[str, float]] = field(default_factory=dict)
    not_run: list[str] = field(default_factory=list)  # specs the budget left out


def run(options: Options, say: Callable[[str], None] = lambda _: None) -> Run:
    """Generate, import and type-check; generated packages are left in ``options.work``."""
    packages = options.work / "packages"
    packages.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    records = _generate_all(options, packages, say)
    cpu = sum(r.get("cpu_seconds", r["seconds"]) for r in records)
    found = Run(records, {"generate": {"wall": time.perf_counter() - started, "cpu": cpu}})
    found.not_run = sorted(set(options.specs) - {r["spec"] for r in records})
    generated = {r["package"]: r for r in records if r.get("ended") == work.GENERATED}
    if generated:
        _check(options, packages, generated, found, say)
    for record in records:
        record["outcome"], record["diagnostic"] = classify(record)
    called = [r for r in records if r["outcome"] == "ok"]
    if options.contract is not None:
        called = [r for r in called if r["spec"] in options.contract]
    if called:
        _contract(options, packages, called, found, say)
    records.sort(key=lambda r: r["spec"])
    return found


def _contract(
    options: Options,
    packages: Path,
    records: list[Record],
    found: Run,
    say: Callable[[str], None],
) -> None:
    """Each ok package's operations called against Prism (``contract``): the summary goes
    in its record as ``contract``."""
    say(f"calling every operation of {len(records)} packages against Prism")
    by_package = {r["package"]: r for r in records}
    tasks = [
        (
            r["package"],
            contract.run_spec,
            (str(directory.API / r["spec"]), str(packages), r["package"]),
        )
        for r in records
    ]
    with _phase(found, "contract"):
        for done in pool.run(tasks, options.jobs, options.timeout, options.memory):
            record = by_package[done.key]
            if done.status == "ok":
                record["contract"] = done.value
            else:
                ended = f"the contract run ended: {done.status} {done.value}"
                record["contract"] = {"error": ended}
            said = record["contract"].get("error") or "{operations_ok}/{operations}".format(
                **record["contract"]
            )
            say(f"  {record['spec']}: {said} operations ok ({done.seconds:.0f} s)")


def _check(
    options: Options,
    packages: Path,
    generated: dict[str, Record],
    found: Run,
    say: Callable[[str], None],
) -> None:
    """Import and type-check the generated packages; their findings go in their records."""
    sizes = {name: checks.lines_of(packages / name) for name in generated}
    log = _CheckLog(options)
    imported = log.found("import", sizes)
    todo = {n: s for n, s in sizes.items() if n not in imported}
    say(f"importing {len(todo)} packages ({len(imported)} done before)")
    with _phase(found, "import"):
        imported |= checks.imports(
            packages, todo, options.jobs, options.timeout, log.saver("import")
        )
    typed = log.found("mypy", sizes)
    todo = {n: s for n, s in sizes.items() if n not in typed}
    lines = sum(todo.values())
    say(f"mypy --strict over {len(todo)} packages, {lines:,} lines ({len(typed)} done before)")
    with _phase(found, "mypy"):
        typed |= checks.mypy(
            packages,
            todo,
            options.jobs,
            options.mypy_timeout,
            options.mypy_lines,
            log.saver("mypy"),
        )
    say(f"mypy took {found.phases['mypy']['wall']:.0f} s")
    for name, record in generated.items():
        record |= {"import": imported[name], "mypy": typed[name], "lines": sizes[name]}


class _CheckLog:
    """The import and mypy findings of a run with a journal, a line per package as each
    batch ends (``checks.jsonl`` beside the journal), so that ``--resume`` keeps them.
    Only findings about a package generated before this run are kept: one generated again
    is checked again."""

    def __init__(self, options: Options) -> None:
        self.path = options.journal.with_name("checks.jsonl") if options.journal else None
        self.before = {r["package"] for r in options.done}
        self.lines: list[dict[str, Any]] = []
        if self.path is not None and self.path.is_file():
            text = self.path.read_text(encoding="utf-8")
            self.lines = [json.loads(line) for line in text.splitlines() if line]

    def found(self, check: str, sizes: dict[str, int]) -> dict[str, checks.Finding]:
        """The findings of ``check`` already made about packages of ``sizes``."""
        return {
            line["package"]: line["finding"]
            for line in self.lines
            if line["check"] == check
            and line["package"] in sizes
            and line["package"] in self.before
        }

    def saver(self, check: str) -> checks.Save:
        def save(findings: dict[str, checks.Finding]) -> None:
            if self.path is not None:
                with self.path.open("a", encoding="utf-8") as fh:
                    for name, finding in sorted(findings.items()):
                        line = {"check": check, "package": name, "finding": finding}
                        fh.write(json.dumps(line, sort_keys=True) + "\n")

        return save


@contextlib.contextmanager
def _phase(found: Run, name: str) -> Iterator[None]:
    """Time a phase whose work is done by child processes (their CPU once reaped)."""
    started, cpu = time.perf_counter(), _children_cpu()
    yield
    found.phases[name] = {"wall": time.perf_counter() - started, "cpu": _children_cpu() - cpu}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _generate_all(options: Options, packages: Path, say: Callable[[str], None]) -> list[Record]:
    """Generation of every spec not done yet in the worker pool, the biggest first (the
    longest tasks start early, so the run does not end waiting for one), until the budget
    runs out (the specs then running are dropped)."""
    named = {package_name(i, s): s for i, s in enumerate(sorted(options.specs))}
    done_before = {r["spec"] for r in options.done}
    sign = 1 if options.smallest_first else -1
    order = sorted(named, key=lambda n: sign * (directory.API / named[n]).stat().st_size)
    tasks = [
        (name, work.generate, (str(directory.API / named[name]), str(packages), name))
        for name in order
        if named[name] not in done_before
    ]
    records: list[Record] = list(options.done)
    tally: Counter[str] = Counter(r["ended"] for r in records)
    started = last = time.perf_counter()
    for done in pool.run(tasks, options.jobs, options.timeout, options.memory):
        record = _record(done, named[done.key], options.timeout)
        records.append(record)
        _journal(options.journal, record)
        tally[record["ended"]] += 1
        if time.perf_counter() - last > 30 or len(records) == len(named):
            last = time.perf_counter()
            counts = ", ".join(f"{n} {k}" for k, n in sorted(tally.items()))
            cpu = sum(r.get("cpu_seconds", 0.0) for r in records)
            say(f"[{len(records)}/{len(named)}] {counts} ({last - started:.0f} s, {cpu:.0f} CPU s)")
        if options.budget is not None and time.perf_counter() - started > options.budget:
            say(f"the budget of {options.budget / 60:.0f} minutes is spent: no more specs")
            break
    return records


def _journal(path: Path | None, record: Record) -> None:
    if path is not None:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, sort_keys=True) + "\n")


def _record(done: pool.Done, spec: str, timeout: float) -> Record:
    """A spec's record from how its generation task ended."""
    base: Record = {"spec": spec, "package": done.key}
    if done.status == "ok":
        return base | done.value
    base |= work.facts(directory.API / spec) | {"seconds": done.seconds}
    if done.status == "timeout" and done.value == "cpu":
        return base | {
            "ended": "timeout",
            "diagnostic": f"generation used over {timeout:.0f} CPU s",
        }
    if done.status == "timeout":
        wall = timeout * pool.WALL_FACTOR
        return base | {"ended": "timeout", "diagnostic": f"generation took over {wall:.0f} s"}
    code = done.value if isinstance(done.value, int) else 0
    how = f"signal {-code}" if code < 0 else f"exit {code}"
    return base | {"ended": "crash", "diagnostic": f"the worker process died ({how})"}


def classify(record: Record) -> tuple[str, str]:
    """A spec's outcome and its diagnostic: the first failing step and what it said."""
    ended = record["ended"]
    if ended != work.GENERATED:
        return ended, record.get("diagnostic", "")
    found = record.get("import", {})
    if "error" in found:
        return ("timeout" if found.get("timeout") else "import-failed"), f"import: {found['error']}"
    operations = record["operations"]
    methods, async_methods = found.get("methods"), found.get("async_methods")
    if methods != operations or async_methods != operations:
        said = f"{methods} of {operations} operations have a method (async client: {async_methods})"
        return "missing-operations", said
    typed = record.get("mypy", {})
    if "failed" in typed:
        return ("timeout" if typed.get("timeout") else "mypy-failed"), typed["failed"]
    if typed.get("errors"):
        return "mypy-failed", f"mypy: {typed['errors']} errors; first: {typed['first']}"
    return "ok", ""


def clean(options: Options) -> None:
    """Remove the generated packages and mypy's caches."""
    shutil.rmtree(options.work, ignore_errors=True)


def stderr(line: str) -> None:
    """Progress, for a person watching: on stderr, so stdout stays the summary."""
    print(line, file=sys.stderr, flush=True)
