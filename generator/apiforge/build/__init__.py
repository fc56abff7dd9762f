"""Stage 2, build: a validated OpenAPI 3 document into the typed IR of ``ir.py``.

``api`` is the entry point (servers, security, operations); ``schemas`` turns schemas
into models, enums and unions; ``parameters`` and ``paging`` read operations' inputs;
``context`` holds what they share (diagnostics, ``$ref`` resolution, class names).
"""

from __future__ import annotations

from .api import build

__all__ = ["build"]
