"""Modules rendered from a view of the model are kept per output folder (``render/memo.py``):
what is kept is read, is what rendering makes, and is never used with template overrides."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from apiforge import Config, __version__, build, cache, generate, ir, load, render, stack
from apiforge.load import verdict
from apiforge.names import ClassName
from apiforge.output import format, ruffed
from apiforge.output.pieces import Pieced
from apiforge.render import assemble, files, memo
from support.paths import SPECS, UPSTREAM_SPEC

KEPT = ("_client.py", "_async_client.py", "_operations.py", "_enums.py", "__init__.py", "README.md")


def _stamp(name: str, digest: str) -> str:
    """How the header of ``name`` names the spec's digest."""
    return f"(spec sha256 {digest})" if name == "README.md" else f"# spec sha256: {digest}\n"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("APIFORGE_CACHE_DIR", str(root))
    return root


def _edit_tag(spec: Path, note: str) -> None:
    """One schema changed: a property added to Custom Vision's Tag."""
    document = json.loads(spec.read_text(encoding="utf-8"))
    document["definitions"]["Tag"]["properties"]["note"] = {"type": "string", "description": note}
    spec.write_text(json.dumps(document, indent=2), encoding="utf-8")


def _run(spec: Path, out: Path, **kw: object) -> None:
    config = Config(spec=spec, output=out, package="pkg", **kw)  # type: ignore[arg-type]
    report = generate(config)
    assert not report.errors, [d.format() for d in report.errors]


def test_a_kept_module_is_read_after_one_schema_changed(
    tmp_path: Path, private_cache: Path
) -> None:
    spec, out = tmp_path / "api.json", tmp_path / "out"
    shutil.copy(UPSTREAM_SPEC, spec)
    _run(spec, out)
    entries = sorted((private_cache / "rendered").iterdir())
    assert len(entries) == len(KEPT)
    # Poison what is kept: if it is read, the poison shows in the package. A module
    # rendered from the same inputs is taken as formatted then (modules/), unread.
    _poison(entries, "# kept\n")
    formatted = [e for e in (private_cache / "modules").iterdir() if " " in _key(e)]
    assert len(formatted) == len(KEPT) - 1  # all but the README, which is not formatted
    _poison(formatted, "# kept formatted\n")
    (pack,) = [e for e in (private_cache / "blocks").iterdir() if _key(e).startswith("classes ")]
    classes = json.loads(pack.read_text(encoding="utf-8").partition("\n")[2])
    poisoned = {k: f"{v}\n    # kept class" for k, v in classes.items()}  # each formatted
    pack.write_text(f"{_key(pack)}\n{json.dumps(poisoned)}", encoding="utf-8")
    _edit_tag(spec, "Added.")
    _run(spec, out)
    digest = load.read(spec).sha256
    for name in KEPT:
        text = (out / "pkg" / name).read_text(encoding="utf-8")
        assert text.endswith("# kept\n" if name == "README.md" else "# kept formatted\n"), name
        assert _stamp(name, digest) in text, name  # the header names the new spec
    models = (out / "pkg" / "_models.py").read_text(encoding="utf-8")
    assert _stamp("_models.py", digest) in models
    classes = models.split("\nclass ")[1:]
    assert len(classes) > 20
    # Every class but the one whose model changed is the one kept.
    assert [c.split("(")[0] for c in classes if "# kept class" not in c] == ["Tag"]
    assert "# kept\n" not in models
    # Without the formatted modules, what was rendered is read, and formatted.
    for entry in formatted:
        entry.unlink()
    _edit_tag(spec, "Added again.")
    _run(spec, out)
    for name in KEPT:
        text = (out / "pkg" / name).read_text(encoding="utf-8")
        assert text.endswith("# kept\n"), name
    # The same spec under another name: each header names it, so nothing kept is read.
    renamed = spec.rename(tmp_path / "renamed.json")
    _run(renamed, out)
    for name in KEPT:
        text = (out / "pkg" / name).read_text(encoding="utf-8")
        assert "# kept" not in text and "from renamed.json" in text, name


def test_after_one_schema_changed_only_its_class_is_formatted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The models module's head and tail are kept by the folder too (its "frame" pack), and
    # so are the other modules: ruff is given the changed class and nothing else.
    spec, out = tmp_path / "api.json", tmp_path / "out"
    shutil.copy(UPSTREAM_SPEC, spec)
    _run(spec, out)
    given: list[str] = []
    run = ruffed.run

    def watched(sources: list[str], *rest: bool) -> list[str | None]:
        given.extend(sources)
        return run(sources, *rest)

    monkeypatch.setattr(ruffed, "run", watched)
    _edit_tag(spec, "Added.")
    _run(spec, out)
    assert [s.split("(")[0] for s in given] == ["class Tag"]


def _poison(entries: list[Path], poison: str) -> None:
    for entry in entries:
        entry.write_text(entry.read_text(encoding="utf-8") + poison, encoding="utf-8")


def _key(entry: Path) -> str:
    """The key line of a kept entry."""
    return entry.read_text(encoding="utf-8").partition("\n")[0]


def test_another_folder_does_not_read_what_was_kept(tmp_path: Path, private_cache: Path) -> None:
    spec = tmp_path / "api.json"
    shutil.copy(UPSTREAM_SPEC, spec)
    _run(spec, tmp_path / "one")
    for entry in (private_cache / "rendered").iterdir():
        entry.write_text(entry.read_text(encoding="utf-8") + "# kept\n", encoding="utf-8")
    _run(spec, tmp_path / "two")
    for name in KEPT:
        assert "# kept" not in (tmp_path / "two" / "pkg" / name).read_text(encoding="utf-8")


def test_with_template_overrides_nothing_is_kept_and_the_whole_model_is_seen(
    tmp_path: Path, private_cache: Path
) -> None:
    override = tmp_path / "override"
    override.mkdir()
    source = (files.templates_dir() / "_client.py.jinja").read_text(encoding="utf-8")
    marker = "{{ m.header(meta) }}\n"
    assert marker in source
    counted = source.replace(marker, marker + "# models: {{ api.models | length }}\n", 1)
    (override / "_client.py.jinja").write_text(counted, encoding="utf-8")
    spec = tmp_path / "api.json"
    shutil.copy(UPSTREAM_SPEC, spec)
    _run(spec, tmp_path / "out", templates=override)
    client = (tmp_path / "out" / "pkg" / "_client.py").read_text(encoding="utf-8")
    models = len(build.build(load.ready(load.read(spec))[0], "none", {})[0].models)
    assert models > 0 and f"# models: {models}\n" in client
    assert not (private_cache / "rendered").exists()


def _both(spec: Path, slot: str) -> tuple[dict[str, str], dict[str, str]]:
    """The package rendered from the whole model, and through what is kept (twice)."""
    verdict.prepare()

    def rendered() -> tuple[dict[str, str], dict[str, str]]:
        loaded, _ = load.ready(load.read(spec))
        api, _ = build.build(loaded, "tag", {})
        meta = render.Meta(__version__, spec.name, loaded.sha256, None)
        whole = {
            "_models.py": files.models(api, meta),
            "_client.py": files.client(api, meta, is_async=False),
            "_async_client.py": files.client(api, meta, is_async=True),
            "_operations.py": files.operations(api, meta, "pkg"),
            "_enums.py": files.enums(api, meta),
            "__init__.py": files.package_init(api, meta),
            "README.md": files.readme(api, meta, "pkg"),
        }
        dict(assemble.stream(api, meta, "pkg", slot))  # kept
        viewed = {
            p: t if isinstance(t, str) else t.text()
            for p, t in assemble.stream(api, meta, "pkg", slot)
            if p in whole
        }
        return whole, viewed

    return stack.run_deep(rendered, str(spec))


@pytest.mark.parametrize("version", ["openapi-3.1.yaml", "swagger-2.0.yaml"])
def test_what_is_kept_is_what_the_whole_model_renders(
    version: str, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every construct of the corpus: the view leaves out nothing these modules print.
    monkeypatch.setattr(cache, "KEPT_ENTRIES", 10_000)  # one folder each: keep them all
    compared = with_classes = 0
    for spec in sorted(SPECS.glob(f"*/{version}")):
        whole, viewed = _both(spec, f"slot-{spec.parent.name}")
        assert viewed == whole, spec
        compared += 1
        with_classes += "\nclass " in whole["_models.py"]
    assert compared >= 30 and with_classes >= 20
    # One entry a module.
    assert len(list((private_cache / "rendered").iterdir())) == compared * len(KEPT)


def test_the_stand_in_digest_is_the_header_s_only() -> None:
    meta = render.Meta(__version__, "x.json", "f" * 64, None)
    kept = memo.Memo("slot", meta)
    twice = kept.module(
        "m.py", (), meta, lambda m: f"# spec sha256: {m.spec_sha256}\n# {m.spec_sha256}\n"
    )
    assert twice == f"# spec sha256: {'f' * 64}\n# {'f' * 64}\n"  # rendered with the real one


def _model(name: str, description: str = "") -> ir.Model:
    return ir.Model(ClassName(name), description, (), f"/components/schemas/{name}")


def test_only_the_classes_whose_inputs_changed_are_rendered_again() -> None:
    meta = render.Meta(__version__, "x.json", "f" * 64, None)
    kept = memo.Memo("slot", meta)
    made: list[list[str]] = []

    def texts(parts: Sequence[files.Part]) -> list[str]:
        return [f"\n\nclass {m.name}:\n    x = {m.description!r}  # {sent}\n" for m, sent in parts]

    def pieced(parts: list[files.Part]) -> Pieced:
        def make(at: Sequence[int]) -> list[str]:
            made.append([f"{parts[i][0].name}{'+' if parts[i][1] else ''}" for i in at])
            return texts([parts[i] for i in at])

        return Pieced(
            "# spec sha256: " + "f" * 64 + "\nimport os\n", "\n\nx = 1\n", kept.keys(parts), make
        )

    def formatted(parts: list[files.Part], path: str = "m.py") -> str:
        module = format.format_package([(path, pieced(parts))], slot="slot", spec_sha="f" * 64)
        whole = format.format_package({path: pieced(parts).text()})[path]
        made.pop()  # what .text() rendered
        assert module[path] == whole
        return module[path]

    first = [(_model(name), False) for name in ("A", "B", "C", "D")]
    formatted(first)
    changed = [first[0], (_model("B", "new"), False), first[2], (first[3][0], True)]
    formatted(changed)
    formatted(changed)
    formatted(changed, "other.py")  # kept per module
    # The first time all; then the model that changed and the one now sent in requests;
    # then none (make is not called); in another module all again.
    assert made == [["A", "B", "C", "D"], ["B", "D+"], ["A", "B", "C", "D+"]]


def test_an_encoding_tells_the_kinds_of_reference_apart() -> None:
    name = ClassName("Pet")
    refs = [ir.ModelRef(name), ir.EnumRef(name), ir.UnionRef(name), ir.UntaggedRef(name)]
    assert len({ir.encode(r) for r in refs}) == len(refs)
    assert ir.encode(name) == ir.encode("Pet")  # a name type is the text it holds
    assert ir.encode(ir.ArrayType(refs[0])) != ir.encode(ir.ArrayType(refs[0], True))
    with pytest.raises(TypeError):
        ir.encode(Path("Pet"))  # nothing of the IR: refused, not made text


def test_an_override_laid_out_before_the_classes_were_rendered_apart_still_renders(
    tmp_path: Path,
) -> None:
    # _models.py.jinja once laid out every class itself, reading fields[model.name].
    frame = (files.templates_dir() / "_models.py.jinja").read_text(encoding="utf-8")
    one = (files.templates_dir() / "_model.py.jinja").read_text(encoding="utf-8")
    body = one.split("#}\n", 1)[1]
    body = body.replace("fields %}", "fields[model.name] %}").replace(
        "and sent", "and model.name in sent"
    )
    loop = "{% for text in classes %}\n{{ text }}{% endfor %}\n"
    assert loop in frame and body.count("model.name in sent") == 2
    override = tmp_path / "override"
    override.mkdir()
    old = frame.replace(loop, "{% for model in models %}\n" + body + "{% endfor %}\n")
    (override / "_models.py.jinja").write_text(old, encoding="utf-8")
    spec = tmp_path / "api.json"
    shutil.copy(UPSTREAM_SPEC, spec)
    _run(spec, tmp_path / "mine", templates=override)
    _run(spec, tmp_path / "shipped")
    assert (tmp_path / "mine" / "pkg" / "_models.py").read_text(encoding="utf-8") == (
        tmp_path / "shipped" / "pkg" / "_models.py"
    ).read_text(encoding="utf-8")
