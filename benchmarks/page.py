"""The benchmark page: one seeded, deterministic 200 body of ``GetImagePerformances``.

256 images, each with 2 tags, 2 regions and 10 predictions, every field set, in the wire
format of the Custom Vision Training API v3.3 (camelCase keys, RFC 3339 times, UUIDs,
full-precision doubles, a few non-ASCII and escaped tag names). About 938 KB of JSON.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Final

JsonObject = dict[str, Any]

IMAGES: Final = 256
SEED: Final = 20240601
TAG_TYPES: Final = ("Regular", "Negative", "GeneralProduct")
_TAG_NAMES: Final = ("Dog", "Cat", "Straße", "猫", "tag with spaces", 'say "cheese"', "back\\slash")
_EPOCH: Final = datetime(2017, 1, 1, tzinfo=UTC)
_SPAN_SECONDS: Final = 8 * 365 * 24 * 3600


def make_page(n: int = IMAGES, seed: int = SEED) -> list[JsonObject]:
    """``n`` images drawn from ``random.Random(seed)``: the same arguments, the same page."""
    rng = random.Random(seed)
    return [_image(rng) for _ in range(n)]


def page_bytes(n: int = IMAGES, seed: int = SEED) -> bytes:
    """The page as the service sends it: compact JSON, non-ASCII as UTF-8."""
    text = json.dumps(make_page(n, seed), ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def _image(rng: random.Random) -> JsonObject:
    image_id = _uuid(rng)
    return {
        "predictions": [_prediction(rng) for _ in range(10)],
        "id": image_id,
        "created": _timestamp(rng),
        "width": rng.randint(1, 4096),
        "height": rng.randint(1, 4096),
        "imageUri": (
            f"https://irisprodwu.blob.core.windows.net/i-{image_id.replace('-', '')}"
            f"/i-{image_id}?sv=2017-04-17&sr=b&sig=DfkcXXzY2n4W9p2cQx%2Bo%3D&se=2037-01-01"
        ),
        "thumbnailUri": (
            f"https://irisprodwu.blob.core.windows.net/i-{image_id.replace('-', '')}"
            f"/t-{image_id}?sv=2017-04-17&sr=b&sig=lk3mZa9qQ0r1PbV8f%2Bw%3D&se=2037-01-01"
        ),
        "tags": [_tag(rng) for _ in range(2)],
        "regions": [_region(rng) for _ in range(2)],
    }


def _tag(rng: random.Random) -> JsonObject:
    return {"tagId": _uuid(rng), "tagName": rng.choice(_TAG_NAMES), "created": _timestamp(rng)}


def _region(rng: random.Random) -> JsonObject:
    return {
        "regionId": _uuid(rng),
        "tagName": rng.choice(_TAG_NAMES),
        "created": _timestamp(rng),
        "tagId": _uuid(rng),
        **_box(rng),
    }


def _prediction(rng: random.Random) -> JsonObject:
    return {
        "probability": rng.random(),
        "tagId": _uuid(rng),
        "tagName": rng.choice(_TAG_NAMES),
        "boundingBox": _box(rng),
        "tagType": rng.choice(TAG_TYPES),
    }


def _box(rng: random.Random) -> JsonObject:
    return {
        "left": rng.random(),
        "top": rng.random(),
        "width": rng.random(),
        "height": rng.random(),
    }


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _timestamp(rng: random.Random) -> str:
    """RFC 3339 in UTC; about half carry milliseconds."""
    moment = _EPOCH + timedelta(seconds=rng.randrange(_SPAN_SECONDS))
    if rng.random() < 0.5:
        return f"{moment:%Y-%m-%dT%H:%M:%S}Z"
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{rng.randrange(1000):03d}Z"
