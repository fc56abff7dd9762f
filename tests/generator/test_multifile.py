"""Specs split across files (``tests/multifile/``): the package they make, its names, and
diagnostics that name the file they are about.

``cloud/`` is a cloud provider's API in 134 files (operations, path items, parameters,
responses, request bodies, headers and schemas across nested folders; references to
siblings, up and down the tree and into fragments, JSON beside YAML, a cycle across files,
two files called ``action.yml``, a discriminator whose mapping names files);
``petstore-swagger/`` the same ideas in Swagger 2.0. Both generate in-process once
(``support/multifile.py``), are imported, and pass ``mypy --strict`` in one run. The
mistakes are made in copies under ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import apiforge
import pytest
from apiforge import Config, Severity, generate, load
from apiforge.diagnostics import GenerationError
from support import multifile
from support.multifile import MULTIFILE, ROOTS

CLOUD = MULTIFILE / "cloud"


def files_of(root: Path) -> list[str]:
    """Every file of a spec's folder, relative to it."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def hints(cls: type) -> dict[str, str]:
    """Each field's annotation as text, names unqualified."""
    found = typing.get_type_hints(cls)
    return {k: re.sub(r"\b[\w.]+\.(\w+)", r"\1", str(v)) for k, v in found.items()}


def annotation(cls: type, field: str) -> str:
    text = hints(cls)[field]
    return text.replace("typing.", "").replace("<class '", "").replace("'>", "")


# --- the specs ---------------------------------------------------------------------------


def test_the_cloud_spec_is_split_across_many_folders() -> None:
    files = files_of(CLOUD)
    assert len(files) >= 100, len(files)
    assert max(f.count("/") for f in files) >= 4  # resources/databases/models/engines/pg.yml
    assert any(f.endswith(".json") for f in files) and any(f.endswith(".yml") for f in files)
    assert len({f.rsplit("/", 1)[0] for f in files if "/" in f}) >= 30


@pytest.mark.parametrize("name", list(ROOTS))
def test_each_spec_generates_without_a_diagnostic(name: str) -> None:
    package, diagnostics = multifile.generated(name)
    assert diagnostics == ()
    assert (package / "_models.py").is_file()


@pytest.mark.parametrize("name", list(ROOTS))
def test_the_manifest_lists_every_file_read(name: str) -> None:
    package, _ = multifile.generated(name)
    manifest = json.loads((package / "apiforge-manifest.json").read_text(encoding="utf-8"))
    folder = ROOTS[name].parent
    assert sorted(manifest["spec_files"]) == files_of(folder)
    assert manifest["spec"] == ROOTS[name].name
    assert manifest["spec_files"][ROOTS[name].name] == manifest["spec_sha256"]


def test_every_operation_of_every_file_is_a_method() -> None:
    module = multifile.load("cloud")
    ids = []
    for rel in files_of(CLOUD):
        if re.fullmatch(r"resources/(\w+)/\1_(list|create|get|delete)\.yml", rel):
            (found,) = re.findall(r"^operationId: (\w+)$", (CLOUD / rel).read_text(), re.M)
            ids.append(found)
    assert len(ids) >= 35
    missing = [i for i in ids if not callable(getattr(module.CloudClient, i, None))]
    assert missing == []


# --- names -------------------------------------------------------------------------------


def test_a_schema_reached_through_many_files_is_one_class() -> None:
    module = multifile.load("cloud")
    # region.yml is referred to from the root and from droplets, volumes, vpcs, databases
    # and both action.yml files.
    assert not any(re.fullmatch(r"Region\d+", n) for n in module.__all__), module.__all__
    for owner in (module.Droplet, module.Volume, module.Vpc, module.Database, module.Action):
        assert annotation(owner, "region").startswith("Region"), owner
    assert "Error" in module.__all__ and "Error2" not in module.__all__


def test_names_come_from_the_fragment_the_stem_or_a_number() -> None:
    module = multifile.load("cloud")
    # The last key of the fragment: link_sets.yml#/Pages/Forward, meta.yml#/Meta,
    # droplet_networks.yml#/Networks and #/BackupWindow, network.yml#/Network/V4.
    for name in ("Forward", "Meta", "Networks", "BackupWindow", "V4", "Protocol"):
        assert name in module.__all__, name
    # The file's stem: tag_resources.yml, firewall_targets.yml, page_links.yml.
    for name in ("TagResources", "FirewallTargets", "PageLinks", "ProjectResource"):
        assert name in module.__all__, name
    # Two files called action.yml: the one met first (from droplet.yml) keeps the name.
    assert module.Action.__doc__.startswith("An action on a droplet")
    assert module.Action2.__doc__.startswith("An action on a volume")
    assert annotation(module.Droplet, "last_action") == "Action | None"
    assert annotation(module.Volume, "last_action") == "Action2 | None"


def test_a_cycle_across_files() -> None:
    module = multifile.load("cloud")
    assert annotation(module.Project, "resources") == "list[ProjectResource] | None"
    assert annotation(module.ProjectResource, "project") == "Project | None"
    assert annotation(module.Domain, "records") == "list[DomainRecord] | None"
    assert annotation(module.DomainRecord, "domain") == "Domain | None"


def test_swagger_2_0_split_across_files() -> None:
    module = multifile.load("petstore-swagger")
    for name in ("Pet", "NewPet", "Category", "Tag", "Error"):
        assert name in module.__all__, name
    assert annotation(module.Category, "parent") == "Category | None"
    assert annotation(module.Pet, "tags") == "list[Tag] | None"
    client = module.PetstoreSplitClient
    # The limit parameter is the root's, referred to from paths/pets.yaml.
    assert "limit" in typing.get_type_hints(client.list_pets)
    assert callable(client.show_pet_by_id) and callable(client.create_pet)


def test_the_packages_pass_mypy_strict(tmp_path: Path) -> None:
    names = []
    for name in ROOTS:
        package, _ = multifile.generated(name)
        shutil.copytree(package, tmp_path / package.name)
        names.append(package.name)
    command = [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11"]
    command += ["--cache-dir", str(tmp_path / ".mypy"), "--no-error-summary", *names]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- diagnostics, in the file they are about ----------------------------------------------


def copy_of(name: str, tmp_path: Path) -> Path:
    """A copy of spec ``name``'s folder; its root file."""
    shutil.copytree(ROOTS[name].parent, tmp_path / name)
    return tmp_path / name / ROOTS[name].name


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def diagnostics(root: Path, **kw: Any) -> list[apiforge.Diagnostic]:
    report = generate(Config(spec=root, output=root.parent / "out", package="p", **kw))
    return report.diagnostics


def where(diagnostic: apiforge.Diagnostic, root: Path) -> tuple[str, int, int, str]:
    loc = diagnostic.location
    return Path(loc.file).relative_to(root.parent).as_posix(), loc.line, loc.column, loc.pointer


def test_a_validator_complaint_names_the_file_line_and_pointer(tmp_path: Path) -> None:
    root = copy_of("petstore-swagger", tmp_path)
    edit(
        root.parent / "definitions/tag.yaml",
        "  name:\n    type: string",
        "  name:\n    type: strin",
    )
    (found,) = diagnostics(root)
    assert where(found, root) == ("definitions/tag.yaml", 7, 11, "/properties/name/type")
    assert found.message.startswith("'strin' is not one of")


def test_a_mistake_in_a_shared_file_is_reported_once(tmp_path: Path) -> None:
    root = copy_of("cloud", tmp_path)
    shared = root.parent / "resources/shared/parameters.yml"
    edit(shared, "  name: per_page\n", "  name: per_page\n  style: deepObject\n")
    (found,) = diagnostics(root)  # 14 list operations use it
    assert where(found, root) == ("resources/shared/parameters.yml", 5, 10, "/per_page/style")
    assert found.message == "style 'deepObject' on a scalar; sent as name=value"


def test_a_warning_in_another_file_names_it(tmp_path: Path) -> None:
    root = copy_of("cloud", tmp_path)
    edit(root.parent / "resources/shared/parameters.yml", "default: 20", "default: many")
    (found,) = diagnostics(root)
    assert found.severity is Severity.WARNING
    assert where(found, root) == (
        "resources/shared/parameters.yml",
        11,
        14,
        "/per_page/schema/default",
    )
    assert found.message.startswith("default does not match its schema")


def test_a_json_file_is_located_too(tmp_path: Path) -> None:
    root = copy_of("cloud", tmp_path)
    size = root.parent / "resources/sizes/models/size.json"
    edit(size, '"price_monthly": {\n      "type": "number"', '"price_monthly": {\n      "type": 7')
    (found,) = diagnostics(root)
    assert where(found, root)[:3] == ("resources/sizes/models/size.json", 23, 15)
    assert found.location.pointer == "/properties/price_monthly/type"


def test_every_file_is_parsed_for_duplicates_and_syntax(tmp_path: Path) -> None:
    root = copy_of("petstore-swagger", tmp_path)
    edit(root.parent / "definitions/tag.yaml", "  id:\n", "  name: {}\n  id:\n")
    edit(root.parent / "common/errors.json", '"code": {', '"code": {{')
    found = sorted((*where(d, root), d.message) for d in diagnostics(root))
    assert found[0][:4] == ("common/errors.json", 7, 18, "")
    assert found[1] == ("definitions/tag.yaml", 7, 3, "/properties/name", "duplicate key 'name'")


def test_a_reference_back_to_an_object_being_put_in_place_is_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /a: {$ref: 'a.yaml'}\n"
    )
    (tmp_path / "a.yaml").write_text(
        "get:\n  responses:\n    '200': {$ref: 'r.yaml'}\n", encoding="utf-8"
    )
    (tmp_path / "r.yaml").write_text("$ref: 'r.yaml'\n", encoding="utf-8")
    (found,) = diagnostics(tmp_path / "api.yaml")
    assert where(found, tmp_path / "api.yaml") == ("r.yaml", 1, 7, "/$ref")
    assert "cycle" in found.message


# --- safety -------------------------------------------------------------------------------


def _ref_to(target: str) -> str:
    return (
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      operationId: getA\n      responses:\n        '200':\n"
        "          description: OK\n          content:\n"
        f"            application/json:\n              schema: {{$ref: '{target}'}}\n"
    )


def test_symlinks_are_resolved_before_the_check(tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text("type: object\n", encoding="utf-8")
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    (spec / "api.yaml").write_text(_ref_to("link.yaml"), encoding="utf-8")
    (found,) = diagnostics(spec / "api.yaml")
    assert "points outside the spec's folder" in found.message
    assert (found.location.line, found.location.column) == (12, 30)
    # Widened deliberately, the same file is read.
    assert diagnostics(spec / "api.yaml", ref_root=tmp_path) == []


def test_the_size_budget_counts_every_file(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(_ref_to("big.yaml"), encoding="utf-8")
    padding = "x" * 1023 + "\n"
    with (tmp_path / "api.yaml").open("a", encoding="utf-8") as fh:
        fh.write("x-padding: |\n" + "".join("  " + padding for _ in range(9 * 1024)))
    with (tmp_path / "big.yaml").open("w", encoding="utf-8") as fh:
        fh.write(
            "type: object\ndescription: |\n" + "".join("  " + padding for _ in range(8 * 1024))
        )
    (found,) = diagnostics(tmp_path / "api.yaml")
    assert Path(found.location.file).name == "big.yaml"
    assert re.fullmatch(r"file is [\d,]+ bytes; the limit is [\d,]+ for all .*", found.message)


def test_the_value_budget_counts_every_file(tmp_path: Path) -> None:
    # Each file alone is under the budget (600,000 values each), together they are not.
    bomb = "x-bomb:\n  l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n"
    for level in range(1, 5):
        bomb += f"  l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]\n"
    bomb += "  more: [*l4, *l4, *l4, *l4, *l4, *l4]\n"
    (tmp_path / "api.yaml").write_text(_ref_to("a.yaml") + bomb, encoding="utf-8")
    (tmp_path / "a.yaml").write_text("type: object\n" + bomb, encoding="utf-8")
    (found,) = diagnostics(tmp_path / "api.yaml")
    assert Path(found.location.file).name == "a.yaml"
    assert re.fullmatch(r"spec expands to over [\d,]+ values", found.message)


def test_copies_count_against_the_value_budget(tmp_path: Path) -> None:
    # Each path item's operation has ten callbacks, each the next path item: 10**8 copies.
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /a: {$ref: 'p0.yaml'}\n",
        encoding="utf-8",
    )
    for level in range(8):
        callbacks = "".join(
            f"    c{i}:\n      '{{$url}}': {{$ref: 'p{level + 1}.yaml'}}\n" for i in range(10)
        )
        text = "post:\n  responses:\n    '200': {description: OK}\n"
        (tmp_path / f"p{level}.yaml").write_text(
            text + ("  callbacks:\n" + callbacks if level < 7 else ""), encoding="utf-8"
        )
    with pytest.raises(GenerationError) as caught:
        load.ready(load.read(tmp_path / "api.yaml"))
    (found,) = caught.value.diagnostics
    assert re.fullmatch(r"spec expands to over [\d,]+ values", found.message)
    assert found.location.pointer.endswith("/$ref") and found.location.line > 0


# --- the no-op path -----------------------------------------------------------------------


def test_the_inputs_key_covers_every_file_the_spec_is_read_from(tmp_path: Path) -> None:
    # What `generate` compares before deciding that nothing changed: the manifest names every
    # file (above), and the key changes with each of them.
    root = copy_of("cloud", tmp_path)
    package, _ = multifile.generated("cloud")
    listed = json.loads((package / "apiforge-manifest.json").read_text())["spec_files"]
    config = Config(spec=root, output=tmp_path / "out", package="p")
    before = apiforge._inputs_key(config, listed)
    assert before and apiforge._inputs_key(config, listed) == before
    for rel in listed:
        path = root.parent / rel
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert apiforge._inputs_key(config, listed) != before, rel
        path.write_bytes(original)
    assert apiforge._inputs_key(config, listed) == before
    # A file the manifest names outside the reference root is not read: the key is empty.
    assert apiforge._inputs_key(config, [*listed, "../../etc/passwd"]) == ""


# --- OpenAPI 3.1, and the names of last resort ----------------------------------------------


def test_openapi_3_1_siblings_defs_and_names_from_titles(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths:\n  /w:\n    get:\n"
        "      operationId: getW\n      responses:\n        '200':\n          description: OK\n"
        "          content:\n            application/json:\n              schema:\n"
        "                $ref: 'models/2.yaml'\n                description: The widget.\n",
        encoding="utf-8",
    )
    (tmp_path / "models").mkdir()
    # A file whose stem gives no name: the title does. Its $defs are local to it; the
    # fragment #/$defs/0 names nothing either, nor does its file (2.yaml): "Schema".
    (tmp_path / "models" / "2.yaml").write_text(
        "title: widget\ntype: object\nproperties:\n  part: {$ref: '#/$defs/Part'}\n"
        "  tags: {type: array, items: {$ref: 'tags.json'}}\n"
        "  odd: {$ref: '#/$defs/0'}\n"
        "$defs:\n  Part: {type: object, properties: {n: {type: integer}}}\n"
        "  '0': {type: object, properties: {x: {type: string}}}\n",
        encoding="utf-8",
    )
    (tmp_path / "models" / "tags.json").write_text('{"type": ["string", "null"]}', encoding="utf-8")
    spec, found = load.ready(load.read(tmp_path / "api.yaml"))
    assert found == []
    schemas = spec.document["components"]["schemas"]
    assert list(schemas) == ["Widget", "Part", "Tags", "Schema"]
    assert spec.document["paths"]["/w"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/Widget", "description": "The widget."}
    assert spec.locate("/components/schemas/Part/properties/n").file == str(
        tmp_path / "models" / "2.yaml"
    )


def test_a_pure_reference_cycle_across_files_names_the_files(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(_ref_to("a.yaml"), encoding="utf-8")
    (tmp_path / "a.yaml").write_text("$ref: b.yaml\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("$ref: a.yaml\n", encoding="utf-8")
    (found,) = diagnostics(tmp_path / "api.yaml")
    assert where(found, tmp_path / "api.yaml") == ("a.yaml", 1, 7, "/$ref")
    files = f"{tmp_path / 'a.yaml'}#, {tmp_path / 'b.yaml'}#"  # named as the spec was
    assert found.message == f"$ref cycle: {files} refer only to each other"


def test_a_symlink_pointed_elsewhere_is_a_change(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(_ref_to("link.yaml"), encoding="utf-8")
    (tmp_path / "a.yaml").write_text("type: object\nproperties: {a: {type: string}}\n")
    (tmp_path / "b.yaml").write_text("type: object\nproperties: {b: {type: string}}\n")
    (tmp_path / "link.yaml").symlink_to("a.yaml")
    config = Config(spec=tmp_path / "api.yaml", output=tmp_path / "out", package="p")
    assert generate(config).written
    listed = json.loads((tmp_path / "out/p/apiforge-manifest.json").read_text())["spec_files"]
    assert sorted(listed) == ["api.yaml", "link.yaml"]  # as referred to
    assert generate(config).written == []
    (tmp_path / "link.yaml").unlink()
    (tmp_path / "link.yaml").symlink_to("b.yaml")
    assert "_models.py" in generate(config).written
