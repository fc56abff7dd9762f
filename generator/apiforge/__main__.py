"""``python -m apiforge``: the same as the ``apiforge`` command."""

from .cli import run

run()
