"""The generated client decoding .NET DataContract XML, sync and async, against a real server_view.

`to_xml` turns a JSON-ready page (page_factory) into the XML the service sends when asked
for it; `NegotiatingService` answers JSON or XML by the request's Accept header, so that the
same page can be fetched both ways and the decoded objects compared.
"""

from __future__ import annotations

import asyncio
import copy
import datetime
import json
import uuid
from typing import Any, Literal
from xml.sax.saxutils import escape

import msgspec
import pytest
from customvision_training import (
    ApiStatusError,
    AsyncCustomVisionTrainingClient,
    BoundingBox,
    CustomVisionError,
    CustomVisionErrorCodes,
    CustomVisionTrainingClient,
    ImagePerformance,
    ResponseDecodeError,
    TagType,
    _xml,
)
from support.http_server import RecordedRequest, Reply, ServerView
from support.page_factory import SAMPLE_RESPONSE, JsonObject, make_page

Mode = Literal["sync", "async"]

KEY = "0123456789abcdef0123456789abcdef"
PROJECT = "bc3f7dad-5544-468c-8573-3ef04d55463e"
ITERATION = "b7b9d99c-a2c6-4658-9900-a98d2ff5bc66"

# --- JSON-ready values → DataContract XML -----------------------------------------------------

MODELS_NS = "http://schemas.datacontract.org/2004/07/Microsoft.Cognitive.CustomVision.Service.Models.Training"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NAMESPACES = f'xmlns="{MODELS_NS}" xmlns:i="{XSI_NS}"'
# DataContract names an array's items after their type.
ITEM_ELEMENTS = {"predictions": "Prediction", "tags": "ImageTag", "regions": "ImageRegion"}
XML_TYPES = ["application/xml", "text/xml", "application/xml; charset=utf-8"]


def xml_element(name: str, value: Any, attributes: str = "") -> str:
    """``value`` as the element ``name``: objects and arrays nest, null is ``i:nil``."""
    head = f"{name} {attributes}".rstrip()
    if value is None:
        return f'<{head} i:nil="true"/>'
    if isinstance(value, dict):
        inner = "".join(xml_element(key, item) for key, item in value.items())
    elif isinstance(value, list):
        item_name = ITEM_ELEMENTS.get(name, "anyType")
        inner = "".join(xml_element(item_name, item) for item in value)
    elif isinstance(value, bool):
        inner = "true" if value else "false"
    elif isinstance(value, int | float):
        inner = repr(value)  # repr round-trips every double exactly, as .NET's "R" format
    else:
        inner = escape(value)
    return f"<{head}>{inner}</{head.split()[0]}>" if inner else f"<{head}/>"


def to_xml(page: list[JsonObject]) -> bytes:
    """A page as the service's ``<ArrayOfImagePerformance>`` document, UTF-8."""
    items = "".join(xml_element("ImagePerformance", image) for image in page)
    root = f"ArrayOfImagePerformance {NAMESPACES}"
    body = f"<{root}>{items}</ArrayOfImagePerformance>" if items else f"<{root}/>"
    return body.encode("utf-8")


def error_xml(code: str, message: str) -> bytes:
    return xml_element("CustomVisionError", {"code": code, "message": message}, NAMESPACES).encode()


def xml_reply(body: bytes, content_type: str = "application/xml", status: int = 200) -> Reply:
    return Reply(status, {"Content-Type": content_type}, body)


class NegotiatingService:
    """Answers ``page`` as XML when the Accept header asks for it, as JSON otherwise."""

    def __init__(self, page: list[JsonObject], xml_content_type: str | None = None) -> None:
        self.page = page
        self.xml_content_type = xml_content_type

    def __call__(self, request: RecordedRequest) -> Reply:
        accept = request.headers.get("accept", "")
        if accept in ("application/xml", "text/xml"):
            return xml_reply(to_xml(self.page), self.xml_content_type or accept)
        assert accept == "application/json", accept
        return Reply.json(self.page)


# --- fixtures and the driver -----------------------------------------------------------------


def fetch(
    mode: Mode,
    server_view: ServerView,
    method: str = "get_image_performances",
    client_options: dict[str, Any] | None = None,
    **kwargs: Any,
) -> list[ImagePerformance]:
    """``client.<method>(PROJECT, ITERATION, **kwargs)`` through a fresh client of ``mode``;
    an iterating method is collected into a list."""
    options = {"max_retries": 0, **(client_options or {})}
    if mode == "sync":
        with CustomVisionTrainingClient(server_view.url, KEY, **options) as client:
            return list(getattr(client, method)(PROJECT, ITERATION, **kwargs))

    async def main() -> list[ImagePerformance]:
        async with AsyncCustomVisionTrainingClient(server_view.url, KEY, **options) as client:
            call = getattr(client, method)(PROJECT, ITERATION, **kwargs)
            if method.startswith("iter_"):
                return [item async for item in call]
            result: list[ImagePerformance] = await call
            return result

    return asyncio.run(main())


def fetch_both(
    mode: Mode, server_view: ServerView, accept: str, **kwargs: Any
) -> tuple[list[ImagePerformance], list[ImagePerformance]]:
    """The same call asking for JSON, then for ``accept``; the server_view must see both asks."""
    from_json = fetch(mode, server_view, **kwargs)
    from_xml = fetch(mode, server_view, accept=accept, **kwargs)
    assert [r.headers.get_all("Accept") for r in server_view.requests] == [
        ["application/json"],
        [accept],
    ]
    return from_json, from_xml


def json_decoded(page: list[JsonObject]) -> list[ImagePerformance]:
    """The page's JSON decoded by msgspec directly: the oracle."""
    return msgspec.json.decode(json.dumps(page), type=list[ImagePerformance])


def media(content_type: str) -> str:
    return content_type.split(";")[0]


# --- the same objects as JSON -----------------------------------------------------------------

PAGES = [
    pytest.param(lambda: make_page(40), id="make_page-40"),
    pytest.param(lambda: SAMPLE_RESPONSE, id="sample-response"),
    pytest.param(lambda: [], id="empty-array"),
]


@pytest.mark.parametrize("content_type", XML_TYPES)
@pytest.mark.parametrize("make", PAGES)
def test_xml_decodes_to_the_same_objects_as_json(
    mode: Mode, server_view: ServerView, content_type: str, make: Any
) -> None:
    page = make()
    server_view.handler = NegotiatingService(page, content_type)

    from_json, from_xml = fetch_both(mode, server_view, media(content_type))

    assert server_view.requests[1].headers["accept"] == media(content_type)
    assert len(from_json) == len(page)
    assert from_json == json_decoded(page)
    assert from_xml == from_json


def test_empty_array_self_closing_root(mode: Mode, server_view: ServerView) -> None:
    assert to_xml([]) == f"<ArrayOfImagePerformance {NAMESPACES}/>".encode()
    server_view.enqueue(
        xml_reply(to_xml([])), xml_reply(b"<ArrayOfImagePerformance></ArrayOfImagePerformance>")
    )
    assert fetch(mode, server_view) == []
    assert fetch(mode, server_view) == []


def test_xml_values_are_typed(mode: Mode, server_view: ServerView) -> None:
    page = make_page(3)
    page[0]["predictions"][0]["tagType"] = "GeneralProduct"
    server_view.handler = NegotiatingService(page + SAMPLE_RESPONSE)

    *images, sample = fetch(mode, server_view, accept="application/xml")

    # The sample, value by value.
    assert sample.id == uuid.UUID("dfd2d346-3ed5-4e1e-857d-af4e32cec042")
    assert sample.created == datetime.datetime(2018, 1, 31, 20, 18, 26, tzinfo=datetime.UTC)
    assert type(sample.width) is int and sample.width == 600
    assert type(sample.height) is int and sample.height == 1600
    assert sample.image_uri == "<image uri>"  # escaped in the XML, plain text again here
    assert sample.thumbnail_uri == "<thumbnail uri>"
    assert sample.tags == [] and sample.regions == []
    (prediction,) = sample.predictions or []
    assert type(prediction.probability) is float and prediction.probability == 1.0
    assert prediction.tag_id == uuid.UUID("b5f7e6a2-a481-49a6-afec-a7cef1af3544")
    assert prediction.bounding_box == BoundingBox(left=0.25, top=0.25, width=0.25, height=0.25)

    # make_page: every value has its schema type, and full precision.
    for image, wire in zip(images, page, strict=True):
        assert isinstance(image.id, uuid.UUID) and str(image.id) == wire["id"]
        assert isinstance(image.created, datetime.datetime)
        assert image.created.tzinfo is not None
        assert image.created == datetime.datetime.fromisoformat(wire["created"])
        assert type(image.width) is int and image.width == wire["width"]
        for got, sent in zip(image.predictions or [], wire["predictions"], strict=True):
            assert type(got.probability) is float and got.probability == sent["probability"]
            assert type(got.tag_type) is TagType and got.tag_type == sent["tagType"]
            assert got.bounding_box is not None
            assert got.bounding_box.left == sent["boundingBox"]["left"]
        for got_region, sent_region in zip(image.regions or [], wire["regions"], strict=True):
            assert isinstance(got_region.tag_id, uuid.UUID)
            assert type(got_region.top) is float and got_region.top == sent_region["top"]
        for got_tag, sent_tag in zip(image.tags or [], wire["tags"], strict=True):
            assert got_tag.tag_name == sent_tag["tagName"]  # non-ASCII, quotes, backslashes
            assert isinstance(got_tag.created, datetime.datetime)
    assert images[0].predictions is not None
    assert images[0].predictions[0].tag_type is TagType.GENERAL_PRODUCT


class Flags(msgspec.Struct, kw_only=True):
    """The spec has no boolean field, so booleans are checked on the decoder directly."""

    on: bool
    off: bool
    maybe: bool | None = None
    count: int = 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            b"<Flags><on>true</on><off>false</off><count>7</count></Flags>",
            Flags(on=True, off=False, count=7),
            id="true-false",
        ),
        pytest.param(
            f'<Flags xmlns:i="{XSI_NS}"><on>1</on><off>0</off><maybe i:nil="true"/>'
            "</Flags>".encode(),
            Flags(on=True, off=False, maybe=None),
            id="one-zero-nil",
        ),
    ],
)
def test_xml_booleans_are_typed(body: bytes, expected: Flags) -> None:
    decoded = _xml.decode(body, Flags)
    assert decoded == expected
    assert type(decoded.on) is bool and type(decoded.count) is int


class View(msgspec.Struct):
    model: dict[str, Any] | None = None
    counts: dict[str, int] | None = None
    name: str | None = None


def test_xml_maps_and_free_form_objects_are_dicts() -> None:
    # europeana.eu's ModelAndView: `modelMap` (additionalProperties) went to the map as
    # the text of its element.
    body = (
        b"<View><model><a>x</a><b><c>y</c></b><d></d></model>"
        b"<counts><one>1</one><two>2</two></counts><name>n</name></View>"
    )
    decoded = _xml.decode(body, View)
    assert decoded == View(
        model={"a": "x", "b": {"c": "y"}, "d": ""}, counts={"one": 1, "two": 2}, name="n"
    )
    assert _xml.decode(b"<View><model></model></View>", View) == View()


def nulled(page: list[JsonObject]) -> list[JsonObject]:
    """A copy of ``page`` with nullable and optional fields set to null."""
    page = copy.deepcopy(page)
    first, second = page[0], page[1]
    for name in ("id", "created", "width", "imageUri", "predictions"):
        first[name] = None
    second["tags"] = second["regions"] = None
    second["predictions"][0].update(tagName=None, boundingBox=None, tagType=None)
    second["predictions"][1].update(probability=None, tagId=None)
    second["thumbnailUri"] = None
    return page


def test_nil_elements_decode_to_none(mode: Mode, server_view: ServerView) -> None:
    page = nulled(make_page(3))
    body = to_xml(page)
    assert b'<id i:nil="true"/>' in body and b'<tagType i:nil="true"/>' in body
    server_view.handler = NegotiatingService(page)

    from_json, from_xml = fetch_both(mode, server_view, "text/xml")

    assert from_xml == from_json == json_decoded(page)
    first, second, third = from_xml
    assert first.id is first.created is first.width is first.image_uri is None
    assert first.predictions is None
    assert first.tags is not None and len(first.tags) == 2
    assert second.tags is second.regions is second.thumbnail_uri is None
    assert second.predictions is not None
    p0, p1 = second.predictions[:2]
    assert p0.tag_name is p0.bounding_box is p0.tag_type is None
    assert p0.probability is not None
    assert p1.probability is p1.tag_id is None
    assert third == json_decoded(page)[2]


def with_unknown_fields(page: list[JsonObject]) -> list[JsonObject]:
    """A copy of ``page`` with fields the spec does not know, at every level."""
    page = copy.deepcopy(page)
    for image in page:
        image["futureScalar"] = "ignored <text> & more"
        image["futureObject"] = {"id": "not-a-uuid", "width": "wide", "nested": {"x": 1}}
        image["futureList"] = [{"tagId": 1}, "two", None]
        image["futureNil"] = None
        image["predictions"][0]["futureScore"] = 0.5
        image["predictions"][0]["boundingBox"]["depth"] = {"z": "deep"}
        image["tags"][0]["colour"] = "blue"
        image["regions"][0]["futureFlag"] = True
    return page


def test_unknown_elements_are_ignored(mode: Mode, server_view: ServerView) -> None:
    clean = make_page(4)
    page = with_unknown_fields(clean)
    body = to_xml(page)
    assert b"<futureObject><id>not-a-uuid</id>" in body and b"<depth><z>deep</z></depth>" in body
    server_view.handler = NegotiatingService(page)

    from_json, from_xml = fetch_both(mode, server_view, "application/xml")

    assert from_xml == from_json == json_decoded(clean)


def test_unknown_enum_value_is_kept(mode: Mode, server_view: ServerView) -> None:
    page = make_page(2)
    page[1]["predictions"][3]["tagType"] = "FutureTagType"
    server_view.handler = NegotiatingService(page)

    from_json, from_xml = fetch_both(mode, server_view, "application/xml")

    assert from_xml == from_json
    assert from_xml[1].predictions is not None
    kept = from_xml[1].predictions[3].tag_type
    assert isinstance(kept, TagType)
    assert kept == "FutureTagType" and kept.value == "FutureTagType"


def test_paging_walks_xml_pages(mode: Mode, server_view: ServerView) -> None:
    source = make_page(7)

    def service(request: RecordedRequest) -> Reply:
        params = dict(request.query_params)
        skip, take = int(params["skip"]), int(params["take"])
        return NegotiatingService(source[skip : skip + take])(request)

    server_view.handler = service
    items = fetch(mode, server_view, "iter_image_performances", page_size=3, accept="text/xml")

    assert items == json_decoded(source)
    assert [r.headers.get_all("Accept") for r in server_view.requests] == [["text/xml"]] * 3


# --- Accept ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_accept", "call_accept", "sent"),
    [
        pytest.param(None, None, "application/json", id="default-json"),
        pytest.param("application/xml", None, "application/xml", id="constructor"),
        pytest.param(None, "application/xml", "application/xml", id="per-call"),
        pytest.param("text/xml", None, "text/xml", id="constructor-text-xml"),
        pytest.param("application/xml", "text/xml", "text/xml", id="per-call-overrides"),
        pytest.param("application/xml", "application/json", "application/json", id="back-to-json"),
    ],
)
def test_accept_header(
    mode: Mode,
    server_view: ServerView,
    client_accept: str | None,
    call_accept: str | None,
    sent: str,
) -> None:
    server_view.handler = NegotiatingService(SAMPLE_RESPONSE)
    kwargs = {} if call_accept is None else {"accept": call_accept}

    result = fetch(mode, server_view, client_options={"accept": client_accept}, **kwargs)

    (request,) = server_view.requests
    assert request.headers.get_all("Accept") == [sent]
    assert result == json_decoded(SAMPLE_RESPONSE)


@pytest.mark.parametrize("accept", ["image/png", "text/plain"])
@pytest.mark.parametrize("where", ["constructor", "per-call"])
def test_undeclared_accept_raises_before_sending(
    mode: Mode, server_view: ServerView, accept: str, where: str
) -> None:
    server_view.handler = NegotiatingService(SAMPLE_RESPONSE)
    options = {"accept": accept} if where == "constructor" else {}
    kwargs = {"accept": accept} if where == "per-call" else {}

    with pytest.raises(ValueError, match="accept"):
        fetch(mode, server_view, client_options=options, **kwargs)
    assert server_view.requests == []


# --- error bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", XML_TYPES)
@pytest.mark.parametrize(
    ("code", "expected_code"),
    [
        ("NotFoundProject", CustomVisionErrorCodes.NOT_FOUND_PROJECT),
        ("NotFoundSomethingNew", "NotFoundSomethingNew"),
    ],
)
def test_xml_error_body_is_decoded(
    mode: Mode, server_view: ServerView, content_type: str, code: str, expected_code: str
) -> None:
    message = "Project <bc3f7dad> not found & gone"
    server_view.enqueue(xml_reply(error_xml(code, message), content_type, status=404))

    with pytest.raises(ApiStatusError) as caught:
        fetch(mode, server_view, accept="application/xml")

    error = caught.value
    assert error.status_code == 404
    assert error.error == CustomVisionError(code=CustomVisionErrorCodes(code), message=message)
    assert error.error.code == expected_code
    assert code in str(error) and message in str(error)


def test_xml_error_body_with_a_dtd_is_not_decoded(mode: Mode, server_view: ServerView) -> None:
    body = (
        b'<!DOCTYPE e [<!ENTITY x "NotFoundProject">]>'
        b"<CustomVisionError><code>&x;</code><message>m</message></CustomVisionError>"
    )
    server_view.enqueue(xml_reply(body, status=404))

    with pytest.raises(ApiStatusError) as caught:
        fetch(mode, server_view)

    assert caught.value.status_code == 404
    assert caught.value.error is None
    assert caught.value.body == body


# --- hostile and broken bodies -----------------------------------------------------------------


def billion_laughs(levels: int) -> bytes:
    """Entities nested ``levels`` deep, each ten of the one before: 3 * 10**levels bytes."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)
    ]
    return with_doctype(
        f"<!DOCTYPE ArrayOfImagePerformance [{''.join(entities)}]>", f"&lol{levels};"
    )


def with_doctype(doctype: str, uri: str = "&x;") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{doctype}'
        f"<ArrayOfImagePerformance {NAMESPACES}><ImagePerformance>"
        f"<imageUri>{uri}</imageUri></ImagePerformance></ArrayOfImagePerformance>"
    ).encode()


HOSTILE = {
    "billion-laughs": lambda url: billion_laughs(9),
    # 300 kB expanded: under expat's own amplification guard, so only refusing the DTD stops it.
    "small-billion-laughs": lambda url: billion_laughs(5),
    "external-file-entity": lambda url: with_doctype(
        '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    ),
    "external-http-entity": lambda url: with_doctype(
        f'<!DOCTYPE a [<!ENTITY x SYSTEM "{url}/leak">]>'
    ),
    "external-dtd": lambda url: with_doctype(f'<!DOCTYPE a SYSTEM "{url}/evil.dtd">', uri="u"),
    "parameter-entity": lambda url: with_doctype(
        '<!DOCTYPE a [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>', uri="u"
    ),
    "small-internal-entity": lambda url: with_doctype(
        '<!DOCTYPE a [<!ENTITY x "expanded-by-the-parser">]>'
    ),
    "doctype-without-entities": lambda url: with_doctype("<!DOCTYPE ArrayOfImagePerformance>", "u"),
}


@pytest.mark.parametrize("content_type", ["application/xml", "text/xml"])
@pytest.mark.parametrize("name", list(HOSTILE))
def test_doctype_is_refused(
    mode: Mode, server_view: ServerView, name: str, content_type: str
) -> None:
    body = HOSTILE[name](server_view.url)
    server_view.enqueue(xml_reply(body, content_type))

    with pytest.raises(ResponseDecodeError) as caught:
        fetch(mode, server_view, accept=content_type)

    error = caught.value
    text = str(error)
    assert error.status_code == 200
    assert error.body == body  # the raw bytes, nothing substituted
    assert "DTD" in text
    assert "root:" not in text and "/bin/" not in text  # /etc/passwd was never read
    assert "lollol" not in text  # no entity was expanded
    assert "expanded-by-the-parser</" not in text
    assert len(text) < 1000
    assert len(server_view.requests) == 1  # neither the entity nor the DTD was fetched


MALFORMED = {
    "truncated": to_xml(SAMPLE_RESPONSE)[:-30],
    "mismatched-tags": b"<ArrayOfImagePerformance><ImagePerformance></ArrayOfImagePerformance>",
    "not-xml": b"this is not XML at all",
    "empty-body": b"",
    "json-labelled-xml": json.dumps(SAMPLE_RESPONSE).encode(),
    "two-roots": b"<ArrayOfImagePerformance/><ArrayOfImagePerformance/>",
    "undefined-entity": b"<ArrayOfImagePerformance><ImagePerformance><imageUri>&x;</imageUri>"
    b"</ImagePerformance></ArrayOfImagePerformance>",
    "invalid-utf8": b"<ArrayOfImagePerformance><ImagePerformance><imageUri>\xff\xfe</imageUri>"
    b"</ImagePerformance></ArrayOfImagePerformance>",
    "unclosed-attribute": b'<ArrayOfImagePerformance a="1><ImagePerformance/>'
    b"</ArrayOfImagePerformance>",
    # Well-formed, but off the schema:
    "width-not-a-number": to_xml([{"width": "wide"}]),
    "id-not-a-uuid": to_xml([{"id": "not-a-uuid"}]),
    "created-not-a-date": to_xml([{"created": "yesterday"}]),
    "region-without-tag-id": to_xml(
        [{"regions": [{"left": 0.1, "top": 0.1, "width": 0.1, "height": 0.1}]}]
    ),
    "box-nil-required-left": to_xml(
        [
            {
                "predictions": [
                    {"boundingBox": {"left": None, "top": 1.0, "width": 1.0, "height": 1.0}}
                ]
            }
        ]
    ),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_or_off_schema_xml_raises_decode_error(
    mode: Mode, server_view: ServerView, name: str
) -> None:
    body = MALFORMED[name]
    server_view.enqueue(xml_reply(body, "application/xml; charset=utf-8"))

    with pytest.raises(ResponseDecodeError) as caught:
        fetch(mode, server_view, accept="application/xml")

    assert caught.value.status_code == 200
    assert caught.value.content_type == "application/xml; charset=utf-8"
    assert caught.value.body == body
    assert len(server_view.requests) == 1
