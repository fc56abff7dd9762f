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
import json
import marshal
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from apiforge import Config, load, render_files
from apiforge.diagnostics import GenerationError
from apiforge.load import lenient, validate, verdict
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


def _runs(times: int) -> list[str]:
    """What a fresh process prints after each of ``times`` runs of one small spec: how
    many judges it started, and whether the port is imported in it."""
    spec = TESTS / "specs" / "additional-properties" / "openapi-3.0.yaml"
    script = f"""
import sys
from pathlib import Path
from apiforge import Config, render_files
from apiforge.load import verdict
config = Config(spec=Path({str(spec)!r}), output=Path("unused"), package="again")
for _ in range({times}):
    render_files(config)
    print(len(verdict._judged), "openapi_spec_validator_rs._core" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_the_port_is_imported_on_the_main_thread_only() -> None:
    # Imported on a thread that then ends, the port (0.2.3) crashes the next caller:
    # generating three times in one process (what `generate --all` does) must not crash.
    assert _runs(3)[-1] == "1 True"


def test_a_run_judged_beside_the_build_never_imports_the_port() -> None:
    # One run (the command line's): the judge judges, the port is not imported here; the
    # next run in the same process judges in place, on the main thread.
    assert _runs(2) == ["1 False", "1 True"]


# -- the judge: the port's verdict from a process of its own, beside the build ----------

SPEC = TESTS / "specs" / "additional-properties" / "openapi-3.0.yaml"


@pytest.fixture
def beside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every spec judged beside the build, however small, the port ready here or not."""
    monkeypatch.setattr(verdict, "BESIDE_BYTES", 0)


def test_a_judge_starts_where_it_pays(monkeypatch: pytest.MonkeyPatch) -> None:
    # Not ready, the port spends its first verdict readying its rules: a judge does that
    # beside the build. Ready, it is started for big specs only.
    # A judge that has judged here makes the port ready here, for the next run.
    for judged in (False, True):
        monkeypatch.setattr(verdict, "_ready", set())
        monkeypatch.setattr(verdict, "_judged", [True] if judged else [])
        cases = [(False, 1, not judged), (True, 1, False), (True, 1 << 20, True)]
        for ready, size, starts in cases:
            if ready:
                verdict._ready.add("3.0")
            judge = verdict.Judge.start(size)
            assert (judge is not None) == starts, (judged, ready, size)
            if judge is not None:
                judge.close()


def _shown(path: Path) -> tuple[load.LoadedSpec, dict[str, object], str] | None:
    """The spec, the document ``check`` first shows the validator, and its version."""
    try:
        spec = load.read(path)
        version, spec, problems = validate._followed(spec, None)
    except (GenerationError, RecursionError):
        return None
    if problems:
        return None
    return spec, validate._as_validated(lenient.read(spec).shown), version


def _judge(shown: dict[str, object], version: str, spec: load.LoadedSpec) -> tuple[str, bool]:
    judge = verdict.Judge.start(verdict.BESIDE_BYTES)
    assert judge is not None, "the port is installed: the judge must start"
    try:
        assert judge.give(shown, version, spec.as_read)
        if spec.as_read is not None and spec.as_read.document is shown:
            return "json", judge.clean()
        try:
            marshal.dumps(shown, 4)
        except ValueError:
            return "pickle", judge.clean()
        return "marshal", judge.clean()
    finally:
        judge.close()


def test_the_judge_gives_the_ports_verdict_in_either_form(tmp_path: Path) -> None:
    # Every fifth document of the tests (valid and broken ones, nearly all YAML: marshalled),
    # two JSON ones (handed over as their text), a valid one and a broken one, and one
    # holding a value marshal cannot (pickled).
    valid = tmp_path / "valid.json"
    valid.write_text(json.dumps(yaml.safe_load(SPEC.read_text(encoding="utf-8"))), "utf-8")
    seen: set[tuple[str, bool]] = set()
    for path in [*_documents()[::5], valid, _broken(tmp_path)]:
        found = _shown(path)
        if found is None:
            continue
        spec, shown, version = found
        form, clean = _judge(shown, version, spec)
        assert clean == verdict.clean(shown, version), path
        seen.add((form, clean))
    found = _shown(SPEC)
    assert found is not None
    spec, shown, version = found
    dated = {**shown, "x-released": date(2026, 12, 2)}
    seen.add(_judge(dated, version, spec))
    forms = {(form, clean) for form in ("json", "marshal") for clean in (True, False)}
    assert seen == forms | {("pickle", True)}


def test_the_judge_ends_as_soon_as_it_has_answered() -> None:
    # Its answer reaches the generator at end of file, when the process is gone: it ends
    # without tearing down its heap and the port (an exit handler never runs).
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    data = json.dumps(document).encode()
    script = (
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: print('torn down', file=sys.stderr))\n"
        f"sys.argv = ['verdict_child.py', '{os.getpid()}']\n"
        f"runpy.run_path({str(verdict._CHILD)!r}, run_name='__main__')\n"
    )
    done = subprocess.run(
        [sys.executable, "-P", "-c", script],
        input=b"3.0 json %d\n" % len(data) + data,
        capture_output=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, b"[]", b"")


def test_the_json_text_handed_over_is_the_document() -> None:
    # The judge parses the text again: it must be the document the generator read, for
    # every JSON spec of the real-world sample and of the tests.
    paths = [directory.API / name for name in SAMPLE]
    paths += [p for p in _documents() if p.suffix == ".json"]
    texts = 0
    for path in paths:
        try:
            spec = load.read(path)
        except GenerationError:
            continue
        if spec.as_read is not None:
            assert spec.as_read.document is spec.document
            assert json.loads(spec.as_read.text) == spec.document, path
            texts += 1
    assert texts >= 40


def _config(spec: Path, tmp_path: Path) -> Config:
    return Config(spec=spec, output=tmp_path / "out", package="judged")


def test_a_run_leaves_the_verdict_to_the_judge(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, beside: None
) -> None:
    given: list[str] = []
    give = verdict.Judge.give

    def spy(self: verdict.Judge, shown: dict[str, object], *args: object) -> bool:
        given.append(str(shown.get("openapi")))
        return give(self, shown, *args)  # type: ignore[arg-type]

    def refuse(*args: object) -> bool:
        raise AssertionError("the port ran in the generator's own process")

    monkeypatch.setattr(verdict.Judge, "give", spy)
    monkeypatch.setattr(verdict, "clean", refuse)
    rendered = render_files(_config(SPEC, tmp_path))
    assert given == ["3.0.3"] and rendered.files


def _broken(tmp_path: Path) -> Path:
    """A spec the port and the reference validator both refuse, in two places."""
    document = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    document["paths"]["/broken"] = {"get": {"responses": {"200": {}}}}
    document["info"]["version"] = 3
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def _errors(config: Config) -> list[str]:
    with pytest.raises(GenerationError) as raised:
        render_files(config)
    return [str(d) for d in raised.value.diagnostics]


def test_a_spec_the_judge_refuses_is_reported_as_judging_first_would(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, beside: None
) -> None:
    config = _config(_broken(tmp_path), tmp_path)
    asked: list[bool] = []
    clean = verdict.Judge.clean

    def spy(self: verdict.Judge) -> bool:
        asked.append(clean(self))
        return asked[-1]

    monkeypatch.setattr(verdict.Judge, "clean", spy)
    with_judge = _errors(config)
    assert asked and not any(asked), "the judge was asked, and found the spec broken"
    monkeypatch.setattr(verdict.Judge, "start", classmethod(lambda cls, size: None))
    assert with_judge == _errors(config) and len(with_judge) == 2


@pytest.mark.parametrize("child", ["exit 3", "answer garbage", "never answer", "hang"])
def test_a_judge_that_cannot_judge_changes_nothing(
    child: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, beside: None
) -> None:
    # A child that dies, answers nonsense, nothing, or hangs: the generator judges on its own.
    script = tmp_path / "child.py"
    body = {
        "exit 3": "raise SystemExit(3)",
        "answer garbage": "import sys; sys.stdin.buffer.read(); print('{not json')",
        "never answer": "import sys; sys.stdin.buffer.read()",
        "hang": "import sys, time; sys.stdin.buffer.read(); time.sleep(600)",
    }[child]
    monkeypatch.setattr(verdict, "ANSWER_SECONDS", 2.0)
    script.write_text(body + "\n", encoding="utf-8")
    monkeypatch.setattr(verdict, "_CHILD", script)
    judged = render_files(_config(SPEC, tmp_path))
    broken = _errors(_config(_broken(tmp_path), tmp_path))
    monkeypatch.setattr(verdict.Judge, "start", classmethod(lambda cls, size: None))
    assert judged.files == render_files(_config(SPEC, tmp_path)).files
    assert broken == _errors(_config(_broken(tmp_path), tmp_path))


def test_a_2_0_file_response_is_shown_as_binary_without_copying_the_rest() -> None:
    file = {"description": "a file", "schema": {"type": "file"}}
    other = {"get": {"responses": {"200": {"description": "OK", "schema": {"type": "string"}}}}}
    paths: dict[str, Any] = {"/download": {"get": {"responses": {"200": file}}}, "/other": other}
    document = {"swagger": "2.0", "paths": paths}
    shown = validate._as_validated(document)
    download = shown["paths"]["/download"]["get"]["responses"]["200"]
    assert download["schema"] == {"type": "string", "format": "binary"}
    assert file["schema"] == {"type": "file"}, "the document itself is left as it was"
    assert shown["paths"]["/other"] is other
    # Without a file response, the document itself (a judge is handed the text it was
    # read from); without paths, empty ones, as before.
    del paths["/download"]
    assert validate._as_validated(document) is document
    assert validate._as_validated({"swagger": "2.0"}) == {"swagger": "2.0", "paths": {}}
