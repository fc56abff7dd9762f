"""Interpreters for tests that must not see this checkout.

An editable install of this project (`pip install -e .`) puts the checkout on sys.path
through a .pth file, which every interpreter of the virtualenv runs. Tests that prove a
package works without the checkout start Python with -S (no site module, so no .pth) and
give it the virtualenv's libraries explicitly.
"""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

SITE_PACKAGES = tuple(dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib")))


def no_site_path(*paths: Path | str) -> str:
    """A PYTHONPATH of ``paths`` plus the virtualenv's libraries, for ``python -S``."""
    return os.pathsep.join([*map(str, paths), *SITE_PACKAGES])
