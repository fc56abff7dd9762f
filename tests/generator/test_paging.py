"""The paging extensions read at build time (build/paging.py): each scheme's IR, and a
located error for every way ``x-apiforge-pagination`` can be wrong; ``x-ms-pageable``,
another's extension, that does not fit its answer is a warning and no iterator."""

from __future__ import annotations

from pathlib import Path

import pytest
from apiforge import build, ir, load
from apiforge.diagnostics import GenerationError, Severity
from support.paths import SPECS

SPEC = SPECS / "paging-kinds" / "openapi-3.0.yaml"


def built(tmp_path: Path, old: str = "", new: str = "") -> tuple[ir.Api, list[str]]:
    text = SPEC.read_text("utf-8")
    assert old in text
    path = tmp_path / "spec.yaml"
    path.write_text(text.replace(old, new, 1), "utf-8")
    api, diagnostics = build.build(load.read(path, display="spec.yaml"))
    return api, [d.format() for d in diagnostics]


def paging(api: ir.Api, operation: str) -> ir.Pagination | None:
    return next(op.pagination for op in api.operations if op.operation_id == operation)


def test_each_scheme_is_read(tmp_path: Path) -> None:
    api, diagnostics = built(tmp_path)
    assert diagnostics == []
    found = {op.operation_id: op.pagination for op in api.operations}
    kinds = {k: p.kind if p else None for k, p in found.items()}
    assert kinds == {
        "listWidgets": ir.PageKind.PAGE,
        "listEvents": ir.PageKind.CURSOR,
        "listVaults": ir.PageKind.NEXT_LINK,
        "listLogs": ir.PageKind.NEXT_LINK,
        "listCommits": ir.PageKind.LINK_HEADER,
    }
    events, logs = found["listEvents"], found["listLogs"]
    assert events is not None and [f.wire_name for f in events.next] == ["meta", "next"]
    assert [f.wire_name for f in events.items] == ["data"]
    assert logs is not None and logs.name == "iter_log_entries"
    widgets = found["listWidgets"]
    assert widgets is not None and (widgets.page_start, widgets.max_page_size) == (1, 50)


BAD = [
    pytest.param(
        "{page: page, size: per_page, max-page-size: 50}",
        "{page: page, cursor: per_page}",
        "page and cursor are two schemes; give one",
        id="two-schemes",
    ),
    pytest.param(
        "next-cursor: meta.next",
        "next-cursor: meta.later",
        "next-cursor 'meta.later' is no field of the operation's answer",
        id="no-such-field",
    ),
    pytest.param(
        "items: data}",
        "items: meta}",
        "items 'meta' must be an array of the answer",
        id="items-not-an-array",
    ),
    pytest.param(
        "{link-header: true}",
        "{link-header: yes please}",
        "link-header must be true",
        id="link-header-not-true",
    ),
    pytest.param(
        "{link-header: true}",
        "{name: iter_all}",
        "needs one of offset, page, cursor, next-link, link-header",
        id="no-scheme",
    ),
    pytest.param(
        "x-apiforge-pagination: {next-link: links.next, items: entries, name: iter_log_entries}",
        "x-apiforge-pagination: {next-link: links.next, name: iter_log_entries}",
        "must return a JSON array (or name its items)",
        id="object-answer-without-items",
    ),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_a_wrong_extension_is_a_located_error(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(GenerationError) as caught:
        built(tmp_path, old, new)
    errors = [d for d in caught.value.diagnostics if d.severity is Severity.ERROR]
    assert errors and message in errors[0].message, [d.format() for d in errors]
    line = errors[0].location.line
    lines = (tmp_path / "spec.yaml").read_text("utf-8").splitlines()
    assert "x-apiforge-pagination" in lines[line - 1] or new.split(":")[0] in lines[line - 1]


def test_azure_paging_that_does_not_fit_is_a_warning(tmp_path: Path) -> None:
    api, diagnostics = built(
        tmp_path, "x-ms-pageable: {nextLinkName: nextLink}", "x-ms-pageable: {nextLinkName: next}"
    )
    assert paging(api, "listVaults") is None
    (warning,) = diagnostics
    assert "nextLinkName 'next' is no field of the operation's answer; no iterator" in warning
    assert warning.startswith("spec.yaml:39:37:")  # at the name, in the flow mapping


def test_azure_single_page_has_no_iterator(tmp_path: Path) -> None:
    api, diagnostics = built(
        tmp_path, "x-ms-pageable: {nextLinkName: nextLink}", "x-ms-pageable: {nextLinkName: null}"
    )
    assert paging(api, "listVaults") is None and diagnostics == []
