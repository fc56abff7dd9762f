"""The fast verdict (openapi-spec-validator-rs) against the reference validator.

The port may complain where the reference does not (the reference then runs: time lost,
nothing else); it must never find a document clean that the reference does not, or an
error would go unreported. Judged here: every OpenAPI document of this repository's tests
(valid and broken ones), the real-world sample but its [heavy] group, and (through the
fallback) every broken spec the other tests write, whose errors they check;
``python -m realworld.verdicts`` judges the whole APIs-guru directory.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from apiforge import load
from apiforge.diagnostics import GenerationError
from apiforge.load import validate, verdict
from realworld import directory
from support.paths import REPO_ROOT

TESTS = REPO_ROOT / "tests"


def _documents() -> list[Path]:
    """Every spec document the tests hold (a mapping naming an OpenAPI version), not the
    expected packages' files."""
    found = []
    for path in sorted(TESTS.rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json") or "expected" in path.parts:
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError, ValueError):
            continue
        if isinstance(data, dict) and ("openapi" in data or "swagger" in data):
            found.append(path)
    return found


def _verdicts(path: Path) -> tuple[bool, bool] | None:
    try:
        return validate.verdicts(load.read(path))
    except (GenerationError, RecursionError):
        return None


def test_the_port_misses_nothing_the_reference_finds_in_the_tests_specs() -> None:
    judged = {path: _verdicts(path) for path in _documents()}
    missed = [p for p, v in judged.items() if v == (True, False)]
    assert missed == [], "the port finds these clean, the reference does not"
    # Both kinds are judged, so the comparison means something in each direction.
    assert sum(v == (True, True) for v in judged.values()) >= 100
    assert sum(v == (False, False) for v in judged.values()) >= 10


SAMPLE = [pick.name for pick in directory.sample() if not pick.heavy]


@pytest.mark.parametrize("name", SAMPLE)
def test_the_port_agrees_on_the_real_world_sample(name: str) -> None:
    found = _verdicts(directory.API / name)
    assert found is not None
    port, reference = found
    assert not (port and not reference), "the port finds clean what the reference does not"


def test_a_clean_verdict_skips_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load.read(TESTS / "specs" / "additional-properties" / "openapi-3.0.yaml")
    assert verdict.clean(spec.document, "3.0")

    def refuse(*args: object) -> object:
        raise AssertionError("the reference validator ran on a valid document")

    monkeypatch.setattr(validate, "_complaints", refuse)
    assert validate.validate(spec) == []


def test_without_the_port_the_reference_judges(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load.read(TESTS / "specs" / "additional-properties" / "openapi-3.0.yaml")
    broken = {**spec.document, "paths": {"/a": {"get": {"responses": {"200": {}}}}}}
    with_port = validate.validate(_replaced(spec, broken))
    monkeypatch.setattr(verdict, "_MODULE", "no_such_module_anywhere")
    assert not verdict.clean(spec.document, "3.0")
    without = validate.validate(_replaced(spec, broken))
    assert without == with_port and with_port, "the same located errors either way"
    assert validate.validate(spec) == []


def _replaced(spec: load.LoadedSpec, document: dict[str, object]) -> load.LoadedSpec:
    return dataclasses.replace(spec, document=document)


def test_the_port_is_imported_on_the_main_thread_only() -> None:
    # Imported on a thread that then ends, the port (0.2.3) crashes the next caller:
    # generating twice in one process (what `generate --all` does) must not crash.
    spec = TESTS / "specs" / "additional-properties" / "openapi-3.0.yaml"
    script = f"""
import sys
from pathlib import Path
from apiforge import Config, render_files
config = Config(spec=Path({str(spec)!r}), output=Path("unused"), package="twice")
for _ in range(3):
    render_files(config)
print("port" if "openapi_spec_validator_rs._core" in sys.modules else "none")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["port"]
