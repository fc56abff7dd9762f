"""Stage 1b, before the validator: every local ``$ref`` resolves and none is part of a
pure ``$ref`` loop, and no path template holds an empty name. Checked first, because the
validator would trip over a broken reference, and the build (which may run while the
validator judges: ``verdict.Judge``) relies on them.
"""

from __future__ import annotations

from typing import Any

from .. import urlpath
from ..diagnostics import Diagnostic
from .document import LoadedSpec, escape, ref_pointer, resolve_pointer
from .objects import Where, ref_places, spelled


def check_refs(
    spec: LoadedSpec, local: bool = False, found: list[tuple[Where, Any]] | None = None
) -> list[Diagnostic]:
    """Refuse unresolved references and ``$ref`` cycles before the validator trips over
    them; references to other files were followed by ``bundle`` already (``local``: they
    could not be, and are left to its diagnostics). ``found``: the document's
    ``ref_places``, when known."""
    problems = []
    cycles: set[frozenset[str]] = set()
    targets: dict[str, Any] = {}  # each reference resolved once (GitHub's: 9,000, 1,500 apart)
    for place, ref in ref_places(spec.document) if found is None else found:
        if not isinstance(ref, str):
            problems.append(spec.error(_at(place), "$ref must be a string"))
        elif not ref.startswith("#"):
            if not local:
                problems.append(spec.error(_at(place), f"unresolved reference {ref!r}"))
        else:
            if ref not in targets:
                targets[ref] = resolve_pointer(spec.document, ref, _MISSING)
            if targets[ref] is _MISSING:
                problems.append(spec.error(_at(place), f"unresolved reference {ref!r}"))
                continue
            if not isinstance(targets[ref], dict) or "$ref" not in targets[ref]:
                continue  # a reference to what is no reference: in no cycle
            members = _ref_cycle(spec.document, "#" + spelled("", place), ref)
            if members and members not in cycles:  # each cycle once, at its first $ref
                cycles.add(members)
                shown = sorted(_written(spec, m) for m in members)
                message = f"$ref cycle: {', '.join(shown)} refer only to each other"
                hint = "a schema must say what it is somewhere"
                problems.append(spec.error(_at(place), message, hint))
    return problems


_MISSING = object()


def _at(place: Where) -> str:
    """The pointer of the ``$ref`` held by the object at ``place``."""
    return f"{spelled('', place)}/$ref"


def _written(spec: LoadedSpec, ref: str) -> str:
    """A local reference as written: in the spec, or another file of it (``pet.yaml#``)."""
    file, pointer = spec.source(ref_pointer(ref))
    return f"{'' if file == spec.display else file}#{pointer}"


def _ref_cycle(document: Any, holder: str, ref: str) -> frozenset[str]:
    """The references of a pure ``$ref`` loop through ``holder``, or an empty set; a loop
    that ``holder`` only leads into is reported at the loop itself."""
    seen = [holder]
    following: Any = ref
    while isinstance(following, str) and following.startswith("#"):
        if following == holder:
            return frozenset(seen)
        if following in seen:
            return frozenset()
        seen.append(following)
        try:
            target = resolve_pointer(document, following)
        except KeyError:
            return frozenset()
        following = target.get("$ref") if isinstance(target, dict) else None
    return frozenset()


def check_path_templates(spec: LoadedSpec) -> list[Diagnostic]:
    """Path templates with an empty name (``/items/{}``), which no parameter can fill."""
    problems = []
    for path in spec.document.get("paths") or {}:
        if "" in urlpath.names(str(path)):
            message = "a path template holds an empty parameter name ({})"
            problems.append(spec.error_at_key(f"/paths/{escape(str(path))}", message))
    return problems
