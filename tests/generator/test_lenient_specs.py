"""Mistakes with one obvious reading: a located warning and a package; with ``--strict``
the same diagnostics as errors, at the same places, and nothing written.

The cases are data (``tests/lenient/``: a spec and ``NAME.expected.yaml``, described in its
README), so a new case needs no code. The same complaints in forms that are not relaxed are
errors: ``tests/hostile/`` and ``test_hostile_specs.py``.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from apiforge import Config, Report, Severity, generate
from support.paths import TESTS

LENIENT = TESTS / "lenient"
EXPECTED = ".expected.yaml"
KEYS = {"warnings", "contains", "lacks"}
CASES = sorted(
    p for p in LENIENT.iterdir() if p.suffix in (".yaml", ".json") and not p.name.endswith(EXPECTED)
)
Cli = Callable[..., subprocess.CompletedProcess[str]]


def expected(spec: Path) -> dict[str, Any]:
    path = spec.with_name(spec.stem + EXPECTED)
    facts: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(facts) <= KEYS, f"unknown keys in {path.name}: {set(facts) - KEYS}"
    return facts


def run(spec: Path, tmp_path: Path, *, strict: bool = False) -> Report:
    """``apiforge generate`` in process, on a copy of ``spec`` named as it is."""
    shutil.copy(spec, tmp_path / spec.name)
    config = Config(spec=tmp_path / spec.name, output=tmp_path / "out", package="p", strict=strict)
    return generate(config)


def check_diagnostics(report: Report, spec: Path, severity: Severity) -> None:
    """The report holds exactly the expected diagnostics, in order, with ``severity``."""
    wanted = expected(spec)["warnings"]
    got = report.diagnostics
    shown = [d.format() for d in got]
    assert len(got) == len(wanted), shown
    for diagnostic, want in zip(got, wanted, strict=True):
        where = diagnostic.location
        assert Path(where.file).name == spec.name, shown
        assert diagnostic.severity is severity, shown
        place = (where.line, where.column, where.pointer)
        assert place == (want["line"], want["column"], want["pointer"]), diagnostic.format()
        assert re.search(want["message"], diagnostic.message), (diagnostic.message, want)


def test_there_are_cases() -> None:
    assert len(CASES) >= 10
    assert {p.suffix for p in CASES} == {".yaml", ".json"}


def test_every_case_has_its_expectations_and_no_expectation_is_orphaned() -> None:
    stems = {p.stem for p in CASES}
    assert len(stems) == len(CASES), "two specs share a name"
    expectations = {p.name.removesuffix(EXPECTED) for p in LENIENT.glob(f"*{EXPECTED}")}
    assert expectations == stems


@pytest.mark.parametrize("spec", CASES, ids=[p.name for p in CASES])
def test_read_with_a_located_warning(spec: Path, tmp_path: Path) -> None:
    report = run(spec, tmp_path)
    assert report.exit_code == 0, [d.format() for d in report.diagnostics]
    check_diagnostics(report, spec, Severity.WARNING)
    for warning in report.diagnostics:  # deep in the file is where it is, not at its top
        assert warning.location.line > 1
    facts = expected(spec)
    package = tmp_path / "out" / "p"
    modules = {p.name: p.read_text(encoding="utf-8") for p in package.glob("*.py")}
    for module, texts in (facts.get("contains") or {}).items():
        for text in texts:
            assert text in modules[module], f"{module} lacks {text!r}"
    for text in facts.get("lacks") or []:
        holding = [name for name, source in modules.items() if text in source]
        assert not holding, f"{text!r} is in {holding}"


@pytest.mark.parametrize("spec", CASES, ids=[p.name for p in CASES])
def test_strict_makes_each_warning_an_error(spec: Path, tmp_path: Path) -> None:
    report = run(spec, tmp_path, strict=True)
    assert report.exit_code == 2
    check_diagnostics(report, spec, Severity.ERROR)
    assert not (tmp_path / "out").exists()


def test_the_command_prints_them_and_strict_refuses(tmp_path: Path, cli: Cli) -> None:
    spec = LENIENT / "default-null-object.yaml"
    shutil.copy(spec, tmp_path / "api.yaml")
    want = expected(spec)["warnings"][0]
    line = f"api.yaml:{want['line']}:{want['column']}: {{}}: default does not match"
    lenient = cli("generate", "api.yaml", "--output", "out", "--package", "p", cwd=tmp_path)
    assert lenient.returncode == 0, lenient.stderr
    assert lenient.stderr.startswith(line.format("warning")), lenient.stderr
    assert (tmp_path / "out" / "p" / "__init__.py").is_file()
    strict = cli(
        "generate", "api.yaml", "--output", "o2", "--package", "p", "--strict", cwd=tmp_path
    )
    assert strict.returncode == 2, strict.stderr
    assert strict.stderr.startswith(line.format("error")), strict.stderr
    assert strict.stderr.rstrip().endswith("nothing was written")
    assert "Traceback" not in lenient.stderr + strict.stderr
    assert not (tmp_path / "o2").exists()


def test_reading_leniently_leaves_the_document_as_read() -> None:
    # The edits copy only the containers on their way (shown and kept share the rest with
    # the document as read), so each must land in a copy, never in what it shares.
    from apiforge import load
    from apiforge.load import bundle, lenient

    edited = 0
    for spec in CASES:
        document = bundle.follow(load.read(spec), None)[0]
        before = copy.deepcopy(document.document)
        reading = lenient.read(document)
        assert document.document == before, spec.name
        edited += reading.shown is not document.document or reading.kept is not document.document
    assert edited >= 10, "the cases hardly edit: the check means little"
