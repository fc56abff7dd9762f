"""The corpus runner's journals: a whole-directory run takes hours, so a run cut short
must resume where it stopped, checks included (``make corpus CORPUS_ARGS=--resume``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from realworld import runner

SPECS = ["xkcd.com.json", "poemist.com.json"]  # two of the directory's smallest


@pytest.mark.timeout(600)
def test_a_resumed_run_keeps_the_checks_made_and_redoes_a_regenerated_package(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "journal.jsonl"
    options = runner.Options(SPECS, tmp_path / "work", jobs=1, journal=journal)
    first = {r["spec"]: r for r in runner.run(options).records}
    assert [first[s]["outcome"] for s in SPECS] == ["ok", "ok"], first
    log = journal.with_name("checks.jsonl")
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert sorted((x["check"], x["package"]) for x in lines) == sorted(
        (check, first[s]["package"]) for check in ("import", "mypy") for s in SPECS
    )

    # A finding the journal holds is not made again: a planted one comes back as it is.
    kept, redone = (first[s]["package"] for s in SPECS)
    planted = {"errors": 7, "first": f"{kept}/x.py:1: error: planted"}
    with log.open("a", encoding="utf-8") as fh:
        for package in (kept, redone):
            fh.write(json.dumps({"check": "mypy", "package": package, "finding": planted}) + "\n")
    # The first spec was generated before the run resumed; the second is generated again.
    done = tuple(r for r in first.values() if r["spec"] == SPECS[0])
    resumed = runner.Options(SPECS, tmp_path / "work", jobs=1, journal=journal, done=done)
    second = {r["spec"]: r for r in runner.run(resumed).records}
    assert second[SPECS[0]]["mypy"] == planted
    assert second[SPECS[0]]["outcome"] == "mypy-failed"
    assert second[SPECS[1]]["mypy"] == {"errors": 0}
    assert second[SPECS[1]]["outcome"] == "ok"
