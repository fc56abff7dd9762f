"""Form fields and query values that hold objects and arrays, on the wire (construct
``form-structured-fields``), through the sync and the async client.

OpenAPI gives multipart parts a default content type by the value's kind (text for a
scalar, JSON for an object, one part per array item), and shapes a urlencoded object by
its Encoding Object. Before, such values went out as Python reprs (found by the contract
run on box.com: ``attributes`` and ``mdfilters``).
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from support.corpus import load
from support.http_server import RecordedRequest, Reply, ScriptedServer

CASE = "form-structured-fields"
Mode = str


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> Mode:
    return str(request.param)


def call(mode: Mode, server: ScriptedServer, method: str, **arguments: Any) -> RecordedRequest:
    """One call of ``method`` through a fresh client of the flavour; the request received."""
    module = load(CASE)
    server.enqueue(Reply(204))
    sync = module.FormStructuredFieldsClient
    if mode == "sync":
        with sync(server.url, max_retries=0) as client:
            getattr(client, method)(**arguments)
    else:

        async def main() -> None:
            async with module.AsyncFormStructuredFieldsClient(server.url, max_retries=0) as c:
                await getattr(c, method)(**arguments)

        asyncio.run(main())
    return server.requests[-1]


def parts(request: RecordedRequest) -> list[tuple[str, str, bytes]]:
    """A multipart body as (name, content type or '', content), in order."""
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    found = []
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        found.append((name, str(part.get("content-type") or ""), part.get_payload(decode=True)))
    return found


def test_multipart_objects_are_json_parts_and_arrays_a_part_per_item(
    mode: Mode, server: ScriptedServer
) -> None:
    m = load(CASE)
    request = call(
        mode,
        server,
        "upload",
        attributes=m.Attributes(name="a.txt", parent=m.Note(key="root")),
        tags=["x", "y"],
        notes=[m.Note(key="k", value=1), m.Note(value=2)],
        labels={"colour": "red"},
        either=m.Note(key="n"),
        raw="text",
        file=b"data",
    )
    got = parts(request)
    assert [(name, kind) for name, kind, _ in got] == [
        ("attributes", "application/json"),
        ("tags", ""),
        ("tags", ""),
        ("notes", "application/json"),
        ("notes", "application/json"),
        ("labels", "application/json"),
        ("either", "application/json"),
        ("raw", "application/json"),
        ("file", "application/octet-stream"),
    ]
    contents = [content for _, kind, content in got if kind == "application/json"]
    assert [json.loads(c) for c in contents] == [
        {"name": "a.txt", "parent": {"key": "root"}},
        {"key": "k", "value": 1},
        {"value": 2},
        {"colour": "red"},
        {"key": "n"},
        "text",
    ]
    assert [c for name, _, c in got if name in ("tags", "file")] == [b"x", b"y", b"data"]


def test_a_union_field_holding_a_scalar_is_a_text_part(mode: Mode, server: ScriptedServer) -> None:
    m = load(CASE)
    note = m.Attributes(name="n")
    request = call(mode, server, "upload", attributes=note, tags=["t"], either="plain", file=b"")
    assert ("either", "", b"plain") in parts(request)


def test_a_required_list_field_needs_an_item(server: ScriptedServer) -> None:
    """Each item is a part of its own: an empty list would leave a required field out."""
    m = load(CASE)
    with (
        m.FormStructuredFieldsClient(server.url, max_retries=0) as client,
        pytest.raises(ValueError, match="tags must have at least 1 items, got 0"),
    ):
        client.upload(attributes=m.Attributes(name="n"), tags=[], file=b"")
    assert server.requests == []


def test_urlencoded_objects_follow_their_encoding(mode: Mode, server: ScriptedServer) -> None:
    m = load(CASE)
    request = call(
        mode,
        server,
        "submit",
        owner=m.Note(key="o", value=1),
        deep=m.Note(key="d"),
        flat=m.Note(key="f", value=2),
        payload=m.Note(key="p"),
        notes=[m.Note(key="n1"), m.Note(value=3)],
        ids=[4, 5],
    )
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request.body.decode()) == [
        ("key", "o"),  # style form, exploded: the object's properties are the fields
        ("value", "1"),
        ("deep[key]", "d"),
        ("flat", "key,f,value,2"),
        ("payload", '{"key":"p"}'),
        ("notes", '[{"key":"n1"},{"value":3}]'),
        ("ids", "4"),
        ("ids", "5"),
    ]


def test_arrays_of_objects_in_a_query(mode: Mode, server: ScriptedServer) -> None:
    m = load(CASE)
    notes = [m.Note(key="a", value=1), m.Note(key="b")]
    request = call(mode, server, "search", mdfilters=notes, lines=notes)
    assert parse_qsl(urlsplit(request.path).query) == [
        ("mdfilters", '[{"key":"a","value":1},{"key":"b"}]'),
        ("lines[0][key]", "a"),
        ("lines[0][value]", "1"),
        ("lines[1][key]", "b"),
    ]


def test_a_required_form_given_no_field_is_sent_empty(mode: Mode, server: ScriptedServer) -> None:
    """Every field optional, the body required (asana.com's attachments): the request
    carries an empty form of its media type, not no body at all."""
    request = call(mode, server, "annotate")
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=")[1]
    assert request.body == f"--{boundary}--\r\n".encode()
    request = call(mode, server, "submit")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.body == b""
