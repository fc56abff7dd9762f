"""The ``apiforge`` command: arguments → Config → ``generate()`` → messages and exit code."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__, config, generate
from .diagnostics import Report

EXAMPLES = """\
examples:
  apiforge generate                      regenerate the targets in pyproject.toml
  apiforge generate --check              exit 1 and print a diff if generated/ is stale
  apiforge generate api.yaml --output src --package my_client
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apiforge",
        description="Generate a typed Python client from an OpenAPI document.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"apiforge {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser(
        "generate",
        help="generate the client package (or check it is up to date)",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gen.add_argument(
        "spec", nargs="?", type=Path, help="OpenAPI document (default: from pyproject.toml)"
    )
    gen.add_argument(
        "--output", type=Path, help="directory that holds the package (default: generated)"
    )
    gen.add_argument("--package", help="import name of the generated package")
    gen.add_argument(
        "--force",
        action="store_true",
        help="replace the package directory even if apiforge did not generate it",
    )
    gen.add_argument("--strict", action="store_true", help="treat warnings as errors")
    gen.add_argument(
        "--check",
        action="store_true",
        help="write nothing; print a diff and exit 1 if the output is stale",
    )
    return parser


def _print_report(report: Report, cfg: config.Config, seconds: float) -> None:
    for diagnostic in report.diagnostics:
        print(diagnostic.format(), file=sys.stderr)
    if report.errors:
        print(f"apiforge: {len(report.errors)} error(s); nothing was written", file=sys.stderr)
    elif cfg.check and report.stale:
        sys.stdout.write(report.diff)
        print(
            f"apiforge: {cfg.target} is stale ({len(report.stale)} file(s) differ); "
            "run `make generate` to update it",
            file=sys.stderr,
        )
    elif cfg.check:
        print(f"apiforge: {cfg.target} is up to date")
    else:
        print(
            f"apiforge: {cfg.target}: {len(report.written)} written, "
            f"{len(report.unchanged)} unchanged in {seconds:.2f}s"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 stale with --check, 2 error)."""
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    try:
        cfg = config.load(
            Path.cwd(),
            spec=args.spec,
            output=args.output,
            package=args.package,
            check=args.check,
            force=args.force or None,
            strict=args.strict or None,
        )
    except (OSError, ValueError) as exc:
        print(f"apiforge: error: cannot read pyproject.toml: {exc}", file=sys.stderr)
        return 2
    report = generate(cfg)
    _print_report(report, cfg, time.perf_counter() - started)
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
