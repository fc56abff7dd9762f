"""Rewrite ``tests/specs/*/expected/`` from the constructs' spellings.

Run it after a deliberate change to the generator or the templates, then review the diff:

    .venv/bin/python tests/specs/update.py                 # every construct
    .venv/bin/python tests/specs/update.py names defaults  # only these
    git diff tests/specs/

Every spelling of a construct is generated; ``expected/`` is written only when they all
give the same package, else the script names the spellings that disagree and exits 1.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(TESTS), str(TESTS.parent / "generator")]

from support import corpus  # noqa: E402  (after the path it needs)


def expected_of(case: corpus.Case) -> tuple[corpus.Tree | None, list[str]]:
    """The package all spellings of ``case`` agree on, or None and what went wrong."""
    trees: dict[str, corpus.Tree] = {}
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as work:
        for spec in case.spellings:
            out = Path(work) / spec.stem
            errors = corpus.generate(str(spec), str(out))
            problems += [f"{case.name}/{spec.name}: {e}" for e in errors]
            if not errors:
                package = corpus.read_tree(out / corpus.PACKAGE)
                trees[spec.name] = corpus.as_expected(package, spec)
    groups: dict[tuple[tuple[str, bytes], ...], list[str]] = {}
    for name, tree in sorted(trees.items()):
        groups.setdefault(tuple(sorted(tree.items())), []).append(name)
    if len(groups) > 1:
        sides = [", ".join(names) for names in groups.values()]
        problems.append(
            f"{case.name}: the spellings differ: {sides[0]} give one package; "
            + "; ".join(f"{side} another" for side in sides[1:])
        )
    if problems:
        return None, problems
    return next(iter(trees.values())), []


def write(case: corpus.Case, tree: corpus.Tree) -> bool:
    """Replace ``case``'s expected package with ``tree``; True when anything changed."""
    if case.expected.is_dir() and corpus.read_tree(case.expected) == tree:
        return False
    shutil.rmtree(case.expected, ignore_errors=True)
    for path, content in tree.items():
        target = case.expected / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return True


def main(argv: list[str]) -> int:
    every = {c.name: c for c in corpus.cases()}
    unknown = sorted(set(argv) - set(every))
    if unknown:
        print(f"no such construct: {', '.join(unknown)}", file=sys.stderr)
        return 2
    chosen = [every[name] for name in (argv or sorted(every))]
    # black dominates the time; constructs are independent, so use every core.
    with ProcessPoolExecutor(max_workers=min(len(chosen), os.cpu_count() or 1)) as pool:
        outcomes = list(pool.map(expected_of, chosen))
    failed = []
    for case, (tree, problems) in zip(chosen, outcomes, strict=True):
        if tree is None:
            failed.append(case.name)
            print("\n".join(problems), file=sys.stderr)
        else:
            print(f"{case.name}: {'written' if write(case, tree) else 'unchanged'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
