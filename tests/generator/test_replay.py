"""The component schemas and operations of the last build into an output folder are done
again from their record (``build/replay.py``) only where building them would make the
same: after edits of one schema or one operation, of every kind, the model and the
warnings are those of a build from scratch, on every construct and fragment of the tests
and on part of the real-world sample."""

from __future__ import annotations

import copy
import dataclasses
import json
import random
from pathlib import Path
from typing import Any

import pytest
from apiforge import build, ir, load, stack
from apiforge.build import limits, replay
from apiforge.build.context import BuildContext
from apiforge.build.schemas import SchemaBuilder
from apiforge.diagnostics import GenerationError
from apiforge.load.document import LoadedSpec
from apiforge.names import ClassName
from realworld import directory
from support.edits import edits
from support.paths import FRAGMENTS, SPECS, UPSTREAM_SPEC

REAL_WORLD = (  # unions, allOf chains, x-ms-enum, discriminators, recursion
    "azure.com/cdn.json",
    "xero.com/xero_accounting.json",
    "apideck.com/crm.json",
    "twilio.com/twilio_verify_v2.json",
    "kubernetes.io.json",
)


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("APIFORGE_CACHE_DIR", str(root))
    return root


@pytest.fixture
def redone(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pointers of the units done from their record, in order."""
    found: list[str] = []
    real = replay.Replay._redo

    def redo(self: replay.Replay, old: replay.Unit, tables: Any) -> None:
        found.append(old.pointer)
        real(self, old, tables)

    monkeypatch.setattr(replay.Replay, "_redo", redo)
    return found


Outcome = tuple[ir.Api | None, list[str]]


def _built(spec: LoadedSpec, slot: str = "") -> Outcome:
    """The model and every diagnostic, as text (or the diagnostics of a failed build)."""

    def run() -> Outcome:
        try:
            api, warnings = build.build(spec, "tag", {}, slot)
        except GenerationError as exc:
            return None, [d.format() for d in exc.diagnostics]
        return api, [d.format() for d in warnings]

    return stack.run_deep(run, spec.display)


def _same_as_from_scratch(path: Path, count: int, seed: int, slot: str, redone: list[str]) -> int:
    """Build ``path``, then each edit of it and the original again, through the record and
    from scratch; how many units were done from a record."""
    spec = load.ready(load.read(path))[0]
    _built(spec, slot)
    done = len(redone)
    for document in edits(spec.document, random.Random(seed), count):
        for version in (dataclasses.replace(spec, document=document), spec):
            assert _built(version, slot) == _built(version), path
    return len(redone) - done


def _documents() -> list[Path]:
    fragments = [p for p in FRAGMENTS.glob("*.yaml") if not p.name.endswith(".expected.yaml")]
    return sorted(SPECS.glob("*/*.yaml")) + sorted(fragments)


def test_every_construct_builds_alike_through_the_record(redone: list[str], tmp_path: Path) -> None:
    checked = done = 0
    for n, path in enumerate(_documents()):
        try:
            done += _same_as_from_scratch(path, 8, n, str(tmp_path / f"out{n}"), redone)
        except GenerationError:
            continue  # a fragment that shows an error: nothing is kept of it
        checked += 1
    assert checked >= 150
    assert done > 0


@pytest.mark.parametrize("name", REAL_WORLD)
def test_real_world_specs_build_alike_through_the_record(
    name: str, redone: list[str], tmp_path: Path
) -> None:
    path = directory.PACKAGE / "api" / name
    assert _same_as_from_scratch(path, 8, 7, str(tmp_path / "out"), redone) > 0


def _document(schemas: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI document of these component schemas and no paths."""
    head = {"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": {}}
    return {**head, "components": {"schemas": schemas}}


SMALL = _document(
    {
        "Pet": {"type": "object", "properties": {"name": {"type": "string"}}},
        "Cat": {"allOf": [{"$ref": "#/components/schemas/Pet"}, {"properties": {"x": {}}}]},
        "Owner": {
            "type": "object",
            "properties": {"pet": {"$ref": "#/components/schemas/Pet"}},
        },
        "Shop": {"type": "object", "properties": {"open": {"type": "boolean"}}},
        "Kind": {"type": "string", "enum": ["a", "b"]},
    }
)


def _units(spec: LoadedSpec, recorded: list[replay.Unit] | None) -> replay.Replay:
    ctx = BuildContext(spec)
    done = replay.Replay(ctx, recorded)
    SchemaBuilder(ctx).components(done)
    return done


def _spec(tmp_path: Path, document: dict[str, Any]) -> LoadedSpec:
    path = tmp_path / "api.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return load.ready(load.read(path))[0]


def test_what_read_the_changed_schema_is_built_again_and_the_rest_is_not(
    tmp_path: Path, redone: list[str]
) -> None:
    first = _units(_spec(tmp_path, SMALL), None)
    assert len(first.units) == 5 and not redone
    edited = copy.deepcopy(SMALL)
    edited["components"]["schemas"]["Pet"]["properties"]["age"] = {"type": "integer"}
    again = _units(_spec(tmp_path, edited), first.units)
    # Cat extends Pet and Owner refers to it: both read it. Shop and Kind did not.
    assert redone == ["/components/schemas/Shop", "/components/schemas/Kind"]
    assert again.redone == 2
    assert [u.pointer for u in again.units] == [u.pointer for u in first.units]


def test_a_schema_added_before_the_others_ends_what_can_be_done_again(
    tmp_path: Path, redone: list[str]
) -> None:
    first = _units(_spec(tmp_path, SMALL), None)
    edited = copy.deepcopy(SMALL)
    schemas = edited["components"]["schemas"]
    edited["components"]["schemas"] = {"Pet": schemas.pop("Pet"), "New": {}, **schemas}
    _units(_spec(tmp_path, edited), first.units)
    # The unit before it is done again; those after it may not be the recorded ones.
    assert redone == ["/components/schemas/Pet"]


def test_a_record_that_cannot_be_read_is_no_record(tmp_path: Path, private_cache: Path) -> None:
    spec = load.ready(load.read(UPSTREAM_SPEC))[0]
    slot = str(tmp_path / "out")
    fresh = _built(spec)
    assert _built(spec, slot) == fresh
    (entry,) = (private_cache / "built").iterdir()
    key, _, data = entry.read_bytes().partition(b"\n")
    for broken in (data[: len(data) // 2], b"\x93garbage", b""):
        entry.write_bytes(key + b"\n" + broken)
        assert _built(spec, slot) == fresh
    entry.write_bytes(b"another generator's key\n" + data)
    assert replay.Shelf(slot).units() is None


def test_a_unit_whose_class_name_is_taken_now_is_built_again(
    tmp_path: Path, redone: list[str]
) -> None:
    document = _document(
        {
            "A": {"type": "object", "properties": {"x": {"type": "string"}}},
            "AB": {"type": "object", "properties": {"y": {"type": "string"}}},
        }
    )
    slot = str(tmp_path / "out")
    _built(_spec(tmp_path, document), slot)
    # A's new inline model is named for its place, "A" "b": the name AB had.
    inline = {"type": "object", "properties": {"z": {"type": "integer"}}}
    document["components"]["schemas"]["A"]["properties"]["b"] = inline
    spec = _spec(tmp_path, document)
    through_record, fresh = _built(spec, slot), _built(spec)
    assert through_record == fresh and fresh[0] is not None
    assert [m.name for m in fresh[0].models] == ["A", "AB", "AB2"]
    assert redone == []


def test_a_unit_that_read_a_whole_table_is_built_again_when_an_entry_differs(
    tmp_path: Path, redone: list[str]
) -> None:
    def units(document: dict[str, Any], recorded: list[replay.Unit] | None) -> replay.Replay:
        ctx = BuildContext(_spec(tmp_path, document))
        models: replay.Table[ir.Model] = replay.Table("models", ctx.log)
        done = replay.Replay(ctx, recorded)
        tables: dict[str, replay.Table[Any]] = {"models": models}

        def pet() -> None:
            said = str(ctx.read("/components/schemas/Pet").get("description"))
            models["Pet"] = ir.Model(ClassName("Pet"), said, (), "/components/schemas/Pet")

        done.unit("/components/schemas/Pet", tables, pet)
        done.unit("/components/schemas/Shop", tables, lambda: list(models.values()))
        done.unit("/components/schemas/Kind", tables, lambda: models.get("Shop"))
        return done

    first = units(SMALL, None)
    assert redone == [] and len(first.units) == 3
    edited = copy.deepcopy(SMALL)
    edited["components"]["schemas"]["Pet"]["description"] = "Another pet."
    units(edited, first.units)
    # Pet read what changed, Shop read every model (Pet's among them); Kind read another.
    assert redone == ["/components/schemas/Kind"]


def _many(count: int) -> dict[str, Any]:
    """A document of ``count`` object schemas, each with two fields."""
    fields = {"a": {"type": "string"}, "b": {"type": "array", "items": {"type": "integer"}}}
    return _document({f"S{n:03}": {"type": "object", "properties": fields} for n in range(count)})


def test_after_one_schema_changed_only_its_chunk_of_the_record_is_encoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document, slot = _many(2 * replay.CHUNK + 10), str(tmp_path / "out")
    _built(_spec(tmp_path, document), slot)
    encoded: list[int] = []
    real = ir.encode

    def encode(value: object) -> bytes:
        if isinstance(value, list) and value and isinstance(value[0], replay.Unit):
            encoded.append(len(value))
        return real(value)

    monkeypatch.setattr(ir, "encode", encode)
    edited = copy.deepcopy(document)
    edited["components"]["schemas"]["S070"]["description"] = "Edited."
    spec = _spec(tmp_path, edited)
    assert _built(spec, slot) == _built(spec)
    assert encoded == [replay.CHUNK]  # the second chunk alone: S064-S127
    units = replay.Shelf(slot).units()
    assert units is not None and len(units) == len(document["components"]["schemas"])


def test_after_one_schema_changed_only_its_fields_are_measured_for_depth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document, slot = _many(20), str(tmp_path / "out")
    _built(_spec(tmp_path, document), slot)
    measured: list[str] = []
    real = limits._check

    def check(ctx: BuildContext, t: Any, where: str, key: str | None = None) -> None:
        measured.append(where)
        real(ctx, t, where, key)

    monkeypatch.setattr(limits, "_check", check)
    edited = copy.deepcopy(document)
    edited["components"]["schemas"]["S007"]["description"] = "Edited."
    _built(_spec(tmp_path, edited), slot)
    assert measured == ["/components/schemas/S007/properties"] * 2
