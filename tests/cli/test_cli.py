"""The ``apiforge`` command end to end: exit codes, messages, and what it leaves on disk."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import apiforge
import pytest
from apiforge import cli as apiforge_cli

Tree = dict[str, bytes]
Cli = Callable[..., subprocess.CompletedProcess[str]]
PACKAGE = "my_client"
DIAGNOSTIC = re.compile(r"^\S+:\d+:\d+: error: .+")
SUMMARY = re.compile(
    r"^apiforge: (?P<target>.+): (?P<written>\d+) written, (?P<unchanged>\d+) unchanged"
    r" in \d+\.\d+s$"
)


@dataclass(frozen=True)
class FirstRun:
    """The module's one fresh generation, which other tests copy instead of repeating."""

    result: subprocess.CompletedProcess[str]
    output: Path

    @property
    def package(self) -> Path:
        return self.output / PACKAGE


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory, spec_path: Path, cli: Cli) -> FirstRun:
    work = tmp_path_factory.mktemp("first")
    result = cli("generate", spec_path, "--output", "out", "--package", PACKAGE, cwd=work)
    return FirstRun(result, work / "out")


@pytest.fixture
def output(first_run: FirstRun, tmp_path: Path) -> Path:
    """A private copy of the fresh output directory (holding ``my_client/``)."""
    assert first_run.result.returncode == 0, first_run.result.stderr
    copy = tmp_path / "out"
    shutil.copytree(first_run.output, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def stat_tree(root: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime_ns) of the directory and every entry beneath it: rewrites change them."""
    entries = [root, *sorted(root.rglob("*"))]
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in entries
    }


def diagnostics(stderr: str) -> list[str]:
    """The diagnostic lines of stderr: not the closing summary, not the indented hints."""
    return [
        line for line in stderr.splitlines() if line and not line.startswith(("apiforge:", " "))
    ]


# --- informational flags ------------------------------------------------------------------


def test_version(cli: Cli, tmp_path: Path) -> None:
    result = cli("--version", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"apiforge {apiforge.__version__}"


def test_help_mentions_generate(cli: Cli, tmp_path: Path) -> None:
    top = cli("--help", cwd=tmp_path)
    sub = cli("generate", "--help", cwd=tmp_path)

    assert top.returncode == 0, top.stderr
    assert "generate" in top.stdout
    assert sub.returncode == 0, sub.stderr
    for option in ("--output", "--package", "--check"):
        assert option in sub.stdout


def test_no_command_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = cli(cwd=tmp_path)

    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr


# --- generate -----------------------------------------------------------------------------


def test_generate_creates_package_and_prints_one_line_summary(
    first_run: FirstRun, rendered: Callable[[str], Tree], tree: Callable[[Path], Tree]
) -> None:
    result = first_run.result

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    summary = SUMMARY.match(lines[0])
    assert summary, lines[0]
    assert Path(summary["target"]).parts[-2:] == ("out", PACKAGE)
    expected = rendered(PACKAGE)
    assert (int(summary["written"]), int(summary["unchanged"])) == (len(expected), 0)
    assert sorted(p.name for p in first_run.output.iterdir()) == [PACKAGE], "stray files"
    assert tree(first_run.package) == expected


def test_generated_package_imports_under_its_new_name(output: Path) -> None:
    check = (
        f"import {PACKAGE} as m; "
        "assert m.__name__ == 'my_client' and m.ApiError and m.__all__, m; print('ok')"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PYTHONPATH=str(output), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, "-P", "-c", check],
        cwd=output,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_second_run_writes_nothing(output: Path, spec_path: Path, cli: Cli) -> None:
    before = stat_tree(output)

    result = cli("generate", spec_path, "--output", output, "--package", PACKAGE, cwd=output)

    assert result.returncode == 0, result.stderr
    summary = SUMMARY.match(result.stdout.strip())
    assert summary, result.stdout
    assert int(summary["written"]) == 0
    assert int(summary["unchanged"]) > 0
    assert stat_tree(output) == before, "a no-op run must not touch or replace any file"


def test_generate_replaces_hand_edits_of_its_own_files(
    output: Path, spec_path: Path, cli: Cli, first_run: FirstRun, tree: Callable[[Path], Tree]
) -> None:
    package = output / PACKAGE
    (package / "_models.py").write_text("# hand edit\n", encoding="utf-8")

    result = cli("generate", spec_path, "--output", output, "--package", PACKAGE, cwd=output)

    assert result.returncode == 0, result.stderr
    assert tree(package) == tree(first_run.package)
    assert sorted(p.name for p in output.iterdir()) == [PACKAGE], "staging dirs left behind"


def test_generate_keeps_files_it_did_not_write_unless_forced(
    output: Path, spec_path: Path, cli: Cli, first_run: FirstRun, tree: Callable[[Path], Tree]
) -> None:
    package = output / PACKAGE
    (package / "_models.py").write_text("# hand edit\n", encoding="utf-8")
    (package / "stray.py").write_text("x = 1\n", encoding="utf-8")
    before = tree(package)

    refused = cli("generate", spec_path, "--output", output, "--package", PACKAGE, cwd=output)

    assert refused.returncode == 2
    assert "stray.py" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert tree(package) == before

    forced = cli(
        "generate", spec_path, "--output", output, "--package", PACKAGE, "--force", cwd=output
    )

    assert forced.returncode == 0, forced.stderr
    assert tree(package) == tree(first_run.package)


# --- generate --check ---------------------------------------------------------------------


def test_check_on_fresh_output_exits_0(
    output: Path, spec_path: Path, cli: Cli, tree: Callable[[Path], Tree]
) -> None:
    cache = output / PACKAGE / "__pycache__"
    cache.mkdir()
    (cache / "_models.cpython-311.pyc").write_bytes(b"\0not a diff\0")
    before = tree(output)

    result = cli(
        "generate", spec_path, "--output", output, "--package", PACKAGE, "--check", cwd=output
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout
    assert result.stderr == ""
    assert tree(output) == before


def test_check_on_hand_edited_file_exits_1_with_diff_and_writes_nothing(
    output: Path, spec_path: Path, cli: Cli, tree: Callable[[Path], Tree]
) -> None:
    edited = output / PACKAGE / "_errors.py"
    original = edited.read_text(encoding="utf-8")
    edited.write_text(original + "HAND_EDIT = True\n", encoding="utf-8")
    before = tree(output)
    stats = stat_tree(output)

    result = cli(
        "generate", spec_path, "--output", output, "--package", PACKAGE, "--check", cwd=output
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^--- a/\S*_errors\.py$", result.stdout, re.MULTILINE), result.stdout
    assert re.search(r"^\+\+\+ b/\S*_errors\.py$", result.stdout, re.MULTILINE), result.stdout
    assert "\n-HAND_EDIT = True\n" in result.stdout
    for other in ("_models.py", "_client.py", "_runtime.py"):
        assert f"/{PACKAGE}/{other}\n" not in result.stdout, f"{other} is unchanged yet in the diff"
    assert "make generate" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert tree(output) == before, "--check must write nothing"
    assert stat_tree(output) == stats


def test_check_reports_stray_file(output: Path, spec_path: Path, cli: Cli) -> None:
    (output / PACKAGE / "stray.py").write_text("x = 1\n", encoding="utf-8")

    result = cli(
        "generate", spec_path, "--output", output, "--package", PACKAGE, "--check", cwd=output
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "stray.py" in result.stdout
    assert "\n-x = 1\n" in result.stdout
    assert (output / PACKAGE / "stray.py").exists()


def test_check_without_output_exits_1_and_creates_nothing(
    tmp_path: Path, spec_path: Path, cli: Cli, rendered: Callable[[str], Tree]
) -> None:
    result = cli(
        "generate", spec_path, "--output", "out", "--package", PACKAGE, "--check", cwd=tmp_path
    )

    assert result.returncode == 1, result.stdout + result.stderr
    for name in rendered(PACKAGE):  # every file, the empty py.typed too
        assert f"+++ b/out/{PACKAGE}/{name}\n" in result.stdout, f"{name} not in the diff"
    assert "make generate" in result.stderr
    assert list(tmp_path.iterdir()) == [], "--check must create nothing"


def test_check_diff_names_a_missing_empty_file(output: Path, spec_path: Path, cli: Cli) -> None:
    """py.typed is empty: deleting it makes --check fail, so the diff must say why."""
    (output / PACKAGE / "py.typed").unlink()

    result = cli(
        "generate", spec_path, "--output", "out", "--package", PACKAGE, "--check", cwd=output.parent
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 file(s) differ" in result.stderr
    assert "py.typed" in result.stdout, (
        f"the diff does not name the missing file:\n{result.stdout!r}"
    )


# --- errors: exit 2, located diagnostics, output untouched -------------------------------


@dataclass(frozen=True)
class Breakage:
    """One way to break the spec: the broken text and where the error must be reported."""

    text: str
    line: int
    column: int
    says: str


def _find(lines: list[str], pattern: str) -> tuple[int, re.Match[str]]:
    for index, line in enumerate(lines):
        match = re.search(pattern, line)
        if match:
            return index, match
    raise AssertionError(f"the spec has no line matching {pattern!r}; update the test")


def yaml_syntax_error(spec: str) -> Breakage:
    """``title: Custom: Vision`` — a plain scalar may not contain ': '."""
    lines = spec.splitlines(keepends=True)
    index, match = _find(lines, r"^(\s+title: )(\S+)")
    lines[index] = f"{match[1]}Custom: Vision\n"
    colon = len(match[1]) + len("Custom")  # 0-based index of the offending ':'
    return Breakage("".join(lines), index + 1, colon + 1, "YAML syntax error")


def unresolved_ref(spec: str) -> Breakage:
    lines = spec.splitlines(keepends=True)
    index, match = _find(lines, r"\$ref: (')#/components/schemas/\w+'")
    lines[index] = re.sub(r"schemas/\w+'", "schemas/NoSuchSchema'", lines[index])
    return Breakage("".join(lines), index + 1, match.start(1) + 1, "NoSuchSchema")


def bad_parameter_location(spec: str) -> Breakage:
    lines = spec.splitlines(keepends=True)
    index, match = _find(lines, r"^\s+in: (path)$")
    lines[index] = lines[index].replace("in: path", "in: body")
    return Breakage("".join(lines), index + 1, match.start(1) + 1, "body")


@pytest.mark.parametrize(
    "breakage",
    [yaml_syntax_error, unresolved_ref, bad_parameter_location],
    ids=lambda f: f.__name__,
)
@pytest.mark.parametrize("check", [False, True], ids=["generate", "check"])
def test_invalid_spec_exits_2_with_located_error_and_output_untouched(
    breakage: Callable[[str], Breakage],
    check: bool,
    output: Path,
    spec_path: Path,
    cli: Cli,
    tree: Callable[[Path], Tree],
) -> None:
    broken = breakage(spec_path.read_text(encoding="utf-8"))
    (output.parent / "broken.yaml").write_text(broken.text, encoding="utf-8")
    before = tree(output)
    stats = stat_tree(output)

    flags = ["--check"] if check else []
    result = cli(
        "generate",
        "broken.yaml",
        "--output",
        "out",
        "--package",
        PACKAGE,
        *flags,
        cwd=output.parent,
    )

    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    found = diagnostics(result.stderr)
    assert found, result.stderr
    for line in found:
        assert DIAGNOSTIC.match(line), f"not FILE:LINE:COL: error: MESSAGE: {line!r}"
    where = f"broken.yaml:{broken.line}:{broken.column}: error: "
    assert any(line.startswith(where) and broken.says in line for line in found), (
        f"expected a diagnostic at {where!r} mentioning {broken.says!r}, got:\n{result.stderr}"
    )
    assert tree(output) == before, "a failed run must leave the output untouched"
    assert stat_tree(output) == stats
    assert sorted(p.name for p in output.iterdir()) == [PACKAGE], "staging dirs left behind"


def test_missing_spec_exits_2(output: Path, cli: Cli, tree: Callable[[Path], Tree]) -> None:
    before = tree(output)

    result = cli(
        "generate", "nope.yaml", "--output", "out", "--package", PACKAGE, cwd=output.parent
    )

    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(r"^nope\.yaml: error: cannot read spec", result.stderr, re.MULTILINE), (
        result.stderr
    )
    assert tree(output) == before


def test_invalid_package_name_exits_2(tmp_path: Path, spec_path: Path, cli: Cli) -> None:
    result = cli("generate", spec_path, "--output", "out", "--package", "my-client", cwd=tmp_path)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "'my-client'" in result.stderr
    assert "error" in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- in process, so coverage sees cli.py --------------------------------------------------


def test_main_in_process_generates_then_checks(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spec_path: Path,
    rendered: Callable[[str], Tree],
    tree: Callable[[Path], Tree],
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["generate", str(spec_path), "--output", "out", "--package", PACKAGE]

    assert apiforge_cli.main(args) == 0
    out, err = capsys.readouterr()
    assert SUMMARY.match(out.strip()), out
    assert err == ""
    assert tree(tmp_path / "out" / PACKAGE) == rendered(PACKAGE)

    assert apiforge_cli.main([*args, "--check"]) == 0
    out, err = capsys.readouterr()
    assert "up to date" in out

    (tmp_path / "out" / PACKAGE / "_enums.py").write_text("", encoding="utf-8")
    assert apiforge_cli.main([*args, "--check"]) == 1
    out, err = capsys.readouterr()
    assert "_enums.py" in out
    assert "make generate" in err


def test_main_in_process_reads_defaults_from_nearest_pyproject(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spec_path: Path,
    rendered: Callable[[str], Tree],
    tree: Callable[[Path], Tree],
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.apiforge]\n"
        'spec = "api/customvision-training.yaml"\n'
        'output = "src"\n'
        'package = "acme"\n',
        encoding="utf-8",
    )
    (tmp_path / "api").mkdir()
    shutil.copyfile(spec_path, tmp_path / "api" / spec_path.name)
    (tmp_path / "deep" / "er").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "deep" / "er")  # paths are relative to pyproject, not cwd

    assert apiforge_cli.main(["generate"]) == 0, capsys.readouterr().err
    assert tree(tmp_path / "src" / "acme") == rendered("acme")
    assert list((tmp_path / "deep" / "er").iterdir()) == []


@pytest.mark.parametrize("name", ["my-client", "2fast", "café", "class", ""])
def test_main_in_process_rejects_invalid_package_names(
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spec_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)

    code = apiforge_cli.main(["generate", str(spec_path), "--output", "out", "--package", name])

    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert "--package: error: " in err
    assert list(tmp_path.iterdir()) == [], "nothing may be written for an invalid name"


def test_main_in_process_broken_pyproject_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.apiforge\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    assert apiforge_cli.main(["generate"]) == 2
    out, err = capsys.readouterr()
    assert "pyproject.toml" in err
    assert "error" in err
    assert out == ""


def test_main_in_process_unwritable_output_exits_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spec_path: Path,
) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("a file where the output directory should be\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    code = apiforge_cli.main(["generate", str(spec_path), "--output", "out", "--package", PACKAGE])

    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert "cannot write output" in err
    assert re.search(r"^\S+: error: ", err, re.MULTILINE), err
    assert blocker.read_text(encoding="utf-8").startswith("a file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_main_in_process_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        apiforge_cli.main(["--version"])

    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"apiforge {apiforge.__version__}"


def test_an_internal_error_is_one_line_and_its_traceback_only_with_verbose(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spec_path: Path,
) -> None:
    from apiforge import build

    def broken(*args: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(build, "build", broken)
    monkeypatch.chdir(tmp_path)
    args = ["generate", str(spec_path), "--output", "out", "--package", "pkg"]

    assert apiforge_cli.main(args) == 2
    out, err = capsys.readouterr()
    assert f"{spec_path}: error: internal error: RuntimeError: a bug" in err
    assert "please report this" in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "out").exists()

    assert apiforge_cli.main([*args, "-v"]) == 2
    out, _ = capsys.readouterr()
    assert "Traceback (most recent call last)" in out and "RuntimeError: a bug" in out
