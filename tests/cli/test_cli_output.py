"""CLI ergonomics: ``--version``, the examples in ``--help``, ``--quiet`` and ``--verbose``,
and error messages coloured only on a terminal (never under a non-empty NO_COLOR).

Everything runs the real command in a subprocess (``python -P -m apiforge``), stderr on
a pseudo-terminal where colour is at stake; nothing is mocked.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest
from apiforge import cli as apiforge_cli
from support.cli import (
    VENDOR_PACKAGE,
    Cli,
    Vendored,
    clean_env,
    copy_package,
    generate_into,
    run_on_terminal,
    summaries,
)
from support.paths import REPO_ROOT as REPO

ANSI = "\x1b["


def run_with_tty_stderr(
    args: Sequence[str | os.PathLike[str]], cwd: Path, env: Mapping[str, str]
) -> tuple[int, str, str]:
    """``python -P -m apiforge ARGS`` with stderr on a pseudo-terminal, stdout on a pipe."""
    return run_on_terminal(args, cwd, env, terminal="stderr")


def test_version_is_the_project_version(cli: Cli, tmp_path: Path) -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]

    result = cli("--version", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"apiforge {version}"


@pytest.mark.parametrize(
    ("command", "mentions"),
    [
        ([], ["apiforge generate", "apiforge verify"]),
        (["generate"], ["apiforge generate"]),
        (["verify"], ["apiforge verify"]),
    ],
    ids=["top-level", "generate", "verify"],
)
def test_help_shows_examples_that_parse(
    cli: Cli, tmp_path: Path, command: list[str], mentions: list[str]
) -> None:
    result = cli(*command, "--help", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "examples:" in text, text
    examples = [
        re.split(r"\s{2,}", line.strip())[0]
        for line in text.split("examples:", 1)[1].splitlines()
        if line.strip().startswith("apiforge ")
    ]
    for word in mentions:
        assert any(e.startswith(word) for e in examples), (word, examples)
    for example in examples:
        words = shlex.split(example)
        assert words[0] == "apiforge"
        try:
            apiforge_cli._parser().parse_args(words[1:])
        except SystemExit as exc:  # pragma: no cover - the assertion explains
            raise AssertionError(f"the help's example does not parse: {example}") from exc


def test_quiet_prints_only_errors(
    cli: Cli, vendored: Vendored, spec_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    package = copy_package(vendored.package, out / VENDOR_PACKAGE)
    (package / "_client.py").write_text("# edited\n")
    wrote = generate_into(cli, spec_path, out, "-q")  # after the command
    assert wrote.returncode == 0, wrote.stderr
    assert (wrote.stdout, wrote.stderr) == ("", "")
    assert "# edited" not in (package / "_client.py").read_text(), "nothing was regenerated"
    checked = cli(
        "--quiet",
        "generate",
        "--check",
        spec_path,
        "--output",
        out,
        "--package",
        VENDOR_PACKAGE,
        cwd=tmp_path,
    )
    assert checked.returncode == 0 and (checked.stdout, checked.stderr) == ("", "")
    verified = cli("verify", package, "-q", cwd=tmp_path)
    assert verified.returncode == 0 and (verified.stdout, verified.stderr) == ("", "")

    failed = cli("-q", "generate", tmp_path / "missing.yaml", "--output", out, cwd=tmp_path)
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert re.search(r"^\S*missing\.yaml\S*: error: ", failed.stderr, re.M), failed.stderr
    (package / "_client.py").write_text("# edited\n")
    drifted = cli("verify", "--quiet", package, cwd=tmp_path)
    assert drifted.returncode == 1 and drifted.stdout == ""
    assert f"{package / '_client.py'}: edited" in drifted.stderr.splitlines()

    both = cli("-q", "-v", "generate", cwd=tmp_path)
    assert both.returncode == 2 and "not allowed with" in both.stderr


def test_verbose_names_files_and_summary_counts(
    cli: Cli, spec_path: Path, tmp_path: Path, tree: Callable
) -> None:
    def run(*flags: str) -> subprocess.CompletedProcess[str]:
        result = cli(
            *flags, "generate", spec_path, "--output", "out", "--package", "v", cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        return result

    def counts(result: subprocess.CompletedProcess[str]) -> tuple[int, int]:
        (line,) = summaries(result.stdout)
        assert Path(line["target"]) == Path("out") / "v"
        return int(line["written"]), int(line["unchanged"])

    def wrote(result: subprocess.CompletedProcess[str]) -> list[str]:
        return sorted(
            line.split("wrote ", 1)[1] for line in result.stdout.splitlines() if "wrote " in line
        )

    first = run("-v")
    files = sorted(tree(tmp_path / "out" / "v"))
    assert wrote(first) == files
    assert counts(first) == (len(files), 0)

    second = run()
    assert wrote(second) == []
    assert counts(second) == (0, len(files))

    (tmp_path / "out" / "v" / "_errors.py").write_text("# edited\n")
    third = run("--verbose")
    assert wrote(third) == ["_errors.py"]
    assert counts(third) == (1, len(files) - 1)


ERROR_RUNS = {
    "generate": lambda tmp: ["generate", tmp / "missing.yaml", "--output", tmp / "out"],
    "verify": lambda tmp: ["verify", tmp],
    "config": lambda tmp: ["generate", "--target", "nope"],
}


@pytest.mark.parametrize("kind", sorted(ERROR_RUNS))
def test_errors_are_coloured_only_on_a_terminal(tmp_path: Path, kind: str) -> None:
    args = ERROR_RUNS[kind](tmp_path)

    code, stdout, stderr = run_with_tty_stderr(args, tmp_path, clean_env())
    assert code == 2, stderr
    errors = [line for line in stderr.splitlines() if "error" in line]
    assert errors, stderr
    for line in errors:
        assert line.startswith(ANSI) and line.endswith("\x1b[0m"), repr(line)
    assert ANSI not in stdout

    code, _, plain = run_with_tty_stderr(args, tmp_path, clean_env(NO_COLOR="1"))
    assert code == 2
    assert ANSI not in plain and "error" in plain, repr(plain)
    assert plain.splitlines() == [re.sub(r"\x1b\[[0-9;]*m", "", ln) for ln in stderr.splitlines()]

    result = subprocess.run(
        [sys.executable, "-P", "-m", "apiforge", *map(str, args)],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "error" in result.stderr
    assert ANSI not in result.stderr + result.stdout, repr(result.stderr)


def test_empty_no_color_does_not_disable_colour(tmp_path: Path) -> None:
    # https://no-color.org: only a non-empty NO_COLOR turns colour off.
    args = ERROR_RUNS["generate"](tmp_path)
    code, _, stderr = run_with_tty_stderr(args, tmp_path, clean_env(NO_COLOR=""))
    assert code == 2 and ANSI in stderr, repr(stderr)
