"""What every step of the build shares: the document, its diagnostics, ``$ref`` resolution
and the package's class names.

``schemas``, ``parameters``, ``paging`` and ``api`` all report problems and claim names
through one ``BuildContext``, so diagnostics come out in the order they were found and no
two generated classes share a name.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from .. import names
from ..diagnostics import Diagnostic, Severity
from ..load.document import LoadedSpec, ref_pointer, resolve_pointer
from .replay import Log


def _reserved_classes() -> set[str]:
    return set(names.RESERVED_CLASSES)


@dataclass
class BuildContext:
    """The document being built, with its diagnostics and the class names taken so far."""

    spec: LoadedSpec
    diagnostics: list[Diagnostic] = field(default_factory=list)
    class_names: set[str] = field(default_factory=_reserved_classes)
    # Each reference's target and pointer, resolved once (GitHub's: 31,000 asked, 1,500 apart).
    _targets: dict[str, tuple[Any, str]] = field(default_factory=dict)
    log: Log = field(default_factory=Log)  # what a component schema's building does (replay)

    @property
    def doc(self) -> Any:
        """The validated document."""
        return self.spec.document

    @property
    def failed(self) -> bool:
        """True once any error has been recorded."""
        return any(d.severity is Severity.ERROR for d in self.diagnostics)

    # -- diagnostics ---------------------------------------------------------------
    def error(self, pointer: str, message: str, hint: str = "") -> None:
        """Record an error at ``pointer``; building goes on to find more."""
        if self.log.on:
            self.log.said.append((True, pointer, message, hint))
        self.diagnostics.append(self.spec.error(pointer, message, hint))

    def warn(self, pointer: str, message: str) -> None:
        """Record a warning at ``pointer``."""
        if self.log.on:
            self.log.said.append((False, pointer, message, ""))
        self.diagnostics.append(Diagnostic(Severity.WARNING, self.spec.locate(pointer), message))

    # -- names ---------------------------------------------------------------------
    def claim_class(self, wanted: str) -> names.ClassName:
        """A class name not yet used in the package, derived from ``wanted``."""
        base = names.class_name(wanted)
        candidate = self.free_class(base)
        self.class_names.add(candidate)
        if self.log.on:
            self.log.claims.append((base, candidate))
        return candidate

    def free_class(
        self, base: names.ClassName, also: AbstractSet[str] = frozenset()
    ) -> names.ClassName:
        """The name ``claim_class`` gives for ``base`` (a class name), were the names
        ``also`` taken too: ``base``, else ``base`` numbered from 2."""
        candidate, n = base, 1
        while candidate in self.class_names or candidate in also:
            n += 1
            candidate = names.ClassName(f"{base}{n}")
        return candidate

    # -- references ----------------------------------------------------------------
    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow ``$ref`` chains; return the target and its pointer."""
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                self.error(pointer, f"$ref cycle through {ref!r}")
                return {}, pointer
            seen.add(ref)
            if ref not in self._targets:
                self._targets[ref] = resolve_pointer(self.doc, ref), ref_pointer(ref)
            node, pointer = self._targets[ref]
            self.note(pointer)
        return node, pointer

    def read(self, pointer: str) -> Any:
        """The document's node at ``pointer``."""
        self.note(pointer)
        return resolve_pointer(self.doc, "#" + pointer)

    def note(self, pointer: str) -> None:
        """The part of the document at ``pointer`` is read: a component schema's building
        depends on it (``replay``)."""
        if self.log.on:
            self.log.seen.add(pointer)
