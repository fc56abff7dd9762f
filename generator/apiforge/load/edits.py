"""The edited copies of a document that ``lenient`` makes: keys dropped, alternatives
moved into ``definitions``, values replaced, path keys renamed with the ``$ref``s into
them. Only the containers on the way to an edit are copied; everything else is shared
with the document as read, which is never changed."""

from __future__ import annotations

import copy
from typing import Any

from .document import escape, ref_pointer, unescape


def _at(document: Any, pointer: str) -> Any:
    """The value at ``pointer``, which is known to be there."""
    node = document
    for token in pointer.split("/")[1:]:
        token = unescape(token)
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def edited(
    document: dict[str, Any],
    drops: list[tuple[str, str]],
    hoists: list[tuple[str, str]],
    replaces: list[tuple[str, str, Any]],
) -> tuple[dict[str, Any], dict[str, str]]:
    """A copy of ``document`` without the keys ``drops`` name, the alternatives ``hoists``
    name moved into ``definitions``, the values ``replaces`` names replaced; and where each
    moved alternative stands in the file."""
    if not drops and not hoists and not replaces:
        return document, {}
    edited = [p for p, _, _ in replaces] + [p for p, _ in drops] + [p for p, _ in hoists]
    if hoists and isinstance(document.get("definitions"), dict):
        edited.append("/definitions")
    out = _copied(document, edited)
    for pointer, key, value in replaces:  # in place: no key moves, no pointer changes
        container = _at(out, pointer)
        token = unescape(key)
        container[int(token) if isinstance(container, list) else token] = value
    moved: dict[str, str] = {}
    edits = [(p, k, False) for p, k in drops] + [(p, k, True) for p, k in hoists]
    # The deepest first: an alternative is moved with its own edits already made.
    for pointer, key, hoist in sorted(edits, key=lambda e: -e[0].count("/")):
        value = _at(out, pointer).pop(key)
        definitions = out.setdefault("definitions", {}) if hoist else None
        if isinstance(definitions, dict):
            for index, part in enumerate(value):
                name = f"x-apiforge{pointer}/{key}/{index}"
                definitions[name] = part
                moved[f"/definitions/{escape(name)}"] = f"{pointer}/{key}/{index}"
    return out, moved


def _copied(document: dict[str, Any], pointers: list[str]) -> dict[str, Any]:
    """A copy of ``document`` in which the containers at ``pointers``, and those on the
    way to them, are copies that may be edited; every other value is shared (a deep copy
    of a 13 MB document took seconds, for a few edits)."""
    out = dict(document)
    copies: dict[str, Any] = {"": out}
    for pointer in pointers:
        node, at = out, ""
        for token in pointer.split("/")[1:]:
            at += "/" + token
            if at not in copies:
                key: Any = unescape(token)
                key = int(key) if isinstance(node, list) else key
                copies[at] = node[key] = copy.copy(node[key])
            node = copies[at]
    return out


def renamed(document: dict[str, Any], paths: dict[str, str]) -> dict[str, Any]:
    """A shallow copy of ``document`` with the path keys ``paths`` names renamed, in place,
    and every ``$ref`` into a renamed path item following it (opensuse.org's parameters
    refer to ``#/paths/~1request?view=collection/get/parameters/6``)."""
    renamed = {paths.get(key, key): item for key, item in document["paths"].items()}
    moves = {f"/paths/{escape(old)}": f"#/paths/{escape(new)}" for old, new in paths.items()}
    moved: dict[str, Any] = _moved_refs({**document, "paths": renamed}, moves)
    return moved


def _moved_refs(node: Any, moves: dict[str, str]) -> Any:
    """``node`` with each ``$ref`` whose pointer starts with a key of ``moves`` starting
    with its value instead; only the containers on the way to a changed one are copied."""
    if isinstance(node, dict):
        out: dict[str, Any] | None = None
        for key, value in node.items():
            new = _moved_ref(value, moves) if key == "$ref" else _moved_refs(value, moves)
            if new is not value:
                out = dict(node) if out is None else out
                out[key] = new
        return node if out is None else out
    if isinstance(node, list):
        items = [_moved_refs(item, moves) for item in node]
        return items if any(a is not b for a, b in zip(items, node, strict=True)) else node
    return node


def _moved_ref(ref: Any, moves: dict[str, str]) -> Any:
    """A reference moved, read as a URI fragment (``%7Bid%7D`` is ``{id}``)."""
    if not isinstance(ref, str) or not ref.startswith("#/paths/"):
        return ref
    pointer = ref_pointer(ref)
    for old, new in moves.items():
        if pointer == old or pointer.startswith(old + "/"):
            return new + pointer[len(old) :]
    return ref
