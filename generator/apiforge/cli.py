"""The ``apiforge`` command: arguments → Config → ``generate()``/``verify()`` → messages
and an exit code. Nothing else happens here."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from . import __version__, check_package_name, config, generate, heap, name_package
from .diagnostics import GenerationError, Report, Severity

GENERATE_EXAMPLES = """\
examples:
  apiforge generate openapi.yaml         generated/<package named after the API's title>
  apiforge generate openapi.yaml --output src/vendor --package my_client
  apiforge generate                      regenerate the target in pyproject.toml
  apiforge generate --all                regenerate every target in pyproject.toml
  apiforge generate --check              exit 1 and print a diff if the output is stale
  apiforge generate --templates my_templates   override some built-in templates
"""
INIT_EXAMPLES = """\
examples:
  apiforge init openapi.yaml             [tool.apiforge] in ./pyproject.toml for this spec
  apiforge init                          the same for the one spec found here
  apiforge init api.json --package my_client --output src/vendor --force
"""
VERIFY_EXAMPLES = """\
examples:
  apiforge verify src/vendor/my_client               hand edits, missing or extra files?
  apiforge verify src/vendor/my_client --spec api.yaml   ... and has the spec changed?
"""
EXAMPLES = f"{GENERATE_EXAMPLES}\n{INIT_EXAMPLES}\n{VERIFY_EXAMPLES}"


def _loudness(parser: argparse.ArgumentParser, default: object) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", default=default, help="errors only")
    group.add_argument("-v", "--verbose", action="store_true", default=default, help="name files")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apiforge",
        description="Generate a typed Python client from an OpenAPI document.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"apiforge {__version__}")
    _loudness(parser, default=False)
    # The same flags after the command (`apiforge generate -q`); SUPPRESS keeps a flag
    # given before the command from being reset by the subcommand's default.
    common = argparse.ArgumentParser(add_help=False)
    _loudness(common, default=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser(
        "generate",
        parents=[common],
        help="generate the client package (or check it is up to date)",
        epilog=GENERATE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gen.add_argument(
        "spec", nargs="?", type=Path, help="OpenAPI document (default: from pyproject.toml)"
    )
    gen.add_argument(
        "--output", type=Path, help="directory that holds the package (default: generated)"
    )
    gen.add_argument("--package", help="import name of the package (default: from the API's title)")
    gen.add_argument("--templates", type=Path, help="directory of templates overriding built-ins")
    gen.add_argument(
        "--ref-root",
        type=Path,
        metavar="DIR",
        help="where $refs to other files may lead (default: the spec's own folder)",
    )
    gen.add_argument(
        "--group-by",
        choices=config.GROUP_BY,
        help="tag: each tag's operations as client.<tag>.<method> (default: none)",
    )
    gen.add_argument("--target", help="the [tool.apiforge] target to generate, by name")
    gen.add_argument("--all", action="store_true", help="generate every target in pyproject.toml")
    gen.add_argument(
        "--check", action="store_true", help="write nothing; print a diff, exit 1 if stale"
    )
    gen.add_argument(
        "--force", action="store_true", help="replace a directory apiforge did not generate"
    )
    gen.add_argument("--strict", action="store_true", help="treat warnings as errors")
    init = commands.add_parser(
        "init",
        parents=[common],
        help="set this project up: [tool.apiforge] in pyproject.toml",
        epilog=INIT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    init.add_argument(
        "spec", nargs="?", type=Path, help="OpenAPI document (default: the one found here)"
    )
    init.add_argument(
        "--output", type=Path, help="directory that holds the package (default: generated)"
    )
    init.add_argument(
        "--package", help="import name of the package (default: from the API's title)"
    )
    init.add_argument("--force", action="store_true", help="replace an existing [tool.apiforge]")
    ver = commands.add_parser(
        "verify",
        parents=[common],
        help="check a generated (e.g. vendored) package against its manifest",
        epilog=VERIFY_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ver.add_argument("directory", type=Path, help="the generated package's directory")
    ver.add_argument("--spec", type=Path, help="also report whether this spec changed")
    return parser


class _Out:
    """Where messages go: errors to stderr (red on a terminal), the rest to stdout."""

    def __init__(self, quiet: bool, verbose: bool) -> None:
        self.quiet = quiet
        self.verbose = verbose

    @staticmethod
    def _paint(text: str, colour: str, stream: TextIO) -> str:
        if not stream.isatty() or os.environ.get("NO_COLOR"):
            return text
        return f"\033[{colour}m{text}\033[0m"

    def error(self, text: str) -> None:
        print(self._paint(text, "31", sys.stderr), file=sys.stderr)

    def warning(self, text: str) -> None:
        if not self.quiet:
            print(self._paint(text, "33", sys.stderr), file=sys.stderr)

    def info(self, text: str) -> None:
        if not self.quiet:
            print(text)

    def detail(self, text: str) -> None:
        if self.verbose:
            print(text)


class _Progress:
    """On a terminal, the stage of a run that takes longer than ``APIFORGE_PROGRESS_AFTER``
    seconds (1 by default): a plain line on stderr as each stage starts, from then on."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.after = _seconds(os.environ.get("APIFORGE_PROGRESS_AFTER"), 1.0)
        self.started = time.perf_counter()
        self.stage = ""
        self.shown = ""
        if not enabled:
            return
        import threading  # only on a terminal: the no-op run elsewhere never starts one

        self.lock = threading.Lock()
        self.timer = threading.Timer(self.after, self._show)
        self.timer.daemon = True
        self.timer.start()

    def __call__(self, stage: str) -> None:
        if not self.enabled:
            return
        with self.lock:
            self.stage = stage
        if time.perf_counter() - self.started >= self.after:
            self._show()

    def _show(self) -> None:
        with self.lock:
            if self.stage and self.stage != self.shown:
                self.shown = self.stage
                print(f"apiforge: {self.stage}...", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.enabled:
            self.timer.cancel()


def _seconds(text: str | None, default: float) -> float:
    try:
        return max(0.0, float(text)) if text else default
    except ValueError:
        return default


def _print_report(out: _Out, report: Report, cfg: config.Config, seconds: float) -> None:
    for d in report.diagnostics:
        (out.error if d.severity is Severity.ERROR else out.warning)(d.format())
    if report.traceback:
        out.detail(report.traceback.rstrip())
    target = report.target or cfg.output
    if report.errors:
        out.error(f"apiforge: {len(report.errors)} error(s); nothing was written")
    elif cfg.check and report.stale:
        sys.stdout.write(report.diff)
        out.error(
            f"apiforge: {target} is stale ({len(report.stale)} file(s) differ); "
            "regenerate it (`apiforge generate`; `make generate` in apiforge itself)"
        )
    elif cfg.check:
        out.info(f"apiforge: {target} is up to date")
    else:
        for path in report.written:
            out.detail(f"  wrote {path}")
        out.info(
            f"apiforge: {target}: {len(report.written)} written, "
            f"{len(report.unchanged)} unchanged in {seconds:.2f}s"
        )
        if report.client and sys.stdout.isatty():
            out.info(_import_hint(target, report.client))


def _import_hint(target: Path, client: str) -> str:
    """How to import the client, as a line of Python; where from, when not from here."""
    line = f"from {target.name} import {client}"
    folder, here = target.parent.resolve(), Path.cwd().resolve()
    if folder != here:
        shown = folder.relative_to(here) if folder.is_relative_to(here) else folder
        line += f"  # with {shown.as_posix()}/ on sys.path"
    return line


def _no_spec(cwd: Path) -> str:
    """Why there is nothing to generate, and what to run."""
    from . import project

    pyproject = config.find_pyproject(cwd)
    looked = (
        f"{pyproject} has no spec in [tool.apiforge]"
        if pyproject
        else f"no pyproject.toml in {cwd} or above"
    )
    found = project.find_specs(cwd)
    spec = found[0].relative_to(cwd).as_posix() if len(found) == 1 else "path/to/openapi.yaml"
    return (
        f"apiforge: error: no spec to generate from: none was named and {looked}\n"
        f"  hint: `apiforge generate {spec}` generates it once; "
        f"`apiforge init {spec}` sets this project up so that `apiforge generate` alone "
        "regenerates it"
    )


def _generate(args: argparse.Namespace, out: _Out) -> int:
    if args.package is not None:  # given, so it must be one ("" is not "from the spec")
        check_package_name(args.package)
    overrides = {
        "spec": args.spec,
        "output": args.output,
        "package": args.package,
        "templates": args.templates,
        "ref_root": args.ref_root,
        "group_by": args.group_by,
        "check": args.check or None,
        "force": args.force or None,
        "strict": args.strict or None,
    }
    if args.all:
        chosen = config.targets(Path.cwd())
    else:
        chosen = [config.load(Path.cwd(), target=args.target)]
    worst = 0
    for target in chosen:
        started = time.perf_counter()
        cfg = config.with_overrides(target, **overrides)
        if cfg.spec is None:
            out.error(_no_spec(Path.cwd()))
            return 2
        progress = _Progress(sys.stderr.isatty() and not out.quiet)
        try:
            report = generate(cfg, progress)
        finally:
            progress.close()
        _print_report(out, report, cfg, time.perf_counter() - started)
        worst = max(worst, report.exit_code)
    return worst


def _init(args: argparse.Namespace, out: _Out) -> int:
    from . import project  # only this command edits pyproject.toml

    if args.package is not None:
        check_package_name(args.package)
    cwd = Path.cwd()
    spec = args.spec
    if spec is None:
        found = project.find_specs(cwd)
        if len(found) != 1:
            named = ", ".join(p.relative_to(cwd).as_posix() for p in found) or "none here"
            out.error(
                "apiforge: error: name the spec: `apiforge init path/to/openapi.yaml` "
                f"(specs found: {named})"
            )
            return 2
        spec = found[0]
    output = args.output or cwd / "generated"
    package = args.package or name_package(spec)
    pyproject = cwd / "pyproject.toml"
    table = project.block(pyproject, spec, output, package)
    replaced = project.configure(pyproject, table, force=args.force)
    out.info(f"apiforge: {'replaced' if replaced else 'wrote'} [tool.apiforge] in {pyproject}:\n")
    out.info(table)
    out.info("`apiforge generate` now regenerates it. Two lines for a Makefile:\n")
    out.info(project.MAKEFILE_LINES)
    out.info("And a hook for .pre-commit-config.yaml, under `repos:`:\n")
    out.info(project.PRE_COMMIT_SNIPPET)
    return 0


def _verify(args: argparse.Namespace, out: _Out) -> int:
    from .output.verify import verify  # only this command needs it

    try:
        drift = verify(args.directory, args.spec)
    except GenerationError as exc:
        for d in exc.diagnostics:
            out.error(d.format())
        return 2
    for kind, paths in (
        ("edited", drift.edited),
        ("missing", drift.missing),
        ("extra", drift.extra),
    ):
        for path in paths:
            out.error(f"{args.directory / path}: {kind}")
    for changed, change in drift.spec_changes:
        out.error(f"{changed}: changed since generation ({change})")
    if not drift.clean:
        out.error(f"apiforge: {args.directory} has drifted from what apiforge generated")
        return 1
    out.info(f"apiforge: {args.directory} matches its manifest ({drift.checked} files)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 stale or drifted, 2 error)."""
    args = _parser().parse_args(argv)
    out = _Out(args.quiet, args.verbose)
    try:
        if args.command == "verify":
            return _verify(args, out)
        if args.command == "init":
            return _init(args, out)
        return _generate(args, out)
    except GenerationError as exc:
        for d in exc.diagnostics:
            out.error(d.format())
        return 2
    except (OSError, ValueError) as exc:  # pyproject.toml unreadable or malformed
        out.error(f"apiforge: error: {exc}")
        return 2


def run() -> NoReturn:
    """The ``apiforge`` command: ``main`` with the cyclic garbage collector off, then exit
    without tearing down the heap.

    The command is one short process whose data holds no reference cycles to speak of (the
    spec as read, the model, text). The collector found nothing worth its time: it took 6-8%
    of a regeneration after one schema changed (20 ms of 0.26 s on the upstream document,
    0.15 s of 2.3 s on GitHub's, most of it scanning modules as they are imported), and
    without it the peak memory of cold runs on both, and on the 1,000-operation spec (JSON,
    YAML, and invalid), stayed within 2 MiB. black's syntax trees do hold cycles: the
    collector is on while black formats (``heap.collecting``). ``main`` called as a library
    function leaves the collector as it is.

    A run over a big spec leaves millions of objects that Python would free one by one on
    the way out (GitHub's description: 0.1-0.2 s, a tenth of a regeneration on small specs)
    for nothing: every file is written and closed by then, worker processes have ended.
    What is still buffered on stdout and stderr is flushed first; if that fails (a closed
    pipe), the exit is Python's usual one. For the same reason the stages' data outlives
    the functions that made it (``heap.outlive``): GitHub's document freed as reading's
    function returned took 0.04 s of a regeneration after one schema changed."""
    gc.disable()
    heap.outlive_all()
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)


if __name__ == "__main__":
    run()
