"""JSON answers that break their declared formats in a way with one reading, mended and
decoded again. Only reached when the first decode failed. Not public API."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")

_FINE_FRACTION = re.compile(
    rb'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})\d+([Zz]|[+-]\d\d:\d\d)"'
)
# A date-time where a date is declared: its date part is the date the service meant.
_DATE_TIME = re.compile(
    r"(\d{4}-\d\d-\d\d)[Tt ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[Zz]|[+-]\d\d:?\d\d)?"
)
_DATE_AT = re.compile(r"Invalid RFC3339 encoded date - at `\$(.*)`")
_STEP = re.compile(r"\.([^.\[]+)|\[(?:\d+|\.\.\.)\]")
# Each pass mends one field wherever it occurs; a body with more bad fields is refused.
_PASSES = 32


def decode(body: bytes, decoder: msgspec.json.Decoder[T], error: Exception) -> T:
    """``body`` decoded after mending what made ``decoder`` fail with ``error``; ``error``
    again when nothing can be mended.

    - msgspec rounds a fraction finer than microseconds, which for .NET's largest
      date-time (9999-12-31T23:59:59.9999999Z, "never" in Azure's answers) passes the
      year 9999: every such fraction is cut instead.
    - A date-time sent for a ``format: date`` field (common in real services, and
      Prism's made-up answers) is read as its date part, in every item of the same list
      or map: the field is mended wherever that path leads.
    """
    message = str(error)
    if "datetime" in message:
        cut = _FINE_FRACTION.sub(rb'"\1\2"', body)
        if cut != body:
            return decoder.decode(cut)
    value: Any = None
    for _ in range(_PASSES):
        at = _DATE_AT.fullmatch(message)
        if at is None:
            break
        steps = _steps(at.group(1))
        if steps is None:
            break
        if value is None:
            value = msgspec.json.decode(body)
        if not _mend(value, steps):
            break
        try:
            return decoder.decode(msgspec.json.encode(value))
        except msgspec.ValidationError as again:
            message = str(again)
    raise error


def _steps(path: str) -> list[str | None] | None:
    """msgspec's error path as keys (``None``: every item of a list or map), or None
    when it cannot be read back (a key holding ``.`` or ``[``)."""
    steps: list[str | None] = []
    end = 0
    for step in _STEP.finditer(path):
        if step.start() != end:
            return None
        steps.append(step.group(1))
        end = step.end()
    return steps if end == len(path) else None


def _mend(value: Any, steps: list[str | None]) -> bool:
    """Cut each date-time at ``steps`` under ``value`` to its date; True if one was."""
    if not steps:
        return False
    step, rest = steps[0], steps[1:]
    if step is None:
        items = value if isinstance(value, list) else []
        keys: list[Any] = list(range(len(items))) if items else []
        if isinstance(value, dict):
            keys = list(value)
    elif isinstance(value, dict) and step in value:
        keys = [step]
    else:
        return False
    mended = False
    for key in keys:
        if rest:
            mended = _mend(value[key], rest) or mended
            continue
        found = value[key]
        date = _DATE_TIME.fullmatch(found) if isinstance(found, str) else None
        if date is not None:
            value[key] = date.group(1)
            mended = True
    return mended
