"""Reading a path template as OpenAPI delimits it: what is between braces is a parameter's
name, whatever it holds, so a ``?`` or ``#`` there starts no query or fragment."""

from __future__ import annotations

import re

_NAME = re.compile(r"\{([^{}]*)\}")
# The fragment apiforge gives a path written with a query string whose path alone another
# operation has (load/lenient.py ``query_key``): it tells them apart, and is never sent.
QUERY_MARK = "apiforge-query-"


def names(path: str) -> list[str]:
    """The parameter names in a path template, in order, empty ones (``{}``) included."""
    return _NAME.findall(path)


def partition(path: str, mark: str) -> tuple[str, str, str]:
    """``path.partition(mark)`` at the first ``mark`` outside a template name
    (``/items/{a#b}#x`` splits before ``#x``)."""
    if mark not in path or "{" not in path:  # nearly every path: no walk needed
        return path.partition(mark)
    depth = 0
    for index, char in enumerate(path):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == mark and depth <= 0:
            return path[:index], mark, path[index + 1 :]
    return path, "", ""


def written(path: str) -> str:
    """``path`` as its author wrote it, near enough to name it: a ``QUERY_MARK`` fragment
    back as the query names (``/a#apiforge-query-lat-lon`` is ``/a?lat&lon``)."""
    bare, mark, fragment = partition(path, "#")
    if mark and fragment.startswith(QUERY_MARK):
        return bare + "?" + fragment.removeprefix(QUERY_MARK).replace("-", "&")
    return path
