"""JSON-ready pages in the Custom Vision `ImagePerformance` wire format, for client tests.

`make_page` is deterministic: the same (n, seed) always gives the same page. `SAMPLE_RESPONSE`
is the sample 200 body of "Iterations - List Performance Images" (GetImagePerformances),
copied from tests/upstream/examples/GetImagePerformances.json (responses.200.body).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Final

JsonObject = dict[str, Any]

TAG_TYPES: Final = ("Regular", "Negative", "GeneralProduct")

# Non-ASCII, spaces, quotes and backslashes, so decoding is tested on more than plain words.
_TAG_NAMES: Final = ("Dog", "Cat", "Straße", "猫", "tag with spaces", 'say "cheese"', "back\\slash")

_EPOCH: Final = datetime(2017, 1, 1, tzinfo=UTC)
_SPAN_SECONDS: Final = 8 * 365 * 24 * 3600

SAMPLE_RESPONSE: Final[list[JsonObject]] = [
    {
        "id": "dfd2d346-3ed5-4e1e-857d-af4e32cec042",
        "created": "2018-01-31T20:18:26Z",
        "predictions": [
            {
                "tagId": "b5f7e6a2-a481-49a6-afec-a7cef1af3544",
                "tagName": "Tag 1",
                "probability": 1.0,
                "boundingBox": {"left": 0.25, "top": 0.25, "width": 0.25, "height": 0.25},
            }
        ],
        "width": 600,
        "height": 1600,
        "imageUri": "<image uri>",
        "thumbnailUri": "<thumbnail uri>",
        "tags": [],
        "regions": [],
    }
]


def make_page(n: int = 256, seed: int = 1234) -> list[JsonObject]:
    """``n`` images with every field set, drawn from ``random.Random(seed)``."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    rng = random.Random(seed)
    return [_image(rng) for _ in range(n)]


def _image(rng: random.Random) -> JsonObject:
    image_id = _uuid(rng)
    return {
        "id": image_id,
        "created": _timestamp(rng),
        "width": rng.randint(1, 4096),
        "height": rng.randint(1, 4096),
        "imageUri": f"https://irisprod.blob.core.windows.net/i-{image_id}?sv=2017-04-17&sr=b",
        "thumbnailUri": f"https://irisprod.blob.core.windows.net/t-{image_id}?sig=a%2Bb",
        "tags": [_tag(rng) for _ in range(2)],
        "regions": [_region(rng) for _ in range(2)],
        "predictions": [_prediction(rng) for _ in range(10)],
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
    # Full-precision doubles: a decoder that rounds through float32 would be caught.
    return {
        "left": rng.random(),
        "top": rng.random(),
        "width": rng.random(),
        "height": rng.random(),
    }


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _timestamp(rng: random.Random) -> str:
    """RFC 3339 in UTC with "Z"; about half carry milliseconds, so both forms get decoded."""
    moment = _EPOCH + timedelta(seconds=rng.randrange(_SPAN_SECONDS))
    if rng.random() < 0.5:
        return f"{moment:%Y-%m-%dT%H:%M:%S}Z"
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{rng.randrange(1000):03d}Z"
