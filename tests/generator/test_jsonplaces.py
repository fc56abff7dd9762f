"""A JSON spec's places, scanned only when a diagnostic asks (``load/jsonplaces.py``), are
the places composing it as YAML gives, which is how they were found before and how a
YAML spec's still are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apiforge import load
from apiforge.diagnostics import GenerationError
from apiforge.load import document, jsonplaces, yamlplaces
from realworld import directory
from support.paths import TESTS

Places = dict[str, tuple[int, int]]


def _both(text: str) -> tuple[tuple[Places, ...], tuple[Places, ...]]:
    """(values, keys) as scanned, and as composed as YAML."""
    data = json.loads(text)
    _, values, keys = yamlplaces.parse(text, "spec.json", document.Budget(), json_data=data)
    places = jsonplaces.Places(text, 0)
    scanned = jsonplaces.PlaceMap(places, False), jsonplaces.PlaceMap(places, True)
    return tuple(dict(m.items()) for m in scanned), (dict(values), dict(keys))


TEXTS = {
    "nested and empty": '{"a": {"b": [1, [], {}, {"c": null}]}, "d": [[[]]], "e": {}}',
    "crlf and tabs": '{\r\n\t"a": [\r\n\t\t1,\r\n\t\ttrue\r\n\t],\r\n\t"b": false\r\n}',
    "escapes in keys": '{"a/b": 1, "t~x": {"\\u00e9\\"q": "x\\\\y"}, "": [2]}',
    "numbers": '{"n": [-0.5e+10, 0, 12, -3E-2, 7.25]}',
    "unicode text": '{"é": "日本語", "k": ["🐍", {"ü": 1}]}',
    "compact": '{"a":[1,2,{"b":"c"}],"d":{"e":{}}}',
}


@pytest.mark.parametrize("text", TEXTS.values(), ids=list(TEXTS))
def test_scanned_places_are_the_composed_ones(text: str) -> None:
    scanned, composed = _both(text)
    assert scanned == composed


def test_what_json_reads_beyond_json_is_scanned_past() -> None:
    # json.loads takes NaN and Infinity (YAML does not): the values after them keep places.
    text = '{"a": NaN, "b": [Infinity, -Infinity], "c": 1}'
    places = jsonplaces.Places(text, 0)
    values = jsonplaces.PlaceMap(places, False)
    assert values["/c"] == (1, text.index("1}") + 1)
    assert values["/b/1"] == (1, text.index("-Inf") + 1)


def _json_specs() -> list[Path]:
    found = sorted(p for p in TESTS.rglob("*.json") if "expected" not in p.parts)
    return [p for p in found if isinstance(_loaded(p), dict)]


def _loaded(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def test_every_json_document_of_the_tests_and_the_sample() -> None:
    paths = _json_specs() + [directory.API / p.name for p in directory.sample() if not p.heavy]
    compared = 0
    for path in paths:
        try:
            scanned, composed = _both(path.read_text(encoding="utf-8"))
        except GenerationError:  # a duplicate key: composed as before (the next test)
            continue
        if composed[0]:  # YAML misreads a few JSON texts, and then has no places at all
            assert scanned == composed, path
            compared += 1
    assert compared >= 40


def test_a_spec_read_from_json_is_located_without_composing(tmp_path: Path) -> None:
    spec = tmp_path / "api.json"
    spec.write_text(
        '{\n  "openapi": "3.0.3",\n  "info": {"title": "t", "version": "1"},\n'
        '  "paths": {"/a": {"get": {"responses": {"200": {"description": "x"}}}}}\n}\n'
    )
    loaded = load.read(spec)
    assert isinstance(loaded.positions, jsonplaces.PlaceMap)
    counted = len(loaded.positions)  # counted while reading, before any scan
    assert loaded.locate("/paths/~1a/get").line == 4
    assert loaded.keys["/info/version"] == (3, 26)
    assert counted == len(list(loaded.positions)) == 11


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ("[" * 130 + "]" * 130, "nested more than 128 levels deep"),
    ],
)
def test_what_a_scan_cannot_say_is_still_said_where_it_is(
    tmp_path: Path, text: str, message: str
) -> None:
    spec = tmp_path / "api.json"
    spec.write_text(text)
    with pytest.raises(GenerationError) as info:
        load.read(spec)
    (problem,) = info.value.diagnostics
    assert message in problem.message
    assert problem.location.line == 1 and problem.location.column > 1


def _walked(text: str, asked: list[str]) -> list[object]:
    """What a fresh ``Places`` answers for each of ``asked``, in that order: walked."""
    places = jsonplaces.Places(text, 0)
    values, keys = jsonplaces.PlaceMap(places, False), jsonplaces.PlaceMap(places, True)
    return [(p in values, values.get(p), p in keys, keys.get(p)) for p in asked]


@pytest.mark.parametrize("text", TEXTS.values(), ids=list(TEXTS))
def test_a_pointer_walked_to_is_where_the_full_scan_puts_it(text: str) -> None:
    scanned, _ = _both(text)
    values, keys = scanned
    missing = ["/zz", "/a/zz", "/a/b/99", "/d/0/0/0", "/n/x", "/e/"]
    asked = [*values, *missing]
    expected = [(p in values, values.get(p), p in keys, keys.get(p)) for p in asked]
    assert _walked(text, asked) == expected
    assert _walked(text, asked[::-1]) == expected[::-1]  # any order: containers resumed


def test_walked_places_on_the_sample_equal_the_scan() -> None:
    import random

    paths = [directory.API / p.name for p in directory.sample() if not p.heavy][:12]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        values, keys = jsonplaces.offsets(text)
        asked = random.Random(path.name).sample(sorted(values), min(200, len(values)))
        places = jsonplaces.Places(text, 0)
        walked = [places.place(p) for p in asked]
        assert walked == [(keys.get(p, -1), values[p]) for p in asked], path


def _hook(items: list[tuple[str, object]]) -> dict[str, object]:
    return dict(items)


@pytest.mark.parametrize("text", TEXTS.values(), ids=list(TEXTS))
def test_an_object_read_with_its_outer_members_placed_is_what_json_reads(text: str) -> None:
    read = jsonplaces.indexed(text, _hook)
    assert read is not None
    value, placed = read
    assert value == json.loads(text)
    assert "" in placed  # the root's members, at least


@pytest.mark.parametrize(
    "text",
    ["[1, 2]", '"text"', '{"a": 1,}', '{"a": 1} {}', '\ufeff{"a": 1}', '{"a" 1}', '{"a": 1', "{"],
)
def test_what_is_no_one_well_formed_object_is_left_to_json(text: str) -> None:
    assert jsonplaces.indexed(text, _hook) is None


def test_places_of_members_placed_while_read_equal_the_scan() -> None:
    import random

    paths = [directory.API / p.name for p in directory.sample() if not p.heavy][:12]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        read = jsonplaces.indexed(text, _hook)
        assert read is not None and read[0] == json.loads(text)
        values, keys = jsonplaces.offsets(text)
        asked = random.Random(path.name).sample(sorted(values), min(200, len(values)))
        asked += ["/zz", "/paths/zz", "/components/schemas/zz/x"]
        places = jsonplaces.Places(text, 0, read[1])
        walked = [places.place(p) for p in asked]
        expected = [(keys.get(p, -1), values[p]) if p in values else None for p in asked]
        assert walked == expected, path
