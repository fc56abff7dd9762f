"""``python -m benchmarks [--only decode|e2e|generation|import]``: print the tables.

Run by ``make bench`` in the benchmark virtualenv (.bench/venv), which holds the peers;
none of them is a dependency of apiforge or of the generated client.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from . import harness
from .harness import Check

TABLES = ("decode", "e2e", "generation", "import")


def _table(name: str) -> Callable[[], list[Check]]:
    if name == "decode":
        from . import decode

        return decode.run
    if name == "e2e":
        from . import e2e

        return e2e.run
    if name == "generation":
        from . import generation

        return generation.run
    from . import importtime

    return importtime.run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", choices=TABLES, action="append", help="run only this table")
    args = parser.parse_args(argv)
    chosen = args.only or list(TABLES)
    started = time.perf_counter()
    print("apiforge benchmarks", flush=True)
    print(harness.machine(), flush=True)
    checks: list[Check] = []
    for name in TABLES:
        if name in chosen:
            checks += _table(name)()
    passed = sum(c.passed for c in checks)
    print(f"\n== Targets: {passed} of {len(checks)} met ==")
    for check in checks:
        print(check.line())
    print(f"\n(make bench took {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
