"""The mending second decode of answers that break their declared formats (``_mend``),
beyond what the wire tests show: every path shape msgspec reports, and its limits."""

from __future__ import annotations

import datetime

import msgspec
import pytest
from customvision_training import _mend


class Row(msgspec.Struct):
    day: datetime.date | None = None


class Report(msgspec.Struct):
    rows: list[Row] = []
    by_name: dict[str, list[datetime.date]] = {}
    first: datetime.date | None = None
    at: datetime.datetime | None = None


def decode(body: object) -> Report:
    raw = msgspec.json.encode(body)
    decoder = msgspec.json.Decoder(Report)
    try:
        return decoder.decode(raw)
    except msgspec.ValidationError as exc:
        return _mend.decode(raw, decoder, exc)


def test_every_field_and_path_shape_is_mended() -> None:
    got = decode(
        {
            "first": "2024-01-01T00:00:00Z",
            "rows": [{"day": "2024-01-02"}, {"day": "2024-01-03 12:00"}],
            "by_name": {"a": ["2024-01-04T01:02:03+0100"], "b": ["2024-01-05"]},
            "at": "2024-01-06T07:08:09Z",
        }
    )
    assert got.first == datetime.date(2024, 1, 1)
    assert [r.day for r in got.rows] == [datetime.date(2024, 1, 2), datetime.date(2024, 1, 3)]
    assert got.by_name == {"a": [datetime.date(2024, 1, 4)], "b": [datetime.date(2024, 1, 5)]}
    assert got.at == datetime.datetime(2024, 1, 6, 7, 8, 9, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "body",
    [
        {"first": "2024-13-01T00:00:00Z"},  # the date part itself is no date
        {"first": "soon"},
        {"first": 20240101},
        {"rows": [{"day": "2024-01-02T00:00:00Z", "extra": 1}], "at": "yesterday"},
    ],
)
def test_what_has_no_one_reading_fails_as_before(body: object) -> None:
    decoder = msgspec.json.Decoder(Report)
    raw = msgspec.json.encode(body)
    with pytest.raises(msgspec.ValidationError) as first:
        decoder.decode(raw)
    with pytest.raises(msgspec.ValidationError) as again:
        _mend.decode(raw, decoder, first.value)
    assert str(again.value) == str(first.value) or "date" in str(again.value)


class Dotted(msgspec.Struct):
    day: datetime.date = msgspec.field(name="a.b")


def test_a_field_name_msgspec_cannot_name_back_is_left_alone() -> None:
    # The error path `$.a.b` reads as two fields: nothing is mended on a guess.
    decoder = msgspec.json.Decoder(Dotted)
    raw = b'{"a.b": "2024-01-01T00:00:00Z"}'
    with pytest.raises(msgspec.ValidationError) as first:
        decoder.decode(raw)
    with pytest.raises(msgspec.ValidationError):
        _mend.decode(raw, decoder, first.value)


def test_bad_fields_beyond_the_passes_fail() -> None:
    fields = {f"d{i}": (datetime.date | None, None) for i in range(40)}
    wide = msgspec.defstruct("Wide", [(k, t, d) for k, (t, d) in fields.items()])
    decoder = msgspec.json.Decoder(wide)
    few = msgspec.json.encode({f"d{i}": "2024-01-01T00:00:00Z" for i in range(30)})
    many = msgspec.json.encode({f"d{i}": "2024-01-01T00:00:00Z" for i in range(40)})
    with pytest.raises(msgspec.ValidationError) as first:
        decoder.decode(few)
    mended = msgspec.structs.asdict(_mend.decode(few, decoder, first.value))
    assert mended["d29"] == datetime.date(2024, 1, 1)
    with pytest.raises(msgspec.ValidationError) as first:
        decoder.decode(many)
    with pytest.raises(msgspec.ValidationError):
        _mend.decode(many, decoder, first.value)
