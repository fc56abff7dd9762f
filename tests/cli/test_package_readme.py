"""The generated package's own README.md: every operation, model and enum listed, and a
usage example that calls what exists, for the repository's spec and a small spec with
more operations.

The command runs in a subprocess (``python -P -m apiforge``); nothing is mocked.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import yaml
from support.cli import VENDOR_PACKAGE, Cli, Vendored, generate_into

# A small multi-operation spec, so the package README is checked on more than one row.
PETS_SPEC = """\
openapi: 3.0.3
info:
  title: Pet Shelter
  version: "2.1"
servers:
  - url: https://shelter.example.com/v2
paths:
  /pets:
    post:
      operationId: createPet
      summary: Admit a new pet.
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewPet"}
      responses:
        "201":
          description: Created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
    get:
      operationId: listPets
      summary: List the pets in the shelter.
      parameters:
        - {name: status, in: query, schema: {$ref: "#/components/schemas/PetStatus"}}
        - {name: sort, in: query, schema: {type: string, enum: [name, age]}}
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getPet
      description: |-
        Fetch one pet by its id.
        This second line is not part of the summary.
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pet"}
    delete:
      operationId: deletePet
      summary: Rehome a pet.
      responses:
        "204": {description: Gone}
components:
  schemas:
    PetStatus:
      type: string
      description: Where a pet stands.
      enum: [available, adopted, pending]
    Pet:
      type: object
      description: A pet in the shelter.
      required: [id, name]
      properties:
        id: {type: integer}
        name: {type: string}
        status: {$ref: "#/components/schemas/PetStatus"}
    NewPet:
      type: object
      required: [name]
      properties:
        name: {type: string}
        status: {$ref: "#/components/schemas/PetStatus"}
"""


def module_classes(source: bytes) -> dict[str, ast.ClassDef]:
    """Top-level classes of a module."""
    tree = ast.parse(source)
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def exported_from(init: bytes, module: str) -> list[str]:
    """Names ``__init__.py`` re-exports from ``.module``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(init)):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module == module:
            found += [alias.name for alias in node.names]
    return found


def snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def readme_section(readme: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def check_readme(package: Path, package_name: str, spec: dict, tree: Callable) -> None:
    files = tree(package)
    readme = files["README.md"].decode("utf-8")
    init = files["__init__.py"]
    client_classes = module_classes(files["_client.py"])
    async_classes = module_classes(files["_async_client.py"])
    (client_name,) = [n for n in exported_from(init, "_client") if n in client_classes]
    client = client_classes[client_name]
    methods = {n.name: n for n in client.body if isinstance(n, ast.FunctionDef)}
    async_methods = {
        n.name
        for cls in async_classes.values()
        for n in cls.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    }

    # Operations: one row per operation of the spec, with its name, method, path, summary.
    rows = []
    for line in readme_section(readme, "Operations").splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            assert len(cells) == 4, line
            rows.append((cells[0].strip("`"), cells[1], cells[2].strip("`"), cells[3]))
    expected = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in {"get", "put", "post", "delete", "patch", "head", "options"}:
                summary = op.get("summary") or op["description"].splitlines()[0]
                expected.append((snake(op["operationId"]), method.upper(), path, summary))
    missing = [row for row in expected if row not in rows]
    assert not missing, f"README.md does not list {missing}; rows: {rows}"
    for name, http, path, _ in rows:
        assert name in methods and name in async_methods, f"{name} is not a client method"
        assert (http, path) in {(e[1], e[2]) for e in expected}, f"{name}: no such operation"

    # Models and enums: every one the package exports, in its own section.
    def listed(title: str) -> dict[str, str]:
        entries = re.findall(r"^- `(\w+)`(.*)$", readme_section(readme, title), re.M)
        return dict(entries)

    models = listed("Models")
    assert sorted(models) == sorted(exported_from(init, "_models"))
    enums = listed("Enums")
    exported_enums = exported_from(init, "_enums")
    assert sorted(enums) == sorted(exported_enums)
    enum_classes = module_classes(files["_enums.py"])
    for name in exported_enums:
        values = [
            ast.literal_eval(node.value)
            for node in enum_classes[name].body
            if isinstance(node, ast.Assign)
        ]
        assert values, name
        shown = re.findall(r"`([^`]*)`", enums[name])
        if len(values) <= 12:
            assert shown == [str(v) for v in values], (name, enums[name])
        else:
            assert shown == [str(v) for v in values[:12]], (name, enums[name])
            assert f"({len(values)} values)" in enums[name]

    # The usage example is Python, uses the package, and calls things that exist.
    blocks = re.findall(r"^```python\n(.*?)^```$", readme, re.M | re.S)
    assert len(blocks) == 1, readme
    example = ast.parse(blocks[0], "README.md usage example")
    imported = [
        (node.module, alias.name)
        for node in ast.walk(example)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]
    assert (package_name, client_name) in imported
    calls = [n for n in ast.walk(example) if isinstance(n, ast.Call)]
    constructor = [c for c in calls if isinstance(c.func, ast.Name) and c.func.id == client_name]
    operations = [c for c in calls if isinstance(c.func, ast.Attribute)]
    assert len(constructor) == 1 and operations, blocks[0]
    for call, function in [
        (constructor[0], methods["__init__"]),
        *((c, methods[c.func.attr]) for c in operations if c.func.attr in methods),
    ]:
        args = function.args
        names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs][1:]
        required = [a.arg for a in args.args[1:][: len(args.args) - 1 - len(args.defaults)]]
        required += [
            a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None
        ]
        given = [k.arg for k in call.keywords]
        assert set(given) <= set(names), (function.name, given, names)
        assert set(required) <= set(given), (function.name, required, given)
    assert all(c.func.attr in methods for c in operations), blocks[0]


def test_package_readme_describes_the_vendored_client(
    vendored: Vendored, spec_path: Path, tree: Callable
) -> None:
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    check_readme(vendored.package, VENDOR_PACKAGE, spec, tree)
    readme = (vendored.package / "README.md").read_text()
    assert readme.splitlines()[1] == f"# {VENDOR_PACKAGE}"


def test_package_readme_lists_every_operation_of_a_larger_api(
    cli: Cli, tmp_path: Path, tree: Callable
) -> None:
    spec = tmp_path / "pets.yaml"
    spec.write_text(PETS_SPEC)
    result = generate_into(cli, spec, tmp_path / "out", package="pets_client")
    assert result.returncode == 0, result.stderr

    check_readme(tmp_path / "out" / "pets_client", "pets_client", yaml.safe_load(PETS_SPEC), tree)
    readme = (tmp_path / "out" / "pets_client" / "README.md").read_text()
    assert "| `get_pet` | GET | `/pets/{petId}` | Fetch one pet by its id. |" in readme
    assert "second line" not in readme
    assert "- `PetStatus`: `available`, `adopted`, `pending`" in readme.splitlines()
