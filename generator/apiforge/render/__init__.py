"""Stage 3, render: IR into module source text through the Jinja templates.

``files`` has one function per output file kind, ``assemble`` puts them in order (and
reuses what ``memo`` kept); ``quote`` is the only way text from the spec reaches
generated code; ``emit`` and ``methods`` build annotations and statements in Python so
the templates only lay them out; ``imports`` are data.
"""

from __future__ import annotations

from .assemble import package, stream
from .environment import Meta
from .files import RUNTIME_MODULES

__all__ = ["RUNTIME_MODULES", "Meta", "package", "stream"]
