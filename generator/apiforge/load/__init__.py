"""Stage 1, load: the spec's text into a document that keeps every value's position.

``document`` reads YAML or JSON (positions, duplicate keys, size and alias budgets),
``validate`` runs openapi-spec-validator and turns its complaints into located
diagnostics, and ``swagger2`` rewrites a Swagger 2.0 document into the OpenAPI 3 shape
the build stage reads.
"""

from __future__ import annotations

from .document import LoadedSpec, escape, read, ref_pointer, resolve_pointer

__all__ = ["LoadedSpec", "escape", "read", "ref_pointer", "resolve_pointer"]
