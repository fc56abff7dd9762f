"""Table 1, decode: the page's bytes → ``list[ImagePerformance]``, in this process.

apiforge is measured through the generated client's own response path — the function
``get_image_performances`` calls on a 200 answer, fed an ``httpx.Response`` built from the
bytes — not through a bare msgspec decoder.
"""

from __future__ import annotations

import datetime
import enum
import importlib
import json
import sys
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import msgspec
import orjson
import pydantic
from pydantic.alias_generators import to_camel

from . import harness
from .harness import DASH, TIMES, Check, Results, Table
from .page import page_bytes

# ---------------------------------------------------------------------------------------
# Hand-written msgspec Structs: what a careful person writes without a generator.


class MTagType(enum.Enum):
    REGULAR = "Regular"
    NEGATIVE = "Negative"
    GENERAL_PRODUCT = "GeneralProduct"


class MBoundingBox(msgspec.Struct):
    left: float
    top: float
    width: float
    height: float


class MPrediction(msgspec.Struct, rename="camel"):
    probability: float | None = None
    tag_id: uuid.UUID | None = None
    tag_name: str | None = None
    bounding_box: MBoundingBox | None = None
    tag_type: MTagType | None = None


class MImageTag(msgspec.Struct, rename="camel"):
    tag_id: uuid.UUID | None = None
    tag_name: str | None = None
    created: datetime.datetime | None = None


class MImageRegion(msgspec.Struct, rename="camel", kw_only=True):
    region_id: uuid.UUID | None = None
    tag_name: str | None = None
    created: datetime.datetime | None = None
    tag_id: uuid.UUID
    left: float
    top: float
    width: float
    height: float


class MImagePerformance(msgspec.Struct, rename="camel"):
    predictions: list[MPrediction] | None = None
    id: uuid.UUID | None = None
    created: datetime.datetime | None = None
    width: int | None = None
    height: int | None = None
    image_uri: str | None = None
    thumbnail_uri: str | None = None
    tags: list[MImageTag] | None = None
    regions: list[MImageRegion] | None = None


# ---------------------------------------------------------------------------------------
# Hand-written pydantic v2 models, the same fields and types.


class _Camel(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(alias_generator=to_camel, populate_by_name=True)


class PBoundingBox(_Camel):
    left: float
    top: float
    width: float
    height: float


class PPrediction(_Camel):
    probability: float | None = None
    tag_id: uuid.UUID | None = None
    tag_name: str | None = None
    bounding_box: PBoundingBox | None = None
    tag_type: MTagType | None = None


class PImageTag(_Camel):
    tag_id: uuid.UUID | None = None
    tag_name: str | None = None
    created: datetime.datetime | None = None


class PImageRegion(_Camel):
    region_id: uuid.UUID | None = None
    tag_name: str | None = None
    created: datetime.datetime | None = None
    tag_id: uuid.UUID
    left: float
    top: float
    width: float
    height: float


class PImagePerformance(_Camel):
    predictions: list[PPrediction] | None = None
    id: uuid.UUID | None = None
    created: datetime.datetime | None = None
    width: int | None = None
    height: int | None = None
    image_uri: str | None = None
    thumbnail_uri: str | None = None
    tags: list[PImageTag] | None = None
    regions: list[PImageRegion] | None = None


# ---------------------------------------------------------------------------------------

Decoder = Callable[[], Any]
Probe = Callable[[Any], float]  # the first image's first prediction's probability


def _apiforge(page: bytes) -> tuple[Decoder, Probe]:
    if str(harness.GENERATED) not in sys.path:
        sys.path.insert(0, str(harness.GENERATED))
    operations = importlib.import_module(f"{harness.PACKAGE}._operations")
    parse = operations.parse_get_image_performances
    headers = {"content-type": "application/json"}

    def decode() -> Any:
        return parse(httpx.Response(200, headers=headers, content=page))

    return decode, lambda r: r[0].predictions[0].probability


def _opc(page: bytes) -> tuple[Decoder, Probe]:
    out = harness.work_dir("decode") / "opc_client"
    path, package = harness.opc_client(harness.ROOT / "spec" / "customvision-training.yaml", out)
    sys.path.insert(0, str(path))
    model = importlib.import_module(f"{package}.models").ImagePerformance
    from_dict = model.from_dict

    def decode() -> Any:
        return [from_dict(d) for d in json.loads(page)]

    return decode, lambda r: r[0].predictions[0].probability


def _msrest(page: bytes) -> tuple[Decoder, Probe]:
    from azure.cognitiveservices.vision.customvision.training import (  # type: ignore[import-untyped]
        models,
    )
    from msrest import Deserializer

    client_models = {k: v for k, v in models.__dict__.items() if isinstance(v, type)}
    deserialize = Deserializer(client_models)  # type: ignore[no-untyped-call]

    def decode() -> Any:
        return deserialize("[ImagePerformance]", page, content_type="application/json")

    return decode, lambda r: r[0].predictions[0].probability


def candidates(page: bytes) -> dict[str, tuple[Decoder, Probe]]:
    """Each decoder by the name printed in the table; apiforge first."""
    structs = msgspec.json.Decoder(list[MImagePerformance])
    adapter = pydantic.TypeAdapter(list[PImagePerformance])

    def dict_probe(r: Any) -> float:
        return float(r[0]["predictions"][0]["probability"])

    def obj_probe(r: Any) -> float:
        return float(r[0].predictions[0].probability)

    return {
        "apiforge (parse_get_image_performances)": _apiforge(page),
        "json.loads (dicts only)": (lambda: json.loads(page), dict_probe),
        "orjson.loads (dicts only)": (lambda: orjson.loads(page), dict_probe),
        "msgspec, hand-written Structs": (lambda: structs.decode(page), obj_probe),
        "pydantic v2 validate_json": (lambda: adapter.validate_json(page), obj_probe),
        "openapi-python-client models": _opc(page),
        "Microsoft SDK (msrest Deserializer)": _msrest(page),
    }


def run(repeat: int = 30) -> list[Check]:
    page = page_bytes()
    found = candidates(page)
    expected = json.loads(page)[0]["predictions"][0]["probability"]
    for name, (decode, probe) in found.items():
        result = decode()
        if len(result) != 256 or probe(result) != expected:
            raise AssertionError(f"{name} decoded the page wrongly")
    stats = harness.measure_many({n: d for n, (d, _) in found.items()}, repeat=repeat)
    ours = stats["apiforge (parse_get_image_performances)"].median
    mb = len(page) / 1e6
    table = Table(
        f"1. Decode: {len(page):,} bytes (256 images) → list[ImagePerformance]",
        ["decoder", "n", f"median ms (min{DASH}max)", "MB/s", "time vs apiforge"],
        note=(
            f"versions: msgspec {harness.version_of('msgspec')}, orjson "
            f"{harness.version_of('orjson')}, pydantic {harness.version_of('pydantic')}, "
            f"openapi-python-client {harness.version_of('openapi-python-client')}, msrest "
            f"{harness.version_of('msrest')}, azure-cognitiveservices-vision-customvision "
            f"{harness.version_of('azure-cognitiveservices-vision-customvision')}"
        ),
    )
    for name, s in stats.items():
        table.add(name, s.n, s.show("ms"), f"{mb / s.median:.0f}", f"{s.median / ours:.2f}{TIMES}")
    table.print()
    results = Results()
    base = stats["json.loads (dicts only)"].median
    results.add(
        Check(
            "decode: apiforge time / json.loads time",
            ours / base,
            "<=",
            0.5,
            detail=f"{ours * 1e3:.2f} ms vs {base * 1e3:.2f} ms",
        )
    )
    for peer, need in (
        ("pydantic v2 validate_json", 4.0),
        ("Microsoft SDK (msrest Deserializer)", 50.0),
    ):
        theirs = stats[peer].median
        results.add(
            Check(
                f"decode: faster than {peer.split(' (')[0]} by",
                theirs / ours,
                ">=",
                need,
                detail=f"{theirs * 1e3:.2f} ms vs {ours * 1e3:.2f} ms",
            )
        )
    return results.checks
