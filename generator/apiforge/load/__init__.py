"""Stage 1, load: the spec's text into a document that keeps every value's position.

``document`` reads YAML or JSON (positions, duplicate keys, size and alias budgets),
``bundle`` follows references to other files into one document (``objects`` says what
kind of object each reference stands for), ``validate`` runs openapi-spec-validator and
turns its complaints into located diagnostics (``located`` finds where its keyword checks
looked), ``lenient`` reads the mistakes that have one obvious reading with a warning, and
``swagger2`` rewrites a Swagger 2.0 document into the OpenAPI 3 shape the build stage
reads. ``ready`` does it all.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, GenerationError, Severity
from .document import LoadedSpec, escape, read, ref_pointer, resolve_pointer

if TYPE_CHECKING:
    from .ledger import Ledger
    from .verdict import Judge

__all__ = ["LoadedSpec", "escape", "read", "ready", "ref_pointer", "resolve_pointer"]


def ready(
    spec: LoadedSpec,
    ref_root: Path | None = None,
    judge: Judge | None = None,
    book: Ledger | None = None,
) -> tuple[LoadedSpec, list[Diagnostic]]:
    """``spec`` with the files it refers to (within ``ref_root``, by default its folder)
    in one document, validated, its lenient readings made and in the OpenAPI 3 shape, with
    the warnings; raises ``GenerationError`` with every diagnostic when any is an error.
    With ``judge``, the validator's verdict may be left to it: ``judge.clean()`` must
    then hold before anything built from ``spec`` counts. ``book``: what the last run
    into the same output folder found in each part (``ledger``)."""
    import dataclasses

    from . import swagger2, validate  # the validator is costly to import: only when used

    spec, found = validate.check(spec, ref_root, judge, book)
    if any(d.severity is Severity.ERROR for d in found):
        raise GenerationError(found)
    if "swagger" in spec.document:
        document, origins = swagger2.upgrade(spec.document)
        spec = dataclasses.replace(spec, document=document, origins=origins)
    return spec, found
