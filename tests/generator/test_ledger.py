"""What the last run into an output folder found in each part of the document is taken
again where the part is as it was (``load/ledger.py``): after edits of every kind the
document read, its warnings and its errors are those of a run without a record, on every
construct, fragment and lenient case of the tests; and after one schema changed, only
that schema is walked, measured and fingerprinted."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from apiforge import Config, generate, load, stack
from apiforge.diagnostics import GenerationError
from apiforge.load import ledger
from apiforge.load.ledger import Ledger
from support.edits import edits
from support.paths import FRAGMENTS, SPECS, TESTS, UPSTREAM_SPEC

Outcome = tuple[Any, list[str]]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("APIFORGE_CACHE_DIR", str(root))
    return root


@pytest.fixture
def noted(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """The pieces walked or measured (not taken from the record), with what was noted."""
    found: dict[str, set[str]] = {}
    real = Ledger._note

    def note(self: Ledger, pointer: str, value: Any, **facts: Any) -> None:
        found.setdefault(pointer, set()).update(facts)
        real(self, pointer, value, **facts)

    monkeypatch.setattr(Ledger, "_note", note)
    return found


def _ready(path: Path, slot: str = "") -> Outcome:
    """The document as the build reads it and every diagnostic, as text (or the errors),
    read with the ledger of ``slot`` (none when '')."""

    def run() -> Outcome:
        book = Ledger(slot) if slot else None
        try:
            spec, found = load.ready(load.read(path, book=book), book=book)
        except GenerationError as exc:
            return None, [d.format() for d in exc.diagnostics]
        finally:
            if book is not None:
                book.keep()
        return spec.document, [d.format() for d in found]

    return stack.run_deep(run, str(path))


def _write(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document, indent=1, default=str), encoding="utf-8")


def _same_as_without(source: Path, tmp_path: Path, seed: int) -> None:
    """``source`` as JSON, then edits of it, each followed by the original again: read
    through the ledger as without it."""
    try:
        document = load.read(source).document
    except GenerationError:
        return
    spec, slot = tmp_path / f"{source.stem}.json", str(tmp_path / source.stem)
    _write(spec, document)
    assert _ready(spec, slot) == _ready(spec), source
    for edited in edits(json.loads(spec.read_text(encoding="utf-8")), random.Random(seed), 2):
        for version in (edited, document):
            _write(spec, version)
            assert _ready(spec, slot) == _ready(spec), source


def _documents() -> Iterator[Path]:
    yield from sorted(SPECS.glob("*/*.yaml"))
    for folder in (FRAGMENTS, TESTS / "lenient"):
        for path in sorted(folder.iterdir()):
            if path.suffix in (".yaml", ".json") and ".expected." not in path.name:
                yield path


def test_every_construct_reads_alike_through_the_ledger(
    tmp_path: Path, noted: dict[str, set[str]]
) -> None:
    checked = 0
    for n, path in enumerate(_documents()):
        _same_as_without(path, tmp_path, n)
        checked += 1
    assert checked >= 200
    assert noted  # the ledger took part


SHIRTS = {
    "openapi": "3.0.3",
    "info": {"title": "T", "version": "1"},
    "paths": {
        "/shirts": {
            "get": {
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Shirt"}}
                        },
                    }
                }
            }
        }
    },
    "components": {
        "schemas": {
            "Size": {"type": "string", "enum": ["s", "m", "l"]},
            "Shirt": {
                "type": "object",
                "properties": {
                    "size": {"allOf": [{"$ref": "#/components/schemas/Size"}], "default": "l"},
                    "owner": {"$ref": "#/components/schemas/Owner"},
                },
            },
            "Owner": {"type": "object", "properties": {"name": {"type": "string"}}},
        }
    },
}


def _edited(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(SHIRTS))
    change(document)
    return document


def _twice(tmp_path: Path, first: dict[str, Any], then: dict[str, Any]) -> tuple[Outcome, Outcome]:
    """``then`` read after ``first`` through the ledger, and read without one."""
    spec, slot = tmp_path / "api.json", str(tmp_path / "out")
    _write(spec, first)
    _ready(spec, slot)
    _write(spec, then)
    return _ready(spec, slot), _ready(spec)


def test_a_default_checked_through_a_ref_is_checked_again_when_its_target_changes(
    tmp_path: Path,
) -> None:
    schemas = ["components", "schemas"]

    def smaller(document: dict[str, Any]) -> None:
        document[schemas[0]][schemas[1]]["Size"]["enum"] = ["s", "m"]

    through, without = _twice(tmp_path, SHIRTS, _edited(smaller))
    assert through == without
    assert any("default does not match its schema" in w for w in through[1])


def test_refs_of_a_part_as_it_was_are_checked_against_the_document_as_it_is(
    tmp_path: Path,
) -> None:
    def gone(document: dict[str, Any]) -> None:
        del document["components"]["schemas"]["Owner"]

    through, without = _twice(tmp_path, SHIRTS, _edited(gone))
    assert through == without
    assert through[0] is None and any("unresolved reference" in e for e in through[1])


def test_a_version_changed_reads_an_unchanged_schema_again(tmp_path: Path) -> None:
    def examples(document: dict[str, Any]) -> None:
        document["openapi"] = "3.1.0"
        document["components"]["schemas"]["Owner"]["examples"] = {"a": {"value": 1}}

    def back(document: dict[str, Any]) -> None:
        examples(document)
        document["openapi"] = "3.0.3"

    through, without = _twice(tmp_path, _edited(examples), _edited(back))
    assert through == without


def test_after_one_schema_changed_only_it_is_walked(
    tmp_path: Path, noted: dict[str, set[str]]
) -> None:
    def note(document: dict[str, Any]) -> None:
        document["components"]["schemas"]["Owner"]["description"] = "Edited."

    _twice(tmp_path, SHIRTS, SHIRTS)
    noted.clear()
    _ready(tmp_path / "api.json", str(tmp_path / "out"))
    assert noted == {}  # nothing changed: everything from the record
    _write(tmp_path / "api.json", _edited(note))
    _ready(tmp_path / "api.json", str(tmp_path / "out"))
    assert noted == {"/components/schemas/Owner": {"measured", "refs", "named", "lenient"}}


def test_a_run_fingerprints_each_part_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build's record takes the fingerprints the ledger took of the parts lenient
    reading left as they were."""
    seen: list[int] = []
    real = ledger.fingerprint

    def fingerprint(value: Any) -> str:
        seen.append(id(value))
        return real(value)

    spec = tmp_path / "api.json"
    document = load.ready(load.read(UPSTREAM_SPEC))[0].document  # as OpenAPI 3
    _write(spec, document)
    config = Config(spec=spec, output=tmp_path / "out", package="pkg")
    assert not generate(config).errors
    document["components"]["schemas"]["Tag"]["description"] = "Edited."
    _write(spec, document)
    monkeypatch.setattr(ledger, "fingerprint", fingerprint)
    assert not generate(config).errors
    assert len(seen) > 50 and len(seen) == len(set(seen))


def test_a_record_that_cannot_be_read_is_no_record(tmp_path: Path, private_cache: Path) -> None:
    spec, slot = tmp_path / "api.json", str(tmp_path / "out")
    _write(spec, SHIRTS)
    fresh = _ready(spec)
    assert _ready(spec, slot) == fresh
    (entry,) = (private_cache / "parts").iterdir()
    key, _, data = entry.read_bytes().partition(b"\n")
    for broken in (data[: len(data) // 2], b"\x93garbage", b""):
        entry.write_bytes(key + b"\n" + broken)
        assert _ready(spec, slot) == fresh
    entry.write_bytes(b"another generator's key\n" + data)
    assert Ledger(slot).old == {}


def test_an_integer_past_64_bits_is_generated_again_after_an_edit(tmp_path: Path) -> None:
    """MessagePack holds no such integer: the records that cannot keep it keep nothing,
    and the run goes on (it stopped with an internal error)."""
    huge = 123456789012345678901234567890
    document = _edited(lambda d: d["components"]["schemas"]["Size"].update(enum=[huge, huge, 1]))
    spec = tmp_path / "api.json"
    config = Config(spec=spec, output=tmp_path / "out", package="pkg")
    for description in ("", "Edited."):
        document["components"]["schemas"]["Owner"]["description"] = description
        _write(spec, document)
        report = generate(config)
        assert not report.errors, [d.format() for d in report.errors]
        assert str(huge) in (tmp_path / "out" / "pkg" / "_enums.py").read_text(encoding="utf-8")
