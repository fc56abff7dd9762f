"""The generated client, sync and async, against a real HTTP server on 127.0.0.1.

Every test runs once per client flavour (the `mode` fixture). Requests go through httpx's real
transport to a `ScriptedServer`; nothing is mocked.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

import httpx
import pytest
from customvision_training import (
    ApiError,
    AsyncCustomVisionTrainingClient,
    BoundingBox,
    CustomVisionError,
    CustomVisionErrorCodes,
    CustomVisionTrainingClient,
    ImagePerformance,
    ImageRegion,
    ImageTag,
    OrderBy,
    Prediction,
    TagType,
)
from support.http_server import RecordedRequest, Reply, ScriptedServer
from support.page_factory import SAMPLE_RESPONSE, make_page
from support.paths import UPSTREAM_EXAMPLE

Mode = Literal["sync", "async"]
Call = tuple[tuple[Any, ...], dict[str, Any]]

KEY = "0123456789abcdef0123456789abcdef"
PROJECT = "bc3f7dad-5544-468c-8573-3ef04d55463e"
ITERATION = "b7b9d99c-a2c6-4658-9900-a98d2ff5bc66"
TAG_1 = "65c1de9c-3ee9-4b46-941f-66199b64d155"
TAG_2 = "b5f7e6a2-a481-49a6-afec-a7cef1af3544"
BASE_PATH = (
    f"/customvision/v3.3/training/projects/{PROJECT}/iterations/{ITERATION}/performance/images"
)


def tag_ids(count: int) -> list[str]:
    """``count`` distinct canonical UUID strings."""
    return [str(uuid.UUID(int=i + 1)) for i in range(count)]


# --- fixtures and drivers ------------------------------------------------------------------


def run_calls(
    mode: Mode, endpoint: str, calls: Sequence[Call], **client_kwargs: Any
) -> list[list[ImagePerformance]]:
    """Make ``calls`` in order through one client of the given flavour, then close it."""
    if mode == "sync":
        with CustomVisionTrainingClient(endpoint, KEY, **client_kwargs) as client:
            return [client.get_image_performances(*args, **kwargs) for args, kwargs in calls]

    async def main() -> list[list[ImagePerformance]]:
        async with AsyncCustomVisionTrainingClient(endpoint, KEY, **client_kwargs) as client:
            return [await client.get_image_performances(*args, **kwargs) for args, kwargs in calls]

    return asyncio.run(main())


def fetch(mode: Mode, endpoint: str, *args: Any, **kwargs: Any) -> list[ImagePerformance]:
    """One get_image_performances call through a fresh client."""
    return run_calls(mode, endpoint, [(args, kwargs)])[0]


def fetch_with_reply(mode: Mode, server: ScriptedServer, reply: Reply) -> list[ImagePerformance]:
    """Answer the default call with ``reply``; check exactly one request was made."""
    server.enqueue(reply)
    result = fetch(mode, server.url, PROJECT, ITERATION)
    assert len(server.requests) == 1
    return result


def assert_standard_headers(request: RecordedRequest) -> None:
    """The headers every call must carry, each exactly once."""
    assert request.headers.get_all("Training-Key") == [KEY]
    assert request.headers.get_all("Accept") == ["application/json"]
    assert len(request.headers.get_all("User-Agent")) == 1
    assert "apiforge" in request.headers["user-agent"]


def assert_single_get(server: ScriptedServer, path_and_query: str) -> None:
    """Exactly one bodiless GET with the standard headers reached ``path_and_query``."""
    (request,) = server.requests
    assert request.method == "GET"
    assert request.path == path_and_query
    assert request.body == b""
    assert_standard_headers(request)


# --- typed expectations --------------------------------------------------------------------


def parse_time(text: str) -> datetime:
    """RFC 3339 with "Z" to an aware datetime (Python 3.11's fromisoformat reads "Z")."""
    return datetime.fromisoformat(text)


def expected_image(wire: Mapping[str, Any]) -> ImagePerformance:
    """What a full make_page() dict must decode to, built field by field."""
    return ImagePerformance(
        predictions=[
            Prediction(
                probability=p["probability"],
                tag_id=uuid.UUID(p["tagId"]),
                tag_name=p["tagName"],
                bounding_box=BoundingBox(
                    left=p["boundingBox"]["left"],
                    top=p["boundingBox"]["top"],
                    width=p["boundingBox"]["width"],
                    height=p["boundingBox"]["height"],
                ),
                tag_type=TagType(p["tagType"]),
            )
            for p in wire["predictions"]
        ],
        id=uuid.UUID(wire["id"]),
        created=parse_time(wire["created"]),
        width=wire["width"],
        height=wire["height"],
        image_uri=wire["imageUri"],
        thumbnail_uri=wire["thumbnailUri"],
        tags=[
            ImageTag(
                tag_id=uuid.UUID(t["tagId"]),
                tag_name=t["tagName"],
                created=parse_time(t["created"]),
            )
            for t in wire["tags"]
        ],
        regions=[
            ImageRegion(
                region_id=uuid.UUID(r["regionId"]),
                tag_name=r["tagName"],
                created=parse_time(r["created"]),
                tag_id=uuid.UUID(r["tagId"]),
                left=r["left"],
                top=r["top"],
                width=r["width"],
                height=r["height"],
            )
            for r in wire["regions"]
        ],
    )


def blank_image(**fields: Any) -> ImagePerformance:
    """An ImagePerformance with every field None except ``fields``."""
    names = ("predictions", "id", "created", "width", "height")
    names += ("image_uri", "thumbnail_uri", "tags", "regions")
    return ImagePerformance(**{name: None for name in names} | fields)


SAMPLE_EXPECTED = [
    ImagePerformance(
        predictions=[
            Prediction(
                probability=1.0,
                tag_id=uuid.UUID("b5f7e6a2-a481-49a6-afec-a7cef1af3544"),
                tag_name="Tag 1",
                bounding_box=BoundingBox(left=0.25, top=0.25, width=0.25, height=0.25),
                tag_type=None,
            )
        ],
        id=uuid.UUID("dfd2d346-3ed5-4e1e-857d-af4e32cec042"),
        created=datetime(2018, 1, 31, 20, 18, 26, tzinfo=UTC),
        width=600,
        height=1600,
        image_uri="<image uri>",
        thumbnail_uri="<thumbnail uri>",
        tags=[],
        regions=[],
    )
]


# --- the request on the wire ---------------------------------------------------------------

WIRE_CASES = [
    pytest.param((PROJECT, ITERATION), {}, "take=50&skip=0", id="defaults"),
    pytest.param(
        (PROJECT, ITERATION),
        {"tag_ids": [TAG_1, TAG_2], "order_by": OrderBy.OLDEST, "take": 256, "skip": 1000},
        f"tagIds={TAG_1},{TAG_2}&orderBy=Oldest&take=256&skip=1000",
        id="all-parameters",
    ),
    pytest.param(
        (PROJECT, ITERATION),
        {"order_by": "Newest"},
        "orderBy=Newest&take=50&skip=0",
        id="order-by-plain-str",
    ),
    pytest.param(
        (PROJECT, ITERATION),
        {"tag_ids": [TAG_2], "order_by": OrderBy.NEWEST, "take": 1, "skip": 7},
        f"tagIds={TAG_2}&orderBy=Newest&take=1&skip=7",
        id="one-tag-newest",
    ),
    pytest.param(
        (uuid.UUID(PROJECT), uuid.UUID(ITERATION)),
        {"tag_ids": [uuid.UUID(TAG_1), uuid.UUID(TAG_2)]},
        f"tagIds={TAG_1},{TAG_2}&take=50&skip=0",
        id="uuid-objects",
    ),
    pytest.param(
        (PROJECT.upper(), ITERATION.upper()),
        {"tag_ids": [TAG_1.upper(), TAG_2.upper()]},
        f"tagIds={TAG_1},{TAG_2}&take=50&skip=0",
        id="uppercase-strings",
    ),
    pytest.param((PROJECT, ITERATION), {"tag_ids": []}, "take=50&skip=0", id="empty-tag-ids"),
    pytest.param(
        (PROJECT, ITERATION),
        {"tag_ids": None, "order_by": None},
        "take=50&skip=0",
        id="explicit-nones",
    ),
    pytest.param((PROJECT, ITERATION), {"take": 0}, "take=0&skip=0", id="take-lower-bound"),
    pytest.param(
        (PROJECT, ITERATION),
        {"tag_ids": tag_ids(20)},
        f"tagIds={','.join(tag_ids(20))}&take=50&skip=0",
        id="twenty-tag-ids",
    ),
]


@pytest.mark.parametrize(("args", "kwargs", "query"), WIRE_CASES)
def test_request_path_query_and_headers(
    mode: Mode, server: ScriptedServer, args: tuple[Any, ...], kwargs: dict[str, Any], query: str
) -> None:
    server.enqueue(Reply.json([]))
    assert fetch(mode, server.url, *args, **kwargs) == []
    assert_single_get(server, f"{BASE_PATH}?{query}")


def test_trailing_slash_on_endpoint_is_tolerated(mode: Mode, server: ScriptedServer) -> None:
    server.enqueue(Reply.json([]))
    assert fetch(mode, f"{server.url}/", PROJECT, ITERATION) == []
    assert_single_get(server, f"{BASE_PATH}?take=50&skip=0")


# --- decoding 200 responses ----------------------------------------------------------------


def test_sample_response_constant_matches_shared_example() -> None:
    example = json.loads(UPSTREAM_EXAMPLE.read_text(encoding="utf-8"))
    assert example["responses"]["200"]["body"] == SAMPLE_RESPONSE


def test_decodes_sample_response(mode: Mode, server: ScriptedServer) -> None:
    result = fetch_with_reply(mode, server, Reply.json(SAMPLE_RESPONSE))
    assert type(result) is list
    assert result == SAMPLE_EXPECTED
    (image,) = result
    assert type(image.id) is uuid.UUID
    assert image.created.utcoffset() == timedelta(0)
    assert type(image.predictions) is list
    assert image.tags == [] and type(image.tags) is list
    assert image.regions == [] and type(image.regions) is list
    (prediction,) = image.predictions
    assert prediction.tag_type is None
    assert type(prediction.probability) is float


def test_decodes_empty_page(mode: Mode, server: ScriptedServer) -> None:
    assert fetch_with_reply(mode, server, Reply.json([])) == []


def test_decodes_full_page_of_256(mode: Mode, server: ScriptedServer) -> None:
    page = make_page()
    result = fetch_with_reply(mode, server, Reply.json(page))
    assert len(result) == 256
    for index, (got, wire) in enumerate(zip(result, page, strict=True)):
        assert got == expected_image(wire), f"image {index}"
        # Against the wire numbers themselves too, in case construction and decoding agree on
        # the same distortion (a rounding __post_init__, say).
        assert decoded_floats(got) == wire_floats(wire), f"image {index}"
    first = result[0]
    assert type(first.width) is int
    assert type(first.tags[0].tag_id) is uuid.UUID
    assert type(first.regions[0].left) is float
    assert {p.tag_type for image in result for p in image.predictions} == set(TagType)


def decoded_floats(image: ImagePerformance) -> list[float]:
    """Every float of a decoded image, in wire order."""
    values: list[float] = []
    for p in image.predictions or []:
        box = p.bounding_box
        values += [p.probability, box.left, box.top, box.width, box.height]
    for r in image.regions or []:
        values += [r.left, r.top, r.width, r.height]
    return values


def wire_floats(wire: Mapping[str, Any]) -> list[float]:
    """Every float of a make_page() image, in the order decoded_floats lists them."""
    values: list[float] = []
    for p in wire["predictions"]:
        values += [
            p["probability"],
            *(p["boundingBox"][k] for k in ("left", "top", "width", "height")),
        ]
    for r in wire["regions"]:
        values += [r[k] for k in ("left", "top", "width", "height")]
    return values


def test_absent_and_null_optional_fields_decode_to_none(mode: Mode, server: ScriptedServer) -> None:
    body = [
        {},
        {"predictions": None, "tags": None, "regions": None},
        {
            "predictions": [
                {"probability": 0.5},
                {"probability": 0.25, "tagName": None, "boundingBox": None, "tagType": None},
            ],
            "tags": [{}],
        },
    ]
    no_prediction = {"tag_id": None, "tag_name": None, "bounding_box": None, "tag_type": None}
    assert fetch_with_reply(mode, server, Reply.json(body)) == [
        blank_image(),
        blank_image(),
        blank_image(
            predictions=[
                Prediction(probability=0.5, **no_prediction),
                Prediction(probability=0.25, **no_prediction),
            ],
            tags=[ImageTag(tag_id=None, tag_name=None, created=None)],
        ),
    ]


def test_dotnet_largest_date_time_decodes(mode: Mode, server: ScriptedServer) -> None:
    # .NET's DateTime.MaxValue has seven fraction digits; msgspec rounds them to
    # microseconds, past the year 9999. Then every fraction finer than microseconds is cut.
    body = [
        {"created": "9999-12-31T23:59:59.9999999Z"},
        {
            "created": "2018-01-31T20:18:26.1234567+01:00",
            "tags": [{"tagName": "2018-01-31T20:18:26.1234567Z"}],
        },
    ]
    never, created = fetch_with_reply(mode, server, Reply.json(body))
    assert never.created == datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    plus_one = timezone(timedelta(hours=1))
    assert created.created == datetime(2018, 1, 31, 20, 18, 26, 123456, tzinfo=plus_one)
    assert created.tags is not None and created.tags[0].tag_name == "2018-01-31T20:18:26.123456Z"


def test_a_fraction_finer_than_microseconds_is_rounded(mode: Mode, server: ScriptedServer) -> None:
    body = [{"created": "2018-01-31T20:18:26.1234567Z"}]  # msgspec's own reading
    (rounded,) = fetch_with_reply(mode, server, Reply.json(body))
    assert rounded.created == datetime(2018, 1, 31, 20, 18, 26, 123457, tzinfo=UTC)


def test_unknown_enum_value_in_200_body_is_kept(mode: Mode, server: ScriptedServer) -> None:
    image = copy.deepcopy(SAMPLE_RESPONSE[0])
    template = image["predictions"][0]
    image["predictions"] = [
        {**template, "tagType": value} for value in ("Brand-New", "Negative", "GeneralProduct")
    ]
    (decoded,) = fetch_with_reply(mode, server, Reply.json([image]))
    unknown, negative, product = (p.tag_type for p in decoded.predictions)
    assert isinstance(unknown, TagType)
    assert unknown.value == "Brand-New"
    assert unknown not in list(TagType)
    assert negative is TagType.NEGATIVE
    assert product is TagType.GENERAL_PRODUCT


def with_unknown_fields(image: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a make_page() image with fields the spec does not know at every level."""
    extended = copy.deepcopy(dict(image))
    extended["futureField"] = {"nested": [1, {"deep": None}]}
    for tag in extended["tags"]:
        tag["colour"] = "red"
    for region in extended["regions"]:
        region["confidence"] = 0.5
    for prediction in extended["predictions"]:
        prediction["modelVersion"] = 3
        prediction["boundingBox"]["rotation"] = 90.0
    return extended


def test_unknown_fields_are_ignored(mode: Mode, server: ScriptedServer) -> None:
    page = make_page(3, seed=7)
    body = [with_unknown_fields(image) for image in page]
    result = fetch_with_reply(mode, server, Reply.json(body))
    assert result == [expected_image(image) for image in page]


# --- error responses -----------------------------------------------------------------------


def expect_api_error(mode: Mode, server: ScriptedServer, reply: Reply) -> ApiError:
    """Answer the default call with ``reply`` and return the ApiError it must raise."""
    server.enqueue(reply)
    with pytest.raises(ApiError) as caught:
        fetch(mode, server.url, PROJECT, ITERATION)
    assert len(server.requests) == 1
    error = caught.value
    assert error.status_code == reply.status
    assert isinstance(error.response, httpx.Response)
    assert error.response.status_code == reply.status
    assert error.response.content == reply.body
    return error


JSON_ERRORS = [
    pytest.param(
        404,
        {"code": "NotFoundProject", "message": "Project not found."},
        CustomVisionErrorCodes.NOT_FOUND_PROJECT,
        id="404-not-found-project",
    ),
    pytest.param(
        400,
        {"code": "BadRequest", "message": "Parameter 'take' is invalid."},
        CustomVisionErrorCodes.BAD_REQUEST,
        id="400-bad-request",
    ),
    pytest.param(
        404,
        {"code": "NotFoundProject", "message": "Gone.", "innerError": {"traceId": "abc"}},
        CustomVisionErrorCodes.NOT_FOUND_PROJECT,
        id="unknown-fields-ignored",
    ),
]


@pytest.mark.parametrize(("status", "body", "code"), JSON_ERRORS)
def test_json_error_body_raises_api_error_with_decoded_error(
    mode: Mode,
    server: ScriptedServer,
    status: int,
    body: dict[str, Any],
    code: CustomVisionErrorCodes,
) -> None:
    error = expect_api_error(mode, server, Reply.json(body, status=status))
    assert error.error == CustomVisionError(code=code, message=body["message"])
    assert error.error.code is code


def test_unknown_error_code_is_kept(mode: Mode, server: ScriptedServer) -> None:
    body = {"code": "SomethingNew", "message": "A code this client predates."}
    error = expect_api_error(mode, server, Reply.json(body, status=409))
    assert error.error is not None
    assert isinstance(error.error.code, CustomVisionErrorCodes)
    assert error.error.code.value == "SomethingNew"
    assert error.error.message == "A code this client predates."


# Statuses a client may retry (429, 502, 503, 504) are left to the retry tests: here each call
# must get exactly one answer.
NON_ERROR_BODIES = [
    pytest.param(
        Reply.text("<html><body>Internal Server Error</body></html>", 500, "text/html"), id="html"
    ),
    pytest.param(Reply(404), id="empty"),
    pytest.param(Reply.text("Forbidden", 403), id="plain-text"),
    pytest.param(
        Reply(400, {"Content-Type": "application/json"}, b'{"code": "BadReq'), id="broken-json"
    ),
    pytest.param(Reply.json({"error": "nope"}, 401), id="json-not-an-error"),
]


@pytest.mark.parametrize("reply", NON_ERROR_BODIES)
def test_non_error_body_raises_api_error_without_decoded_error(
    mode: Mode, server: ScriptedServer, reply: Reply
) -> None:
    assert expect_api_error(mode, server, reply).error is None


# --- arguments rejected before sending -----------------------------------------------------

INVALID_ARGUMENTS = [
    pytest.param({"take": -1}, ("take", "0"), id="take-below-0"),
    pytest.param({"take": 257}, ("take", "256"), id="take-above-256"),
    pytest.param({"tag_ids": tag_ids(21)}, ("tag_ids", "20"), id="21-tag-ids"),
    pytest.param({"project_id": "not-a-uuid"}, ("project_id",), id="project-id-not-uuid"),
]


@pytest.mark.parametrize(("overrides", "words"), INVALID_ARGUMENTS)
def test_invalid_arguments_raise_before_sending(
    mode: Mode, server: ScriptedServer, overrides: dict[str, Any], words: tuple[str, ...]
) -> None:
    kwargs = dict(overrides)
    project = kwargs.pop("project_id", PROJECT)
    with pytest.raises(ValueError) as caught:
        fetch(mode, server.url, project, ITERATION, **kwargs)
    message = str(caught.value)
    for word in words:
        assert re.search(rf"(?<![\w-]){re.escape(word)}(?!\w)", message), (word, message)
    assert server.requests == []


# --- the httpx client underneath -----------------------------------------------------------

PROBE = ("X-Probe", "caller-owned-client")


def drive_with_own_http_client(
    mode: Mode, url: str, how: Literal["close", "context"]
) -> tuple[list[ImagePerformance], bool, int | None]:
    """One call through a client built on a caller-owned httpx client, then the client is
    closed ``how``; returns the result, whether the httpx client got closed, and the status
    of one more request made with the httpx client (None when it was closed)."""
    if mode == "sync":
        with httpx.Client(headers=dict([PROBE])) as http_client:
            client = CustomVisionTrainingClient(url, KEY, http_client=http_client)
            if how == "close":
                result = client.get_image_performances(PROJECT, ITERATION)
                client.close()
            else:
                with client:
                    result = client.get_image_performances(PROJECT, ITERATION)
            if http_client.is_closed:
                return result, True, None
            return result, False, http_client.get(f"{url}/after-close").status_code

    async def main() -> tuple[list[ImagePerformance], bool, int | None]:
        async with httpx.AsyncClient(headers=dict([PROBE])) as http_client:
            client = AsyncCustomVisionTrainingClient(url, KEY, http_client=http_client)
            if how == "close":
                result = await client.get_image_performances(PROJECT, ITERATION)
                await client.aclose()
            else:
                async with client:
                    result = await client.get_image_performances(PROJECT, ITERATION)
            if http_client.is_closed:
                return result, True, None
            return result, False, (await http_client.get(f"{url}/after-close")).status_code

    return asyncio.run(main())


@pytest.mark.parametrize("how", ["close", "context"])
def test_caller_http_client_is_used_and_left_open(
    mode: Mode, server: ScriptedServer, how: Literal["close", "context"]
) -> None:
    server.enqueue(Reply.json(SAMPLE_RESPONSE), Reply.text("still usable"))
    result, closed, status_after = drive_with_own_http_client(mode, server.url, how)
    assert result == SAMPLE_EXPECTED
    assert not closed
    assert status_after == 200
    api_call, after_close = server.requests
    assert api_call.path == f"{BASE_PATH}?take=50&skip=0"
    assert api_call.headers.get_all(PROBE[0]) == [PROBE[1]]
    assert_standard_headers(api_call)
    assert after_close.path == "/after-close"


def test_sequential_calls_share_one_client_and_connection(
    mode: Mode, server: ScriptedServer
) -> None:
    def answer_with_skip(request: RecordedRequest) -> Reply:
        skip = int(dict(request.query_params)["skip"])
        return Reply.json([{"width": skip, "height": skip * 2}])

    server.handler = answer_with_skip
    calls: list[Call] = [((PROJECT, ITERATION), {"skip": i}) for i in range(30)]
    results = run_calls(mode, server.url, calls, timeout=30.0)
    assert [[(img.width, img.height) for img in page] for page in results] == [
        [(i, i * 2)] for i in range(30)
    ]
    requests = server.requests
    assert [r.path for r in requests] == [f"{BASE_PATH}?take=50&skip={i}" for i in range(30)]
    assert len({r.client_port for r in requests}) == 1, "each call opened a new connection"
