"""Stage 1b: follow references to other files (``bundle``), check references
(``refs``), and validate the document with openapi-spec-validator.

Validator complaints are translated to the file's lines and columns, those of its keyword
checks through ``located`` (which says what part of the document each was about). Swagger
2.0 allows ``type: file`` as a response schema, but the validator's schema rejects it; such
schemas are shown to the validator as binary strings, which is what they mean. Beyond that,
only the mistakes ``lenient`` reads with a warning are kept from the validator.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..diagnostics import Diagnostic
from . import bundle, ledger, lenient, located, verdict
from .document import LoadedSpec, escape, ref_pointer, resolve_pointer
from .objects import ref_places
from .refs import check_path_templates, check_refs

if TYPE_CHECKING:  # jsonschema is imported only when the reference validator runs
    from jsonschema.exceptions import ValidationError


def _version_of(spec: LoadedSpec) -> str | None:
    """The document's version as the validators name it (``2.0``, ``3.0``, ``3.1``), or
    None for one apiforge does not read."""
    if "swagger" in spec.document:
        return "2.0" if str(spec.document["swagger"]) == "2.0" else None
    version = str(spec.document.get("openapi", ""))
    return next((v for v in ("3.0", "3.1") if version.startswith(v + ".")), None)


def _validator_for(version: str) -> Any:
    """The reference validator's class for ``version``."""
    import openapi_spec_validator as osv  # costly (0.5 s): imported only when it must run

    classes = {"2.0": "OpenAPIV2SpecValidator", "3.0": "OpenAPIV30SpecValidator"}
    return getattr(osv, classes.get(version, "OpenAPIV31SpecValidator"))


def _is_not_a_ref(error: ValidationError) -> bool:
    """The complaint of a "Reference Object" branch: the value simply has no ``$ref``."""
    return error.validator == "required" and "'$ref'" in str(error.message)


_OPERATION_IN_MESSAGE = re.compile(r"for '(\w+)' operation in '([^']+)'")


def _operation_pointer(message: str) -> str:
    """The validator names, but does not point at, the operation of a path-parameter error."""
    match = _OPERATION_IN_MESSAGE.search(message)
    return f"/paths/{escape(match[2])}/{match[1]}" if match else ""


def _as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _deepest(error: ValidationError) -> tuple[list[Any], str, ValidationError]:
    """Follow ``anyOf``/``oneOf`` context down to the most specific complaint: its path,
    its message and itself.

    Among the branches, the ones that got furthest into the value say most; when they
    are all ``enum`` misses at one place, their allowed values are merged into one message.
    """
    while error.context:
        # "X or a $ref" schemas: the $ref branch's complaint is never the useful one.
        candidates = [e for e in error.context if not _is_not_a_ref(e)] or list(error.context)
        depth = max(len(e.absolute_path) for e in candidates)
        furthest = [e for e in candidates if len(e.absolute_path) == depth]
        if len(furthest) > 1 and all(e.validator == "enum" for e in furthest):
            allowed = [v for e in furthest for v in _as_list(e.validator_value)]
            message = f"{furthest[0].instance!r} is not one of {allowed!r}"
            return list(furthest[0].absolute_path), message, furthest[0]
        from jsonschema.exceptions import best_match

        match = best_match(furthest)
        if match is None:
            break
        error = match
    path = list(error.absolute_path)
    unknown = _unknown_keys(error)
    return ([*path, unknown[0]] if len(unknown) == 1 else path), str(error.message), error


def _unknown_keys(error: ValidationError) -> list[str]:
    """The keys an OpenAPI object holds that it does not define (nor ``x-`` extensions):
    what a complaint of ``additionalProperties: false`` is about."""
    if error.validator != "additionalProperties" or error.validator_value is not False:
        return []
    if not isinstance(error.instance, dict) or not isinstance(error.schema, dict):
        return []
    defined = error.schema.get("properties") or {}
    patterns = list(error.schema.get("patternProperties") or {})
    return [
        str(key)
        for key in error.instance
        if key not in defined and not any(re.search(p, str(key)) for p in patterns)
    ]


def _as_validated(document: dict[str, Any]) -> dict[str, Any]:
    """The document as the validator should see it: without the extensions among its paths,
    and 2.0 file responses as binary strings."""
    paths = document.get("paths")
    if isinstance(paths, dict) and any(str(key).startswith("x-") for key in paths):
        # Extensions are not paths; the validator reads them as path items (a string one
        # made it raise KeyError: apicurio's x-codegen-contextRoot).
        paths = {k: v for k, v in paths.items() if not str(k).startswith("x-")}
        document = {**document, "paths": paths}
    if "swagger" not in document:
        return document
    if "paths" not in document:
        return {**document, "paths": {}}
    files = list(_file_responses(document["paths"]))
    if not files:
        return document  # the very object: a judge can be handed the text it was read from
    # Copied only on the way to what changes: the rest is the document's own.
    shown = {**document, "paths": dict(document["paths"])}
    for path, method, status in files:
        item = shown["paths"][path] = dict(shown["paths"][path])
        op = item[method] = dict(item[method])
        responses = op["responses"] = dict(op["responses"])
        response = responses[status] = dict(responses[status])
        response["schema"] = {**response["schema"], "type": "string", "format": "binary"}
    return shown


def _file_responses(paths: Any) -> Iterator[tuple[Any, Any, Any]]:
    """Where a 2.0 response's schema is ``type: file``: path, method and status."""
    for path, item in paths.items() if isinstance(paths, dict) else ():
        for method, op in item.items() if isinstance(item, dict) else ():
            responses = op.get("responses") if isinstance(op, dict) else None
            for status, response in responses.items() if isinstance(responses, dict) else ():
                schema = response.get("schema") if isinstance(response, dict) else None
                if isinstance(schema, dict) and schema.get("type") == "file":
                    yield path, method, status


def _through_refs(document: Any, parts: list[Any]) -> str:
    """The pointer of the value that ``parts``, a path the validator walked through
    ``$ref``s, reaches: where that value is written."""
    node, pointer = document, ""
    for part in parts:
        token = str(part)
        while isinstance(node, dict) and token not in node and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            try:
                node, pointer = resolve_pointer(document, ref), ref_pointer(ref)
            except KeyError:
                break
        pointer += f"/{escape(token)}"
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return pointer


def _moved(pointer: str, moved: dict[str, str]) -> str:
    """The file's pointer for a pointer of the document shown to the validator."""
    for shown, original in moved.items():
        if pointer == shown or pointer.startswith(shown + "/"):
            return original + pointer[len(shown) :]
    return pointer


def _pointer(parts: Iterable[Any]) -> str:
    """The JSON pointer of a validator's path."""
    return "".join(f"/{escape(str(p))}" for p in parts)


class _Complaint(NamedTuple):
    pointer: str  # in the document shown to the validator
    message: str
    keyword: bool  # made by a keyword check, not the OpenAPI schema
    unknown: tuple[str, ...]  # pointers of the keys no OpenAPI object defines, if only those


def _complaints(shown: dict[str, Any], version: str) -> Iterator[_Complaint]:
    """The reference validator's complaints; those the build reads leniently (duplicate
    operationIds, required names no property defines) are left out."""
    for error in located.complaints(shown, _validator_for(version)):
        if located.read_by_build(error):
            continue
        path, message, deepest = _deepest(error)
        where = located.where(error)
        if where is None:
            pointer = _pointer(path) or _operation_pointer(message)
            at = _pointer(deepest.absolute_path)
            unknown = tuple(f"{at}/{escape(key)}" for key in _unknown_keys(deepest))
            yield _Complaint(pointer, message, False, unknown)
        else:
            yield _Complaint(_through_refs(shown, [*where, *path]), message, True, ())


def _judged(
    reading: lenient.Reading, version: str, spec: LoadedSpec, judge: verdict.Judge | None = None
) -> tuple[list[_Complaint], frozenset[str]]:
    """The validator's complaints about the document read leniently, and the pointers (in
    the file) of the keys no OpenAPI object defines, if some complaint is about only those.
    None found when ``judge`` takes the document: its verdict is asked for later."""
    found: list[_Complaint] = []
    shown = _as_validated(reading.shown)
    if judge is not None and judge.give(shown, version, spec.as_read):
        return found, frozenset()
    if verdict.clean(shown, version):  # the slow reference is needed only to say what
        return found, frozenset()
    try:
        found.extend(_complaints(shown, version))
    except Exception as exc:  # the validator's own crash must not become our traceback
        message = f"the spec could not be validated: {type(exc).__name__}: {exc}"
        found.append(_Complaint("", message, False, ()))
    unknown = frozenset(_moved(p, reading.moved) for c in found for p in c.unknown)
    return found, unknown


def _near(a: str, b: str) -> bool:
    """Whether one pointer is the other or inside it."""
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def _once(found: list[_Complaint]) -> list[tuple[str, str]]:
    """Each mistake once: a keyword check's complaint at (or around) the value a structural
    complaint already names is the same mistake again."""
    kept: list[tuple[str, str]] = []
    for pointer, message, keyword, _ in found:
        if (pointer, message) in kept:
            continue
        if keyword and any(_near(pointer, other) for other, _ in kept):
            continue
        kept.append((pointer, message))
    return kept


def _version(spec: LoadedSpec) -> tuple[str, list[Diagnostic]]:
    """The document's version (``2.0``, ``3.0``, ``3.1``), or why apiforge cannot read it."""
    if "openapi" not in spec.document and "swagger" not in spec.document:
        hint = "apiforge reads Swagger 2.0 and OpenAPI 3.0 and 3.1 documents"
        message = "not an OpenAPI document: no 'openapi' or 'swagger' field"
        return "", [spec.error("", message, hint)]
    version = _version_of(spec)
    if version is None:
        key = "swagger" if "swagger" in spec.document else "openapi"
        hint = "supported: swagger 2.0, openapi 3.0.x and 3.1.x"
        kind = "Swagger" if key == "swagger" else "OpenAPI"
        written = spec.document.get(key)
        return "", [spec.error(f"/{key}", f"unsupported {kind} version {written!r}", hint)]
    return version, []


_UNKNOWN_PASSES = 3  # validations more, at most, for keys no OpenAPI object defines


def _followed(
    spec: LoadedSpec, ref_root: Path | None, book: ledger.Ledger | None = None
) -> tuple[str, LoadedSpec, list[Diagnostic]]:
    """The document's version, the spec with its other files followed, and what stops it
    before the validator: an unknown version, files that cannot be followed, broken
    ``$ref``s and path templates. ``book``: the $refs of the parts as the last run found
    them, where a part is as it was."""
    version, problems = _version(spec)
    if problems:
        return version, spec, problems
    document = spec.document
    found = list(ref_places(document, book=book))  # walked once for both
    spec, problems = bundle.follow(spec, ref_root, found)
    if spec.document is not document:
        found = list(ref_places(spec.document))  # with the other files' references
    if problems:  # with the root's own, in the order they are written
        in_root = [d for d in problems if d.location.file == spec.display]
        elsewhere = [d for d in problems if d.location.file != spec.display]
        ordered = sorted(in_root + check_refs(spec, True, found), key=lambda d: d.location[1:3])
        return version, spec, ordered + elsewhere
    return version, spec, check_refs(spec, found=found) + check_path_templates(spec)


def check(
    spec: LoadedSpec,
    ref_root: Path | None = None,
    judge: verdict.Judge | None = None,
    book: ledger.Ledger | None = None,
) -> tuple[LoadedSpec, list[Diagnostic]]:
    """Validate ``spec``, the files it refers to followed (within ``ref_root``, by default
    the spec's folder): its located errors and warnings, and the spec as it is to be
    built, in one document, with the mistakes read leniently (``lenient``) set right.
    With ``judge``, the validator's verdict may be left to it (``Judge.clean`` says it).
    ``book``: what the last run into the same output folder found in each part of the
    document as read (``ledger``), taken again where the part is as it was."""
    if book is not None:
        book.bind(spec.document)
    version, spec, problems = _followed(spec, ref_root, book)
    if problems:
        return spec, problems
    reading = lenient.read(spec, book=book)
    found, unknown = _judged(reading, version, spec, judge)
    ignored: frozenset[str] = frozenset()
    # Keys no OpenAPI object defines are ignored with a warning, and the rest judged again:
    # a complaint about one may have stood for others in the same object ("one of these").
    for _ in range(_UNKNOWN_PASSES):
        if not unknown - ignored:
            break
        ignored |= unknown
        reading = lenient.read(spec, ignored, book)
        found, unknown = _judged(reading, version, spec)
    errors = [spec.error(_moved(p, reading.moved), m) for p, m in _once(found)]
    # Build diagnostics in a renamed path find their place in the file through ``origins``.
    origins = {**spec.origins, **reading.moved}
    read = dataclasses.replace(spec, document=reading.kept, origins=origins)
    return read, reading.warnings + errors


def validate(spec: LoadedSpec, ref_root: Path | None = None) -> list[Diagnostic]:
    """Check the document against the OpenAPI schema; its located errors and warnings."""
    return check(spec, ref_root)[1]


def verdicts(spec: LoadedSpec, ref_root: Path | None = None) -> tuple[bool, bool] | None:
    """Whether openapi-spec-validator-rs and the reference validator each find nothing
    (but what the build reads) in the document as ``check`` first shows it to them: the
    differential test's question. None when the document does not get that far."""
    version, spec, problems = _followed(spec, ref_root)
    if problems:
        return None
    shown = _as_validated(lenient.read(spec).shown)
    try:
        reference = next(_complaints(shown, version), None) is None
    except Exception:  # a crash of the reference is a complaint, as in _judged
        reference = False
    return verdict.clean(shown, version), reference
