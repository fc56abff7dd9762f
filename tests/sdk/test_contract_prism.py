"""Contract tests: the generated client against Prism mocking spec/customvision-training.yaml.

Prism validates each request against the spec and answers an invalid one with 422 (401 when
the ``Training-Key`` is missing) and an ``sl-violations`` header. Every test here sends through
an ``httpx`` client whose response hook records each exchange, then insists that none was
refused; the negative controls at the end prove that Prism does refuse, and that the checks
notice it.

Static mode answers the spec's example; ``--dynamic`` answers random schema-valid data, which
the client must decode into the types the models declare (checked field by field against the
raw JSON).

XML: ``accept`` is exercised with JSON only. Prism cannot stand in for the service's XML: for
``application/xml`` it writes the array as one ``<xml>`` element holding the first item's fields
(several root elements, so not even well-formed XML, in dynamic mode), not the
``<ArrayOfImagePerformance>`` the service sends; for ``text/xml`` it answers 500
``NO_COMPLEX_OBJECT_TEXT``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import itertools
import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import httpx
import msgspec.inspect as mi
import pytest
import yaml
from customvision_training import (
    ApiStatusError,
    AsyncCustomVisionTrainingClient,
    CustomVisionTrainingClient,
    ImagePerformance,
    OrderBy,
)
from support.paths import SPEC
from support.prism import Prism, running_prism, with_server_path_in_paths

KEY = "test-key"
PROJECT = uuid.UUID("6b3e1b4c-3b0a-4a55-9a55-2c9d1f0e7a11")
ITERATION = uuid.UUID("0f8d2f8e-5c1a-4d0e-b3a4-71f1c2d9e6b2")
# The generated client puts the spec's server path in front of every path.
BASE_PATH = "/customvision/v3.3/training"
OPERATION_PATH = f"{BASE_PATH}/projects/{PROJECT}/iterations/{ITERATION}/performance/images"

Kind = Literal["sync", "async"]
KINDS: tuple[Kind, ...] = ("sync", "async")


def tag_ids(count: int) -> list[uuid.UUID | str]:
    """``count`` tag ids, alternately ``uuid.UUID`` objects and upper-case strings."""
    ids = [uuid.uuid5(uuid.NAMESPACE_URL, f"apiforge/tag/{i}") for i in range(count)]
    return [u if i % 2 == 0 else str(u).upper() for i, u in enumerate(ids)]


# --- Prism --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def prism_spec(spec_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Prism routes on the path templates alone and ignores the server URL's path, so against
    # the spec itself it would 404 the client's /customvision/v3.3/training/projects/... and
    # only answer /projects/.... Rewriting `servers` does not help (Prism ignores it whether
    # relative, absolute or templated), so the copy moves the base path into every path key:
    # each full URL is unchanged and Prism validates exactly what the client sends.
    dest = tmp_path_factory.mktemp("prism-spec") / "customvision-training.prism.json"
    return with_server_path_in_paths(spec_path, dest)


@pytest.fixture(scope="session")
def prism_static(prism_spec: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prism]:
    with running_prism(prism_spec, log_dir=tmp_path_factory.mktemp("prism-static")) as prism:
        yield prism


@pytest.fixture(scope="session")
def prism_dynamic(prism_spec: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prism]:
    log_dir = tmp_path_factory.mktemp("prism-dynamic")
    with running_prism(prism_spec, log_dir=log_dir, dynamic=True) as prism:
        yield prism


@pytest.fixture(scope="session")
def spec_example(spec_path: Path) -> list[dict[str, Any]]:
    """The 200 response's JSON example: what static Prism answers."""
    spec = yaml.safe_load(spec_path.read_text("utf-8"))
    operation = spec["paths"]["/projects/{projectId}/iterations/{iterationId}/performance/images"]
    example: list[dict[str, Any]] = operation["get"]["responses"]["200"]["content"][
        "application/json"
    ]["example"]
    return example


# --- Recording and checking exchanges ------------------------------------------------------


class Exchanges:
    """Every response the http client received, body read, in order."""

    def __init__(self) -> None:
        self.responses: list[httpx.Response] = []

    def record(self, response: httpx.Response) -> None:
        response.read()
        self.responses.append(response)

    async def arecord(self, response: httpx.Response) -> None:
        await response.aread()
        self.responses.append(response)

    def queries(self) -> list[dict[str, str]]:
        return [dict(r.request.url.params) for r in self.responses]


def assert_accepted(responses: Sequence[httpx.Response], prism: Prism) -> None:
    """Fail unless at least one exchange happened and Prism refused none of them."""
    assert responses, "no request reached Prism"
    refused = [
        f"{r.request.method} {r.request.url} -> HTTP {r.status_code}; "
        f"sl-violations: {r.headers.get('sl-violations')}; body: {r.text[:500]}"
        for r in responses
        if r.status_code >= 400 or "sl-violations" in r.headers
    ]
    assert not refused, (
        "Prism refused requests of the generated client:\n"
        + "\n".join(refused)
        + f"\n--- end of Prism's log:\n{prism.output()[-3000:]}"
    )


def expected_query(
    *,
    take: int,
    skip: int,
    tags: Sequence[uuid.UUID | str] | None = None,
    order: OrderBy | str | None = None,
) -> dict[str, str]:
    query = {}
    if tags:
        query["tagIds"] = ",".join(str(uuid.UUID(str(t))) for t in tags)
    if order is not None:
        query["orderBy"] = str(order)
    query.update(take=str(take), skip=str(skip))
    return query


@functools.cache
def spec_properties() -> dict[str, set[str]]:
    """The property names of each object schema of the spec, by schema (= model) name."""
    spec = yaml.safe_load(SPEC.read_text("utf-8"))
    schemas = spec["components"]["schemas"]
    return {name: set(s["properties"]) for name, s in schemas.items() if "properties" in s}


def assert_matches(raw: Any, value: Any, t: mi.Type, where: str = "$") -> None:
    """``value`` is ``raw`` (parsed JSON) decoded into the type ``t`` says, field by field."""
    if isinstance(t, mi.UnionType):
        if raw is None:
            assert value is None and any(isinstance(u, mi.NoneType) for u in t.types), where
            return
        (t,) = [u for u in t.types if not isinstance(u, mi.NoneType)]
    assert raw is not None, f"{where}: null where the model allows none"
    if isinstance(t, mi.ListType):
        assert isinstance(raw, list) and isinstance(value, list), where
        assert len(value) == len(raw), where
        for i, (r, v) in enumerate(zip(raw, value, strict=True)):
            assert_matches(r, v, t.item_type, f"{where}[{i}]")
    elif isinstance(t, mi.StructType):
        assert isinstance(raw, dict) and isinstance(value, t.cls), where
        # A property the spec declares must land in a field (Prism adds random extra ones).
        known = {field.encode_name for field in t.fields}
        dropped = (raw.keys() & spec_properties()[t.cls.__name__]) - known
        assert not dropped, f"{where}: the model has no field for {sorted(dropped)}"
        for field in t.fields:
            here = f"{where}.{field.encode_name}"
            if field.encode_name in raw:
                assert_matches(raw[field.encode_name], getattr(value, field.name), field.type, here)
            else:
                assert not field.required, f"{here}: required but absent"
                assert getattr(value, field.name) == field.default, here
    elif isinstance(t, mi.UUIDType):
        assert isinstance(value, uuid.UUID) and value == uuid.UUID(raw), where
    elif isinstance(t, mi.DateTimeType):
        assert isinstance(value, datetime.datetime) and value.tzinfo is not None, where
        # fromisoformat truncates digits past microseconds where msgspec rounds.
        gap = abs(value - datetime.datetime.fromisoformat(raw))
        assert gap <= datetime.timedelta(microseconds=1), f"{where}: {value} != {raw}"
    elif isinstance(t, mi.EnumType):
        assert isinstance(value, t.cls) and value.value == raw, where
    elif isinstance(t, mi.IntType):
        assert type(raw) is int and type(value) is int and value == raw, where
    elif isinstance(t, mi.FloatType):
        assert isinstance(raw, int | float) and not isinstance(raw, bool), where
        assert type(value) is float and value == raw, where
    elif isinstance(t, mi.StrType):
        assert isinstance(value, str) and value == raw, where
    else:  # a type the models did not use when this was written: extend the check
        pytest.fail(f"{where}: no check for {t!r}")


IMAGE_PERFORMANCES = mi.type_info(list[ImagePerformance])


def assert_decoded(result: list[ImagePerformance], response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("application/json"), response.headers
    assert_matches(json.loads(response.content), result, IMAGE_PERFORMANCES)


# --- Driving both clients alike ------------------------------------------------------------


def call(
    kind: Kind,
    prism: Prism,
    method: Literal["get", "iter"],
    *,
    client_options: dict[str, Any] | None = None,
    **arguments: Any,
) -> tuple[list[ImagePerformance], Exchanges]:
    """``get_image_performances`` or ``list(iter_image_performances)`` on a fresh client."""
    exchanges = Exchanges()
    options = client_options or {}
    project = arguments.pop("project_id", PROJECT)
    iteration = arguments.pop("iteration_id", ITERATION)
    if kind == "sync":
        with (
            httpx.Client(event_hooks={"response": [exchanges.record]}) as http,
            CustomVisionTrainingClient(prism.url, KEY, http_client=http, **options) as client,
        ):
            try:
                if method == "get":
                    result = client.get_image_performances(project, iteration, **arguments)
                else:
                    result = list(client.iter_image_performances(project, iteration, **arguments))
            except ApiStatusError:
                assert_accepted(exchanges.responses, prism)  # says which request, and why
                raise
        return result, exchanges

    async def main() -> list[ImagePerformance]:
        async with (
            httpx.AsyncClient(event_hooks={"response": [exchanges.arecord]}) as http,
            AsyncCustomVisionTrainingClient(prism.url, KEY, http_client=http, **options) as client,
        ):
            if method == "get":
                return await client.get_image_performances(project, iteration, **arguments)
            iterator = client.iter_image_performances(project, iteration, **arguments)
            return [item async for item in iterator]

    try:
        return asyncio.run(main()), exchanges
    except ApiStatusError:
        assert_accepted(exchanges.responses, prism)  # says which request, and why
        raise


def assert_one_exchange(exchanges: Exchanges, prism: Prism) -> httpx.Response:
    assert_accepted(exchanges.responses, prism)
    assert len(exchanges.responses) == 1, exchanges.queries()
    response = exchanges.responses[0]
    assert response.request.url.path == OPERATION_PATH
    assert response.request.headers["Training-Key"] == KEY
    return response


# --- Every parameter combination, both clients ----------------------------------------------

ORDERS: tuple[OrderBy | str | None, ...] = (
    None,
    OrderBy.NEWEST,
    OrderBy.OLDEST,
    "Newest",
    "Oldest",
)
MATRIX = list(itertools.product((0, 256), (0, 2**31 - 1), (0, 1, 20), ORDERS))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("take", "skip", "tag_count", "order"),
    MATRIX,
    ids=[f"take={a}-skip={b}-tags={c}-order={d!r}" for a, b, c, d in MATRIX],
)
def test_get_image_performances_matrix(
    prism_static: Prism,
    spec_example: list[dict[str, Any]],
    kind: Kind,
    take: int,
    skip: int,
    tag_count: int,
    order: OrderBy | str | None,
) -> None:
    tags = tag_ids(tag_count)
    result, exchanges = call(
        kind, prism_static, "get", tag_ids=tags, order_by=order, take=take, skip=skip
    )
    response = assert_one_exchange(exchanges, prism_static)
    assert dict(response.request.url.params) == expected_query(
        take=take, skip=skip, tags=tags, order=order
    )
    assert json.loads(response.content) == spec_example  # static Prism serves the example
    assert_decoded(result, response)
    assert all(type(item) is ImagePerformance for item in result)


@pytest.mark.parametrize("kind", KINDS)
def test_get_image_performances_defaults(
    prism_static: Prism, spec_example: list[dict[str, Any]], kind: Kind
) -> None:
    result, exchanges = call(kind, prism_static, "get")
    response = assert_one_exchange(exchanges, prism_static)
    assert dict(response.request.url.params) == {"take": "50", "skip": "0"}
    assert response.request.headers["Accept"] == "application/json"
    assert_decoded(result, response)
    assert len(result) == len(spec_example) == 1
    assert result[0].id == uuid.UUID(spec_example[0]["id"])


ID_FORMS: dict[str, Callable[[uuid.UUID], uuid.UUID | str]] = {
    "uuid": lambda u: u,
    "str": str,
    "upper": lambda u: str(u).upper(),
    "braces": lambda u: "{" + str(u) + "}",
    "urn": lambda u: u.urn,
    "hex": lambda u: u.hex,
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("form", sorted(ID_FORMS))
def test_id_forms_reach_the_path_canonical(prism_static: Prism, kind: Kind, form: str) -> None:
    result, exchanges = call(
        kind,
        prism_static,
        "get",
        project_id=ID_FORMS[form](PROJECT),
        iteration_id=ID_FORMS[form](ITERATION),
        tag_ids=[ID_FORMS[form](u) for u in (PROJECT, ITERATION)],
    )
    response = assert_one_exchange(exchanges, prism_static)
    assert response.request.url.params["tagIds"] == f"{PROJECT},{ITERATION}"
    assert_decoded(result, response)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("client_accept", "call_accept"),
    [
        (None, "application/json"),
        ("application/json", None),
        ("application/json", "application/json"),
    ],
)
def test_accept_json(
    prism_static: Prism, kind: Kind, client_accept: str | None, call_accept: str | None
) -> None:
    result, exchanges = call(
        kind,
        prism_static,
        "get",
        client_options={"accept": client_accept},
        accept=call_accept,
        timeout=10.0,
        max_retries=0,
    )
    response = assert_one_exchange(exchanges, prism_static)
    assert response.request.headers["Accept"] == "application/json"
    assert_decoded(result, response)


# --- iter_image_performances ---------------------------------------------------------------
# Static Prism answers the one-item example to every page, whatever take and skip say, so a
# page is "short" exactly when page_size > 1, and page_size=1 pages on until limit.

ITER_CASES = [
    # page_size, limit, tags, order, the (take, skip) of each request
    (256, None, 0, None, [(256, 0)]),
    (256, 1, 20, OrderBy.OLDEST, [(1, 0)]),
    (1, 5, 1, "Newest", [(1, 0), (1, 1), (1, 2), (1, 3), (1, 4)]),
    (2, 3, 20, OrderBy.NEWEST, [(2, 0)]),
    (1, 3, 0, "Oldest", [(1, 0), (1, 1), (1, 2)]),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("page_size", "limit", "tag_count", "order", "pages"),
    ITER_CASES,
    ids=[f"page_size={c[0]}-limit={c[1]}" for c in ITER_CASES],
)
def test_iter_image_performances(
    prism_static: Prism,
    kind: Kind,
    page_size: int,
    limit: int | None,
    tag_count: int,
    order: OrderBy | str | None,
    pages: list[tuple[int, int]],
) -> None:
    tags = tag_ids(tag_count)
    result, exchanges = call(
        kind,
        prism_static,
        "iter",
        tag_ids=tags,
        order_by=order,
        page_size=page_size,
        limit=limit,
    )
    assert_accepted(exchanges.responses, prism_static)
    assert exchanges.queries() == [
        expected_query(take=take, skip=skip, tags=tags, order=order) for take, skip in pages
    ]
    assert len(result) == len(pages)
    for response in exchanges.responses:
        assert response.request.url.path == OPERATION_PATH
    for i, response in enumerate(exchanges.responses):
        assert_decoded(result[i : i + 1], response)


@pytest.mark.parametrize("kind", KINDS)
def test_iter_image_performances_limit_zero_sends_nothing(prism_static: Prism, kind: Kind) -> None:
    result, exchanges = call(kind, prism_static, "iter", limit=0)
    assert result == []
    assert exchanges.responses == []


# --- Dynamic mode: random schema-valid answers ----------------------------------------------


def test_dynamic_responses_decode(prism_dynamic: Prism) -> None:
    exchanges = Exchanges()
    cases = itertools.cycle(MATRIX)
    results: list[list[ImagePerformance]] = []
    with (
        httpx.Client(event_hooks={"response": [exchanges.record]}) as http,
        CustomVisionTrainingClient(prism_dynamic.url, KEY, http_client=http) as client,
    ):
        for _ in range(200):
            take, skip, tag_count, order = next(cases)
            results.append(
                client.get_image_performances(
                    PROJECT,
                    ITERATION,
                    tag_ids=tag_ids(tag_count),
                    order_by=order,
                    take=take,
                    skip=skip,
                )
            )
    assert_accepted(exchanges.responses, prism_dynamic)
    assert len(exchanges.responses) == len(results) == 200
    for result, response in zip(results, exchanges.responses, strict=True):
        assert_decoded(result, response)
    # Random indeed: not the example over and over, and with items to decode.
    assert len({r.content for r in exchanges.responses}) > 100
    assert sum(map(len, results)) > 200


# --- Negative controls: Prism's validation is real, and the checks above notice it ----------

VIOLATIONS = [
    ("take above maximum", {"take": "300"}, {}, OPERATION_PATH, 422, "take"),
    ("take below minimum", {"take": "-1"}, {}, OPERATION_PATH, 422, "take"),
    ("skip beyond int32", {"skip": str(2**31)}, {}, OPERATION_PATH, 422, "skip"),
    ("21 tag ids", {"tagIds": ",".join(map(str, tag_ids(21)))}, {}, OPERATION_PATH, 422, "tagids"),
    ("tag id not a uuid", {"tagIds": "dog"}, {}, OPERATION_PATH, 422, "tagids"),
    ("orderBy lower case", {"orderBy": "newest"}, {}, OPERATION_PATH, 422, "orderby"),
    (
        "projectId not a uuid",
        {},
        {},
        OPERATION_PATH.replace(str(PROJECT), "my-project"),
        422,
        "projectid",
    ),
    ("no Training-Key", {}, {"Training-Key": None}, OPERATION_PATH, 401, "security"),
]


@pytest.mark.parametrize(
    ("query", "headers", "path", "status", "mentions"),
    [v[1:] for v in VIOLATIONS],
    ids=[v[0] for v in VIOLATIONS],
)
def test_prism_refuses_invalid_requests(
    prism_static: Prism,
    query: dict[str, str],
    headers: dict[str, str | None],
    path: str,
    status: int,
    mentions: str,
) -> None:
    all_headers = {"Training-Key": KEY, **headers}
    sent = {k: v for k, v in all_headers.items() if v is not None}
    response = httpx.get(prism_static.url + path, params=query, headers=sent, timeout=10.0)
    assert response.status_code == status, response.text
    violations = json.loads(response.headers["sl-violations"])
    assert violations and all(v["severity"] == "Error" for v in violations), violations
    assert mentions in json.dumps(violations).lower(), violations
    with pytest.raises(AssertionError, match="Prism refused"):
        assert_accepted([response], prism_static)


def test_prism_does_not_route_the_unprefixed_path(prism_static: Prism) -> None:
    # The copy carries the base path: a client that dropped it would get 404, not the example.
    path = OPERATION_PATH.removeprefix(BASE_PATH)
    response = httpx.get(prism_static.url + path, headers={"Training-Key": KEY}, timeout=10.0)
    assert response.status_code == 404, response.text
    with pytest.raises(AssertionError, match="Prism refused"):
        assert_accepted([response], prism_static)


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_client_request_fails_the_checks(prism_static: Prism, kind: Kind) -> None:
    """The generated client's own request, spoiled on its way out, is caught end to end."""

    def spoil(request: httpx.Request) -> None:
        request.url = request.url.copy_set_param("take", "300")

    async def aspoil(request: httpx.Request) -> None:
        spoil(request)

    exchanges = Exchanges()
    with contextlib.ExitStack() as stack, pytest.raises(ApiStatusError) as caught:
        if kind == "sync":
            http = stack.enter_context(
                httpx.Client(event_hooks={"request": [spoil], "response": [exchanges.record]})
            )
            client = CustomVisionTrainingClient(prism_static.url, KEY, http_client=http)
            client.get_image_performances(PROJECT, ITERATION)
        else:

            async def main() -> None:
                hooks: dict[str, list[Callable[..., Any]]] = {
                    "request": [aspoil],
                    "response": [exchanges.arecord],
                }
                async with httpx.AsyncClient(event_hooks=hooks) as http:
                    client = AsyncCustomVisionTrainingClient(
                        prism_static.url, KEY, http_client=http
                    )
                    await client.get_image_performances(PROJECT, ITERATION)

            asyncio.run(main())
    assert caught.value.status_code == 422
    assert len(exchanges.responses) == 1
    assert "sl-violations" in exchanges.responses[0].headers
    with pytest.raises(AssertionError, match="take must be <= 256"):
        assert_accepted(exchanges.responses, prism_static)


# --- The helper itself ----------------------------------------------------------------------


def test_missing_prism_fails_with_install_hint(prism_spec: Path, tmp_path: Path) -> None:
    with (
        pytest.raises(pytest.fail.Exception, match=r"make test.*npm ci"),
        running_prism(prism_spec, log_dir=tmp_path, binary=tmp_path / "prism"),
    ):
        pass


def test_prism_dying_at_start_fails_with_its_output(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-spec.yaml"
    with (
        pytest.raises(pytest.fail.Exception, match="exited with status") as caught,
        running_prism(missing, log_dir=tmp_path),
    ):
        pass
    assert "ENOENT: no such file or directory" in str(caught.value)  # Prism's own words


def test_prism_is_stopped_after_the_block(prism_spec: Path, tmp_path: Path) -> None:
    with running_prism(prism_spec, log_dir=tmp_path) as prism:
        assert prism.process.poll() is None
    assert prism.process.returncode is not None
    with pytest.raises(httpx.ConnectError):
        httpx.get(prism.url, timeout=5.0)
