"""A path template is read as OpenAPI delimits it: a mark inside braces is part of a name."""

from __future__ import annotations

import pytest
from apiforge import urlpath


@pytest.mark.parametrize(
    ("path", "mark", "parts"),
    [
        ("/items", "#", ("/items", "", "")),
        ("/items#x", "#", ("/items", "#", "x")),
        ("/items/{a#b}", "#", ("/items/{a#b}", "", "")),
        ("/items/{a#b}#x", "#", ("/items/{a#b}", "#", "x")),
        ("/rides?page={page}", "?", ("/rides", "?", "page={page}")),
        ("/{a?b}/{c}?q", "?", ("/{a?b}/{c}", "?", "q")),
        ("/a}?b", "?", ("/a}", "?", "b")),
    ],
)
def test_a_mark_splits_the_path_outside_template_names(
    path: str, mark: str, parts: tuple[str, str, str]
) -> None:
    assert urlpath.partition(path, mark) == parts


def test_a_query_key_reads_back_as_written() -> None:
    assert urlpath.written(f"/a#{urlpath.QUERY_MARK}lat-lon") == "/a?lat&lon"
    assert urlpath.written("/a/{b#c}") == "/a/{b#c}"
