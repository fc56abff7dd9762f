"""Reading a path template as OpenAPI delimits it: what is between braces is a parameter's
name, whatever it holds, so a ``?`` or ``#`` there starts no query or fragment."""

from __future__ import annotations

import re

_NAME = re.compile(r"\{([^{}]*)\}")


def names(path: str) -> list[str]:
    """The parameter names in a path template, in order, empty ones (``{}``) included."""
    return _NAME.findall(path)


def partition(path: str, mark: str) -> tuple[str, str, str]:
    """``path.partition(mark)`` at the first ``mark`` outside a template name
    (``/items/{a#b}#x`` splits before ``#x``)."""
    depth = 0
    for index, char in enumerate(path):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == mark and depth <= 0:
            return path[:index], mark, path[index + 1 :]
    return path, "", ""
