"""``python -m apiforge``: the same as the ``apiforge`` command."""

import sys

from .cli import main

sys.exit(main())
