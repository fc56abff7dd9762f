"""What the ``iter_…`` methods share: reading an answer's fields by path, the next
page's URL from a ``Link`` header (RFC 8288), and the request for it. Not public API."""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from . import _runtime

# One link-value of a Link header: <URI>; param=value; rel="next"
_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]+)*)")
_REL = re.compile(r'(?:^|;)\s*rel\s*=\s*"?([^";]*)"?', re.IGNORECASE)


def field_at(value: Any, path: tuple[str, ...]) -> Any:
    """``value.a.b`` for ``("a", "b")``; None where a field on the way is None."""
    for name in path:
        if value is None:
            return None
        value = getattr(value, name, None)
    return value


def link_next(response: httpx.Response) -> str | None:
    """The target of the ``rel="next"`` link of the answer's Link headers, if any."""
    for header in response.headers.get_list("link"):
        for target, params in _LINK.findall(header):
            rel = _REL.search(params)
            if rel and "next" in rel.group(1).lower().split():
                return str(target)
    return None


def next_request(
    base_url: str, request: _runtime.Request, target: str
) -> _runtime.Request:
    """The first page's request sent to ``target`` instead: the next page's URL, relative
    to the base URL or absolute on the same origin. Another origin is refused: the
    credentials must not go where the spec does not say."""
    url = urljoin(base_url.rstrip("/") + "/", target) if "://" not in target else target
    here, there = urlsplit(base_url), urlsplit(url)
    if (here.scheme, here.netloc) != (there.scheme, there.netloc):
        raise ValueError(
            f"{request.operation}: the next page is on another origin: {target!r}"
        )
    # Under the base URL: relative to it; elsewhere on the origin: absolute (_base sends
    # an absolute URL as it is).
    relative = url.removeprefix(base_url) if url.startswith(base_url) else url
    # A link is followed with GET, without the first request's body.
    return dataclasses.replace(
        request, method="GET", url=relative, content=None, data=None, files=None
    )
