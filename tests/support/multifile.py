"""The specs split across files in ``tests/multifile/``: generated once per test process
and imported under a name of their own, like the construct corpus (``corpus.py``)."""

from __future__ import annotations

import atexit
import importlib.util
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType

from support.paths import TESTS

MULTIFILE = TESTS / "multifile"
# Each spec's root file, by the name of its folder.
ROOTS = {
    "cloud": MULTIFILE / "cloud" / "openapi.yaml",
    "petstore-swagger": MULTIFILE / "petstore-swagger" / "swagger.yaml",
}


def module_name(name: str) -> str:
    """The unique module name a spec's package is generated and imported under."""
    return "multifile_" + name.replace("-", "_")


@cache
def _output() -> Path:
    root = Path(tempfile.mkdtemp(prefix="apiforge-multifile-"))
    atexit.register(shutil.rmtree, root, True)
    return root


@cache
def generated(name: str) -> tuple[Path, tuple[str, ...]]:
    """The package ``name``'s spec generates (once per process), and every diagnostic."""
    from apiforge import Config, generate

    config = Config(spec=ROOTS[name], output=_output(), package=module_name(name))
    report = generate(config)
    return config.target, tuple(d.format() for d in report.diagnostics)


def load(name: str) -> ModuleType:
    """The package of spec ``name``, imported once."""
    module_id = module_name(name)
    if module_id in sys.modules:
        return sys.modules[module_id]
    package, diagnostics = generated(name)
    assert not diagnostics, "\n".join(diagnostics)
    spec = importlib.util.spec_from_file_location(
        module_id, package / "__init__.py", submodule_search_locations=[str(package)]
    )
    assert spec is not None and spec.loader is not None, f"cannot load {package}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_id] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_id]
        raise
    return module
