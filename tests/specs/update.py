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

import sys
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


def main(argv: list[str]) -> int:
    from generator import Config, generate

    wanted = set(argv)
    chosen = [c for c in cases() if not wanted or c.name in wanted]
    unknown = wanted - {c.name for c in chosen}
    if unknown:
        print(f"no such case: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    failed = 0
    for case in chosen:
        config = Config(spec=case / "spec.yaml", output=case / "expected", package=PACKAGE)
        report = generate(config)
        for diagnostic in report.diagnostics:
            print(f"{case.name}: {diagnostic.format()}", file=sys.stderr)
        if report.errors:
            failed += 1
            continue
        changed = f"{len(report.written)} written" if report.written else "unchanged"
        print(f"{case.name}: {changed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
