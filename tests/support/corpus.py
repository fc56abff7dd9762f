"""The construct corpus in ``tests/specs``: one folder per construct, one expected package.

A construct folder holds the construct written in one or more spellings
(``swagger-2.0.yaml``, ``openapi-3.0.yaml``, ``openapi-3.1.yaml``) and ``expected/``: the
package every one of them must generate with ``--package client``. Only the files made from
the spec are kept there; the runtime modules (copied from ``templates/runtime/``),
``py.typed`` and the manifest are the same in every package and are checked once, in
``generator/test_spec_corpus.py``. The header names the spec file and its SHA-256, which
differ between spellings, so they are stored as ``{spec}`` and ``{sha256}``.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from apiforge.render.files import RUNTIME_MODULES

from .paths import REPO_ROOT, SPECS

PACKAGE = "client"
UPDATE_COMMAND = ".venv/bin/python tests/specs/update.py"
# Spelling file name → what its document must declare (``swagger: "2.0"``, ``openapi: 3.0.x``).
SPELLINGS = {"swagger-2.0.yaml": "2.0", "openapi-3.0.yaml": "3.0.", "openapi-3.1.yaml": "3.1."}
RUNTIME = REPO_ROOT / "templates" / "runtime"
# What every package holds alike: not part of a construct's expected package.
SHARED_FILES = frozenset({*RUNTIME_MODULES, "py.typed", "apiforge-manifest.json"})
SPEC_NAME, SPEC_SHA = "{spec}", "{sha256}"

Tree = dict[str, bytes]


@dataclass(frozen=True)
class Case:
    """One construct: its folder, its spellings and its expected package."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def spellings(self) -> tuple[Path, ...]:
        return tuple(self.path / s for s in SPELLINGS if (self.path / s).is_file())

    @property
    def expected(self) -> Path:
        return self.path / "expected"


def cases() -> list[Case]:
    """Every construct folder (one holding at least one spelling), sorted by name."""
    found = {p.parent for s in SPELLINGS for p in SPECS.glob(f"*/{s}")}
    return [Case(p) for p in sorted(found)]


def case(name: str) -> Case:
    """The construct called ``name``."""
    found = Case(SPECS / name)
    assert found.spellings, f"no construct {name!r} in {SPECS}"
    return found


def read_tree(root: Path) -> Tree:
    """Every file under ``root`` by POSIX relative path, ``__pycache__`` excluded."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def as_expected(package: Tree, spec: Path) -> Tree:
    """A generated package as ``expected/`` keeps it: shared files left out, the spec's
    name and hash in the header replaced by placeholders."""
    digest = hashlib.sha256(spec.read_bytes()).hexdigest().encode()
    header_name = f"from {spec.name}".encode()
    return {
        path: text.replace(digest, SPEC_SHA.encode()).replace(
            header_name, f"from {SPEC_NAME}".encode()
        )
        for path, text in package.items()
        if path not in SHARED_FILES
    }


def generate(spec: str, output: str) -> list[str]:
    """Generate ``spec`` into ``output``/client; the errors, formatted.

    A plain module-level function of strings, so a process pool can run it.
    """
    from apiforge import Config, generate

    config = Config(spec=Path(spec), output=Path(output), package=PACKAGE)
    return [d.format() for d in generate(config).errors]


def module_name(name: str) -> str:
    """The unique module name a construct's package is imported under."""
    return "corpus_" + re.sub(r"\W", "_", name)


@cache
def _assembled_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="apiforge-corpus-"))
    atexit.register(shutil.rmtree, root, True)
    return root


def assemble(name: str, into: Path | None = None) -> Path:
    """Construct ``name``'s whole package: its expected files plus the runtime modules,
    under ``into`` (a temporary folder by default) as ``module_name(name)``."""
    found = case(name)
    target = (into or _assembled_root()) / module_name(name)
    if target.is_dir():
        return target
    shutil.copytree(found.expected, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "py.typed").write_bytes(b"")
    for module in RUNTIME_MODULES:
        if module != "_unions.py" or b"_unions" in (target / "_models.py").read_bytes():
            shutil.copyfile(RUNTIME / module, target / module)
    return target


def load(name: str) -> ModuleType:
    """Construct ``name``'s package, imported once under ``module_name(name)``."""
    module_id = module_name(name)
    if module_id in sys.modules:
        return sys.modules[module_id]
    root = assemble(name)
    spec = importlib.util.spec_from_file_location(
        module_id, root / "__init__.py", submodule_search_locations=[str(root)]
    )
    assert spec is not None and spec.loader is not None, f"cannot load {root}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_id] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_id]
        raise
    return module
