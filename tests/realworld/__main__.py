"""``python -m realworld [--sample] [--only PATTERN] [--jobs N] [--timeout S]``, run by
``make corpus`` with ``tests/`` on PYTHONPATH: apiforge over the APIs-guru directory.

Writes ``report.json`` and ``report.md`` to ``--out`` (``.corpus/``, ignored by git) and
prints the summary. The generated packages go to ``--out``/work and are removed at the
end, unless ``--keep``. Exit status 0 whatever the outcomes: this measures, it does not
gate; the gate is ``make test-realworld``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from support.paths import REPO_ROOT, SOURCE

# This checkout's generator, whatever the interpreter has installed; the workers are
# spawned with this sys.path.
sys.path.insert(0, str(SOURCE))

from . import directory, report, runner

OUT = REPO_ROOT / ".corpus"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m realworld", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sample", action="store_true", help="only the fixed sample (sample.txt)")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only specs whose name matches this glob, e.g. 'amazonaws.com/*' (repeatable)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes (default: the cores)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="S",
        help="CPU seconds to generate one spec (default 300)",
    )
    parser.add_argument(
        "--mypy-lines",
        type=int,
        default=60_000,
        metavar="N",
        help="lines of generated code per mypy run",
    )
    parser.add_argument(
        "--out", type=Path, default=OUT, help="where the report goes (default .corpus/)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated packages in OUT/work"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep what OUT/journal.jsonl and checks.jsonl have; run the rest",
    )
    parser.add_argument(
        "--smallest-first", action="store_true", help="the most specs soonest (a cut run)"
    )
    parser.add_argument(
        "--budget", type=float, metavar="MINUTES", help="start no spec after this long"
    )
    parser.add_argument(
        "--random",
        type=int,
        metavar="N",
        help="only N specs drawn at random (seeded: the same N specs every time)",
    )
    parser.add_argument(
        "--contract",
        action="store_true",
        help="also call every operation of each ok package against Prism (issue 13)",
    )
    parser.add_argument(
        "--summarize",
        action="store_true",
        help="run nothing: rewrite OUT/report.md from OUT/report.json",
    )
    return parser


def _commit() -> str:
    """The checkout's commit, marked when files differ from it."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    commit = git("rev-parse", "--short=10", "HEAD") or "unknown"
    return commit + (" + changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def _meta(options: runner.Options, found: runner.Run, wall: float, load: float) -> dict[str, Any]:
    return {
        "date": datetime.date.today().isoformat(),
        "commit": _commit(),
        "apiforge": __import__("apiforge").__version__,
        "directory": directory.version(),
        "jobs": options.jobs,
        "timeout": options.timeout,
        "wall_seconds": round(wall, 1),
        "phases": {k: {m: round(v, 1) for m, v in p.items()} for k, p in found.phases.items()},
        "not_run": found.not_run,
        "resumed": len(options.done),  # records kept from an interrupted run
        # Other work on the machine slows a run down: its load average, before and after.
        "load": [round(load, 2), round(os.getloadavg()[0], 2)],
        "machine": f"{os.cpu_count()} cores, CPython {platform.python_version()}",
    }


def _summarize(out: Path) -> int:
    """Rewrite the summary from the saved records (after a change to the summary's code),
    or, when the run has not finished, from its journal."""
    if (out / "report.json").is_file():
        data = json.loads((out / "report.json").read_text(encoding="utf-8"))
        records = data.pop("specs")
    else:
        records, data = _from_journal(out / "journal.jsonl")
    summary = report.markdown(records, data)
    (out / "report.md").write_text(summary, encoding="utf-8")
    print(summary)
    return 0


def _from_journal(journal: Path) -> tuple[list[runner.Record], dict[str, Any]]:
    """The records of a run still going or cut short, and its facts, marked partial."""
    lines = journal.read_text(encoding="utf-8").splitlines()
    records = sorted((json.loads(line) for line in lines), key=lambda r: r["spec"])
    for record in records:
        if record["ended"] == "generated":
            record["outcome"], record["diagnostic"] = runner.UNCHECKED, ""
        else:
            record["outcome"], record["diagnostic"] = runner.classify(record)
    cpu = sum(r.get("cpu_seconds", 0.0) for r in records)
    data = _meta(runner.Options([], journal.parent), runner.Run(records), 0.0, 0.0)
    return records, data | {"partial": True, "done": len(records), "cpu_seconds": cpu}


def _options(args: argparse.Namespace, names: list[str]) -> runner.Options:
    journal = args.out / "journal.jsonl"
    done: list[runner.Record] = []
    if args.resume and journal.is_file():
        # A generated spec whose package is gone (removed at the end of the run) is redone.
        packages = args.out / "work" / "packages"
        lines = journal.read_text(encoding="utf-8").splitlines()
        done = [json.loads(line) for line in lines]
        done = [r for r in done if r["ended"] != "generated" or (packages / r["package"]).is_dir()]
        journal.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in done))
        chosen = set(names)  # the journal keeps every spec; this run reports the chosen ones
        done = [r for r in done if r["spec"] in chosen]
    budget = args.budget * 60 if args.budget else None
    return runner.Options(
        names,
        args.out / "work",
        args.jobs,
        args.timeout,
        mypy_lines=args.mypy_lines,
        journal=journal,
        done=tuple(done),
        smallest_first=args.smallest_first,
        budget=budget,
        contract=None if args.contract else frozenset(),
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.summarize:
        return _summarize(args.out)
    names = directory.chosen(args.sample, args.only, args.random)
    if not names:
        raise SystemExit(f"no spec matches {args.only}")
    options = _options(args, names)
    journal = args.out / "journal.jsonl"
    if not args.resume:  # what an interrupted run left
        shutil.rmtree(options.work, ignore_errors=True)
        journal.unlink(missing_ok=True)
        journal.with_name("checks.jsonl").unlink(missing_ok=True)
    # SIGTERM (a killed make) unwinds like Ctrl-C, so the workers are killed with the run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started, load = time.perf_counter(), os.getloadavg()[0]
    found = runner.run(options, runner.stderr)
    if not args.keep:  # only after a whole run: an interrupted one is for --resume
        runner.clean(options)
    meta = _meta(options, found, time.perf_counter() - started, load)
    report.write_json(found.records, meta, args.out / "report.json")
    summary = report.markdown(found.records, meta)
    (args.out / "report.md").write_text(summary, encoding="utf-8")
    print(summary)
    runner.stderr(f"report: {args.out / 'report.json'} and report.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
