"""The spec corpus in ``tests/specs``: its cases, and its expected packages as modules.

Every case directory holds ``spec.yaml`` and ``expected/client/``, the package generated
from it. All the expected packages are called ``client``, so a test that wants several at
once loads each under its own module name (``corpus_v30_query_styles``) straight from its
``expected/`` directory; the package's relative imports follow that name.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from .paths import SPECS

PACKAGE = "client"
UPDATE_COMMAND = ".venv/bin/python tests/specs/update.py"
VERSIONS = {"v20": "swagger", "v30": "3.0.", "v31": "3.1."}


def cases() -> list[Path]:
    """Every case directory (one holding a ``spec.yaml``), sorted by name."""
    return sorted(p.parent for p in SPECS.glob("*/spec.yaml"))


def package_dir(case: Path) -> Path:
    """The expected package of ``case``."""
    return case / "expected" / PACKAGE


def module_name(case: Path | str) -> str:
    """The unique module name a case's expected package is loaded under."""
    name = case.name if isinstance(case, Path) else case
    return "corpus_" + name.replace("-", "_")


def load(case: str) -> ModuleType:
    """The expected package of case ``case`` (a directory name), imported once."""
    name = module_name(case)
    if name in sys.modules:
        return sys.modules[name]
    root = package_dir(SPECS / case)
    spec = importlib.util.spec_from_file_location(
        name, root / "__init__.py", submodule_search_locations=[str(root)]
    )
    assert spec is not None and spec.loader is not None, f"cannot load {root}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def regenerate(case_dir: str, output: str) -> list[str]:
    """Generate case ``case_dir`` into ``output``/client; the errors, formatted.

    A plain module-level function of strings, so a process pool can run it.
    """
    from apiforge import Config, generate

    config = Config(spec=Path(case_dir) / "spec.yaml", output=Path(output), package=PACKAGE)
    return [d.format() for d in generate(config).errors]
