"""Regeneration is cheap but never stale: what invalidates the no-op path and the chunk
cache, and proof that block-by-block formatting equals formatting whole modules."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import black
import pytest
from apiforge import Config, Severity, cache, generate
from apiforge.diagnostics import GenerationError
from apiforge.output import cut, format, ruffed
from apiforge.output.pieces import Pieced
from black.mode import Mode, TargetVersion
from support.corpus import RUNTIME, RUNTIME_MODULES
from support.paths import GOLDEN, SOURCE, SPEC, SPECS, UPSTREAM_SPEC

MODE = Mode(target_versions={TargetVersion.PY311}, line_length=88)


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("APIFORGE_CACHE_DIR", str(root))
    return root


SPEC_FILES = (("api.yaml", "a1"), ("models/pet.yaml", "b2"))


def key(
    spec: tuple[tuple[str, str], ...] = SPEC_FILES,
    package: str = "p",
    version: str = "1",
    **kw: Path,
) -> str:
    templates = kw.get("templates", cache.builtin_templates())
    return cache.inputs_key(
        spec, package, version, templates, kw.get("override"), kw.get("ref_root")
    )


def test_the_inputs_key_covers_every_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = key()
    assert key() == base  # stable
    assert key(spec=(("api.yaml", "a2"), SPEC_FILES[1])) != base  # the spec's bytes
    assert key(spec=(SPEC_FILES[0], ("models/pet.yaml", "b3"))) != base  # another file's
    assert key(spec=(SPEC_FILES[0], ("models/cat.yaml", "b2"))) != base  # which files
    assert key(spec=SPEC_FILES[:1]) != base
    assert key(ref_root=tmp_path) != base
    assert key(package="q") != base
    assert key(version="2") != base
    copied = tmp_path / "templates"
    shutil.copytree(cache.builtin_templates(), copied)
    cache.generator_digest.cache_clear()
    assert key(templates=copied) == base  # same content, same key
    (copied / "_models.py.jinja").write_text("changed\n", encoding="utf-8")
    cache.generator_digest.cache_clear()
    changed = key(templates=copied)
    assert changed != base
    runtime = copied / "runtime" / "_xml.py"  # runtime modules are templates too
    runtime.write_text(runtime.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    cache.generator_digest.cache_clear()
    assert key(templates=copied) not in (base, changed)
    override = tmp_path / "override"
    override.mkdir()
    (override / "_models.py.jinja").write_text("mine\n", encoding="utf-8")
    assert key(override=override) != base
    monkeypatch.setattr(cache, "black_version", lambda: "0.0-other")
    assert key() != base
    monkeypatch.setattr(cache, "ruff_version", lambda: "0.0-other")
    assert key() != base


def _settled(tree: Path, seconds_ago: float) -> None:
    """Every file of ``tree`` last modified ``seconds_ago``."""
    stamp = time.time() - seconds_ago
    for path in tree.rglob("*"):
        os.utime(path, (stamp, stamp))


def _content_digest(templates: Path) -> str:
    """The generator's digest from every file's bytes, nothing kept."""
    digest = hashlib.sha256()
    cache._tree_digest(cache._GENERATOR_DIR, digest, (".py",))
    cache._tree_digest(templates, digest, cache.TEMPLATE_SUFFIXES)
    return digest.hexdigest()


def test_the_generator_digest_is_kept_by_size_and_time(tmp_path: Path, private_cache: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(cache.builtin_templates(), templates)
    _settled(templates, 60)
    cache.generator_digest.cache_clear()
    first = cache.generator_digest(templates)
    assert first == _content_digest(templates)
    (kept,) = (private_cache / "digests").iterdir()
    assert kept.read_text(encoding="ascii") == first
    kept.write_text("f" * 64, encoding="ascii")  # what a later run reads instead of hashing
    cache.generator_digest.cache_clear()
    assert cache.generator_digest(templates) == "f" * 64
    # A file of another size: its tree is hashed again.
    macros = templates / "macros.jinja"
    macros.write_text(macros.read_text(encoding="utf-8") + "{# changed #}\n", encoding="utf-8")
    cache.generator_digest.cache_clear()
    changed = cache.generator_digest(templates)
    assert changed == _content_digest(templates) != first
    # Changed just now: hashed, and not kept (it may change again within the same tick).
    assert len(list((private_cache / "digests").iterdir())) == 1
    # The same size, another time: hashed again.
    edited = macros.read_text(encoding="utf-8").replace("changed", "edited!")
    macros.write_text(edited, encoding="utf-8")
    _settled(templates, 30)
    cache.generator_digest.cache_clear()
    assert cache.generator_digest(templates) == _content_digest(templates) not in (first, changed)
    assert len(list((private_cache / "digests").iterdir())) == 2


def run(spec: Path, out: Path, **kw: object) -> list[str]:
    report = generate(Config(spec=spec, output=out, package="pkg", **kw))  # type: ignore[arg-type]
    assert not report.errors, [d.format() for d in report.errors]
    return report.written


def test_noop_path_notices_every_change(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    shutil.copy(SPEC, spec)
    out = tmp_path / "out"
    assert run(spec, out)  # first run writes everything
    assert run(spec, out) == []  # no-op
    # A hand edit is not hidden by the recorded run.
    models = out / "pkg" / "_models.py"
    models.write_text(models.read_text(encoding="utf-8") + "# edit\n", encoding="utf-8")
    assert run(spec, out) == ["_models.py"]
    # A spec change regenerates what it changes.
    text = spec.read_text(encoding="utf-8").replace("Image performance model.", "Changed.")
    spec.write_text(text, encoding="utf-8")
    written = run(spec, out)
    assert "_models.py" in written and "apiforge-manifest.json" in written
    # A template override is an input too, a runtime module's as well.
    override = tmp_path / "override"
    (override / "runtime").mkdir(parents=True)
    source = (cache.builtin_templates() / "runtime" / "_errors.py").read_text(encoding="utf-8")
    (override / "runtime" / "_errors.py").write_text(
        source.replace("_BODY_PREVIEW = 200", "_BODY_PREVIEW = 300"), encoding="utf-8"
    )
    assert "_errors.py" in run(spec, out, templates=override)
    assert run(spec, out, templates=override) == []
    assert "_errors.py" in run(spec, out)  # and taking it away again


WARNED = """\
openapi: 3.0.3
info: {title: Warned, version: "1"}
paths:
  /pets:
    get:
      operationId: listPets
      colour: blue
      responses:
        "200": {description: ok}
"""


def test_a_run_that_warned_is_a_no_op_that_warns_again(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(WARNED, encoding="utf-8")
    out = tmp_path / "out"
    first = generate(Config(spec=spec, output=out, package="pkg"))
    assert first.written and not first.errors
    said = [d.format() for d in first.diagnostics]
    assert len(said) == 1 and "'colour' is not a field" in said[0], said
    again = generate(Config(spec=spec, output=out, package="pkg"))
    assert again.written == [] and [d.format() for d in again.diagnostics] == said
    checked = generate(Config(spec=spec, output=out, package="pkg", check=True))
    assert not checked.stale and [d.format() for d in checked.diagnostics] == said
    # --strict makes the replayed warning an error, as the full run would.
    strict = generate(Config(spec=spec, output=out, package="pkg", strict=True))
    assert [d.severity for d in strict.diagnostics] == [Severity.ERROR]
    assert strict.diagnostics[0].message == first.diagnostics[0].message
    # The spec named another way: its warning names it that way, from a full run.
    other = tmp_path / "sub" / ".." / "api.yaml"
    (tmp_path / "sub").mkdir()
    named = generate(Config(spec=other, output=out, package="pkg"))
    assert [d.location.file for d in named.diagnostics] == [str(other)]
    # A recorded run whose warnings cannot be read is no record: the full path again.
    record = next((tmp_path / "cache" / "runs").iterdir())
    record.write_text(record.read_text(encoding="utf-8")[:-5] + "\n", encoding="utf-8")
    assert cache.recorded_run(out / "pkg") is None
    torn = generate(Config(spec=other, output=out, package="pkg"))
    assert [d.format() for d in torn.diagnostics] == [d.format() for d in named.diagnostics]


@pytest.mark.parametrize("tool", ["black_version", "ruff_version"])
def test_the_formatters_versions_are_part_of_the_chunk_key(
    monkeypatch: pytest.MonkeyPatch, private_cache: Path, tool: str
) -> None:
    monkeypatch.setenv(ruffed.BLACK_ONLY_ENV, "1")  # only black's formatting is kept so
    files = {"m.py": "x = 1\n\n\nclass A:\n    pass\n"}
    format.format_package(files)
    entries = set((private_cache / "black").iterdir())
    assert entries
    monkeypatch.setattr(cache, tool, lambda: "0.0-other")
    format.format_package(files)
    assert set((private_cache / "black").iterdir()) > entries


def _rendered(spec: Path) -> dict[str, str]:
    """The modules the templates make of ``spec``, before any formatting."""
    import apiforge
    from apiforge import build, load, render, stack
    from apiforge.load import verdict

    verdict.prepare()

    def rendered() -> dict[str, str]:
        loaded, _ = load.ready(load.read(spec))
        api, _ = build.build(loaded, "none", {})
        meta = render.Meta(apiforge.__version__, spec.name, loaded.sha256, None)
        files = render.package(api, meta, "pkg")
        return {p: t for p, t in files.items() if p.endswith(".py") and p not in RUNTIME_MODULES}

    return stack.run_deep(rendered, str(spec))


# Specs whose modules hold what ruff and black could part on: long annotated fields,
# long signatures, nested calls, long strings and names that no formatter can split.
JUDGED = [UPSTREAM_SPEC, *sorted(SPECS.glob("*/openapi-3.1.yaml"))[:12]]


@pytest.mark.parametrize("split", [cut.SPLIT_LINES, 0], ids=["as-is", "every-class-split"])
def test_ruff_formats_as_black_would_or_leaves_the_block_to_black(
    monkeypatch: pytest.MonkeyPatch, split: int
) -> None:
    # black is the judge: the package formatted block by block, mostly by ruff, and long
    # classes method by method (here: every class), is what black makes of whole modules.
    monkeypatch.setattr(cut, "SPLIT_LINES", split)
    for spec in JUDGED:
        for module, text in _rendered(spec).items():
            formatted = format.format_package({module: text})[module]
            assert formatted == black.format_str(text, mode=MODE), (spec, module)


def test_a_block_ruff_leaves_too_long_is_black_s() -> None:
    # black parenthesizes a long annotation; ruff leaves the line long.
    kind = "SecretScanningBulkDeleteOrgCustomPatternsBodyPostDeleteAction"  # GitHub's
    block = f"class M:\n    post_delete_action: {kind} = {kind}('delete_alerts')\n"
    (by_ruff,) = ruffed.run([block])
    assert by_ruff is None
    assert format._format_all([block]) == [black.format_str(block, mode=MODE)]
    assert "    post_delete_action: (\n" in format._format_all([block])[0]


def test_without_ruff_black_formats_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _rendered(UPSTREAM_SPEC)["_models.py"]
    monkeypatch.setattr(ruffed, "run", lambda sources, *_: [None] * len(sources))
    assert format.format_package({"_models.py": text})["_models.py"] == black.format_str(
        text, mode=MODE
    )


def test_what_ruff_formats_is_not_kept_a_file_a_block(private_cache: Path) -> None:
    # ruff formats a block again faster than the disk takes a file for it.
    source = "x = 1\n\n\nclass A:\n    pass\n"
    assert None not in ruffed.run(["x = 1\n", "class A:\n    pass\n"])  # ruff formats both
    assert format.format_package({"m.py": source}) == {"m.py": source}
    assert not (private_cache / "black").exists()


def test_a_cached_chunk_is_used(private_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ruffed.BLACK_ONLY_ENV, "1")  # only black's formatting is kept so
    source = "x = 1\n\n\nclass A:\n    pass\n"
    first = format.format_package({"m.py": source})
    # Poison every entry: if the cache is read, the poison shows in the output.
    for entry in (private_cache / "black").iterdir():
        entry.write_text(
            entry.read_text(encoding="utf-8").replace("pass", "pass  # cached"), encoding="utf-8"
        )
    second = format.format_package({"m.py": source})
    assert second != first and "# cached" in second["m.py"]


def packages() -> list[Path]:
    return [GOLDEN, *sorted(SPECS.glob("*/expected"))]


def test_chunked_formatting_equals_whole_module_black(tmp_path: Path) -> None:
    # Every committed generated module is already black-clean as a whole: formatting it
    # block by block must give the very same bytes. The runtime modules are copied, not
    # formatted: they only need to be what black makes of them.
    checked = 0
    for package in packages():
        for module in sorted(package.glob("*.py")):
            text = module.read_text(encoding="utf-8")
            assert black.format_str(text, mode=MODE) == text, module
            if module.name not in RUNTIME_MODULES:
                assert format.format_package({module.name: text})[module.name] == text, module
            checked += 1
    assert checked >= 9
    for module in sorted(RUNTIME.glob("*.py")):
        text = module.read_text(encoding="utf-8")
        assert black.format_str(text, mode=MODE) == text, module


def test_upstream_document_formats_alike_both_ways(tmp_path: Path) -> None:
    run(UPSTREAM_SPEC, tmp_path)
    for module in sorted((tmp_path / "pkg").glob("*.py")):
        text = module.read_text(encoding="utf-8")
        assert black.format_str(text, mode=MODE) == text, module


def test_noop_run_imports_no_heavy_stage(tmp_path: Path) -> None:
    env_cache = tmp_path / "cache"
    command = [
        sys.executable,
        "-X",
        "importtime",
        "-m",
        "apiforge",
        "generate",
        str(SPEC),
        "--output",
        str(tmp_path / "o"),
        "--package",
        "pkg",
    ]
    env = {
        "APIFORGE_CACHE_DIR": str(env_cache),
        "PYTHONPATH": str(SOURCE),
        "PATH": "/usr/bin:/bin",
    }
    first = subprocess.run(
        command, env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert first.returncode == 0, first.stderr
    second = subprocess.run(
        command, env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert second.returncode == 0, second.stderr
    assert "0 written" in second.stdout
    imported = {line.split("|")[-1].strip() for line in second.stderr.splitlines() if "|" in line}
    for heavy in ("jinja2", "black", "yaml", "openapi_spec_validator", "openapi_spec_validator_rs"):
        assert heavy not in imported, f"the no-op run imported {heavy}"
    assert (
        json.loads((tmp_path / "o" / "pkg" / "apiforge-manifest.json").read_text())["package"]
        == "pkg"
    )


LONG = "x" * 90
UNION = "        Pet\n        | list[Pet]\n        | None\n"


@pytest.mark.parametrize(
    ("formatted", "may_part"),
    [
        ("def f():\n    return 1\n", False),
        (f'class A:\n    """{LONG}\n    more\n    """\n', False),  # a docstring's first line
        (f'class A:\n    """Doc.\n\n    {LONG}\n    """\n', False),  # its text
        (f'class A:\n    """Doc.\n\n    {LONG}"""\n', True),  # the line that closes it
        (f'class A:\n    """{LONG}"""\n', False),  # a docstring on one line
        ('class A:\n    """Says "where?\\""""\n', True),  # black: "where?\" """
        ('class A:\n    """Doc.\n\n    Says "where?\\""""\n', True),
        (f"X = [\n    {LONG},\n]\n", False),  # an atom
        (f"# {LONG}\n", False),
        (f"call_something_{LONG}(\n    1\n)\n", False),  # the bracket's items follow
        (f"value = build_{LONG}()\n", True),  # black parenthesizes the right-hand side
        (f"class A:\n    name: Kind_{LONG} = 1\n", True),  # and a long annotation
        ("def f(\n    a: int\n    | None = None,\n) -> None: ...\n", True),  # a split type
        # ...which ruff put in parentheses of its own, an operand a line: black's layout.
        (f"class A:\n    a: (\n{UNION}    ) = None\n", False),
        ("class A:\n    a: (\n        x: Pet\n        | None\n    ) = None\n", True),
        (f"class A:\n    a: (\n{UNION}    ) = None\n    b: int\n    | None\n", True),
        # Triple quotes inside a literal open no docstring: the long line after is judged.
        (f'X = \'"""\'\nvalue = build_{LONG}()\n', True),
    ],
)
def test_which_of_ruffs_blocks_black_redoes(formatted: str, may_part: bool) -> None:
    assert ruffed.may_part(formatted) is may_part


def test_two_blank_lines_after_imports_are_black_s_to_space() -> None:
    # black leaves one blank line between imports and a statement; ruff keeps two.
    spaced = "import os\n\n\nX = os.sep\n"
    assert ruffed.spaced_after_imports(spaced)
    assert not ruffed.spaced_after_imports("import os\n\nX = os.sep\n")
    assert not ruffed.spaced_after_imports("import os\n\n\nclass A:\n    pass\n")
    assert format._format_all([spaced]) == [black.format_str(spaced, mode=MODE)]


def test_a_docstring_ending_in_an_escaped_quote_is_black_s() -> None:
    # GitHub's OrganizationRoleSource: black spaces \" from the closing quotes, ruff not.
    block = 'class A:\n    """Says "where did this come from?\\""""\n'
    assert format._format_all([block]) == [black.format_str(block, mode=MODE)]


def test_pyproject_tables_are_kept_by_content(
    tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apiforge import config

    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.apiforge]\nspec = "a.yaml"\npackage = "pkg"\n', encoding="utf-8")
    assert config.load(tmp_path).package == "pkg"
    assert len(list((private_cache / "config").iterdir())) == 1
    # The same bytes: the table as kept, TOML not read (its parser would fail here).
    import tomllib

    def refuse(_text: str) -> None:
        raise AssertionError("pyproject.toml parsed again")

    monkeypatch.setattr(tomllib, "loads", refuse)
    assert config.load(tmp_path).spec == tmp_path / "a.yaml"
    monkeypatch.undo()
    monkeypatch.setenv("APIFORGE_CACHE_DIR", str(private_cache))
    # Other bytes: read again; broken, refused as before.
    pyproject.write_text('[tool.apiforge]\nspec = "b.yaml"\n', encoding="utf-8")
    assert config.load(tmp_path).spec == tmp_path / "b.yaml"
    pyproject.write_text("[tool.apiforge\n", encoding="utf-8")
    with pytest.raises(config.ConfigError):
        config.load(tmp_path)
    # A table TOML alone can hold (a date) is not kept as JSON: it is read, and judged.
    pyproject.write_text('[tool.apiforge]\nspec = "c.yaml"\nwhen = 2026-12-01\n', encoding="utf-8")
    with pytest.raises(config.ConfigError, match="unknown setting 'when'"):
        config.load(tmp_path)
    # A pyproject.toml that never names apiforge is not ours to read, nor to judge.
    pyproject.write_text("[project\nname = 'x'\n", encoding="utf-8")
    assert config.load(tmp_path).spec is None


def test_modules_formatted_on_every_core_are_formatted_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rendered = sorted(p for p in GOLDEN.glob("*.py") if p.name not in RUNTIME_MODULES)
    modules = {p.name: p.read_text(encoding="utf-8") for p in rendered}
    unformatted = {name: text.replace("\n\n\n", "\n\n") for name, text in modules.items()}
    alone = format.format_package(unformatted)
    assert alone == modules  # the golden package is black's, whichever way it is cut
    monkeypatch.setattr(format, "_PARALLEL_MODULE_LINES", 0)
    monkeypatch.setattr(format.os, "cpu_count", lambda: 2)
    assert format.format_package(unformatted) == alone
    # A module the templates broke is named, from a worker as from this process.
    with pytest.raises(GenerationError) as raised:
        format.format_package({**unformatted, "_broken.py": "def f(:\n"})
    assert raised.value.diagnostics[0].location.file == "_broken.py"


STAMPED = '# spec sha256: {sha}\n\nx = {{"a":1}}\n\n\nclass A:\n    """{doc}"""\n'


def test_a_module_rendered_as_before_is_taken_from_its_folder_s_slot(private_cache: Path) -> None:
    first, second = "a" * 64, "b" * 64
    source = STAMPED.format(sha=first, doc="A model.")
    formatted = format.format_package({"m.py": source}, slot="out", spec_sha=first)["m.py"]
    assert formatted == black.format_str(source, mode=MODE)
    # Poison the slot: if it is read, the poison shows in the output.
    (entry,) = (private_cache / "modules").iterdir()
    entry.write_text(entry.read_text(encoding="utf-8") + "# slot\n", encoding="utf-8")
    again = format.format_package({"m.py": source}, slot="out", spec_sha=first)["m.py"]
    assert again == formatted + "# slot\n"
    # Another spec renders the same module but for its SHA-256 in the header.
    other = STAMPED.format(sha=second, doc="A model.")
    taken = format.format_package({"m.py": other}, slot="out", spec_sha=second)["m.py"]
    assert taken == black.format_str(other, mode=MODE) + "# slot\n"
    assert first not in taken
    # Where the digest is written other than as the header's stamp, the module is another.
    named = STAMPED.format(sha=second, doc=f"Made from {second}.")
    fresh = format.format_package({"m.py": named}, slot="out", spec_sha=second)["m.py"]
    assert fresh == black.format_str(named, mode=MODE)
    # Another folder does not read that slot.
    elsewhere = format.format_package({"m.py": source}, slot="other", spec_sha=first)["m.py"]
    assert elsewhere == formatted


def test_a_changed_module_finds_its_other_blocks_in_one_piece(private_cache: Path) -> None:
    source = "class A:\n    x: int\n\n\nclass B:\n    pass\n"
    first = format.format_package({"m.py": source}, slot="out")["m.py"]
    # Poison the module's pack, and drop the block-by-block cache (black's, if it formatted
    # any): only the pack can give the poison back.
    (pack,) = (private_cache / "blocks").iterdir()
    poisoned = pack.read_text(encoding="utf-8").replace("pass", "pass  # packed")
    pack.write_text(poisoned, encoding="utf-8")
    shutil.rmtree(private_cache / "black", ignore_errors=True)
    changed = source.replace("x: int", "x: str")
    second = format.format_package({"m.py": changed}, slot="out")["m.py"]
    assert second == first.replace("x: int", "x: str").replace("pass", "pass  # packed")
    # Another folder does not read that pack.
    elsewhere = format.format_package({"m.py": changed}, slot="other")["m.py"]
    assert "# packed" not in elsewhere and elsewhere == black.format_str(changed, mode=MODE)


def test_a_module_is_not_kept_when_its_stamps_are_not_plain(private_cache: Path) -> None:
    sha = "c" * 64
    slots = cache.ModuleSlots(private_cache / "modules", "salt", "out", sha)
    stamped = STAMPED.format(sha=sha, doc="A model.")
    # Formatting that did not keep every stamp as written is not kept.
    slots.put("m.py", stamped, stamped.replace(cache.SPEC_STAMP + sha, "# spec"))
    assert slots.get("m.py", stamped) is None
    # A module holding the stand-in itself is never generalised.
    standin = cache.SPEC_STAMP + "0" * 64
    slots.put("m.py", stamped + standin + "\n", stamped)
    assert slots.get("m.py", stamped + standin + "\n") is None
    slots.put("m.py", stamped, stamped)
    assert slots.get("m.py", stamped) == stamped


def test_after_one_schema_changed_the_package_is_what_a_cold_run_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "api.json"
    shutil.copy(UPSTREAM_SPEC, spec)
    out = tmp_path / "out"
    assert run(spec, out)
    document = json.loads(spec.read_text(encoding="utf-8"))
    tag = document["definitions"]["Tag"]
    tag["properties"]["note"] = {"type": "string", "description": "Added."}
    spec.write_text(json.dumps(document, indent=2), encoding="utf-8")
    written = run(spec, out)
    assert "_models.py" in written and "_client.py" in written  # its header's digest
    monkeypatch.setenv("APIFORGE_CACHE_DIR", str(tmp_path / "empty-cache"))
    cold = tmp_path / "cold"
    run(spec, cold)
    made = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert made == {p.relative_to(cold): p.read_bytes() for p in cold.rglob("*") if p.is_file()}


def test_the_entries_written_longest_ago_are_pruned(tmp_path: Path) -> None:
    folder = tmp_path / "entries"
    folder.mkdir()
    for age in range(10):
        entry = folder / f"e{age}"
        entry.write_text("x", encoding="utf-8")
        os.utime(entry, ns=(10**18 - age * 10**9, 10**18 - age * 10**9))  # e0 the newest
    (folder / ".tmp-being-written").write_text("x", encoding="utf-8")
    cache.prune(folder, keep=4)
    assert sorted(p.name for p in folder.iterdir()) == [
        ".tmp-being-written",
        "e0",
        "e1",
        "e2",
        "e3",
    ]
    cache.prune(tmp_path / "missing", keep=1)  # nothing there: nothing to do


def test_module_slots_and_kept_renders_stay_within_their_bound(
    tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "KEPT_ENTRIES", 8)
    spec = tmp_path / "api.json"
    shutil.copy(UPSTREAM_SPEC, spec)
    for folder in ("one", "two", "three", "four"):
        run(spec, tmp_path / folder)
        # Pruned to the bound as a run starts; that run adds at most one entry per module
        # (the models' formatted classes share their module's entry of "blocks"), and one
        # for the models' head and tail.
        for kind, added in (("modules", 6), ("rendered", 7), ("blocks", 7)):
            assert len(list((private_cache / kind).iterdir())) <= 8 + added, (folder, kind)


def test_a_head_whose_stand_in_did_not_come_through_is_formatted_as_given(
    private_cache: Path,
) -> None:
    digest = "a" * 64
    slots = cache.ModuleSlots(
        private_cache / "modules", "salt", "out", digest, private_cache / "blocks"
    )
    store = cache.ChunkCache(private_cache / "black", "salt")
    head = f"# spec sha256: {digest}\nimport os\n"
    given = Pieced(head, "\n\nx = 1\n", ["k"], lambda at: ["\n\nclass A:\n    pass\n"] * len(at))
    pieces = format._Pieces("m.py", given, slots, store)
    shown = pieces.todo()
    assert cache.STANDIN_SHA in shown["m.py:head"] and digest not in shown["m.py:head"]
    formatted = {n: format.Formatted(t, {}) for n, t in shown.items()}
    formatted["m.py:head"] = format.Formatted("import os\n", {})  # the stamp lost on the way
    assert pieces.joined(formatted) == f"{head}\n\nclass A:\n    pass\n\n\nx = 1\n"
