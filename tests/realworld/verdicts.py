"""``python -m realworld.verdicts [--jobs N] [--only PATTERN] [--random N]``: the
differential test of the fast validator over the APIs-guru directory.

For each spec, the document as apiforge first shows it to a validator is judged by
openapi-spec-validator-rs (``apiforge.load.verdict``) and by the reference,
openapi-spec-validator. The port may find something the reference does not (the reference
then runs, and only time is lost); it must never find a document clean that the reference
does not: each such spec is listed, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from realworld import directory, pool

TIMEOUT = 900.0  # CPU seconds for the reference validator on one spec (minutes on the largest)


def judge(path: str) -> str:
    """``path``'s verdicts: ``same-clean``, ``same-complaint``, ``port-only`` (the port
    complains, the reference does not), ``reference-only`` (the port misses it) or
    ``unread`` (the spec stops before validation)."""
    from apiforge import load, stack
    from apiforge.diagnostics import GenerationError
    from apiforge.load import validate, verdict

    verdict.prepare()
    try:
        spec = load.read(Path(path))
        found = stack.run_deep(lambda: validate.verdicts(spec), path)
    except GenerationError:
        return "unread"
    if found is None:
        return "unread"
    kinds = {(True, True): "same-clean", (False, False): "same-complaint"}
    kinds |= {(False, True): "port-only", (True, False): "reference-only"}
    return kinds[found]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m realworld.verdicts")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sample", action="store_true", help="only the fixed sample")
    parser.add_argument("--only", action="append", metavar="PATTERN")
    parser.add_argument("--random", type=int, metavar="N")
    args = parser.parse_args(argv)
    names = directory.chosen(args.sample, args.only or [], args.random)
    tasks = [(name, judge, (str(directory.API / name),)) for name in names]
    tally: Counter[str] = Counter()
    missed: list[str] = []
    started = time.perf_counter()
    for done in pool.run(tasks, args.jobs, TIMEOUT):
        kind = done.value if done.status == "ok" else done.status
        tally[kind] += 1
        if kind == "reference-only":
            missed.append(done.key)
        if kind in ("port-only", "reference-only", "timeout", "died"):
            print(f"{kind}: {done.key} {done.value if kind == 'died' else ''}", flush=True)
    wall = time.perf_counter() - started
    counts = ", ".join(f"{n} {k}" for k, n in sorted(tally.items()))
    print(f"{len(names)} specs in {wall:.0f} s: {counts}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
