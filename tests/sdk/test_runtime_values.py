"""The runtime's wire text for values whose kind is known only at run time (unions that
may hold a list or an object), in every style branch: the wire tests drive the exploded
query case through a client; these pin the rest."""

from __future__ import annotations

import datetime

import msgspec
import pytest
from customvision_training import _runtime


class Range(msgspec.Struct, omit_defaults=True):
    gt: int | None = None
    lte: int | None = None


@pytest.mark.parametrize(
    ("value", "explode", "separator", "pairs"),
    [
        (["a", "b"], True, ",", [("s", "a"), ("s", "b")]),
        (["a", "b"], False, ",", [("s", "a,b")]),
        (("a", "b"), False, "|", [("s", "a|b")]),
        ([Range(gt=1)], True, ",", [("s", '[{"gt":1}]')]),
        (Range(gt=1, lte=2), True, ",", [("gt", "1"), ("lte", "2")]),
        (Range(gt=1, lte=2), False, ",", [("s", "gt,1,lte,2")]),
        ({"k": {"n": 1}}, True, ",", [("k", '{"n":1}')]),
        (True, True, ",", [("s", "true")]),
        (datetime.date(2024, 5, 6), True, ",", [("s", "2024-05-06")]),
    ],
)
def test_form_pairs_send_each_kind_as_the_form_style_does(
    value: object, explode: bool, separator: str, pairs: list[tuple[str, str]]
) -> None:
    assert _runtime.form_pairs("s", value, explode, separator) == pairs


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (["a", 1, False], "a,1,false"),
        (Range(gt=1), "gt,1"),
        ([{"a": 1}], '[{"a":1}]'),
        (7, "7"),
    ],
)
def test_simple_text_writes_each_kind_as_the_simple_style_does(value: object, text: str) -> None:
    assert _runtime.simple_text(value) == text


def test_text_of_a_nested_structure_is_json_never_a_repr() -> None:
    assert _runtime.text({"a": [1, True]}) == '{"a":[1,true]}'
    assert _runtime.text(Range(gt=3)) == '{"gt":3}'


def test_an_empty_path_value_is_refused_and_dots_are_encoded() -> None:
    with pytest.raises(ValueError, match="project is empty"):
        _runtime.path_segment("", "project")
    assert _runtime.path_segment("..", "project") == "%2E%2E"
    assert _runtime.path_segment("a/b", "project") == "a%2Fb"
