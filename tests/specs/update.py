"""Regenerate every ``tests/specs/*/expected/`` from its ``spec.yaml``.

Run it after a change to the generator or the templates, then review the diff:

    .venv/bin/python tests/specs/update.py            # every case
    .venv/bin/python tests/specs/update.py v30-foo    # only the named cases
    git diff tests/specs/

Each case directory holds ``spec.yaml`` and ``expected/client/``: the package the generator
makes from that spec with ``--package client``. ``tests/test_spec_corpus.py`` regenerates
each one into a temporary directory and compares it with ``expected/`` byte for byte.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

SPECS = Path(__file__).resolve().parent
REPO_ROOT = SPECS.parent.parent
PACKAGE = "client"
COMMAND = ".venv/bin/python tests/specs/update.py"

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def cases() -> list[Path]:
    """Every case directory: those holding a ``spec.yaml``, sorted by name."""
    return sorted(p.parent for p in SPECS.glob("*/spec.yaml"))


def regenerate(case: Path) -> tuple[bool, list[str]]:
    """Regenerate one case's ``expected/``: (succeeded, lines to show)."""
    from generator import Config, generate

    config = Config(spec=case / "spec.yaml", output=case / "expected", package=PACKAGE)
    report = generate(config)
    lines = [f"{case.name}: {d.format()}" for d in report.diagnostics]
    if not report.errors:
        lines.append(
            f"{case.name}: " + (f"{len(report.written)} written" if report.written else "unchanged")
        )
    return not report.errors, lines


def main(argv: list[str]) -> int:
    wanted = set(argv)
    chosen = [c for c in cases() if not wanted or c.name in wanted]
    unknown = wanted - {c.name for c in chosen}
    if unknown:
        print(f"no such case: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    # black dominates the time; cases are independent, so use every core.
    with ProcessPoolExecutor(max_workers=min(len(chosen), os.cpu_count() or 1)) as pool:
        outcomes = list(pool.map(regenerate, chosen))
    for _, lines in outcomes:
        print("\n".join(lines))
    failed = [case.name for case, (ok, _) in zip(chosen, outcomes, strict=True) if not ok]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
