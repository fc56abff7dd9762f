"""Hostile and broken input: a clear, located error, exit code 2, and nothing lost.

Every case runs the real command (``python -P -m apiforge generate SPEC --output OUT
--package p``) against an output directory that already holds a valid generation, and
checks that:

- it exits 2 and prints the problem in the compiler style, ``FILE:LINE:COL: error: WHAT
  (at #/json/pointer)``, at the line, column and pointer the table names;
- no "Traceback" appears anywhere in its output;
- the output directory is exactly as it was: same entries, bytes, modes and mtimes, and
  no staging directory left beside the package.

The specs live in ``tests/hostile/``; the ones that are too big, not text or not there at
all are made by the tests. Warnings (an operation without operationId) exit 0, or 2 with
``--strict``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.paths import HOSTILE, REPO_ROOT

PACKAGE = "p"
Cli = Callable[..., subprocess.CompletedProcess[str]]
# FILE:LINE:COL: error: MESSAGE (at #POINTER); a problem with the file as a whole (too big,
# missing) has no line and column, and one outside the document's tree no pointer.
DIAGNOSTIC = re.compile(
    r"^(?P<file>[^:]+)(?::(?P<line>\d+):(?P<col>\d+))?: (?P<severity>error|warning): "
    r"(?P<message>.+?)(?: \(at #(?P<pointer>.*)\))?$"
)
VALID_SPEC = """\
openapi: 3.0.3
info:
  title: Valid
  version: "1"
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Item"
components:
  schemas:
    Item:
      type: object
      properties:
        name: {type: string}
"""

Snapshot = dict[str, tuple[str, bytes, int, int]]


def snapshot(root: Path) -> Snapshot:
    """Every entry under ``root`` (itself included): kind, bytes, mode and mtime."""
    found: Snapshot = {}
    for path in [root, *sorted(root.rglob("*"))]:
        st = path.lstat()
        kind = "dir" if path.is_dir() else "file"
        data = path.read_bytes() if kind == "file" else b""
        found[path.relative_to(root).as_posix() or "."] = (kind, data, st.st_mode, st.st_mtime_ns)
    return found


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """What differs between two snapshots, one line per entry."""
    lines = []
    for rel in sorted(set(before) | set(after)):
        old, new = before.get(rel), after.get(rel)
        if old == new:
            continue
        if old is None or new is None:
            lines.append(f"{rel}: {'appeared' if old is None else 'vanished'}")
        else:
            what = [
                n
                for n, a, b in zip(("kind", "bytes", "mode", "mtime"), old, new, strict=True)
                if a != b
            ]
            lines.append(f"{rel}: {', '.join(what)} changed")
    return lines


@dataclass(frozen=True)
class Baseline:
    """An output directory holding one valid generation of ``p``."""

    output: Path


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory, cli: Cli) -> Baseline:
    work = tmp_path_factory.mktemp("baseline")
    (work / "valid.yaml").write_text(VALID_SPEC, encoding="utf-8")
    result = cli("generate", "valid.yaml", "--output", "out", "--package", PACKAGE, cwd=work)
    assert result.returncode == 0, result.stderr
    assert (work / "out" / PACKAGE / "__init__.py").is_file()
    return Baseline(work / "out")


@pytest.fixture
def output(baseline: Baseline, tmp_path: Path) -> Path:
    """A private copy of the baseline output (mtimes kept), under ``tmp_path/out``."""
    copy = tmp_path / "out"
    shutil.copytree(baseline.output, copy, copy_function=shutil.copy2)
    return copy


@dataclass(frozen=True)
class Expected:
    """The one error a case must print: where, and what its message says."""

    line: int
    column: int
    message: str  # a regular expression searched in the message
    pointer: str | None = None  # exact; None when the error has no pointer
    count: int = 1


def run_failing(
    cli: Cli, spec: str | Path, cwd: Path, output: Path, *extra: str
) -> tuple[subprocess.CompletedProcess[str], list[re.Match[str]]]:
    """Run the generator, which must fail cleanly without touching ``output``."""
    before = snapshot(output)
    result = cli("generate", spec, "--output", output, "--package", PACKAGE, *extra, cwd=cwd)
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.stderr.rstrip().endswith("nothing was written"), result.stderr
    assert not changes(before, snapshot(output)), changes(before, snapshot(output))
    leftovers = [p.name for p in output.iterdir() if p.name != PACKAGE]
    assert not leftovers, f"left beside the package: {leftovers}"
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    matches = [DIAGNOSTIC.match(line) for line in errors]
    assert all(matches), f"not in the FILE:LINE:COL: error: WHAT style: {errors}"
    return result, [m for m in matches if m is not None]


def check(match: re.Match[str], file: str, expected: Expected) -> None:
    got = (match["file"], int(match["line"] or 0), int(match["col"] or 0), match["pointer"])
    want = (file, expected.line, expected.column, expected.pointer)
    assert got == want, f"{match.string!r}: expected {want}"
    assert re.search(expected.message, match["message"]), (match["message"], expected.message)


OP = "/paths/~1items/get"
REF = f"{OP}/responses/200/content/application~1json/schema/$ref"
DEEP = "/components/schemas/Deep"
CASES: dict[str, Expected] = {
    # The parser: syntax, duplicate keys, what the document is.
    # The outer '{' of line 7 is left open: reported there, not where the parser gave up.
    "yaml-syntax.yaml": Expected(7, 10, r"^'\{' is never closed$"),
    "json-syntax.json": Expected(5, 96, r"^JSON syntax error: Expecting property name"),
    "duplicate-key.yaml": Expected(12, 7, r"^duplicate key 'operationId'$", f"{OP}/operationId"),
    "duplicate-key.json": Expected(9, 3, r"^duplicate key 'info'$", "/info"),
    "not-openapi.yaml": Expected(2, 1, r"^not an OpenAPI document"),
    "swagger-1.2.yaml": Expected(1, 10, r"^unsupported Swagger version '1\.2'$", "/swagger"),
    "openapi-3.2.0.yaml": Expected(1, 10, r"^unsupported OpenAPI version '3\.2\.0'$", "/openapi"),
    "openapi-4.0.yaml": Expected(1, 10, r"^unsupported OpenAPI version '4\.0'$", "/openapi"),
    # openapi-spec-validator's complaints, at the line of the offending value.
    "invalid-parameter-in.yaml": Expected(
        11,
        15,
        r"^'body' is not one of \['path', 'query', 'header', 'cookie'\]$",
        f"{OP}/parameters/0/in",
    ),
    "invalid-schema-type.yaml": Expected(
        12, 17, r"^'strin' is not one of \[", "/components/schemas/Item/properties/name/type"
    ),
    "missing-responses.yaml": Expected(8, 7, r"^'responses' is a required property$", OP),
    # References.
    "ref-unresolved.yaml": Expected(
        15, 23, r"^unresolved reference '#/components/schemas/Nope'$", REF
    ),
    "ref-http.yaml": Expected(15, 23, r"^\$ref to a URL 'http://.*network", REF),
    "ref-https.yaml": Expected(15, 23, r"^\$ref to a URL 'https://.*network", REF),
    "ref-outside.yaml": Expected(15, 23, r"^\$ref '\.\./x\.yaml#/A' points outside", REF),
    "ref-beside.yaml": Expected(
        15, 23, r"^unresolved reference 'beside\.yaml#/Nope': beside\.yaml has no '#/Nope'$", REF
    ),
    "ref-missing-file.yaml": Expected(
        15, 23, r"^\$ref 'nowhere\.yaml#/Item': no such file: nowhere\.yaml$", REF
    ),
    # A: {$ref: B}, B: {$ref: A} is no schema at all, unlike a recursive model.
    "ref-cycle.yaml": Expected(19, 13, r"cycle", "/components/schemas/A/$ref"),
    # Unsupported constructs, named precisely.
    "unsupported-const-object.yaml": Expected(
        13,
        13,
        r"^only scalar 'const' values are supported$",
        "/components/schemas/Item/properties/name/const",
    ),
    "cookie-name-not-a-token.yaml": Expected(
        10, 17, r"^a cookie's name must be a token", f"{OP}/parameters/0/name"
    ),
    # Complaints of the validator's keyword checks (each schema against its dialect), deep
    # in the file: at the value, not at 1:1 with a pointer relative to the schema.
    "schema-null.yaml": Expected(
        144, 15, r"^None is not of type 'object', 'boolean'$", f"{DEEP}/properties/gone"
    ),
    "schema-type-typo.json": Expected(
        176, 21, r"^'strin' is not one of \[", f"{DEEP}/properties/tag/type"
    ),
    # What is read leniently (tests/lenient/), in forms that are not: a pattern that is
    # no regular expression in ECMA-262 either, Swagger 2.0 with a oneOf that is not a list
    # or a nullable that is not a boolean. A reference is followed to where the value is.
    "pattern-broken.yaml": Expected(
        146, 20, r"^'\[a-' is not a 'regex'$", f"{DEEP}/properties/tag/pattern"
    ),
    "pattern-broken.json": Expected(
        177, 24, r"^'\\\\p\{L' is not a 'regex'$", f"{DEEP}/properties/tag/pattern"
    ),
    "swagger-pattern-broken.yaml": Expected(
        143, 36, r"^'\(unclosed' is not a 'regex'$", "/definitions/Deep/properties/tag/pattern"
    ),
    "swagger-one-of-not-a-list.yaml": Expected(
        143,
        16,
        r"^'oneOf' does not match any of the regexes",
        "/definitions/Deep/properties/id/oneOf",
    ),
    "swagger-nullable-not-boolean.yaml": Expected(
        144, 19, r"^'nullable' does not match", "/definitions/Deep/properties/nick/nullable"
    ),
    # No parameter can fill an empty template name. (Names holding '!', ':' or '[', which
    # the validator's own template reader chokes on, are read as OpenAPI says: construct
    # "names".)
    "path-template-empty.yaml": Expected(6, 3, r"empty parameter name", "/paths/~1items~1{}"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_broken_spec_is_refused_with_a_located_error(
    name: str, output: Path, tmp_path: Path, cli: Cli
) -> None:
    # The spec is copied beside a decoy ../x.yaml, so "outside" is not about a missing file.
    folder = tmp_path / "specs"
    folder.mkdir()
    shutil.copy(HOSTILE / name, folder / name)
    shutil.copy(HOSTILE / "beside.yaml", folder / "beside.yaml")
    (tmp_path / "x.yaml").write_text("A: {type: object}\n", encoding="utf-8")
    expected = CASES[name]
    result, matches = run_failing(cli, name, folder, output)
    assert len(matches) == expected.count, result.stderr
    check(matches[0], name, expected)


# Specs split across files (tests/hostile/multifile/<case>/): the root refers to a path item
# that refers to models/item.yaml, whose reference is the mistake. The error is in that
# file, at its line, column and pointer; nothing is read past it, nothing written.
ITEM = "models/item.yaml"
SIZE_REF = "/properties/size/$ref"
MULTIFILE_CASES: dict[str, Expected] = {
    "outside": Expected(7, 11, r"^\$ref '\.\./\.\./decoy\.yaml#/Size' points outside", SIZE_REF),
    "url": Expected(7, 11, r"^\$ref to a URL 'https://example\.com/.*network$", SIZE_REF),
    "missing-file": Expected(
        7, 11, r"^\$ref 'size\.yaml': no such file: models/size\.yaml$", SIZE_REF
    ),
    "missing-fragment": Expected(
        7, 11, r"^unresolved reference 'common\.yaml#/Sizes': models/common\.yaml has no", SIZE_REF
    ),
}


@pytest.mark.parametrize("case", list(MULTIFILE_CASES))
def test_a_broken_reference_in_another_file_is_refused_there(
    case: str, output: Path, cli: Cli
) -> None:
    result, matches = run_failing(cli, "openapi.yaml", HOSTILE / "multifile" / case, output)
    assert len(matches) == 1, result.stderr
    check(matches[0], ITEM, MULTIFILE_CASES[case])


def test_every_multifile_case_has_a_row() -> None:
    folders = {p.name for p in (HOSTILE / "multifile").iterdir() if p.is_dir()}
    assert folders == set(MULTIFILE_CASES)


def test_every_hostile_file_has_a_case() -> None:
    files = {p.name for p in HOSTILE.iterdir() if p.suffix in (".yaml", ".json")}
    helpers = {"beside.yaml", "no-operation-id.yaml", "overlapping-one-of.yaml"}
    assert files - helpers == set(CASES)


# --- made by the tests: bombs, huge, not text, empty, missing ---------------------------------


def _bomb(levels: int = 12, width: int = 9) -> str:
    """A YAML alias bomb: ``width ** levels`` values from a few hundred bytes."""
    lines = [VALID_SPEC.rstrip("\n"), "x-bomb:"]
    lines.append(f"  l0: &l0 [{', '.join(['lol'] * width)}]")
    for level in range(1, levels):
        lines.append(f"  l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


_MEASURED = """\
import resource, subprocess, sys
limit = int(sys.argv[1])
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
done = subprocess.run(sys.argv[2:], preexec_fn=cap, capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(f"{done.returncode}\\n{peak}\\n" + done.stderr)
"""


def test_yaml_alias_bomb_fails_on_the_budget_in_bounded_memory(
    output: Path, tmp_path: Path
) -> None:
    """9**12 (282 billion) values from 400 bytes: refused by the value budget, and the
    generator's peak RSS, measured in a wrapper process of its own, stays under 1 GiB."""
    (tmp_path / "bomb.yaml").write_text(_bomb(), encoding="utf-8")
    before = snapshot(output)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update({"PYTHONPATH": str(REPO_ROOT / "generator"), "PYTHONDONTWRITEBYTECODE": "1"})
    command = [sys.executable, "-P", "-m", "apiforge", "generate", "bomb.yaml"]
    command += ["--output", str(output), "--package", PACKAGE]
    address_space = 4 * 1024**3  # a safety net only: the assertion below is on RSS
    wrapper = [sys.executable, "-c", _MEASURED, str(address_space), *command]
    done = subprocess.run(
        wrapper, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    code, peak_kib, stderr = done.stdout.split("\n", 2)
    assert int(code) == 2, stderr
    assert "Traceback" not in stderr + done.stderr, stderr
    assert int(peak_kib) < 1024 * 1024, f"peak RSS {int(peak_kib) // 1024} MiB"
    errors = [DIAGNOSTIC.match(line) for line in stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0] is not None, stderr
    assert errors[0]["file"] == "bomb.yaml" and int(errors[0]["line"]) > 0, stderr
    assert re.search(r"expands to over [\d,]+ values", errors[0]["message"]), stderr
    assert not changes(before, snapshot(output))


def test_50_megabyte_spec_is_refused_by_the_size_budget(
    output: Path, tmp_path: Path, cli: Cli
) -> None:
    big = tmp_path / "big.yaml"
    with big.open("w", encoding="utf-8") as fh:
        fh.write(VALID_SPEC)
        fh.write("x-padding: |\n")
        line = "  " + "a" * 1022 + "\n"
        for _ in range(50 * 1024):
            fh.write(line)
    assert big.stat().st_size > 50 * 1024 * 1024
    result, matches = run_failing(cli, "big.yaml", tmp_path, output)
    assert len(matches) == 1, result.stderr
    line = matches[0].string
    assert re.fullmatch(r"big\.yaml: error: spec is [\d,]+ bytes; the limit is [\d,]+", line)
    limit = int(line.rsplit(" ", 1)[-1].replace(",", ""))
    assert limit < big.stat().st_size


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("latin1.yaml", "openapi: 3.0.3\ninfo: {title: Caf\xe9}\n".encode("latin-1"), "UTF-8"),
        ("utf16.json", '{"openapi": "3.0.3"}'.encode("utf-16"), "UTF-8"),
        # Valid UTF-8, but YAML allows no NUL: PyYAML's reader knows the position.
        ("nul.yaml", b"openapi: 3.0.3\ninfo: {title: \x00}\n", "control characters"),
    ],
)
def test_bytes_that_are_not_yaml_text(
    name: str, content: bytes, message: str, output: Path, tmp_path: Path, cli: Cli
) -> None:
    (tmp_path / name).write_bytes(content)
    result, matches = run_failing(cli, name, tmp_path, output)
    assert len(matches) == 1, result.stderr
    error = matches[0]
    assert error["file"] == name and message in error["message"], error.string
    # Where: a line and column, or at least the byte offset.
    assert error["line"] or re.search(r"offset \d+", error["message"]), error.string


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_spec(content: str, output: Path, tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "empty.yaml").write_text(content, encoding="utf-8")
    result, matches = run_failing(cli, "empty.yaml", tmp_path, output)
    assert len(matches) == 1, result.stderr
    assert matches[0]["file"] == "empty.yaml" and matches[0]["message"] == "spec is empty"


def test_missing_spec(output: Path, tmp_path: Path, cli: Cli) -> None:
    result, _ = run_failing(cli, "nowhere.yaml", tmp_path, output)
    assert "nowhere.yaml: error: cannot read spec: No such file or directory" in result.stderr


def test_directory_as_spec(output: Path, tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "spec.yaml").mkdir()
    result, _ = run_failing(cli, "spec.yaml", tmp_path, output)
    assert re.search(r"^spec\.yaml: error: cannot read spec: ", result.stderr, re.M)


# --- an output that cannot be written ----------------------------------------------------------
# Tests run as root in CI, where chmod 000 stops nothing; a regular file where a directory
# must be created is refused to root too. (A read-only file system needs a mount: not done.)


@pytest.mark.parametrize("where", ["parent", "itself"])
def test_output_that_is_a_file(where: str, tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "valid.yaml").write_text(VALID_SPEC, encoding="utf-8")
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"a regular file\n")
    before = blocker.stat()
    output = blocker / "out" if where == "parent" else blocker
    result = cli("generate", "valid.yaml", "--output", output, "--package", PACKAGE, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert re.search(r"error: cannot write output: \S", result.stderr), result.stderr
    assert str(blocker) in result.stderr, result.stderr
    assert blocker.read_bytes() == b"a regular file\n"
    assert blocker.stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "valid.yaml"]


# --- warnings ---------------------------------------------------------------------------------


def test_operation_without_operation_id_warns_and_succeeds(tmp_path: Path, cli: Cli) -> None:
    shutil.copy(HOSTILE / "no-operation-id.yaml", tmp_path / "spec.yaml")
    result = cli("generate", "spec.yaml", "--output", "out", "--package", PACKAGE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warnings = [DIAGNOSTIC.match(line) for line in result.stderr.splitlines()]
    assert len(warnings) == 1 and warnings[0] is not None, result.stderr
    w = warnings[0]
    assert (w["file"], w["line"], w["col"], w["severity"], w["pointer"]) == (
        "spec.yaml",
        "8",
        "7",
        "warning",
        OP,
    )
    assert "operationId" in w["message"] and "get_items" in w["message"]
    assert (tmp_path / "out" / PACKAGE / "__init__.py").is_file()


def test_operation_without_operation_id_is_an_error_with_strict(
    output: Path, tmp_path: Path, cli: Cli
) -> None:
    shutil.copy(HOSTILE / "no-operation-id.yaml", tmp_path / "spec.yaml")
    result, matches = run_failing(cli, "spec.yaml", tmp_path, output, "--strict")
    assert len(matches) == 1, result.stderr
    assert (matches[0]["line"], matches[0]["col"], matches[0]["pointer"]) == ("8", "7", OP)
    assert "operationId" in matches[0]["message"]
    assert ": warning: " not in result.stderr


def test_overlapping_one_of_warns_where_it_is_and_generates(tmp_path: Path, cli: Cli) -> None:
    # Cat and Dog declare nothing required: an empty object fits both.
    shutil.copy(HOSTILE / "overlapping-one-of.yaml", tmp_path / "spec.yaml")
    result = cli("generate", "spec.yaml", "--output", "out", "--package", PACKAGE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (w,) = [m for m in map(DIAGNOSTIC.match, result.stderr.splitlines()) if m]
    where = (w["file"], w["line"], w["col"], w["severity"], w["pointer"])
    assert where == ("spec.yaml", "18", "9", "warning", "/components/schemas/Pet/oneOf")
    assert w["message"].startswith(
        "'oneOf' alternatives Cat and Dog cannot always be told apart: an object with no"
        " properties fits both and decodes as Cat, the first listed; to tell them apart,"
        " require a property only one of them declares (Cat: meows; Dog: barks)"
    )
    assert "Pet.alternatives = (" in (tmp_path / "out" / PACKAGE / "_models.py").read_text()


def test_overlapping_one_of_is_an_error_with_strict(output: Path, tmp_path: Path, cli: Cli) -> None:
    shutil.copy(HOSTILE / "overlapping-one-of.yaml", tmp_path / "spec.yaml")
    result, matches = run_failing(cli, "spec.yaml", tmp_path, output, "--strict")
    assert ": warning: " not in result.stderr
    assert [(m["line"], m["col"], m["pointer"]) for m in matches] == [
        ("18", "9", "/components/schemas/Pet/oneOf")
    ]
    assert "cannot always be told apart" in matches[0]["message"]


def test_valid_spec_still_generates_after_all_that(output: Path, tmp_path: Path, cli: Cli) -> None:
    """The baseline copy is a live package: regenerating it from its own spec changes
    nothing, so every "unchanged" above was compared against a real generation."""
    (tmp_path / "valid.yaml").write_text(VALID_SPEC, encoding="utf-8")
    before = snapshot(output)
    result = cli("generate", "valid.yaml", "--output", output, "--package", PACKAGE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not changes(before, snapshot(output))
    assert re.search(r": 0 written, \d+ unchanged", result.stdout), result.stdout
